/*
 * The memory syscalls: mmap, munmap, mprotect, brk, madvise, mremap. Each
 * decodes its arguments - here only current->mm - and calls the do_* of
 * paging/mm.h, which validate them and do the work (paging/mmap.c,
 * mprotect.c, mremap.c, madvise.c).
 *
 * Each holds the mm's mmap_lock around its do_*: for writing where VMAs or
 * page tables change, for reading otherwise (msync, some madvise), as
 * Linux (docs/ARCHITECTURE.md, "Locking"); on several CPUs munmap turns
 * its write hold into a read hold for the pages' teardown, as Linux's
 * (do_munmap_unlock). A do_* never touches user
 * memory, so no user copy faults while the lock is held.
 *
 * On several CPUs mmap..mremap arrive without the big kernel lock and take
 * it only when their ranges meet a file, shmem or hugetlb VMA
 * (mm_syscall_lock, kernel/mm_syscall_lock.h); each names the ranges it
 * may change. msync stays under the big lock (writeback, fs/).
 */
#include "fault/syscall.h"
#include "base/process.h"
#include "kernel/mm_syscall_lock.h"
#include "fault/fault_lock.h"
#include "paging/mm.h"
#include "paging/mman.h"
#include "cpu/percpu.h"

/* sys_mmap is with the file syscalls (kernel/sys_file.c): it looks up the fd. */

/* See fault/syscall.h. */
int64_t sys_msync(uint64_t addr, uint64_t len, uint64_t flags)
{
	struct mm_struct *mm = current->mm;
	mmap_read_lock(mm);
	int64_t ret = do_msync(mm, addr, len, flags);
	mmap_read_unlock(mm);
	return ret;
}

/* See fault/syscall.h. */
int64_t sys_munmap(uint64_t addr, uint64_t len)
{
	struct mm_struct *mm = current->mm;
	struct mm_syscall_range r = { addr, len };
	mm_syscall_lock(mm, true, &r, 1);
	/* On several CPUs the pages go under a read hold, other threads'
	 * faults going on meanwhile (a file range keeps the big lock to the
	 * end: no truncation or msync meets the teardown). One CPU: all under
	 * the write hold. */
	int64_t ret;
	if (page_fault_smp) {
		ret = do_munmap_unlock(mm, addr, len);
	} else {
		ret = do_munmap(mm, addr, len);
		mm_syscall_unlock(mm, true);
	}
	return ret;
}

/* See fault/syscall.h. */
int64_t sys_mprotect(uint64_t addr, uint64_t len, uint64_t prot)
{
	struct mm_struct *mm = current->mm;
	struct mm_syscall_range r = { addr, len };
	mm_syscall_lock(mm, true, &r, 1);
	int64_t ret = do_mprotect(mm, addr, len, prot);
	mm_syscall_unlock(mm, true);
	return ret;
}

/* See fault/syscall.h. The range between the old and the new break (a
 * shrink unmaps it; a grow maps it, and fails on any VMA there), and the
 * page above, which a grow must find free; none for a break below the
 * heap's start (brk(0): do_brk changes nothing). */
int64_t sys_brk(uint64_t brk)
{
	struct mm_struct *mm = current->mm;
	mmap_write_lock(mm);
	/* Read under the lock: another thread's brk moves the break. */
	uint64_t lo = brk < mm->brk ? brk : mm->brk, hi = brk < mm->brk ? mm->brk : brk;
	struct mm_syscall_range r = { lo, hi - lo + 2 * PAGE_SIZE };   /* past the top: to the end */
	if (brk < mm->start_brk)
		r.len = 0;   /* brk(0) and the like: nothing changes */
	mm_syscall_lock_ranges(mm, true, &r, 1);   /* with both locks the break may be another: do_brk reads it */
	int64_t ret = do_brk(mm, brk);
	mm_syscall_unlock(mm, true);
	return ret;
}

/* See fault/syscall.h. */
int64_t sys_madvise(uint64_t addr, uint64_t len, uint64_t advice)
{
	struct mm_struct *mm = current->mm;
	bool write = madvise_need_mmap_write(advice);
	struct mm_syscall_range r = { addr, len };
	mm_syscall_lock(mm, write, &r, 1);
	int64_t ret = do_madvise(mm, addr, len, advice);
	mm_syscall_unlock(mm, write);
	return ret;
}

/* See fault/syscall.h. The old range (its first page at least: the VMA
 * whose flags and file a move or a grow copies) and, with MREMAP_FIXED,
 * the new one, which is replaced; any other destination is free. */
int64_t sys_mremap(uint64_t addr, uint64_t old_len, uint64_t new_len, uint64_t flags, uint64_t new_addr)
{
	struct mm_struct *mm = current->mm;
	struct mm_syscall_range r[2] = { { addr, old_len > PAGE_SIZE ? old_len : PAGE_SIZE },
					 { new_addr, (flags & MREMAP_FIXED) ? new_len : 0 } };
	mm_syscall_lock(mm, true, r, 2);
	int64_t ret = do_mremap(mm, addr, old_len, new_len, flags, new_addr);
	mm_syscall_unlock(mm, true);
	return ret;
}
