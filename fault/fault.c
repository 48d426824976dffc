/*
 * exc_page_fault: the x86 half of the page-fault path, after Linux's
 * arch/x86/mm/fault.c. It decodes the hardware facts (CR2, the error code,
 * the mode); page_fault_decide turns them and handle_mm_fault's verdict
 * (paging/memory.c) into ONE response (enum pf_response, as SerenityOS's
 * PageFaultResponse), and page_fault_act carries it out and accounts it:
 * every fault is timed from entry to return and counted in its class
 * (paging/fault_stats.h), a resolved one also as a minor fault of the task.
 *
 *   case                                    response (reason), si_code of a kill
 *   kernel address (upper half), or the top user page
 *       from ring 3                         SIGSEGV ("access to a kernel address" /
 *                                           "address above the user limit"), SEGV_MAPERR
 *       from the kernel                     KERNEL_BUG: the kernel's own bug
 *   user address, from the kernel
 *       in a user copy (uaccess)            handled like the program's own access;
 *                                           a SIGSEGV / SIGBUS becomes USER_COPY_FIXUP
 *                                           (the copy returns -EFAULT)
 *       anywhere else                       KERNEL_BUG (SMAP violation or a kernel bug)
 *       no program running                  USER_COPY_FIXUP ("no program running")
 *   user address, from ring 3, no program   KERNEL_BUG
 *   user address, from ring 3 (or uaccess)
 *       reserved bit set                    SIGSEGV ("reserved bit set ..."), SI_KERNEL
 *                                           (Linux's pgtable_bad() sends SIGKILL)
 *       no VMA at or above it               SIGSEGV ("no mapping at this address"), SEGV_MAPERR
 *       below a VMA that is not a stack     SIGSEGV ("no mapping at this address"), SEGV_MAPERR
 *       below a stack, past the limit       SIGSEGV ("below the stack, past the stack limit"),
 *                                           SEGV_MAPERR
 *       below a stack, in the guard gap     SIGSEGV ("stack cannot grow: limit or guard gap"),
 *                                           SEGV_MAPERR
 *       below a stack, under mmap_min_addr  SIGSEGV ("stack would grow below mmap_min_addr"),
 *                                           SEGV_MAPERR
 *       access_error (rights of the VMA)    SIGSEGV (what was not allowed), SEGV_ACCERR
 *                                           (SEGV_PKUERR for a protection key)
 *       handle_mm_fault: VM_FAULT_OOM       OOM: oom record, program killed (SIGKILL, SI_KERNEL)
 *       handle_mm_fault: VM_FAULT_SIGBUS    SIGBUS ("the page-table entry cannot be handled":
 *                                           not present but not none, or no hugetlb page), BUS_ADRERR
 *       handle_mm_fault: VM_FAULT_SIGSEGV   SIGSEGV ("the page cannot be mapped"), SEGV_MAPERR
 *       otherwise                           RESOLVED: return and retry; below a stack,
 *                                           the stack grew first
 *
 * A SIGSEGV or SIGBUS goes to the program's handler when it has one that is
 * not blocked (force_sig_fault, kernel/signal.c); otherwise it kills.
 */
#include "fault/fault.h"
#include "fault/fault_lock.h"
#include "paging/fault_stats.h"
#include "fault/idt.h"
#include "fault/traps.h"
#include "base/panic.h"
#include "fault/uaccess.h"
#include "cpu/x86.h"
#include "base/compiler.h"
#include "base/process.h"
#include "base/signal.h"
#include "cpu/percpu.h"
#include "lib/record.h"
#include "paging/buddy.h"
#include "paging/init.h"
#include "paging/memory.h"
#include "paging/mm.h"
#include "paging/mm_account.h"
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

/* Linux's mm_account_fault: a fault handled without error is a minor fault
 * of tsk, the task it happened in (getrusage). */
static inline void mm_account_fault(struct task_struct *tsk, vm_fault_t ret)
{
	if (ret & VM_FAULT_ERROR)
		return;
	if (unlikely(ret & VM_FAULT_MAJOR))
		tsk->maj_flt++;
	else
		tsk->min_flt++;
}

/* The stats class of a resolved fault from what handle_mm_fault did; a
 * fault that allocated page-table pages moves to its "+pt" class. Inlined
 * where vmf->done is still a constant per path, the switch folds away. */
