/*
 * The end of tasks and processes, and waiting for children (kernel/task_exit.h).
 */
#include "kernel/task_exit.h"
#include "kernel/exec.h"
#include "kernel/futex.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/console_file.h"
#include "paging/mm_types.h"
#include "base/errno.h"
#include "base/signal.h"
#include "base/string.h"
#include "cpu/percpu.h"
#include "fault/uaccess.h"
#include "lib/kprintf.h"
#include "lib/record.h"
#include "lib/tsc.h"

#define WNOHANG    0x00000001
#define WUNTRACED  0x00000002
#define WEXITED    0x00000004
#define WCONTINUED 0x00000008
#define WNOWAIT    0x01000000
#define __WNOTHREAD 0x20000000
#define __WALL     0x40000000
#define __WCLONE   0x80000000u

#define P_ALL  0
#define P_PID  1
#define P_PGID 2

#define CLD_EXITED 1
#define CLD_KILLED 2

/* See kernel/task_exit.h. */
uint32_t task_ppid(const struct task_struct *t)
{
	const struct task_struct *p = t->group_leader->real_parent;
	return p ? p->tgid : 0;
}

/* The {"type":"kill"} record of leader's process (docs/records.md): sig
 * with si_code code, addr, the registers it died with, reason in words. */
static void record_kill(const struct task_struct *leader, int sig, int code, uint64_t addr,
			const struct pt_regs *regs, const char *reason)
{
	kprintf("%s (pid %u): killed by %s at 0x%llx (rip 0x%llx): %s\n", leader->comm, leader->tgid,
		signal_name(sig), addr, regs->ip, reason);
	struct json *j = record_begin("kill");
	json_str(j, "program", leader->comm);
	json_u64(j, "pid", leader->tgid);
	json_u64(j, "ppid", task_ppid(leader));
	json_str(j, "signal", signal_name(sig));
	json_u64(j, "signo", (uint64_t)sig);
	json_str(j, "code", si_code_name(sig, code));
	json_hex(j, "addr", addr);
	json_hex(j, "rip", regs->ip);
	json_hex(j, "error_code", regs->error_code);
	json_u64(j, "vector", regs->vector);
	json_str(j, "reason", reason);
	json_u64(j, "cpu", this_cpu_read(cpu));   /* the CPU it died on */
	record_end();
}

/* The process's one end record: exit with its status, or kill with the
 * signal (unless force_fatal_sig wrote it already, with the fault's
 * details). */
static void record_process_end(struct task_struct *leader)
{
	if (leader->group_end == TASK_KILLED) {
		/* Sent, not a fault: no address; error code 0 (the frame's would be a
		 * syscall number or an interrupt's). */
		if (leader->fatal_reason) {
			struct pt_regs regs = *task_pt_regs(current);
			regs.error_code = 0;
			record_kill(leader, leader->group_exit_code, leader->fatal_code ? leader->fatal_code : SI_KERNEL,
				    0, &regs, leader->fatal_reason);
		}
		return;
	}
	struct json *j = record_begin("exit");
	json_str(j, "program", leader->comm);
	json_u64(j, "pid", leader->tgid);
	json_u64(j, "ppid", task_ppid(leader));
	json_i64(j, "status", leader->group_exit_code);
	json_u64(j, "cpu", this_cpu_read(cpu));   /* the CPU its last thread ended on */
	if (leader->mm_syscalls_unlocked || leader->mm_syscalls_locked) {   /* several CPUs only (mmsys) */
		json_u64(j, "mm_syscalls_unlocked", leader->mm_syscalls_unlocked);
		json_u64(j, "mm_syscalls_locked", leader->mm_syscalls_locked);
	}
	record_end();
}

/* The process's children go to the reaper; zombies among them are reaped
 * there (Linux's forget_original_parent, with the run loop as init). */
static void forget_original_parent(struct task_struct *leader)
{
	struct task_struct *reaper = sched_reaper();
	struct task_struct *c, *n;
	list_for_each_entry_safe(c, n, &leader->children, sibling) {
		list_del_init(&c->sibling);
		c->real_parent = reaper;
		list_add_tail(&c->sibling, &reaper->children);
	}
}

/* Whether the parent asked for no zombies: SIGCHLD ignored (SIG_IGN) or
 * SA_NOCLDWAIT (Linux's do_notify_parent returning autoreap). */
static bool parent_autoreaps(const struct task_struct *parent)
{
	if (!parent->sighand)
		return false;
	const struct k_sigaction *ka = &parent->sighand->action[SIGCHLD - 1];
	return ka->handler == SIG_IGN || (ka->flags & SA_NOCLDWAIT);
}

