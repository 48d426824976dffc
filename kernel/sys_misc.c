/*
 * The small syscalls: time, identity, randomness, the FS base,
 * getrusage, and faultline's introspection call. Every user pointer goes
 * through copy_to_user/copy_from_user: a bad one is -EFAULT, never a fault
 * of the kernel.
 */
#include "paging/swap.h"
#include "paging/fault_stats.h"
#include "fault/introspect_abi.h"
#include "fault/syscall.h"
#include "fault/uaccess.h"
#include "cpu/cpufeature.h"
#include "cpu/x86.h"
#include "base/process.h"
#include "cpu/percpu.h"
#include "kernel/user_records.h"
#include "lib/progress.h"
#include "base/string.h"
#include "lib/tsc.h"
#include "paging/huge_memory.h"
#include "paging/hugetlb.h"
#include "paging/memory.h"
#include "paging/page.h"
#include "paging/mm_types.h"
#include "paging/pgtable.h"

/* read, write and writev go through the descriptor table: kernel/sys_file.c. */

/* The faults of current's whole process, as Linux's RUSAGE_SELF: the
 * leader's own, those of the threads that have exited (kept apart, so that
 * RUSAGE_THREAD in the leader is its own alone) and every live thread's. */
static void process_faults(uint64_t *min_flt, uint64_t *maj_flt)
{
	struct task_struct *l = current->group_leader ? current->group_leader : current, *t;
	*min_flt = l->min_flt + l->dead_min_flt;
	*maj_flt = l->maj_flt + l->dead_maj_flt;
	list_for_each_entry(t, &l->thread_group, thread_node) {
		*min_flt += t->min_flt;
		*maj_flt += t->maj_flt;
	}
}

/* See fault/syscall.h. RUSAGE_SELF (0) and RUSAGE_THREAD (1): the time
 * since the program started as user time, the faults (of every thread of
 * the process for RUSAGE_SELF, the caller's for RUSAGE_THREAD) and RSS;
 * RUSAGE_CHILDREN (-1): the faults of the reaped children (no time is kept
 * for them). who is an int, as Linux's: only its low 32 bits count (glibc
 * leaves the upper half of the register zero for -1); any other value
 * -EINVAL. */
int64_t sys_getrusage(uint64_t who, uint64_t ru)
{
	uint64_t r[18];
	int32_t w = (int32_t)who;
	memset(r, 0, sizeof(r));
	if (w != 0 && w != -1 && w != 1)
		return -EINVAL;
	if (w == 0 || w == 1) {
		uint64_t ns = tsc_to_ns(rdtsc() - current->start_tsc);
		r[0] = ns / 1000000000ull;                 /* ru_utime: all of our time is the program's */
		r[1] = (ns / 1000ull) % 1000000ull;
		r[4] = (get_mm_rss(current->mm) * PAGE_SIZE) >> 10;  /* ru_maxrss, KiB */
		r[8] = current->min_flt;                   /* ru_minflt */
		r[9] = current->maj_flt;                   /* ru_majflt */
		if (w == 0)
			process_faults(&r[8], &r[9]);
	} else {
		const struct task_struct *l = current->group_leader ? current->group_leader : current;
		r[8] = l->cmin_flt;
		r[9] = l->cmaj_flt;
	}
	return copy_to_user(ru, r, sizeof(r)) ? -EFAULT : 0;
}

/* Nanoseconds since boot, from the calibrated TSC. */
static uint64_t ktime_get_ns(void)
{
	return tsc_to_ns(rdtsc());
}

/* See fault/syscall.h. Every clock is time since boot (there is no RTC). */
int64_t sys_clock_gettime(uint64_t clk, uint64_t tp)
{
	if (clk > 11)
		return -EINVAL;
	uint64_t ns = clk == 2 || clk == 3 ? tsc_to_ns(rdtsc() - current->start_tsc) : ktime_get_ns();
	uint64_t ts[2] = { ns / 1000000000ull, ns % 1000000000ull };
	return copy_to_user(tp, ts, sizeof(ts)) ? -EFAULT : 0;
}