static __always_inline enum fault_class fault_class_of(const struct vm_fault *vmf)
{
	enum fault_class cls = FAULT_SPURIOUS;
	switch (vmf->done) {
	case VMF_DONE_ZERO_PAGE:  cls = FAULT_READ_ZERO; break;
	case VMF_DONE_NEW_ANON:   cls = FAULT_WRITE_ANON; break;
	case VMF_DONE_NEW_SHARED: cls = FAULT_SHARED_ANON; break;
	case VMF_DONE_COW_ZERO:   cls = FAULT_COW_ZERO; break;
	case VMF_DONE_REUSE:      cls = FAULT_REUSE; break;
	case VMF_DONE_COPY:       cls = FAULT_COW_COPY; break;
	case VMF_DONE_THP_ZERO:     cls = FAULT_THP_READ; break;
	case VMF_DONE_THP_NEW:      cls = FAULT_THP_WRITE; break;
	case VMF_DONE_THP_COW_ZERO: cls = FAULT_THP_COW_ZERO; break;
	case VMF_DONE_THP_FALLBACK: cls = FAULT_THP_FALLBACK; break;
	case VMF_DONE_HUGETLB_2M:   cls = FAULT_HUGETLB_2M; break;
	case VMF_DONE_HUGETLB_1G:   cls = FAULT_HUGETLB_1G; break;
	case VMF_DONE_FILE_READ:  cls = FAULT_FILE_READ; break;
	case VMF_DONE_FILE_READ_MAJOR: cls = FAULT_FILE_READ_MAJOR; break;
	case VMF_DONE_FILE_COW:   cls = FAULT_FILE_COW; break;
	case VMF_DONE_FILE_SHARED_WRITE: cls = FAULT_FILE_SHARED_WRITE; break;
	case VMF_DONE_SWAP_IN:      cls = FAULT_SWAP_IN; break;
	case VMF_DONE_SWAP_IN_SAME: cls = FAULT_SWAP_IN_SAME; break;
	case VMF_DONE_SWAP_CACHE:   cls = FAULT_SWAP_CACHE; break;
	case VMF_DONE_SPURIOUS:   break;
	}
	if (unlikely(vmf->pgtables) && cls == FAULT_READ_ZERO)
		cls = FAULT_READ_ZERO_PT;
	else if (unlikely(vmf->pgtables) && cls == FAULT_WRITE_ANON)
		cls = FAULT_WRITE_ANON_PT;
	return cls;
}

/* Accounts a fault that came in at t0 as class cls. */
static inline void account_fault(enum fault_class cls, uint64_t t0, uint64_t clear_cycles, uint64_t pgtables)
{
	struct fault_stats *fs = this_cpu_read(fault_stats);   /* per CPU: merged by fault_stats_sync */
	if (unlikely(!fs))
		fs = fault_stats_this_cpu_slow();
	fault_stats_account(fs, cls, rdtsc_ordered() - t0, clear_cycles, pgtables);
}

/* The one response to a page fault; page_fault_act carries it out. */
enum pf_response {
	PF_RESOLVED,            /* mapped (or already was): return and retry the access */
	PF_USER_COPY_FIXUP,     /* a kernel user copy failed: resume at its fixup (-EFAULT) */
	PF_SIGSEGV,             /* kill the program with SIGSEGV (reason) */
	PF_SIGBUS,              /* kill the program with SIGBUS (reason) */
	PF_OOM,                 /* out of memory: oom record, kill the program */
	PF_KERNEL_BUG,          /* panic (reason) */
};

struct pf_verdict {
	enum pf_response response;
	int code;               /* Linux's si_code for a kill (base/signal.h) */
	const char *reason;     /* for the kill record or the panic */
	bool stack_grew;        /* PF_RESOLVED below a stack: expand_stack grew it */
};

static inline struct pf_verdict verdict(enum pf_response r, const char *reason)
{
	return (struct pf_verdict){ .response = r, .code = SI_KERNEL, .reason = reason };
}

/* A SIGSEGV verdict with si_code code (SEGV_MAPERR, SEGV_ACCERR, SEGV_PKUERR,
 * as Linux's bad_area*; SI_KERNEL where Linux reports no address). */
static inline struct pf_verdict segv(int code, const char *reason)
{
	return (struct pf_verdict){ .response = PF_SIGSEGV, .code = code, .reason = reason };
}

/* decide_user_addr_fault's body, under mm's mmap_lock: for reading, or
 * (write_locked) for writing. Growing a stack changes the VMA, so with the
 * lock only read it sets *need_write and decides nothing (Linux 6.5's
 * lock_mm_and_find_vma upgrades the same way). */
