/*
 * The memory syscalls: mmap, munmap, mprotect, brk, madvise, mremap. Each
 * decodes its arguments - here only current->mm - and calls the do_* of
 * paging/mm.h, which validate them and do the work (paging/mmap.c,
 * mprotect.c, mremap.c, madvise.c).
 *
 * Each holds the mm's mmap_lock around its do_*: for writing where VMAs or
 * page tables change, for reading otherwise (msync, some madvise), as
 * Linux (docs/ARCHITECTURE.md, "Locking"). A do_* never touches user
 * memory, so no user copy faults while the lock is held.
 */
#include "fault/syscall.h"
#include "base/process.h"
#include "paging/mm.h"
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
	mmap_write_lock(mm);
	int64_t ret = do_munmap(mm, addr, len);
	mmap_write_unlock(mm);
	return ret;
}

/* See fault/syscall.h. */
int64_t sys_mprotect(uint64_t addr, uint64_t len, uint64_t prot)
{
	struct mm_struct *mm = current->mm;
	mmap_write_lock(mm);
	int64_t ret = do_mprotect(mm, addr, len, prot);
	mmap_write_unlock(mm);
	return ret;
}

/* See fault/syscall.h. */
int64_t sys_brk(uint64_t brk)
{
	struct mm_struct *mm = current->mm;
	mmap_write_lock(mm);
	int64_t ret = do_brk(mm, brk);
	mmap_write_unlock(mm);
	return ret;
}

/* See fault/syscall.h. */
int64_t sys_madvise(uint64_t addr, uint64_t len, uint64_t advice)
{
	struct mm_struct *mm = current->mm;
	bool write = madvise_need_mmap_write(advice);
	if (write)
		mmap_write_lock(mm);
	else
		mmap_read_lock(mm);
	int64_t ret = do_madvise(mm, addr, len, advice);
	if (write)
		mmap_write_unlock(mm);
	else
		mmap_read_unlock(mm);
	return ret;
}

/* See fault/syscall.h. */
int64_t sys_mremap(uint64_t addr, uint64_t old_len, uint64_t new_len, uint64_t flags, uint64_t new_addr)
{
	struct mm_struct *mm = current->mm;
	mmap_write_lock(mm);
	int64_t ret = do_mremap(mm, addr, old_len, new_len, flags, new_addr);
	mmap_write_unlock(mm);
	return ret;
}
