/*
 * Signals (kernel/signal.h), after Linux's kernel/signal.c: sending,
 * the syscalls that set actions, masks and the alternate stack, and
 * delivery on the way back to ring 3.
 *
 *   a signal sent (kill, tkill, tgkill, a fault, a bad signal frame)
 *       ignored by the target (SIG_IGN, or SIG_DFL of SIGCHLD, SIGCONT,
 *       SIGURG, SIGWINCH) and not blocked      dropped
 *       otherwise                               pending (once; a second one merges)
 *   a fault (force_sig_fault) or force_sig
 *       handler installed, not blocked          pending, delivered on the way out
 *       blocked, ignored or SIG_DFL             the default: the program is killed
 *   on the way back to ring 3 (exit_to_user_mode), each pending, unblocked
 *   signal, synchronous ones (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE,
 *   SIGSYS) first, then by number:
 *       SIG_IGN, or SIG_DFL with default ignore dropped
 *       SIG_DFL of a stop signal                dropped with a warning: nothing
 *                                               could continue the program
 *       SIG_DFL otherwise                       killed: kill record (force_fatal_sig)
 *       a handler                               frame written (kernel/signal_frame.c),
 *                                               mask |= sa_mask (+ sig unless SA_NODEFER),
 *                                               SA_RESETHAND: action back to SIG_DFL;
 *                                               frame cannot be written: SIGSEGV forced
 *   an interrupted syscall's -ERESTART* answer is restarted or made -EINTR
 *   by Linux's rules (SA_RESTART).
 */
#include "kernel/signal.h"
#include "kernel/sched.h"
#include "kernel/task_exit.h"
#include "kernel/signal_frame.h"
#include "base/errno.h"
#include "base/format.h"
#include "base/string.h"
#include "cpu/percpu.h"
#include "cpu/x86.h"
#include "fault/idt.h"
#include "fault/syscall.h"
#include "fault/uaccess.h"
#include "lib/record.h"
#include "paging/pgtable.h"
#include "paging/pgtable_types.h"
#include "paging/slab.h"

/* Linux's sig_kernel_* classes (include/linux/signal.h). */
#define SIG_KERNEL_ONLY_MASK   (sigmask(SIGKILL) | sigmask(SIGSTOP))
#define SIG_KERNEL_IGNORE_MASK (sigmask(SIGCONT) | sigmask(SIGCHLD) | sigmask(SIGWINCH) | sigmask(SIGURG))
#define SIG_KERNEL_STOP_MASK   (sigmask(SIGSTOP) | sigmask(SIGTSTP) | sigmask(SIGTTIN) | sigmask(SIGTTOU))
#define SYNCHRONOUS_MASK       (sigmask(SIGSEGV) | sigmask(SIGBUS) | sigmask(SIGILL) | sigmask(SIGTRAP) | \
				sigmask(SIGFPE) | sigmask(SIGSYS))

static struct kmem_cache *sighand_cachep;

/* 1.._NSIG (Linux's valid_signal also lets 0 through; callers test it apart). */
static inline bool valid_signal(int64_t sig)
{
	return sig >= 1 && sig <= _NSIG;
}

/* A sighand with every action SIG_DFL and a count of 1, or NULL. */
static struct sighand_struct *sighand_alloc(void)
{
	if (!sighand_cachep)
		sighand_cachep = kmem_cache_create("sighand_cache", sizeof(struct sighand_struct), 0);
	struct sighand_struct *sh = kmem_cache_zalloc(sighand_cachep);
	if (sh)
		sh->count = 1;
	return sh;
}

/* See kernel/signal.h. */
int signal_task_init(struct task_struct *t)
{
	t->sighand = sighand_alloc();
	if (!t->sighand)
		return -ENOMEM;
	t->blocked.sig = 0;
	memset(&t->pending, 0, sizeof(t->pending));
	memset(&t->fault_info, 0, sizeof(t->fault_info));
	t->warned_stop_signal = false;
	sas_ss_reset(t);
	return 0;
}

