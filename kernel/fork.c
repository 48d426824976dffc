/*
 * fork, vfork, clone, clone3 (kernel/fork.h): copy_process builds the child
 * and kernel_clone starts it.
 */
#include "kernel/fork.h"
#include "cpu/x86.h"
#include "base/signal.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/console_file.h"
#include "fs/fdtable.h"
#include "fs/inode.h"
#include "kernel/task_exit.h"
#include "base/errno.h"
#include "base/string.h"
#include "cpu/percpu.h"
#include "fault/uaccess.h"
#include "lib/record.h"
#include "paging/buddy.h"
#include "paging/mm.h"
#include "paging/pgtable.h"

static uint32_t next_pid = REAPER_PID + 1;

/* See kernel/fork.h. */
uint32_t alloc_pid(void)
{
	return next_pid++;
}

struct clone_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
	uint64_t cgroup;
};
#define CLONE_ARGS_SIZE_VER0 64

/* Linux's checks on the flag combination (copy_process). */
static int64_t check_clone_flags(uint64_t flags)
{
	if (flags & ~(uint64_t)CLONE_SUPPORTED) {
		record_warning("syscall", "%s: clone flags 0x%llx are not provided by faultline: -EINVAL",
			       current->comm, flags & ~(uint64_t)CLONE_SUPPORTED);
		return -EINVAL;
	}
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	return 0;
}

/*
 * Builds the child of the current task for flags: its task, address space
 * (shared with CLONE_VM, else a copy-on-write copy), registers (rax 0, rsp
 * newsp if given, FS base tls with CLONE_SETTLS), FPU state, place in the
 * process tree. Returns it (not yet runnable) or an ERR value in *err.
 */
