/*
 * exc_page_fault: the x86 half of the page-fault path, after Linux's
 * arch/x86/mm/fault.c. It decodes the hardware facts (CR2, the error code,
 * the mode) and decides which case this is; the generic work is
 * handle_mm_fault (paging/memory.c). Every fault is timed from entry to
 * return and accounted to its class (paging/fault_stats.h).
 *
 *   kernel address (upper half)
 *       from ring 3                         SIGSEGV ("kernel address")
 *       from the kernel                     panic: the kernel's own bug
 *   user address, from the kernel
 *       in a user copy (uaccess)            handled like the program's own access;
 *                                           if that fails, the copy's fixup (-EFAULT)
 *       anywhere else                       panic (SMAP violation or a kernel bug)
 *   user address, from ring 3 (or uaccess)
 *       reserved bit set                    SIGSEGV ("reserved bit")
 *       no VMA at or above it               SIGSEGV ("no mapping")
 *       below a VMA that is not a stack     SIGSEGV ("no mapping")
 *       below a stack, cannot grow          SIGSEGV ("stack limit" / guard gap)
 *       below a stack, under mmap_min_addr  SIGSEGV ("stack would grow below mmap_min_addr")
 *       access_error (rights of the VMA)    SIGSEGV ("access error")
 *       handle_mm_fault: out of memory      oom record, program killed
 *       otherwise                           resolved: return and retry
 */
#include "fault/fault.h"
#include "paging/fault_stats.h"
#include "fault/idt.h"
#include "fault/traps.h"
#include "base/panic.h"
#include "fault/uaccess.h"
#include "cpu/x86.h"
#include "base/compiler.h"
#include "base/process.h"
#include "cpu/percpu.h"
#include "lib/record.h"
#include "paging/buddy.h"
#include "paging/init.h"
#include "paging/memory.h"
#include "paging/vma.h"

/* Linux's access_error(): does the VMA allow this kind of access? */
static bool access_error(uint64_t error_code, const struct vm_area_struct *vma)
{
	if (error_code & X86_PF_PK)
		return true;
	if (error_code & X86_PF_WRITE)
		return !(vma->vm_flags & VM_WRITE);
	if (error_code & X86_PF_PROT)       /* read or fetch of a present page it may not use */
		return true;
	return !(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC));
}

#define fault_entry_tsc this_cpu_read(fault_entry_tsc)   /* per CPU (cpu/percpu.h): when the fault being handled came in (exc_page_fault_fast) */

/* handle_mm_fault's FAULT_FLAG_* for this #PF error code and mode. */
static inline uint32_t fault_flags(const struct pt_regs *regs, uint64_t error_code)
{
	uint32_t flags = 0;
	if (user_mode(regs))
		flags |= FAULT_FLAG_USER;
	if (error_code & X86_PF_WRITE)
		flags |= FAULT_FLAG_WRITE;
	if (error_code & X86_PF_INSTR)
		flags |= FAULT_FLAG_INSTRUCTION;
	return flags;
}

/*
 * Accounts a fault that came in at t0 as class cls, moved to its "+pt"
 * class if page-table pages were allocated since pgtables_before
 * (pgtable_pages_allocated at entry).
 */
static inline void account_fault(enum fault_class cls, uint64_t t0, uint64_t clear_cycles,
				 uint64_t pgtables_before)
{
	uint64_t pgtables = pgtable_pages_allocated - pgtables_before;
	if (unlikely(pgtables) && cls == FAULT_READ_ZERO)
		cls = FAULT_READ_ZERO_PT;
	else if (unlikely(pgtables) && cls == FAULT_WRITE_ANON)
		cls = FAULT_WRITE_ANON_PT;
	fault_stats_account(cls, rdtsc_ordered() - t0, clear_cycles, pgtables);
}

/* A user-address fault that cannot be resolved: kill, or fix up a user copy. */
static void bad_area(struct pt_regs *regs, uint64_t address, const char *reason)
{
	if (!user_mode(regs) && fixup_exception(regs))
		return;
	fault_stats_account(FAULT_SEGV, rdtsc_ordered() - fault_entry_tsc, 0, 0);
	force_sig_fault(SIGSEGV, reason, address, regs);
}

static void out_of_memory(struct pt_regs *regs, uint64_t address)
{
	fault_stats_account(FAULT_OOM, rdtsc_ordered() - fault_entry_tsc, 0, 0);
	struct json *j = record_begin("oom");
	json_str(j, "program", current->comm);
	json_hex(j, "addr", address);
	json_hex(j, "rip", regs->ip);
	json_u64(j, "free_frames", nr_free_pages());
	json_u64(j, "rss_pages", get_mm_rss(current->mm));
	record_end();
	force_sig_fault(SIGKILL, "out of memory", address, regs);
}