/* See fault/syscall.h. */
int64_t sys_gettimeofday(uint64_t tv, uint64_t tz)
{
	uint64_t ns = ktime_get_ns();
	uint64_t t[2] = { ns / 1000000000ull, (ns / 1000ull) % 1000000ull };
	if (tv && copy_to_user(tv, t, sizeof(t)))
		return -EFAULT;
	uint32_t zone[2] = { 0, 0 };
	if (tz && copy_to_user(tz, zone, sizeof(zone)))
		return -EFAULT;
	return 0;
}

/* See fault/syscall.h. */
int64_t sys_uname(uint64_t buf)
{
	static char u[6][65];
	memset(u, 0, sizeof(u));
	strlcpy(u[0], "Linux", 65);              /* what programs expect to parse */
	strlcpy(u[1], "faultline", 65);
	strlcpy(u[2], "6.1.0-faultline", 65);
	strlcpy(u[3], "#1 faultline", 65);
	strlcpy(u[4], "x86_64", 65);
	strlcpy(u[5], "(none)", 65);
	return copy_to_user(buf, u, sizeof(u)) ? -EFAULT : 0;
}

/* See fault/syscall.h. RDRAND when the CPU has it, else a TSC-seeded generator. */
int64_t sys_getrandom(uint64_t buf, uint64_t len, uint64_t flags)
{
	static uint64_t state;
	if (flags & ~(uint64_t)7)
		return -EINVAL;
	if (len > 33554431)
		len = 33554431;
	if (!state)
		state = rdtsc() | 1;
	uint8_t chunk[256];
	uint64_t done = 0;
	while (done < len) {
		uint64_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		for (uint64_t i = 0; i < n; i += 8) {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			uint64_t v = state ^ rdtsc();
			memcpy(chunk + i, &v, n - i < 8 ? n - i : 8);
		}
		if (copy_to_user(buf + done, chunk, n))
			return done ? (int64_t)done : -EFAULT;
		done += n;
	}
	return (int64_t)done;
}

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

/*
 * See fault/syscall.h. FS for TLS, written straight to MSR_FS_BASE (the
 * kernel does not use FS); GS is the user's GS base, which, while we are in
 * the kernel, waits in MSR_KERNEL_GS_BASE for the return's swapgs (MSR_GS_BASE
 * is this CPU's pcpu, cpu/percpu.h). Addresses outside the user half are
 * refused as Linux refuses them (-EPERM): the paranoid entry tells the
 * kernel's GS from a user's by the top-half sign.
 */
