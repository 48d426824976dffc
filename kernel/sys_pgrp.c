/*
 * Process groups and sessions (Linux's kernel/sys.c): getpgrp, getpgid,
 * setpgid, setsid, getsid. A program starts in init's group and session 0
 * (task_misc_init), as a child of Linux's init that never called setsid.
 * A pid names any process of the run, zombies included.
 */
#include "fault/syscall.h"
#include "base/process.h"
#include "cpu/percpu.h"
#include "kernel/sched.h"
#include "kernel/signal.h"

/* The process pid names (0: the caller's), zombies included, or NULL
 * (Linux's find_task_by_vpid). */
static struct task_struct *find_task(int32_t pid)
{
	if (pid == 0)
		return current->group_leader;
	return find_task_by_vpid(pid);
}

/* for_each_task callback: a process of group pgid (Linux's pid_task(pgrp, PIDTYPE_PGID)). */
struct pgrp_lookup {
	uint32_t pgid;
	struct task_struct *found;
};
static void match_pgrp(struct task_struct *t, void *arg)
{
	struct pgrp_lookup *l = arg;
	if (!l->found && t == t->group_leader && t->pgid == l->pgid)
		l->found = t;
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
 * pid; a negative pgid is -EINVAL; an unknown pid -ESRCH; a thread that is
 * not its process's leader -EINVAL; a child in another session -EPERM; a
 * process that is neither the caller nor its child -ESRCH; a session
 * leader -EPERM; a group other than pid itself must have a process in the
 * caller's session (-EPERM). (Linux's -EACCES for a child that has already
 * exec'd is not given: faultline does not mark exec'd children.)
 */
int64_t sys_setpgid(uint64_t pid_arg, uint64_t pgid_arg)
{
	struct task_struct *leader = current->group_leader;
	int32_t pid = (int32_t)pid_arg, pgid = (int32_t)pgid_arg;
	if (!pid)
		pid = (int32_t)leader->pid;
	if (!pgid)
		pgid = pid;
	if (pgid < 0)
		return -EINVAL;
	struct task_struct *p = find_task_by_vpid(pid);
	if (!p)
		return -ESRCH;
	if (p != p->group_leader)
		return -EINVAL;
	if (p->real_parent && p->real_parent->group_leader == leader) {
		if (p->sid != leader->sid)
			return -EPERM;
	} else if (p != leader) {
		return -ESRCH;
	}
	if (p->sid == p->pid)
		return -EPERM;
	if (pgid != pid) {
		struct pgrp_lookup l = { (uint32_t)pgid, NULL };
		for_each_task(match_pgrp, &l);
		if (!l.found || l.found->sid != leader->sid)
			return -EPERM;
	}
	p->pgid = (uint32_t)pgid;
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