/* See kernel/signal.h. */
int copy_signal_state(struct task_struct *child, const struct task_struct *parent, bool share_sighand,
		      bool clear_altstack)
{
	if (share_sighand) {
		child->sighand = parent->sighand;
		child->sighand->count++;
	} else {
		/* Linux's copy_sighand: a copy of every action (written whole, so
		 * not cleared first). */
		child->sighand = sighand_cachep ? kmem_cache_alloc(sighand_cachep) : NULL;
		if (!child->sighand)
			return -ENOMEM;
		child->sighand->count = 1;
		memcpy(child->sighand->action, parent->sighand->action, sizeof(child->sighand->action));
	}
	child->blocked = parent->blocked;
	child->pending.signal.sig = 0;   /* info[] means something only for a pending signal */
	memset(&child->fault_info, 0, sizeof(child->fault_info));
	child->sas_ss_sp = parent->sas_ss_sp;
	child->sas_ss_size = parent->sas_ss_size;
	child->sas_ss_flags = parent->sas_ss_flags;
	if (clear_altstack)
		sas_ss_reset(child);
	return 0;
}

/* See kernel/signal.h. */
int flush_signal_handlers(struct task_struct *t)
{
	if (t->sighand->count > 1) {
		struct sighand_struct *sh = sighand_alloc();
		if (!sh)
			return -ENOMEM;
		memcpy(sh->action, t->sighand->action, sizeof(sh->action));
		t->sighand->count--;
		t->sighand = sh;
	}
	for (int i = 0; i < _NSIG; i++) {
		struct k_sigaction *ka = &t->sighand->action[i];
		if (ka->handler != SIG_IGN)
			ka->handler = SIG_DFL;
		ka->flags = 0;
		ka->restorer = 0;
		ka->mask.sig = 0;
	}
	sas_ss_reset(t);
	return 0;
}

/* See kernel/signal.h. */
void signal_task_exit(struct task_struct *t)
{
	struct sighand_struct *sh = t->sighand;
	t->sighand = NULL;
	if (sh && --sh->count == 0)
		kmem_cache_free(sighand_cachep, sh);
}

struct pid_lookup {
	uint32_t pid;
	struct task_struct *found;
};

/* for_each_task callback of find_task_by_vpid. */
static void match_pid(struct task_struct *t, void *arg)
{
	struct pid_lookup *l = arg;
	if (t->pid == l->pid && !l->found)
		l->found = t;
}

/* See kernel/signal.h: any task of the run, zombies included (as Linux's
 * pid table holds them until they are reaped). */
struct task_struct *find_task_by_vpid(int32_t pid)
{
	if (pid <= 0)
		return NULL;
	struct pid_lookup l = { (uint32_t)pid, NULL };
	for_each_task(match_pid, &l);
	return l.found;
}

/* Would t drop sig now (Linux's sig_ignored)? Blocked signals never are:
 * the action may change before they are unblocked. */
static bool sig_ignored(const struct task_struct *t, int sig)
{
	if (t->blocked.sig & sigmask(sig))
		return false;
	if (sigmask(sig) & SIG_KERNEL_ONLY_MASK)
		return false;
	uint64_t handler = t->sighand->action[sig - 1].handler;
	return handler == SIG_IGN || (handler == SIG_DFL && (sigmask(sig) & SIG_KERNEL_IGNORE_MASK));
}

/* See kernel/signal.h. */
int send_signal_to_task(struct task_struct *t, int sig, const struct kernel_siginfo *info)
{
	/* Linux's prepare_signal: a stop signal cancels a pending SIGCONT and back. */
	if (sigmask(sig) & SIG_KERNEL_STOP_MASK)
		t->pending.signal.sig &= ~sigmask(SIGCONT);
	else if (sig == SIGCONT)
		t->pending.signal.sig &= ~SIG_KERNEL_STOP_MASK;
	if (sig_ignored(t, sig))
		return 0;
	if (t->pending.signal.sig & sigmask(sig))
		return 0;   /* legacy signals do not queue; real-time ones merge here */
	t->pending.signal.sig |= sigmask(sig);
	t->pending.info[sig - 1] = *info;
	t->pending.info[sig - 1].signo = sig;
	return 0;
}

/* Linux's force_sig_info_to_task: unblocks sig and resets an ignored or
 * blocked action to SIG_DFL, then sends it. */
