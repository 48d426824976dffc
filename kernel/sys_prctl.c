/*
 * prctl (Linux's kernel/sys.c), the options programs use at start:
 * PR_SET_NAME/PR_GET_NAME (the 16-byte comm; the records keep the name the
 * config gave), PR_SET_PDEATHSIG/PR_GET_PDEATHSIG (stored; the signal is
 * sent by the parent's exit once there are parents). Other options are
 * -EINVAL, as Linux's answer to an option it does not know.
 */
#include "fault/syscall.h"
#include "fault/uaccess.h"
#include "paging/mm_types.h"
#include "paging/huge_memory.h"
#include "base/process.h"
#include "base/string.h"
#include "cpu/percpu.h"

#define PR_SET_PDEATHSIG   1
#define PR_GET_PDEATHSIG   2
#define PR_SET_NAME       15
#define PR_GET_NAME       16
#define PR_SET_THP_DISABLE 41
#define PR_GET_THP_DISABLE 42
#define _NSIG             64

/* See fault/syscall.h. */
int64_t sys_prctl(uint64_t option, uint64_t arg2, uint64_t arg3, uint64_t arg4, uint64_t arg5)
{
	(void)arg3, (void)arg4, (void)arg5;
	switch ((uint32_t)option) {
	case PR_SET_PDEATHSIG:
		if (arg2 > _NSIG)                  /* Linux's valid_signal() */
			return -EINVAL;
		current->pdeath_signal = (int32_t)arg2;
		return 0;
	case PR_GET_PDEATHSIG: {
		int32_t sig = current->pdeath_signal;
		return copy_to_user(arg2, &sig, sizeof(sig)) ? -EFAULT : 0;
	}
	case PR_SET_NAME: {
		char comm[TASK_PRCTL_COMM_LEN];
		memset(comm, 0, sizeof(comm));
		if (strncpy_from_user(comm, arg2, sizeof(comm) - 1) < 0)
			return -EFAULT;
		comm[sizeof(comm) - 1] = '\0';
		memcpy(current->prctl_comm, comm, sizeof(comm));
		return 0;
	}
	case PR_GET_NAME:
		return copy_to_user(arg2, current->prctl_comm, TASK_PRCTL_COMM_LEN) ? -EFAULT : 0;
	case PR_GET_THP_DISABLE:
		if (arg2 || arg3 || arg4 || arg5)
			return -EINVAL;
		return (current->mm->flags >> MMF_DISABLE_THP) & 1;
	case PR_SET_THP_DISABLE:
		/* Linux keeps it in mm->flags: every thread of the process sees it,
		 * and fork copies it (dup_mm copies flags). */
		if (arg3 || arg4 || arg5)
			return -EINVAL;
		if (arg2)
			current->mm->flags |= 1ull << MMF_DISABLE_THP;
		else
			current->mm->flags &= ~(1ull << MMF_DISABLE_THP);
		return 0;
	default:
		return -EINVAL;
	}
}