static struct pf_verdict decide_user_addr_fault_locked(struct pt_regs *regs, uint64_t error_code, uint64_t address,
							struct vm_fault *vmf, struct mm_struct *mm, bool write_locked,
							bool *need_write)
{
	struct vm_area_struct *vma = find_vma(mm, address);
	if (unlikely(!vma))
		return segv(SEGV_MAPERR, "no mapping at this address");
	bool grew = false;
	if (unlikely(vma->vm_start > address)) {
		if (!(vma->vm_flags & VM_GROWSDOWN))
			return segv(SEGV_MAPERR, "no mapping at this address");
		if (!write_locked) {
			*need_write = true;
			return verdict(PF_RESOLVED, NULL);
		}
		uint64_t stack_limit = mm_rlimit(RLIMIT_STACK);
		if (vma->vm_end - address > stack_limit)
			return segv(SEGV_MAPERR, "below the stack, past the stack limit (RLIMIT_STACK)");
		int err = expand_stack(mm, vma, address, stack_limit, STACK_GUARD_GAP);
		if (err)
			return segv(SEGV_MAPERR, err == -EPERM ? "stack would grow below mmap_min_addr"
							       : "stack cannot grow: limit or guard gap");
		grew = true;
	}
	if (unlikely(access_error(error_code, vma)))
		return segv((error_code & X86_PF_PK) ? SEGV_PKUERR : SEGV_ACCERR,
			    (error_code & X86_PF_PK) ? "protection key forbids the access"
			    : (error_code & X86_PF_INSTR) ? "instruction fetch from a non-executable page"
			    : (error_code & X86_PF_WRITE) ? "write to a mapping without write permission"
			    : "access not allowed by the mapping");
	vm_fault_t ret = handle_mm_fault(vma, address, fault_flags(regs, error_code), vmf);
	if (unlikely(ret & VM_FAULT_OOM))
		return verdict(PF_OOM, "out of memory");
	if (unlikely(ret & VM_FAULT_SIGBUS)) {
		struct pf_verdict v = verdict(PF_SIGBUS, vmf->why ? vmf->why : "the page-table entry cannot be handled "
							 "(not present but not none, or no hugetlb page)");
		v.code = BUS_ADRERR;   /* Linux's do_sigbus */
		return v;
	}
	if (unlikely(ret & VM_FAULT_SIGSEGV))
		return segv(SEGV_MAPERR, "the page cannot be mapped");
	struct pf_verdict v = verdict(PF_RESOLVED, NULL);
	v.stack_grew = grew;
	return v;
}

/* The verdict for a user-address fault from ring 3 or a user copy, as if
 * the program itself made the access (a kill is turned into a fixup for a
 * user copy by the caller). *vmf is handle_mm_fault's when it ran. The
 * mm's mmap_lock is held for reading around the VMA lookup and
 * handle_mm_fault (for writing when a stack grows), and dropped before the
 * verdict is acted on. */
static struct pf_verdict decide_user_addr_fault(struct pt_regs *regs, uint64_t error_code, uint64_t address,
						 struct vm_fault *vmf)
{
	struct mm_struct *mm = current ? current->mm : NULL;
	if (unlikely(!mm))
		return user_mode(regs) ? verdict(PF_KERNEL_BUG, "page fault on a user address with no program running")
				       : segv(SEGV_MAPERR, "page fault on a user address with no program running");
	if (unlikely(error_code & X86_PF_RSVD))
		return segv(SI_KERNEL, "reserved bit set in a page-table entry");
	bool need_write = false;
	mmap_read_lock(mm);
	struct pf_verdict v = decide_user_addr_fault_locked(regs, error_code, address, vmf, mm, false, &need_write);
	mmap_read_unlock(mm);
	if (unlikely(need_write)) {
		mmap_write_lock(mm);
		v = decide_user_addr_fault_locked(regs, error_code, address, vmf, mm, true, &need_write);
		mmap_write_unlock(mm);
	}
	return v;
}

/* The decision: every case of the table at the top, one response. */
static struct pf_verdict page_fault_decide(struct pt_regs *regs, uint64_t error_code, uint64_t address,
					    struct vm_fault *vmf)
{
	if (unlikely(address >= TASK_SIZE_MAX)) {
		/* Kernel half, or the never-mapped top user page. */
		if (!user_mode(regs))
			return verdict(PF_KERNEL_BUG, exception_name(14));
		return segv(SEGV_MAPERR,   /* Linux: do_kern_addr_fault -> bad_area_nosemaphore */
			    address >> 63 ? "access to a kernel address" : "address above the user limit");
	}
	if (unlikely(!user_mode(regs) && !in_uaccess(regs)))
		return verdict(PF_KERNEL_BUG, exception_name(14));
	struct pf_verdict v = decide_user_addr_fault(regs, error_code, address, vmf);
	if ((v.response == PF_SIGSEGV || v.response == PF_SIGBUS) && !user_mode(regs))
		v.response = PF_USER_COPY_FIXUP;
	return v;
}