static void force_sig_info(struct task_struct *t, const struct kernel_siginfo *info)
{
	int sig = info->signo;
	struct k_sigaction *ka = &t->sighand->action[sig - 1];
	bool blocked = (t->blocked.sig & sigmask(sig)) != 0;
	if (blocked || ka->handler == SIG_IGN) {
		ka->handler = SIG_DFL;
		t->blocked.sig &= ~sigmask(sig);
	}
	send_signal_to_task(t, sig, info);
}

/* See kernel/signal.h. */
void force_sig(int sig, const char *reason)
{
	struct kernel_siginfo info = { .signo = sig, .code = SI_KERNEL, .reason = reason };
	force_sig_info(current, &info);
}

/* Sigcontext's err/trapno/cr2 for a fault (Linux's set_signal_archinfo and
 * the traps' thread.error_code): a page fault's error code carries USER,
 * and PROT for a kernel address (Linux's sanitize_error_code). */
static void set_signal_archinfo(struct task_struct *t, const struct pt_regs *regs, uint64_t addr)
{
	t->fault_info.trap_nr = regs->vector;
	t->fault_info.error_code = regs->error_code;
	if (regs->vector == X86_TRAP_PF) {
		t->fault_info.error_code |= X86_PF_USER;
		if (addr >= TASK_SIZE_MAX)
			t->fault_info.error_code |= X86_PF_PROT;
		t->fault_info.cr2 = addr;
	}
}

/* See base/process.h. */
void force_sig_fault(int sig, int code, const char *reason, uint64_t addr, const struct pt_regs *regs)
{
	struct task_struct *t = current;
	/* Killed already (SIGKILL from another CPU, the OOM killer reaping its
	 * memory while it ran): that kill wins on the way out, as Linux's
	 * get_signal takes SIGKILL first; the fault's signal is not sent. */
	if (sig != SIGKILL && fatal_signal_pending(t))
		return;
	const struct k_sigaction *ka = t->sighand ? &t->sighand->action[sig - 1] : NULL;
	if (sig == SIGKILL || !ka || ka->handler == SIG_DFL || ka->handler == SIG_IGN ||
	    (t->blocked.sig & sigmask(sig)))
		force_fatal_sig(sig, code, reason, addr, regs);   /* the default, forced: terminate */
	set_signal_archinfo(t, regs, addr);
	struct kernel_siginfo info = { .signo = sig, .code = code, .addr = addr, .reason = reason };
	force_sig_info(t, &info);
}

/* See kernel/signal.h. */
void set_current_blocked(k_sigset_t set)
{
	current->blocked.sig = set.sig & ~SIG_KERNEL_ONLY_MASK;
}

/* ---- The syscalls ------------------------------------------------------- */

/* See fault/syscall.h. Linux's order: sigsetsize, act's copy, the signal, oact's copy. */
int64_t sys_rt_sigaction(uint64_t sig_arg, uint64_t act, uint64_t oact, uint64_t sigsetsize)
{
	int32_t sig = (int32_t)sig_arg;
	struct k_sigaction new_sa, old_sa;
	if (sigsetsize != SIGSET_SIZE)
		return -EINVAL;
	if (act && copy_from_user(&new_sa, act, sizeof(new_sa)))
		return -EFAULT;
	if (!valid_signal(sig) || (act && (sigmask(sig) & SIG_KERNEL_ONLY_MASK)))
		return -EINVAL;
	struct task_struct *t = current;
	struct k_sigaction *k = &t->sighand->action[sig - 1];
	old_sa = *k;
	if (act) {
		new_sa.flags &= SA_KNOWN_FLAGS;
		new_sa.mask.sig &= ~SIG_KERNEL_ONLY_MASK;
		*k = new_sa;
		/* POSIX 3.3.1.3: setting an action to ignore discards the pending signal. */
		if (k->handler == SIG_IGN || (k->handler == SIG_DFL && (sigmask(sig) & SIG_KERNEL_IGNORE_MASK)))
			t->pending.signal.sig &= ~sigmask(sig);
	}
	if (oact && copy_to_user(oact, &old_sa, sizeof(old_sa)))
		return -EFAULT;
	return 0;
}

