/*
 * Signals, after Linux's kernel/signal.c: each task's handlers (a shared,
 * refcounted struct sighand_struct), mask, pending set and alternate stack
 * (base/process.h), how a signal is sent to a task, and what the task
 * lifecycle (run, fork, exec, exit) calls. The syscalls are declared in
 * fault/syscall.h, delivery on the way to ring 3 (exit_to_user_mode) and
 * force_sig_fault in base/process.h; the x86 signal frame is
 * kernel/signal_frame.h.
 */
#ifndef FAULTLINE_KERNEL_SIGNAL_H
#define FAULTLINE_KERNEL_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "base/process.h"

/*
 * A new task's signal state, as Linux's first process has it: a sighand of
 * its own with every action SIG_DFL, nothing blocked or pending, no
 * alternate stack. Returns 0, or -ENOMEM (t->sighand stays NULL).
 */
int signal_task_init(struct task_struct *t);

/*
 * fork/clone: child's signal state from parent's (Linux's copy_sighand and
 * copy_process): with share_sighand (CLONE_SIGHAND) the same sighand, its
 * count raised; otherwise a copy of the actions. The mask is inherited,
 * nothing is pending, the alternate stack is inherited unless
 * clear_altstack (CLONE_VM without CLONE_VFORK). Returns 0 or -ENOMEM.
 */
int copy_signal_state(struct task_struct *child, const struct task_struct *parent, bool share_sighand,
		      bool clear_altstack);

/*
 * execve: handlers back to SIG_DFL (SIG_IGN stays, as Linux's
 * flush_signal_handlers(t, 0)); flags and masks of the actions cleared; mask
 * and pending signals kept; the alternate stack disabled (Linux's
 * setup_new_exec). A sighand shared
 * with other tasks is replaced by a private copy first (Linux's
 * unshare_sighand). Returns 0 or -ENOMEM (nothing changed).
 */
int flush_signal_handlers(struct task_struct *t);

/* Drops t's reference on its sighand (freed with the last one); the task's
 * signal state is gone afterwards. Safe on a task whose init failed. */
void signal_task_exit(struct task_struct *t);

/*
 * Sends sig (1.._NSIG) with *info to task t (Linux's send_signal_locked):
 * nothing happens if t ignores it (SIG_IGN, or SIG_DFL with a default of
 * ignore, and not blocked); a signal already pending is not queued again.
 * Delivery happens when t next returns to ring 3. Returns 0. (The caller
 * that makes another task's signal pending wakes it, once tasks sleep.)
 */
int send_signal_to_task(struct task_struct *t, int sig, const struct kernel_siginfo *info);

/*
 * The task whose pid (or tid) is pid, or NULL (Linux's find_task_by_vpid).
 * Today only the running task exists; the pid table replaces this lookup.
 */
struct task_struct *find_task_by_vpid(int32_t pid);

/*
 * Sends sig to the current task whatever its action and mask (Linux's
 * force_sig): if blocked or ignored, it is unblocked and its action reset to
 * SIG_DFL first, so it kills unless a handler catches it. si_code SI_KERNEL,
 * no address; reason is what the kill record will say (a static string).
 */
void force_sig(int sig, const char *reason);

/* Sets the current task's mask to set, never blocking SIGKILL or SIGSTOP. */
void set_current_blocked(k_sigset_t set);

/*
 * sigaltstack's work (Linux's do_sigaltstack), sp the user rsp: *oss (if
 * oss) gets the old stack; ss (if not NULL) becomes the new one. Returns 0;
 * -EPERM while running on the alternate stack, -EINVAL for bad flags,
 * -ENOMEM for a size below MINSIGSTKSZ.
 */
int do_sigaltstack(const k_stack_t *ss, k_stack_t *oss, uint64_t sp);

/* sp lies on t's alternate stack (Linux's __on_sig_stack). */
static inline bool __on_sig_stack(const struct task_struct *t, uint64_t sp)
{
	return sp > t->sas_ss_sp && sp - t->sas_ss_sp <= t->sas_ss_size;
}

/* As __on_sig_stack, but never with SS_AUTODISARM (Linux's on_sig_stack). */
static inline bool on_sig_stack(const struct task_struct *t, uint64_t sp)
{
	return !(t->sas_ss_flags & SS_AUTODISARM) && __on_sig_stack(t, sp);
}

/* SS_DISABLE (no alternate stack), SS_ONSTACK (sp on it) or 0 (Linux's sas_ss_flags). */
static inline uint32_t sas_ss_flags(const struct task_struct *t, uint64_t sp)
{
	if (!t->sas_ss_size)
		return SS_DISABLE;
	return on_sig_stack(t, sp) ? SS_ONSTACK : 0;
}

/* No alternate stack (Linux's sas_ss_reset). */
static inline void sas_ss_reset(struct task_struct *t)
{
	t->sas_ss_sp = 0;
	t->sas_ss_size = 0;
	t->sas_ss_flags = SS_DISABLE;
}

/* True if a signal t does not block is pending (Linux's signal_pending). */
static inline bool signal_pending(const struct task_struct *t)
{
	return (t->pending.signal.sig & ~t->blocked.sig) != 0;
}

#endif