int64_t sys_arch_prctl(uint64_t code, uint64_t addr)
{
	switch (code) {
	case ARCH_SET_FS:
		if (addr >= TASK_SIZE_MAX)
			return -EPERM;
		current->fs_base = addr;
		wrmsr(MSR_FS_BASE, addr);
		return 0;
	case ARCH_GET_FS:
		return copy_to_user(addr, &current->fs_base, 8) ? -EFAULT : 0;
	case ARCH_SET_GS:
		if (addr >= TASK_SIZE_MAX)
			return -EPERM;
		current->gs_base = addr;
		wrmsr(MSR_KERNEL_GS_BASE, addr);
		return 0;
	case ARCH_GET_GS:
		return copy_to_user(addr, &current->gs_base, 8) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}


/* Walks mm's tables for va without changing anything. */
static void describe_va(uint64_t va, struct fl_pte_info *out)
{
	memset(out, 0, sizeof(*out));
	out->va = va & PAGE_MASK;
	out->levels = (uint64_t)pgtable_levels();
	uint64_t *path[PG_LEVEL_256T];
	int n = walk_path(current->mm->pgd, va, path);
	uint64_t all = _PAGE_RW | _PAGE_USER, nx = 0, e = 0;
	for (int step = 0; step < n; step++) {
		e = *path[step];
		out->entry[step] = e;
		all &= e;
		nx |= e & _PAGE_NX;
	}
	struct walk_result w;
	if (follow_addr(current->mm->pgd, out->va, &w) != 0) {
		if (n == pgtable_levels() && is_swap_pte(__pte(e))) {   /* a pte holding a swap entry */
			out->flags = FL_PTE_SWAP;
			out->pfn = swp_offset(pte_to_swp_entry(__pte(e)));
		}
		return;
	}
	out->pfn = w.phys >> PAGE_SHIFT;
	bool zero = is_zero_pfn(out->pfn) || (w.level == PG_LEVEL_2M && is_huge_zero_pfn((w.phys & PMD_MASK) >> PAGE_SHIFT));
	out->flags = FL_PTE_PRESENT | ((all & _PAGE_RW) ? FL_PTE_WRITE : 0) |
		     ((all & _PAGE_USER) ? FL_PTE_USER : 0) | (nx ? FL_PTE_NX : 0) |
		     (w.level > PG_LEVEL_4K ? FL_PTE_HUGE : 0) | (w.level == PG_LEVEL_1G ? FL_PTE_HUGE_1G : 0) |
		     (zero ? FL_PTE_ZERO_PAGE : 0);
}

/* See fault/syscall.h. */
int64_t sys_faultline_introspect(uint64_t op, uint64_t arg, uint64_t buf, uint64_t len)
{
	switch (op) {
	case FL_INTROSPECT_PRESENT:
		return FL_INTROSPECT_VERSION;
	case FL_INTROSPECT_PTE: {
		struct fl_pte_info info;
		if (arg >= TASK_SIZE_MAX || len < sizeof(info))
			return -EINVAL;
		mmap_read_lock(current->mm);   /* its tables stay: other threads' munmap runs unlocked */
		describe_va(arg, &info);
		mmap_read_unlock(current->mm);
		return copy_to_user(buf, &info, sizeof(info)) ? -EFAULT : 0;
	}
	case FL_INTROSPECT_FAULT_STATS: {
		/* struct fault_stats as it is (paging/fault_stats.h), classes in enum order. */
		fault_stats_sync();   /* every CPU's counts (paging/fault_stats.h) */
		uint64_t n = len < sizeof(fault_stats) ? len : sizeof(fault_stats);
		return copy_to_user(buf, &fault_stats, n) ? -EFAULT : (int64_t)n;
	}
	case FL_INTROSPECT_SYSCALLS:
		return (int64_t)(current->syscall_count - 1);
	case FL_INTROSPECT_THP_EVENTS: {
		struct thp_events thp;
		all_thp_events(&thp);
		struct fl_thp_events ev = {
			thp.fault_alloc, thp.fault_fallback, thp.zero_page_alloc, thp.split_pmd, pgtable_deposited,
			hstates[HSTATE_2M].nr_huge_pages, hstates[HSTATE_2M].free_huge_pages,
			hstates[HSTATE_1G].nr_huge_pages, hstates[HSTATE_1G].free_huge_pages,
			(uint64_t)transparent_hugepage_mode,
		};
		uint64_t n = len < sizeof(ev) ? len : sizeof(ev);
		return copy_to_user(buf, &ev, n) ? -EFAULT : (int64_t)n;
	}
	case FL_INTROSPECT_THP_FAIL:
		/* Fault injection for the thp-fallback benchmark: the mm's THP faults
		 * find no 2 MiB frame, as on a machine with fragmented memory. */
		if (arg > 1)
			return -EINVAL;
		current->mm->flags = (current->mm->flags & ~(1ull << MMF_THP_FAIL_ALLOC)) | (arg << MMF_THP_FAIL_ALLOC);
		return 0;
	case FL_INTROSPECT_PROGRESS:
		/* arg of len units of the program's own work are done (lib/progress.h). */
		return progress_within_step(arg, len) ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}