/* See fault/syscall.h. Without a new set, how is not looked at (Linux). */
int64_t sys_rt_sigprocmask(uint64_t how, uint64_t set, uint64_t oset, uint64_t sigsetsize)
{
	if (sigsetsize != SIGSET_SIZE)
		return -EINVAL;
	struct task_struct *t = current;
	k_sigset_t old = t->blocked, new_set;
	if (set) {
		if (copy_from_user(&new_set, set, sizeof(new_set)))
			return -EFAULT;
		switch ((int32_t)how) {
		case SIG_BLOCK:   new_set.sig |= old.sig; break;
		case SIG_UNBLOCK: new_set.sig = old.sig & ~new_set.sig; break;
		case SIG_SETMASK: break;
		default:          return -EINVAL;
		}
		set_current_blocked(new_set);
	}
	if (oset && copy_to_user(oset, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* See fault/syscall.h. Pending and blocked, sigsetsize bytes of it. */
int64_t sys_rt_sigpending(uint64_t set, uint64_t sigsetsize)
{
	if (sigsetsize > SIGSET_SIZE)
		return -EINVAL;
	k_sigset_t pending = { current->pending.signal.sig & current->blocked.sig };
	if (copy_to_user(set, &pending, sigsetsize))
		return -EFAULT;
	return 0;
}

/* See kernel/signal.h. */
int do_sigaltstack(const k_stack_t *ss, k_stack_t *oss, uint64_t sp)
{
	struct task_struct *t = current;
	if (oss) {
		memset(oss, 0, sizeof(*oss));
		oss->ss_sp = t->sas_ss_sp;
		oss->ss_size = t->sas_ss_size;
		oss->ss_flags = (int32_t)(sas_ss_flags(t, sp) | (t->sas_ss_flags & SS_FLAG_BITS));
	}
	if (!ss)
		return 0;
	if (on_sig_stack(t, sp))
		return -EPERM;
	uint32_t flags = (uint32_t)ss->ss_flags, mode = flags & ~SS_FLAG_BITS;
	if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
		return -EINVAL;
	uint64_t ss_sp = ss->ss_sp, ss_size = ss->ss_size;
	if (mode == SS_DISABLE) {
		ss_sp = 0;
		ss_size = 0;
	} else if (ss_size < MINSIGSTKSZ) {
		return -ENOMEM;
	}
	t->sas_ss_sp = ss_sp;
	t->sas_ss_size = ss_size;
	t->sas_ss_flags = flags;
	return 0;
}

/* See fault/syscall.h. */
int64_t sys_sigaltstack(uint64_t uss, uint64_t uoss, uint64_t user_sp)
{
	k_stack_t new_ss, old_ss;
	if (uss && copy_from_user(&new_ss, uss, sizeof(new_ss)))
		return -EFAULT;
	int err = do_sigaltstack(uss ? &new_ss : NULL, uoss ? &old_ss : NULL, user_sp);
	if (!err && uoss && copy_to_user(uoss, &old_ss, sizeof(old_ss)))
		return -EFAULT;
	return err;
}

/* Linux's group_send_sig_info after the target is found: -EINVAL for a bad
 * signal; 0 asks only whether the target exists. */
static int64_t send_checked(struct task_struct *t, int32_t sig, int32_t code)
{
	if (sig < 0 || sig > _NSIG)
		return -EINVAL;
	if (sig == 0)
		return 0;
	if (t->exit_state != EXIT_NONE || t->state == TASK_DEAD || !t->sighand)
		return 0;   /* a zombie or a thread on its way out: nothing to do, as Linux */
	if (sig == SIGKILL && t != current) {
		/* SIGKILL ends every thread of the process now, asleep or not. */
		kill_process(t, SIGKILL, SI_USER, "SIGKILL sent by kill()");
		return 0;
	}
	struct kernel_siginfo info = { .signo = sig, .code = code, .pid = current->tgid, .uid = 0 };
	int64_t r = send_signal_to_task(t, sig, &info);
	wake_up_process(t);   /* a sleep ends with -ERESTARTSYS / -EINTR; delivery on the way out */
	return r;
}

struct group_kill {
	uint32_t pgid;
	int32_t sig;
	uint32_t sent;
	int64_t err;
};

/* for_each_task callback: sig to every live process of the group. */
static void kill_group_member(struct task_struct *t, void *arg)
{
	struct group_kill *g = arg;
	if (t != t->group_leader || t->exit_state != EXIT_NONE || task_pgid(t) != g->pgid)
		return;
	g->sent++;
	int64_t r = send_checked(t, g->sig, SI_USER);
	if (r)
		g->err = r;
}

/* kill(0 or -pgid, sig): every process of the group; -ESRCH if none. */
static int64_t kill_pgrp(uint32_t pgid, int32_t sig)
{
	if (sig < 0 || sig > _NSIG)
		return -EINVAL;
	struct group_kill g = { pgid, sig, 0, 0 };
	for_each_task(kill_group_member, &g);
	return g.sent ? g.err : -ESRCH;
}

/*
 * See fault/syscall.h. pid > 0: that process; 0: the caller's process group;
 * -1: every process but init and the caller (none here: -ESRCH); < -1: the
 * group -pid. A process's group is its own pid today (no setpgid yet).
 */
int64_t sys_kill(uint64_t pid_arg, uint64_t sig_arg)
{
	int32_t pid = (int32_t)pid_arg, sig = (int32_t)sig_arg;
	if (pid == 0)
		return kill_pgrp(task_pgid(current), sig);
	if (pid == -1 || pid == INT32_MIN)
		return -ESRCH;   /* no other processes it may signal outside its tree are kept apart yet */
	if (pid < -1)
		return kill_pgrp((uint32_t)-pid, sig);
	struct task_struct *t = find_task_by_vpid(pid);
	if (!t)
		return -ESRCH;
	return send_checked(t->group_leader, sig, SI_USER);
}

/* Linux's do_tkill: thread tid of thread group tgid (any group if tgid is 0). */
static int64_t do_tkill(int32_t tgid, int32_t tid, int32_t sig)
{
	struct task_struct *t = find_task_by_vpid(tid);
	if (!t || (tgid > 0 && (uint32_t)tgid != t->tgid))
		return -ESRCH;
	return send_checked(t, sig, SI_TKILL);
}

/* See fault/syscall.h. */
int64_t sys_tkill(uint64_t tid, uint64_t sig)
{
	if ((int32_t)tid <= 0)
		return -EINVAL;
	return do_tkill(0, (int32_t)tid, (int32_t)sig);
}

/* See fault/syscall.h. */
int64_t sys_tgkill(uint64_t tgid, uint64_t tid, uint64_t sig)
{
	if ((int32_t)tid <= 0 || (int32_t)tgid <= 0)
		return -EINVAL;
	return do_tkill((int32_t)tgid, (int32_t)tid, (int32_t)sig);
}

/* ---- Delivery ----------------------------------------------------------- */

/* The next signal to deliver: synchronous ones first, then the lowest; 0 if none. */
static int next_signal(const struct task_struct *t)
{
	uint64_t ready = t->pending.signal.sig & ~t->blocked.sig;
	if (!ready)
		return 0;
	if (ready & SYNCHRONOUS_MASK)
		ready &= SYNCHRONOUS_MASK;
	return __builtin_ctzll(ready) + 1;
}

/* The kill record's reason for a signal that terminates. */
static const char *fatal_reason(const struct kernel_siginfo *info)
{
	static char buf[96];
	if (info->reason)
		return info->reason;
	const char *how = info->code == SI_USER ? "kill()" : info->code == SI_TKILL ? "tkill()/tgkill()" : "the kernel";
	format(buf, sizeof(buf), "%s sent by %s from pid %u; its action is to terminate",
	       signal_name(info->signo), how, info->pid);
	return buf;
}

/* Did regs come from a syscall whose result a signal may restart (Linux's
 * syscall_get_nr != -1)? rt_sigreturn sets error_code (orig_ax) to -1. */
static inline bool from_syscall(const struct pt_regs *regs)
{
	return regs->vector == SYSCALL_VECTOR && regs->error_code != UINT64_MAX;
}

/* Goes back to the syscall instruction with its number in rax. */
static inline void restart_syscall_at(struct pt_regs *regs, uint64_t nr)
{
	regs->ax = nr;
	regs->ip -= 2;   /* the length of `syscall` */
}

/* A handler runs: Linux's restart rules before it (arch_do_signal_or_restart). */
static void restart_before_handler(struct pt_regs *regs, const struct k_sigaction *ka)
{
	switch ((int64_t)regs->ax) {
	case -ERESTART_RESTARTBLOCK:
	case -ERESTARTNOHAND:
		regs->ax = (uint64_t)-EINTR;
		break;
	case -ERESTARTSYS:
		if (!(ka->flags & SA_RESTART)) {
			regs->ax = (uint64_t)-EINTR;
			break;
		}
		restart_syscall_at(regs, regs->error_code);
		break;
	case -ERESTARTNOINTR:
		restart_syscall_at(regs, regs->error_code);
		break;
	}
}

/* No handler ran: every restart code restarts. */
static void restart_without_handler(struct pt_regs *regs)
{
	switch ((int64_t)regs->ax) {
	case -ERESTARTNOHAND:
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
		restart_syscall_at(regs, regs->error_code);
		break;
	case -ERESTART_RESTARTBLOCK:
		restart_syscall_at(regs, __NR_restart_syscall);
		break;
	}
}

/* The one warning per task for a stop signal's default action (there is no
 * job control); later ones are ignored silently. */
static void stop_signal_ignored(struct task_struct *t, int sig)
{
	if (t->warned_stop_signal)
		return;
	t->warned_stop_signal = true;
	record_warning("signal", "%s: %s would stop the program; faultline has no job control to continue "
		       "it, so it is ignored (later stop signals are not reported)", t->comm, signal_name(sig));
}

/* See base/process.h. */
void exit_to_user_mode(struct pt_regs *regs)
{
	struct task_struct *t = current;
	if (t && fatal_signal_pending(t))
		do_fatal_signal_exit();   /* SIGKILL from another task, the time limit, the OOM killer, exit_group */
	if (!t || !t->sighand)
		return;
	bool syscall = from_syscall(regs);
	for (int sig; (sig = next_signal(t)) != 0;) {
		struct kernel_siginfo info = t->pending.info[sig - 1];
		t->pending.signal.sig &= ~sigmask(sig);
		struct k_sigaction *ka = &t->sighand->action[sig - 1];
		if (ka->handler == SIG_IGN)
			continue;
		if (ka->handler == SIG_DFL) {
			if (sigmask(sig) & SIG_KERNEL_IGNORE_MASK)
				continue;
			if (sigmask(sig) & SIG_KERNEL_STOP_MASK) {
				stop_signal_ignored(t, sig);
				continue;
			}
			force_fatal_sig(sig, info.code, fatal_reason(&info), info.addr, regs);
		}
		struct k_sigaction act = *ka;
		if (act.flags & SA_RESETHAND)
			ka->handler = SIG_DFL;
		if (syscall) {
			restart_before_handler(regs, &act);
			syscall = false;
		}
		k_sigset_t oldset = t->blocked;
		if (setup_rt_frame(t, sig, &info, &act, oldset, regs)) {
			/* Linux's force_sigsegv: a SIGSEGV whose frame failed kills. */
			if (sig == SIGSEGV)
				ka->handler = SIG_DFL;
			force_sig(SIGSEGV, "the signal frame could not be written (bad stack, no SA_RESTORER, "
				  "or the alternate stack would overflow)");
			continue;
		}
		/* Linux's signal_delivered. */
		k_sigset_t blocked = { t->blocked.sig | act.mask.sig };
		if (!(act.flags & SA_NODEFER))
			blocked.sig |= sigmask(sig);
		set_current_blocked(blocked);
		if (t->sas_ss_flags & SS_AUTODISARM)
			sas_ss_reset(t);
	}
	if (syscall)
		restart_without_handler(regs);
	/* Never iretq to a non-canonical rip: that #GP would come in ring 0. Only
	 * rt_sigreturn sets rip, and it checks; this keeps the promise. */
	if (!is_canonical(regs->ip))
		force_fatal_sig(SIGSEGV, SI_KERNEL, "return to a non-canonical rip", 0, regs);
}