/* The last thread of the process is gone: record, reparent, SIGCHLD to the
 * parent, and a zombie for it to reap (woken) - or, when the parent wants
 * none, gone at once. */
static void exit_notify(struct task_struct *leader)
{
	record_process_end(leader);
	forget_original_parent(leader);
	struct task_struct *parent = leader->real_parent;
	bool autoreap = parent_autoreaps(parent);
	if (leader->exit_signal > 0 && parent->sighand && parent->exit_state == EXIT_NONE && !autoreap) {
		struct kernel_siginfo info = {
			.signo = leader->exit_signal,
			.code = leader->group_end == TASK_KILLED ? CLD_KILLED : CLD_EXITED,
			.pid = leader->tgid, .uid = 0,
		};
		send_signal_to_task(parent, leader->exit_signal, &info);
		wake_up_process(parent);
	}
	leader->exit_state = autoreap ? EXIT_DEAD : EXIT_ZOMBIE;
	wake_up(&parent->wait_chldexit);
}

/* Drops the task's address space (Linux's exit_mm): the last user frees it,
 * after CR3 moved to the kernel's tables. */
static void exit_task_mm(struct task_struct *t)
{
	struct mm_struct *mm = t->mm;
	if (!mm)
		return;
	if (t->tid_address) {
		/* CLONE_CHILD_CLEARTID: zero the word and wake one waiter (a
		 * joining thread), while the memory is still there. */
		if (mm->mm_users > 1) {
			uint32_t zero = 0;
			if (!copy_to_user(t->tid_address, &zero, sizeof(zero)))
				futex_wake(mm, t->tid_address, 1, FUTEX_BITSET_MATCH_ANY);
		}
		t->tid_address = 0;
	}
	exit_mm(t);
}

/* Ends the current task. Never returns. */
static void __attribute__((noreturn)) do_task_exit(void)
{
	struct task_struct *t = current, *leader = t->group_leader;
	if (t->vfork_done) {
		complete(t->vfork_done);
		t->vfork_done = NULL;
	}
	exit_task_mm(t);
	if (t->files)
		exit_files(t);   /* after the mm: its file VMAs hold their own references */
	signal_task_exit(t);
	leader->nr_threads--;
	if (t != leader) {
		/* Off the thread list and into the process's counts in one step (its
		 * mm is gone: it faults no more), so that getrusage(RUSAGE_SELF),
		 * which sums the leader's and the listed threads' counts, never
		 * misses it, and the parent reaping the leader finds them there. */
		list_del_init(&t->thread_node);
		leader->dead_min_flt += t->min_flt;
		leader->dead_maj_flt += t->maj_flt;
		/* atomic: the leader may be counting its own lock-free calls now */
		__atomic_fetch_add(&leader->mm_syscalls_unlocked, t->mm_syscalls_unlocked, __ATOMIC_RELAXED);
		__atomic_fetch_add(&leader->mm_syscalls_locked, t->mm_syscalls_locked, __ATOMIC_RELAXED);
	}
	if (leader->nr_threads == 0) {
		exit_notify(leader);
		if (leader != t && leader->exit_state == EXIT_DEAD)
			release_task(leader);   /* autoreaped, and off the CPU long ago */
	}
	if (t != leader)
		t->exit_state = EXIT_DEAD;   /* freed once off the CPU (finish_task_switch) */
	t->state = TASK_DEAD;
	schedule();
	for (;;)
		;   /* never scheduled again */
}

/* Marks every thread of leader's group except `except` for death. */
static void zap_other_threads(struct task_struct *leader, struct task_struct *except)
{
	struct task_struct *t;
	if (leader != except && leader->state != TASK_DEAD && !leader->fatal_signal) {
		leader->fatal_signal = SIGKILL;
		wake_up_process(leader);
	}
	list_for_each_entry(t, &leader->thread_group, thread_node)
		if (t != except && !t->fatal_signal) {
			t->fatal_signal = SIGKILL;
			wake_up_process(t);
		}
}

/* See kernel/task_exit.h. */
void exec_kill_other_threads(struct task_struct *t)
{
	struct task_struct *leader = t->group_leader, *o;
	if (leader != t && leader->state != TASK_DEAD) {
		leader->silent_exit = true;
		leader->fatal_signal = SIGKILL;
		wake_up_process(leader);
	}
	list_for_each_entry(o, &leader->thread_group, thread_node)
		if (o != t) {
			o->silent_exit = true;
			o->fatal_signal = SIGKILL;
			wake_up_process(o);
		}
}

