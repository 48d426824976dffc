/* mlockall and munlockall: current->mm's, by paging/mlock.c. */
#include "fault/syscall.h"
#include "base/process.h"
#include "cpu/percpu.h"
#include "paging/mlock.h"

/* See fault/syscall.h. */
int64_t sys_mlockall(uint64_t flags)
{
	struct mm_struct *mm = current->mm;
	mmap_write_lock(mm);
	int64_t ret = do_mlockall(mm, flags);
	mmap_write_unlock(mm);
	return ret;
}

/* See fault/syscall.h. */
int64_t sys_munlockall(void)
{
	struct mm_struct *mm = current->mm;
	mmap_write_lock(mm);
	int64_t ret = do_munlockall(mm);
	mmap_write_unlock(mm);
	return ret;
}
