/* mlockall and munlockall: current->mm's, by paging/mlock.c. */
#include "fault/syscall.h"
#include "base/process.h"
#include "cpu/percpu.h"
#include "paging/mlock.h"

/* See fault/syscall.h. */
int64_t sys_mlockall(uint64_t flags)
{
	return do_mlockall(current->mm, flags);
}

/* See fault/syscall.h. */
int64_t sys_munlockall(void)
{
	return do_munlockall(current->mm);
}