/* The fault is on a user address, from ring 3 or from a kernel user copy.
 * Returns the class it turned out to be, for the stats. */
static enum fault_class do_user_addr_fault(struct pt_regs *regs, uint64_t error_code, uint64_t address,
					   uint64_t *clear_cycles)
{
	struct mm_struct *mm = current ? current->mm : NULL;
	enum fault_class cls = FAULT_SEGV;

	if (unlikely(!mm)) {
		if (!user_mode(regs) && fixup_exception(regs))
			return FAULT_SEGV;
		die("page fault on a user address with no program running", regs);
	}
	if (unlikely(error_code & X86_PF_RSVD)) {
		bad_area(regs, address, "reserved bit set in a page-table entry");
		return FAULT_SEGV;
	}
	uint32_t flags = fault_flags(regs, error_code);

	struct vm_area_struct *vma = find_vma(mm, address);
	if (unlikely(!vma)) {
		bad_area(regs, address, "no mapping at this address");
		return FAULT_SEGV;
	}
	bool grew = false;
	if (unlikely(vma->vm_start > address)) {
		if (!(vma->vm_flags & VM_GROWSDOWN) || vma->vm_end - address > STACK_LIMIT_BYTES) {
			bad_area(regs, address, "no mapping at this address");
			return FAULT_SEGV;
		}
		int err = expand_stack(mm, vma, address, STACK_LIMIT_BYTES, STACK_GUARD_GAP);
		if (err) {
			bad_area(regs, address, err == -EPERM ? "stack would grow below mmap_min_addr"
						: "stack cannot grow: limit or guard gap");
			return FAULT_SEGV;
		}
		grew = true;
	}
	if (unlikely(access_error(error_code, vma))) {
		bad_area(regs, address, (error_code & X86_PF_INSTR) ? "instruction fetch from a non-executable page"
				   : (error_code & X86_PF_WRITE) ? "write to a mapping without write permission"
				   : "access not allowed by the mapping");
		return FAULT_SEGV;
	}
	vm_fault_t ret = handle_mm_fault(vma, address, flags, &cls, clear_cycles);
	if (unlikely(ret & VM_FAULT_OOM)) {
		out_of_memory(regs, address);
		return FAULT_OOM;
	}
	if (unlikely(ret & VM_FAULT_ERROR)) {
		bad_area(regs, address, "the page cannot be mapped");
		return FAULT_SEGV;
	}
	if (grew)
		cls = FAULT_STACK_GROW;
	if (!user_mode(regs))
		cls = FAULT_UACCESS;
	return cls;
}

/* See fault/fault.h. */
int exc_page_fault_fast(struct pt_regs *regs)
{
	uint64_t t0 = rdtsc_ordered();
	fault_entry_tsc = t0;
	if (unlikely(fault_probe_handler) || !user_mode(regs))
		return PF_NEEDS_FULL_FRAME;

	uint64_t address = read_cr2();
	uint64_t error_code = regs->error_code;
	if (unlikely(address >= TASK_SIZE_MAX || (error_code & X86_PF_RSVD)))
		return PF_NEEDS_FULL_FRAME;
	struct vm_area_struct *vma = find_vma(current->mm, address);
	if (unlikely(!vma || vma->vm_start > address || access_error(error_code, vma)))
		return PF_NEEDS_FULL_FRAME;

	uint64_t pgtables_before = pgtable_pages_allocated, clear_cycles;
	enum fault_class cls;
	if (unlikely(handle_mm_fault(vma, address, fault_flags(regs, error_code), &cls, &clear_cycles) &
		     VM_FAULT_ERROR))
		return PF_NEEDS_FULL_FRAME;   /* nothing was mapped: exc_page_fault decides */
	account_fault(cls, t0, clear_cycles, pgtables_before);
	return 0;
}

/* See fault/fault.h. */
void exc_page_fault(struct pt_regs *regs)
{
	uint64_t t0 = fault_entry_tsc;   /* exc_page_fault_fast saw the fault first */
	uint64_t address = read_cr2();
	uint64_t error_code = regs->error_code;
	uint64_t clear_cycles = 0;
	uint64_t pgtables_before = pgtable_pages_allocated;
	enum fault_class cls;

	if (unlikely(address >= TASK_SIZE_MAX)) {
		/* Kernel half, or the never-mapped top user page. */
		if (!user_mode(regs))
			die(exception_name(14), regs);
		fault_stats_account(FAULT_SEGV, rdtsc_ordered() - t0, 0, 0);
		force_sig_fault(SIGSEGV, address >> 63 ? "access to a kernel address" : "address above the user limit",
				address, regs);
	}
	if (unlikely(!user_mode(regs) && !in_uaccess(regs)))
		die(exception_name(14), regs);

	cls = do_user_addr_fault(regs, error_code, address, &clear_cycles);

	account_fault(cls, t0, clear_cycles, pgtables_before);
}