static struct task_struct *copy_process(uint64_t flags, uint64_t newsp, uint64_t child_tid, uint64_t tls,
					int32_t exit_signal, int64_t *err)
{
	struct task_struct *p = current, *leader = p->group_leader;
	if (fatal_signal_pending(p)) {
		*err = -EINTR;
		return NULL;
	}
	if ((flags & CLONE_SETTLS) && tls >= TASK_SIZE_MAX) {
		*err = -EPERM;
		return NULL;
	}
	if (sched_nr_tasks() >= max_threads()) {
		*err = -EAGAIN;
		return NULL;
	}
	struct task_struct *c = alloc_task();
	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	if (flags & CLONE_VM) {
		mmget(p->mm);
		c->mm = p->mm;
	} else {
		c->mm = dup_mm(p->mm);
		if (!c->mm) {
			free_task(c);
			*err = -ENOMEM;
			return NULL;
		}
	}
	/* The descriptor table: shared (CLONE_FILES) or copied (dup_fd); the
	 * working directory: the parent's (CLONE_FS or not: there is no other
	 * fs state yet). */
	if (flags & CLONE_FILES) {
		p->files->count++;
		c->files = p->files;
	} else {
		int ferr = 0;
		c->files = dup_fd(p->files, &ferr);
	}
	c->cwd = p->cwd ? iget(p->cwd) : NULL;
	if (!c->files || copy_signal_state(c, p, (flags & CLONE_SIGHAND) != 0,
			      (flags & (CLONE_VM | CLONE_VFORK)) == CLONE_VM)) {
		signal_task_exit(c);
		if (c->files)
			exit_files(c);
		if (c->mm)
			mmput(c->mm);   /* never loaded: the parent's CR3 is its own */
		free_task(c);
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(c->comm, p->comm, sizeof(c->comm));
	memcpy(c->exe_path, p->exe_path, sizeof(c->exe_path));
	/* The small attributes, as Linux's copy_creds and copy_signal: ids,
	 * limits, name and affinity inherited; the parent-death signal and the
	 * robust list are the child's own business (cleared). */
	c->cred = p->cred;
	memcpy(c->rlim, leader->rlim, sizeof(c->rlim));
	memcpy(c->prctl_comm, p->prctl_comm, sizeof(c->prctl_comm));
	c->cpus_allowed = p->cpus_allowed;
	c->pdeath_signal = 0;
	c->robust_list_head = 0;
	memcpy(c->warned_syscalls, p->warned_syscalls, sizeof(c->warned_syscalls));
	c->warned_high_syscall = p->warned_high_syscall;
	c->pid = alloc_pid();
	c->start_tsc = rdtsc();
	c->oom_score_adj = leader->oom_score_adj;
	sched_fork_user_state(c);
	if (flags & CLONE_SETTLS)
		c->fs_base = tls;
	if (flags & CLONE_CHILD_SETTID)
		c->set_child_tid = child_tid;
	if (flags & CLONE_CHILD_CLEARTID)
		c->tid_address = child_tid;

	struct pt_regs *regs = task_pt_regs(c);
	*regs = *task_pt_regs(p);
	regs->ax = 0;
	if (newsp)
		regs->sp = newsp;

	if (flags & CLONE_THREAD) {
		c->tgid = p->tgid;
		c->group_leader = leader;
		c->exit_signal = -1;
		list_add_tail(&c->thread_node, &leader->thread_group);
		leader->nr_threads++;
	} else {
		c->tgid = c->pid;
		c->group_leader = c;
		c->nr_threads = 1;
		c->exit_signal = exit_signal;
		c->pgid = leader->pgid;
		c->sid = leader->sid;
		c->real_parent = (flags & CLONE_PARENT) ? leader->real_parent : leader;
		list_add_tail(&c->sibling, &c->real_parent->children);
	}
	sched_attach_task(c);
	return c;
}

/* Creates and starts the child; the parent of a vfork waits for its exec
 * or exit. Returns the child's pid or -errno. */
static int64_t kernel_clone(uint64_t flags, uint64_t newsp, uint64_t parent_tid, uint64_t child_tid, uint64_t tls,
			    int32_t exit_signal)
{
	int64_t err = check_clone_flags(flags);
	if (err)
		return err;
	struct task_struct *c = copy_process(flags, newsp, child_tid, tls, exit_signal, &err);
	if (!c)
		return err;
	uint32_t pid = c->pid;
	if (flags & CLONE_PARENT_SETTID)
		(void)copy_to_user(parent_tid, &pid, sizeof(pid));   /* a bad address is ignored, as Linux */
	struct completion vfork;
	if (flags & CLONE_VFORK) {
		init_completion(&vfork);
		c->vfork_done = &vfork;
	}
	wake_up_new_task(c);
	if (flags & CLONE_VFORK) {
		if (wait_for_completion(&vfork))
			c->vfork_done = NULL;   /* we were killed: the child must not touch our stack */
	}
	return pid;
}

/* See kernel/fork.h. */
int64_t sys_fork(void)
{
	return kernel_clone(SIGCHLD, 0, 0, 0, 0, SIGCHLD);
}

/* See kernel/fork.h. */
int64_t sys_vfork(void)
{
	return kernel_clone(CLONE_VFORK | CLONE_VM | SIGCHLD, 0, 0, 0, 0, SIGCHLD);
}

/* See kernel/fork.h. x86-64's argument order: flags, newsp, parent_tid, child_tid, tls. */
int64_t sys_clone(uint64_t flags, uint64_t newsp, uint64_t parent_tid, uint64_t child_tid, uint64_t tls)
{
	uint32_t sig = (uint32_t)flags & CSIGNAL;
	if (sig > 64)
		return -EINVAL;
	return kernel_clone(flags & 0xffffffffull, newsp, parent_tid, child_tid, tls, (int32_t)sig);
}

/* See kernel/fork.h. */
int64_t sys_clone3(uint64_t uargs, uint64_t size)
{
	struct clone_args a;
	memset(&a, 0, sizeof(a));
	if (size < CLONE_ARGS_SIZE_VER0 || size > 4096)
		return -EINVAL;
	uint64_t n = size < sizeof(a) ? size : sizeof(a);
	if (copy_from_user(&a, uargs, n))
		return -EFAULT;
	/* Bytes past what we know must be zero (Linux's copy_struct_from_user: -E2BIG). */
	for (uint64_t off = sizeof(a); off < size; off++) {
		uint8_t b;
		if (copy_from_user(&b, uargs + off, 1))
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	if (a.flags & ~0xffffffffull || (a.flags & CSIGNAL))
		return -EINVAL;
	if (a.exit_signal & ~(uint64_t)CSIGNAL || a.exit_signal > 64)
		return -EINVAL;
	if (a.set_tid || a.set_tid_size || a.cgroup)
		return -EINVAL;
	if ((a.stack == 0) != (a.stack_size == 0))
		return -EINVAL;
	if (a.stack && a.stack + a.stack_size < a.stack)
		return -EINVAL;
	uint64_t sp = a.stack ? a.stack + a.stack_size : 0;
	return kernel_clone(a.flags, sp, a.parent_tid, a.child_tid, a.tls, (int32_t)a.exit_signal);
}
