/*
 * Process groups and sessions (Linux's kernel/sys.c): getpgrp, getpgid,
 * setpgid, setsid, getsid. A program starts in init's group and session 0
 * (task_misc_init), as a child of Linux's init that never called setsid.
 * With one process, the only task a pid can name is the caller; other
 * pids are -ESRCH. (Fork adds children: setpgid on a child, groups that
 * other processes are in.)
 */
#include "fault/syscall.h"
#include "base/process.h"
#include "cpu/percpu.h"

/* The task pid names (0: the caller), or NULL (Linux's find_task_by_vpid). */
static struct task_struct *find_task(int32_t pid)
{
	if (pid == 0 || (pid > 0 && (uint32_t)pid == current->pid))
		return current;
	return NULL;
}

/* See fault/syscall.h. */
int64_t sys_getpgrp(void)
{
	return current->pgid;
}

/* See fault/syscall.h. */
int64_t sys_getpgid(uint64_t pid)
{
	struct task_struct *t = find_task((int32_t)pid);
	return t ? (int64_t)t->pgid : -ESRCH;
}

/* See fault/syscall.h. */
int64_t sys_getsid(uint64_t pid)
{
	struct task_struct *t = find_task((int32_t)pid);
	return t ? (int64_t)t->sid : -ESRCH;
}

/*
 * See fault/syscall.h. Linux's order: pid 0 is the caller and pgid 0 is
 * pid; a negative pgid is -EINVAL; an unknown pid -ESRCH; a session leader
 * -EPERM; a group other than its own pid must exist in the caller's
 * session (-EPERM).
 */
int64_t sys_setpgid(uint64_t pid_arg, uint64_t pgid_arg)
{
	int32_t pid = (int32_t)pid_arg, pgid = (int32_t)pgid_arg;
	if (!pid)
		pid = (int32_t)current->pid;
	if (!pgid)
		pgid = pid;
	if (pgid < 0)
		return -EINVAL;
	struct task_struct *t = find_task(pid);
	if (!t)
		return -ESRCH;
	if (t->sid == t->pid)
		return -EPERM;
	if (pgid != pid && !((uint32_t)pgid == t->pgid && t->pgid != 0))
		return -EPERM;   /* the only group in reach is the caller's own */
	t->pgid = (uint32_t)pgid;
	return 0;
}

/* See fault/syscall.h. A process group leader cannot start a session
 * (-EPERM); else the caller leads a new session and group, both its pid. */
int64_t sys_setsid(void)
{
	struct task_struct *t = current;
	if (t->pgid == t->pid)
		return -EPERM;
	t->sid = t->pgid = t->pid;
	return t->pid;
}