static oom_handler_t oom_handler;

/* See fault/fault.h. */
void fault_register_oom_handler(oom_handler_t handler)
{
	oom_handler = handler;
}

/* No frame for the fault at address: the OOM killer (kernel/oom_kill.c)
 * picks a victim; when it is another process the fault is retried, else
 * the faulting program is killed. Without a handler: an oom record and the
 * program is killed. */
static void out_of_memory(struct pt_regs *regs, uint64_t address)
{
	if (oom_handler) {
		if (oom_handler(regs, address))
			return;
		force_sig_fault(SIGKILL, SI_KERNEL, "out of memory: chosen by the OOM killer", address, regs);
	}
	struct json *j = record_begin("oom");
	json_str(j, "program", current->comm);
	json_hex(j, "addr", address);
	json_hex(j, "rip", regs->ip);
	json_u64(j, "free_frames", nr_free_pages());
	json_u64(j, "rss_pages", get_mm_rss(current->mm));
	record_end();
	force_fatal_sig(SIGKILL, SI_KERNEL, "out of memory", address, regs);
}

/* Carries out verdict v for the fault at address that came in at t0, and
 * accounts it: the one place a fault's response is acted on. */
static void page_fault_act(struct pt_regs *regs, uint64_t address, struct pf_verdict v, const struct vm_fault *vmf,
			   uint64_t t0)
{
	switch (v.response) {
	case PF_RESOLVED: {
		/* resolved: a task with an mm is running */
		mm_account_fault(current, vmf->done == VMF_DONE_FILE_READ_MAJOR || vmf->done == VMF_DONE_SWAP_IN ||
					  vmf->done == VMF_DONE_SWAP_IN_SAME ? VM_FAULT_MAJOR : 0);
		enum fault_class cls = fault_class_of(vmf);
		if (v.stack_grew)
			cls = FAULT_STACK_GROW;
		if (!user_mode(regs))
			cls = FAULT_UACCESS;
		account_fault(cls, t0, vmf->clear_cycles, vmf->pgtables);
		return;
	}
	case PF_USER_COPY_FIXUP:
		account_fault(FAULT_SEGV, t0, vmf->clear_cycles, vmf->pgtables);
		if (!fixup_exception(regs))
			die(v.reason, regs);
		return;
	case PF_SIGSEGV:
		account_fault(FAULT_SEGV, t0, 0, 0);
		force_sig_fault(SIGSEGV, v.code, v.reason, address, regs);
		return;   /* the program's handler runs (exit_to_user_mode) */
	case PF_SIGBUS:
		account_fault(FAULT_SEGV, t0, 0, 0);   /* the stats' "segv" class: killed for the address */
		force_sig_fault(SIGBUS, v.code, v.reason, address, regs);
		return;
	case PF_OOM:
		account_fault(FAULT_OOM, t0, 0, 0);
		out_of_memory(regs, address);
		return;   /* another process died for it: retry */
	case PF_KERNEL_BUG:
		break;
	}
	die(v.reason, regs);
}

/* The fast path gives the fault to exc_page_fault, which times it from t0. */
static inline int needs_full_frame(uint64_t t0)
{
	fault_entry_tsc = t0;
	return PF_NEEDS_FULL_FRAME;
}

/*
 * exc_page_fault_fast for a file or shmem VMA (vma allows the access): the
 * whole fault path with its own vm_fault, out of line so that the
 * anonymous path keeps its registers. 0 when the page is mapped, else the
 * full entry decides (nothing was mapped).
 */
static __attribute__((noinline)) int page_fault_file_fast(struct pt_regs *regs, struct task_struct *tsk,
							   struct vm_area_struct *vma, uint64_t address,
							   uint64_t error_code, uint64_t t0)
{
	struct vm_fault vmf;
	vm_fault_t ret = handle_file_fault(vma, address, fault_flags(regs, error_code), &vmf);
	mmap_read_unlock(tsk->mm);
	if (unlikely(ret & VM_FAULT_ERROR))
		return needs_full_frame(t0);
	account_fault(fault_class_of(&vmf), t0, vmf.clear_cycles, vmf.pgtables);
	mm_account_fault(tsk, ret);
	return 0;
}

/*
 * The fast path's body for the fault at address that came in at t0 (both
 * read by the entry function, before anything could change CR2): 0 when
 * resolved, else PF_NEEDS_FULL_FRAME (nothing held). Inlined into both
 * entries: the one-CPU one, and the SMP one that runs it with interrupts on.
 */