/* See kernel/task_exit.h. */
void do_exit(int32_t code)
{
	struct task_struct *t = current, *leader = t->group_leader;
	if (!leader->group_exiting && t == leader) {
		leader->group_end = TASK_EXITED;
		leader->group_exit_code = code;
	}
	t->end = TASK_EXITED;
	t->exit_code = code;
	do_task_exit();
}

/* See kernel/task_exit.h. */
void do_group_exit(int32_t code)
{
	struct task_struct *t = current, *leader = t->group_leader;
	if (!leader->group_exiting) {
		leader->group_exiting = true;
		leader->group_end = TASK_EXITED;
		leader->group_exit_code = code;
		zap_other_threads(leader, t);
	}
	do_task_exit();
}

/* Called on the way to ring 3 with a fatal signal pending (kernel/sched.c). */
void do_fatal_signal_exit(void) __attribute__((noreturn));
void do_fatal_signal_exit(void)
{
	struct task_struct *t = current, *leader = t->group_leader;
	if (!leader->group_exiting && !t->silent_exit) {
		leader->group_exiting = true;
		leader->group_end = TASK_KILLED;
		leader->group_exit_code = t->fatal_signal;
		if (!leader->fatal_reason)
			leader->fatal_reason = t->fatal_reason ? t->fatal_reason : "killed";
		zap_other_threads(leader, t);
	}
	do_task_exit();
}

/* See kernel/task_exit.h. */
void kill_process(struct task_struct *t, int sig, int code, const char *reason)
{
	struct task_struct *leader = t->group_leader;
	if (leader->group_exiting || leader->exit_state != EXIT_NONE)
		return;
	leader->group_exiting = true;
	leader->group_end = TASK_KILLED;
	leader->group_exit_code = sig;
	leader->fatal_code = code;
	leader->fatal_reason = reason;
	if (leader->state != TASK_DEAD) {
		leader->fatal_signal = sig;
		leader->fatal_reason = reason;
		wake_up_process(leader);
	}
	zap_other_threads(leader, NULL);
}

/* See base/process.h. */
void force_fatal_sig(int sig, int code, const char *reason, uint64_t addr, const struct pt_regs *regs)
{
	struct task_struct *t = current, *leader = t->group_leader;
	record_kill(leader, sig, code, addr, regs, reason);
	if (!leader->group_exiting) {
		leader->group_exiting = true;
		leader->group_end = TASK_KILLED;
		leader->group_exit_code = sig;
		leader->fatal_reason = NULL;   /* recorded */
		zap_other_threads(leader, t);
	}
	t->end = TASK_KILLED;
	t->exit_code = sig;
	do_task_exit();
}

/* See kernel/task_exit.h. */
void release_task(struct task_struct *t)
{
	if (t == t->group_leader) {
		struct task_struct *p = t->real_parent;
		if (p) {
			p->group_leader->cmin_flt += t->min_flt + t->dead_min_flt + t->cmin_flt;
			p->group_leader->cmaj_flt += t->maj_flt + t->dead_maj_flt + t->cmaj_flt;
		}
		list_del_init(&t->sibling);
	}
	/* A thread's counts went into its leader's dead_* counts when it left
	 * the thread list (do_task_exit). */
	sched_detach_task(t);
	free_task(t);
}

/* See kernel/task_exit.h. */
void reap_orphans(struct task_struct *reaper)
{
	struct task_struct *c, *n;
	list_for_each_entry_safe(c, n, &reaper->children, sibling)
		if (c->exit_state == EXIT_ZOMBIE)
			release_task(c);
}

/* The wait status Linux encodes: exit code << 8, or the signal. */
static uint32_t wait_status(const struct task_struct *leader)
{
	if (leader->group_end == TASK_KILLED)
		return (uint32_t)leader->group_exit_code & 0x7f;
	return ((uint32_t)leader->group_exit_code & 0xff) << 8;
}

/* Whether child c is one wait asked for. */
static bool wait_matches(const struct task_struct *c, int idtype, int64_t id)
{
	if (idtype == P_PID)
		return c->tgid == (uint64_t)id;
	if (idtype == P_PGID)
		return task_pgid(c) == (uint64_t)id;
	return true;
}

/* Fills a struct rusage (144 bytes) with a reaped child's counts. */
static void child_rusage(const struct task_struct *c, uint64_t r[18])
{
	memset(r, 0, 18 * sizeof(uint64_t));
	r[8] = c->min_flt + c->dead_min_flt + c->cmin_flt;
	r[9] = c->maj_flt + c->dead_maj_flt + c->cmaj_flt;
	r[16] = c->nvcsw;
	r[17] = c->nivcsw;
}

