/*
 * Resource limits (Linux's kernel/sys.c): getrlimit, setrlimit, prlimit64.
 * The limits are the task's (base/process.h); what enforces them: stack
 * growth (RLIMIT_STACK, fault/fault.c), mmap/brk/mremap/stack growth
 * (RLIMIT_AS and RLIMIT_DATA, paging/mm_account.c's may_expand_vm), the fd
 * table (RLIMIT_NOFILE through task_nofile_limit()). The others are stored
 * and reported.
 */
#include "fault/syscall.h"
#include "fault/uaccess.h"
#include "base/process.h"
#include "cpu/percpu.h"

/*
 * Linux's do_prlimit: reads the old limit into *old and sets *new (either
 * may be NULL). Returns 0; -EINVAL for an unknown resource or a soft limit
 * above the hard one; -EPERM for a hard RLIMIT_NOFILE above fs.nr_open.
 * The caller is root (CAP_SYS_RESOURCE), so raising a hard limit is allowed.
 */
static int64_t do_prlimit(struct task_struct *t, uint32_t resource, const struct rlimit *new, struct rlimit *old)
{
	if (resource >= RLIM_NLIMITS)
		return -EINVAL;
	if (new) {
		if (new->rlim_cur > new->rlim_max)
			return -EINVAL;
		if (resource == RLIMIT_NOFILE && new->rlim_max > NR_OPEN_MAX)
			return -EPERM;
		if (new->rlim_max > t->rlim[resource].rlim_max && t->cred.euid != 0)
			return -EPERM;   /* raising the hard limit needs CAP_SYS_RESOURCE */
	}
	if (old)
		*old = t->rlim[resource];
	if (new)
		t->rlim[resource] = *new;
	return 0;
}

/* See fault/syscall.h. */
int64_t sys_getrlimit(uint64_t resource, uint64_t rlim)
{
	struct rlimit r;
	int64_t err = do_prlimit(current, (uint32_t)resource, NULL, &r);
	if (err)
		return err;
	return copy_to_user(rlim, &r, sizeof(r)) ? -EFAULT : 0;
}

/* See fault/syscall.h. Linux copies the new limit in first (-EFAULT). */
int64_t sys_setrlimit(uint64_t resource, uint64_t rlim)
{
	struct rlimit r;
	if (copy_from_user(&r, rlim, sizeof(r)))
		return -EFAULT;
	return do_prlimit(current, (uint32_t)resource, &r, NULL);
}

/* See fault/syscall.h. Linux's order: copy the new limit (-EFAULT), find
 * the task (pid 0 is the caller; else -ESRCH), do_prlimit, then write the
 * old limit (-EFAULT, with the new one already set). */
int64_t sys_prlimit64(uint64_t pid, uint64_t resource, uint64_t new_rlim, uint64_t old_rlim)
{
	struct rlimit new, old;
	if (new_rlim && copy_from_user(&new, new_rlim, sizeof(new)))
		return -EFAULT;
	int32_t p = (int32_t)pid;
	if (p != 0 && (p < 0 || (uint32_t)p != current->pid))
		return -ESRCH;
	int64_t err = do_prlimit(current, (uint32_t)resource, new_rlim ? &new : NULL, old_rlim ? &old : NULL);
	if (err)
		return err;
	if (old_rlim && copy_to_user(old_rlim, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