static __always_inline int page_fault_fast(struct pt_regs *regs, uint64_t t0, uint64_t address)
{
	uint64_t error_code = regs->error_code;
	struct task_struct *tsk = current;
	struct mm_struct *mm = tsk->mm;
	/* The mm's bound (TASK_SIZE_MAX, set at mm_alloc: paging/vma.c) is one
	 * compare; TASK_SIZE_MAX itself is computed from the paging mode. */
	if (unlikely(address >= mm->task_size))
		return needs_full_frame(t0);
	if (unlikely(error_code & X86_PF_RSVD))
		return needs_full_frame(t0);
	/* The mmap_lock for reading from the VMA lookup to the end of
	 * handle_mm_fault: VMAs and tables stay; faults on other CPUs in this
	 * mm go on in parallel (docs/ARCHITECTURE.md, "Locking"). */
	mmap_read_lock(mm);
	struct vm_area_struct *vma = find_vma(mm, address);
	if (unlikely(!vma || vma->vm_start > address || access_error(error_code, vma))) {
		mmap_read_unlock(mm);
		return needs_full_frame(t0);
	}
	if (unlikely(vma->vm_mapping))
		return page_fault_file_fast(regs, tsk, vma, address, error_code, t0);   /* unlocks */

	struct vm_fault vmf;
	/* fault_flags, knowing the fault came from ring 3 (FAULT_FLAG_USER). */
	uint32_t flags = FAULT_FLAG_USER | (fault_flags(regs, error_code) & ~FAULT_FLAG_USER);
	vm_fault_t ret = handle_anon_fault(vma, address, flags, &vmf);
	mmap_read_unlock(tsk->mm);
	if (unlikely(ret & VM_FAULT_ERROR))
		return needs_full_frame(t0);   /* nothing was mapped: exc_page_fault decides */
	account_fault(fault_class_of(&vmf), t0, vmf.clear_cycles, vmf.pgtables);
	mm_account_fault(tsk, ret);
	return 0;
}

/* See fault/fault.h. */
int exc_page_fault_fast(struct pt_regs *regs)
{
	/* The entry calls this for ring 3's faults only (a fault from ring 0 goes
	 * the whole way at once); its fast return (SWAPGS_FAST_FAULT_RETURN)
	 * relies on that, and on the frame being read here, never written. */
	uint64_t t0 = rdtsc_ordered();
	if (unlikely(fault_probe_handler))
		return needs_full_frame(t0);
	return page_fault_fast(regs, t0, read_cr2());
}

/* See fault/fault.h. */
int exc_page_fault_fast_smp(struct pt_regs *regs)
{
	uint64_t t0 = rdtsc_ordered();
	if (unlikely(fault_probe_handler))
		return needs_full_frame(t0);
	uint64_t address = read_cr2();
	/* Ring 3 ran with interrupts on, and the fault holds no lock yet: on
	 * again while it waits for the mmap_lock or a pte lock, so that it
	 * answers the TLB shootdown of the holder (Linux's do_user_addr_fault:
	 * local_irq_enable). Off again before the way out. */
	local_irq_enable();
	int ret = page_fault_fast(regs, t0, address);
	local_irq_disable();
	if (!ret && unlikely(exit_to_user_mode_work(current)))
		return PF_RESOLVED_EXIT_WORK;
	return ret;
}

/* See fault/fault.h. */
void exc_page_fault(struct pt_regs *regs)
{
	/* exc_page_fault_fast saw ring 3's faults first and took their time. */
	uint64_t t0 = user_mode(regs) ? fault_entry_tsc : rdtsc_ordered();
	uint64_t address = read_cr2();
	struct vm_fault vmf = { 0 };
	/* Ring 3's fault on several CPUs: decided with interrupts on and no
	 * global lock (the mmap_lock is taken and dropped inside); only a slow
	 * half - a signal, the OOM killer - takes the big kernel lock, after
	 * the mmap_lock is gone (docs/ARCHITECTURE.md, "Locking"). One CPU, a
	 * user copy's fault in a syscall, a probe: as before. */
	bool smp_user = page_fault_smp && user_mode(regs) && !fault_probe_handler;
	if (smp_user)
		local_irq_enable();
	struct pf_verdict v = page_fault_decide(regs, regs->error_code, address, &vmf);
	if (smp_user) {
		local_irq_disable();
		if (v.response != PF_RESOLVED)
			page_fault_lock();
	}
	page_fault_act(regs, address, v, &vmf, t0);
}