/*
 * The common part of wait4 and waitid (Linux's do_wait): a zombie child
 * matching (idtype, id) is reported through *found (reaped unless
 * WNOWAIT). Returns its pid, 0 for WNOHANG with none ready, -ECHILD when
 * no child matches at all, -EINTR for a fatal signal.
 */
static int64_t do_wait(int idtype, int64_t id, uint32_t options, struct task_struct **found)
{
	struct task_struct *me = current->group_leader;
	struct wait_queue_entry w = { .task = NULL };
	int64_t ret;
	for (;;) {
		prepare_to_wait(&me->wait_chldexit, &w);
		bool any = false;
		struct task_struct *c;
		ret = 0;
		list_for_each_entry(c, &me->children, sibling) {
			if (!wait_matches(c, idtype, id))
				continue;
			any = true;
			if (c->exit_state == EXIT_ZOMBIE) {
				*found = c;
				ret = c->tgid;
				break;
			}
		}
		if (ret)
			break;
		if (!any) {
			ret = -ECHILD;
			break;
		}
		if (options & WNOHANG) {
			ret = 0;
			break;
		}
		if (task_sigpending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		schedule_until(0);
	}
	finish_wait(&me->wait_chldexit, &w);
	return ret;
}

/* See kernel/task_exit.h. */
int64_t sys_wait4(uint64_t upid, uint64_t status, uint64_t options, uint64_t ru)
{
	int32_t pid = (int32_t)upid;
	if (options & ~(uint64_t)(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	/* INT_MIN has no process group (Linux: -ESRCH). */
	if (pid == INT32_MIN)
		return -ESRCH;
	int idtype = P_ALL;
	int64_t id = 0;
	if (pid > 0) {
		idtype = P_PID;
		id = pid;
	} else if (pid == 0) {
		idtype = P_PGID;
		id = task_pgid(current);
	} else if (pid < -1) {
		idtype = P_PGID;
		id = -(int64_t)pid;
	}
	struct task_struct *c = NULL;
	int64_t ret = do_wait(idtype, id, (uint32_t)options, &c);
	if (ret <= 0)
		return ret;
	uint32_t st = wait_status(c);
	uint64_t r[18];
	child_rusage(c, r);
	if (status && copy_to_user(status, &st, sizeof(st)))
		return -EFAULT;
	if (ru && copy_to_user(ru, r, sizeof(r)))
		return -EFAULT;
	release_task(c);
	return ret;
}

/* See kernel/task_exit.h. */
int64_t sys_waitid(uint64_t idtype, uint64_t id, uint64_t infop, uint64_t options, uint64_t ru)
{
	if (options & ~(uint64_t)(WNOHANG | WNOWAIT | WEXITED | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (!(options & (WEXITED | WUNTRACED | WCONTINUED)))
		return -EINVAL;
	int type;
	switch (idtype) {
	case P_ALL:  type = P_ALL; break;
	case P_PID:  if ((int32_t)id <= 0) return -EINVAL; type = P_PID; break;
	case P_PGID: if ((int32_t)id < 0) return -EINVAL; type = P_PGID;
		     if (id == 0) id = task_pgid(current);
		     break;
	default:     return -EINVAL;
	}
	struct task_struct *c = NULL;
	int64_t ret = (options & WEXITED) ? do_wait(type, (int32_t)id, (uint32_t)options, &c) : -ECHILD;
	if (ret < 0)
		return ret;
	int32_t info[32];   /* siginfo_t: 128 bytes */
	memset(info, 0, sizeof(info));
	uint64_t r[18];
	memset(r, 0, sizeof(r));
	if (c) {
		info[0] = SIGCHLD;
		info[2] = c->group_end == TASK_KILLED ? CLD_KILLED : CLD_EXITED;
		info[4] = (int32_t)c->tgid;
		info[5] = 0;   /* si_uid */
		info[6] = c->group_end == TASK_KILLED ? c->group_exit_code : (c->group_exit_code & 0xff);
		child_rusage(c, r);
	}
	if (infop && copy_to_user(infop, info, sizeof(info)))
		return -EFAULT;
	if (ru && copy_to_user(ru, r, sizeof(r)))
		return -EFAULT;
	if (c && !(options & WNOWAIT))
		release_task(c);
	return 0;
}

/* See kernel/task_exit.h. */
int64_t sys_getppid(void)
{
	return task_ppid(current);
}
