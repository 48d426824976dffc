/*
 * signal_mask: what rt_sigprocmask, rt_sigaction, rt_sigpending, kill,
 * tkill and tgkill do and answer, as on Linux. A blocked signal sent to
 * oneself stays pending (rt_sigpending shows it) and its handler runs
 * exactly once, before the rt_sigprocmask that unblocks it returns;
 * SIGKILL and SIGSTOP cannot be blocked; SIG_BLOCK, SIG_UNBLOCK,
 * SIG_SETMASK; errno for a bad how, sigsetsize, pointer, signal number;
 * sa_flags and sa_mask read back (SA_UNSUPPORTED dropped, SIGKILL never in
 * a handler's mask); SA_RESETHAND runs a handler once; SA_NODEFER leaves the
 * signal unblocked inside its handler; SIGCHLD's default is to ignore; an
 * ignored signal is not kept pending; kill(0), kill(-1), kill with
 * signal 0, and the pid and tid checks of tkill and tgkill.
 */
#include "user/rt/rt.h"

RT_PROGRAM(signal_mask);

#define SYS_setpgid 109
#define BAD_PTR 0x10ul              /* below mmap_min_addr: never mapped */
#define NO_SUCH_PID 0x3ffffff0      /* above Linux's largest pid_max */

static volatile int usr1_hits, usr2_hits, chld_hits;
static volatile uint64_t usr1_blocked, usr2_blocked;

static void on_usr1(int sig, struct k_siginfo *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	usr1_hits++;
	usr1_blocked = rt_blocked();
}

static void on_usr2(int sig, struct k_siginfo *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	usr2_hits++;
	usr2_blocked = rt_blocked();
}

static void on_chld(int sig, struct k_siginfo *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	chld_hits++;
}

static long sys_kill(long pid, long sig) { return syscall6(SYS_kill, pid, sig, 0, 0, 0, 0); }
static long sys_tkill(long tid, long sig) { return syscall6(SYS_tkill, tid, sig, 0, 0, 0, 0); }
static long sys_tgkill(long tgid, long tid, long sig) { return syscall6(SYS_tgkill, tgid, tid, sig, 0, 0, 0); }

static void blocked_then_unblocked(void)
{
	uint64_t set = sigmask(SIGUSR1), old = 1;
	long r1 = rt_sigaction_set(SIGUSR1, (uint64_t)on_usr1, SA_SIGINFO, 0, 0);
	long r2 = rt_sigprocmask(SIG_BLOCK, &set, &old);
	long r3 = sys_kill(sys_getpid(), SIGUSR1);
	int hits_blocked = usr1_hits;
	uint64_t pending = rt_pending();
	long r4 = rt_sigprocmask(SIG_UNBLOCK, &set, 0);
	int hits_after = usr1_hits;
	rt_check("blocked_stays_pending", r1 == 0 && r2 == 0 && r3 == 0 && old == 0 && hits_blocked == 0 &&
		 pending == sigmask(SIGUSR1), "sigaction %ld, block %ld (old mask 0x%lx), kill %ld: %d handler runs "
		 "while blocked, pending 0x%lx (want 0x%lx)", r1, r2, old, r3, hits_blocked, pending, sigmask(SIGUSR1));
	rt_check("unblock_delivers_once", r4 == 0 && hits_after == 1 && rt_pending() == 0 &&
		 usr1_blocked == sigmask(SIGUSR1), "after SIG_UNBLOCK (%ld): %d handler runs, pending 0x%lx, mask in "
		 "the handler 0x%lx", r4, hits_after, rt_pending(), usr1_blocked);

	/* Sent twice while blocked: a standard signal is delivered once. */
	usr1_hits = 0;
	rt_sigprocmask(SIG_BLOCK, &set, 0);
	rt_raise(SIGUSR1);
	rt_raise(SIGUSR1);
	rt_sigprocmask(SIG_UNBLOCK, &set, 0);
	rt_check("not_queued_twice", usr1_hits == 1, "SIGUSR1 sent twice while blocked: %d handler runs (want 1)",
		 usr1_hits);
}

static void mask_operations(void)
{
	uint64_t all = ~0ull, got = 0, a = sigmask(SIGUSR2) | sigmask(SIGHUP), b = sigmask(SIGHUP);
	long r1 = rt_sigprocmask(SIG_SETMASK, &all, 0);
	got = rt_blocked();
	rt_check("kill_stop_unblockable", r1 == 0 && got == (~0ull & ~(sigmask(SIGKILL) | sigmask(SIGSTOP))),
		 "SIG_SETMASK of all 64 signals: %ld, mask now 0x%lx", r1, got);
	uint64_t zero = 0;
	rt_sigprocmask(SIG_SETMASK, &zero, 0);
	rt_sigprocmask(SIG_BLOCK, &a, 0);
	rt_sigprocmask(SIG_UNBLOCK, &b, 0);
	got = rt_blocked();
	rt_check("block_unblock_setmask", got == sigmask(SIGUSR2), "block {USR2,HUP} then unblock {HUP}: 0x%lx", got);
	rt_sigprocmask(SIG_SETMASK, &zero, 0);

	long e1 = rt_sigprocmask(3, &a, 0);
	long e2 = rt_sigprocmask(3, 0, 0);   /* no set: how is not looked at */
	long e3 = syscall6(SYS_rt_sigprocmask, SIG_BLOCK, (long)&a, 0, 4, 0, 0);
	long e4 = rt_sigprocmask(SIG_BLOCK, (const uint64_t *)BAD_PTR, 0);
	long e5 = rt_sigprocmask(SIG_BLOCK, 0, (uint64_t *)BAD_PTR);
	rt_check("sigprocmask_errors", e1 == -EINVAL && e2 == 0 && e3 == -EINVAL && e4 == -EFAULT && e5 == -EFAULT &&
		 rt_blocked() == 0, "bad how %ld, bad how without a set %ld, sigsetsize 4 %ld, bad set %ld, bad oldset %ld "
		 "(want -22 0 -22 -14 -14)", e1, e2, e3, e4, e5);
	long p1 = syscall6(SYS_rt_sigpending, (long)&got, 16, 0, 0, 0, 0);
	long p2 = syscall6(SYS_rt_sigpending, BAD_PTR, 8, 0, 0, 0, 0);
	rt_check("sigpending_errors", p1 == -EINVAL && p2 == -EFAULT, "sigsetsize 16 %ld, bad pointer %ld", p1, p2);
}

static void sigaction_answers(void)
{
	struct k_sigaction old;
	long e1 = rt_sigaction_set(SIGKILL, (uint64_t)on_usr1, 0, 0, 0);
	long e2 = rt_sigaction_set(SIGSTOP, SIG_IGN, 0, 0, 0);
	long e3 = rt_sigaction_set(0, (uint64_t)on_usr1, 0, 0, 0);
	long e4 = rt_sigaction_set(65, (uint64_t)on_usr1, 0, 0, 0);
	long e5 = syscall6(SYS_rt_sigaction, SIGUSR1, 0, (long)&old, 4, 0, 0);
	long e6 = syscall6(SYS_rt_sigaction, SIGUSR1, BAD_PTR, 0, SIGSET_SIZE, 0, 0);
	long e7 = syscall6(SYS_rt_sigaction, SIGUSR1, 0, BAD_PTR, SIGSET_SIZE, 0, 0);
	long q = syscall6(SYS_rt_sigaction, SIGKILL, 0, (long)&old, SIGSET_SIZE, 0, 0);
	rt_check("sigaction_errors", e1 == -EINVAL && e2 == -EINVAL && e3 == -EINVAL && e4 == -EINVAL &&
		 e5 == -EINVAL && e6 == -EFAULT && e7 == -EFAULT && q == 0 && old.handler == SIG_DFL,
		 "SIGKILL %ld, SIGSTOP %ld, 0 %ld, 65 %ld, sigsetsize 4 %ld, bad act %ld, bad oldact %ld; query of "
		 "SIGKILL %ld (handler %lu)", e1, e2, e3, e4, e5, e6, e7, q, old.handler);

	rt_sigaction_set(SIGUSR2, (uint64_t)on_usr2, SA_SIGINFO | SA_RESTART | SA_ONSTACK | SA_UNSUPPORTED,
			 ~0ull, 0);
	long r = syscall6(SYS_rt_sigaction, SIGUSR2, 0, (long)&old, SIGSET_SIZE, 0, 0);
	uint64_t want_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK | SA_RESTORER;
	rt_check("sigaction_readback", r == 0 && old.handler == (uint64_t)on_usr2 && old.flags == want_flags &&
		 old.restorer == (uint64_t)rt_sigreturn_restorer &&
		 old.mask.sig == (~0ull & ~(sigmask(SIGKILL) | sigmask(SIGSTOP))),
		 "read back: handler %s, flags 0x%lx (want 0x%lx: SA_UNSUPPORTED dropped), mask 0x%lx",
		 old.handler == (uint64_t)on_usr2 ? "same" : "different", old.flags, want_flags, old.mask.sig);

	/* sa_mask applies inside the handler; the signal itself too, unless SA_NODEFER. */
	usr2_hits = 0;
	rt_sigaction_set(SIGUSR2, (uint64_t)on_usr2, SA_SIGINFO, sigmask(SIGHUP), 0);
	rt_raise(SIGUSR2);
	uint64_t with_defer = usr2_blocked;
	rt_sigaction_set(SIGUSR2, (uint64_t)on_usr2, SA_SIGINFO | SA_NODEFER, 0, 0);
	rt_raise(SIGUSR2);
	rt_check("sa_mask_and_nodefer", usr2_hits == 2 && with_defer == (sigmask(SIGHUP) | sigmask(SIGUSR2)) &&
		 usr2_blocked == 0, "%d runs; mask inside: 0x%lx with sa_mask {HUP} (want 0x%lx), 0x%lx with SA_NODEFER",
		 usr2_hits, with_defer, sigmask(SIGHUP) | sigmask(SIGUSR2), usr2_blocked);

	/* SA_RESETHAND: once, then the default (SIGCHLD's: ignore). */
	chld_hits = 0;
	rt_sigaction_set(SIGCHLD, (uint64_t)on_chld, SA_SIGINFO | SA_RESETHAND, 0, 0);
	rt_raise(SIGCHLD);
	rt_raise(SIGCHLD);
	syscall6(SYS_rt_sigaction, SIGCHLD, 0, (long)&old, SIGSET_SIZE, 0, 0);
	rt_check("sa_resethand", chld_hits == 1 && old.handler == SIG_DFL,
		 "SIGCHLD with SA_RESETHAND sent twice: %d handler runs, action now %lu (want 1, SIG_DFL)",
		 chld_hits, old.handler);
}

static void defaults_and_ignoring(void)
{
	long r1 = sys_kill(sys_getpid(), SIGCHLD);
	long r2 = rt_raise(SIGWINCH);
	rt_check("default_ignore", r1 == 0 && r2 == 0 && rt_pending() == 0,
		 "SIGCHLD and SIGWINCH with their default action: %ld %ld, still running, pending 0x%lx", r1, r2,
		 rt_pending());

	uint64_t set = sigmask(SIGUSR1) | sigmask(SIGCHLD);
	rt_sigprocmask(SIG_BLOCK, &set, 0);
	rt_raise(SIGUSR1);
	rt_raise(SIGCHLD);
	uint64_t before = rt_pending();
	rt_sigaction_set(SIGUSR1, SIG_IGN, 0, 0, 0);
	uint64_t after = rt_pending();
	rt_sigprocmask(SIG_UNBLOCK, &set, 0);
	rt_check("ignore_discards_pending", before == set && after == sigmask(SIGCHLD),
		 "blocked USR1 and CHLD pending 0x%lx; after SIG_IGN of USR1 0x%lx (want 0x%lx)", before, after,
		 sigmask(SIGCHLD));
	long r3 = sys_kill(sys_getpid(), SIGUSR1);
	rt_check("ignored_signal", r3 == 0 && rt_pending() == 0, "SIGUSR1 ignored and sent: %ld, pending 0x%lx",
		 r3, rt_pending());
}

static void kill_answers(void)
{
	long pid = sys_getpid();
	long tid = syscall6(SYS_gettid, 0, 0, 0, 0, 0, 0);
	rt_sigaction_set(SIGUSR1, (uint64_t)on_usr1, SA_SIGINFO, 0, 0);
	usr1_hits = 0;
	/* kill(0) is the caller's process group: on Linux first a group of our own
	 * (setpgid(0, 0)), so no other process gets it (faultline: one process). */
	long g = syscall6(SYS_setpgid, 0, 0, 0, 0, 0, 0);
	long k0 = (g == 0 || g == -ENOSYS) ? sys_kill(0, SIGUSR1) : (usr1_hits = 1, 0);
	long k1 = sys_kill(pid, 0);
	long k2 = sys_kill(pid, 65);
	long k3 = sys_kill(pid, -1);
	long k4 = sys_kill(NO_SUCH_PID, SIGUSR1);
	long k5 = sys_kill(NO_SUCH_PID, 65);
	long k6 = sys_kill(-(long)NO_SUCH_PID, SIGUSR1);
	long k7 = sys_kill(-0x7fffffffl - 1, SIGUSR1);
	rt_check("kill_answers", k0 == 0 && usr1_hits == 1 && k1 == 0 && k2 == -EINVAL && k3 == -EINVAL &&
		 k4 == -ESRCH && k5 == -ESRCH && k6 == -ESRCH && k7 == -ESRCH,
		 "kill(0, USR1) %ld (%d runs; setpgid %ld), (self, 0) %ld, (self, 65) %ld, (self, -1) %ld, (no such pid) %ld, "
		 "(no such pid, 65) %ld, (-no such group) %ld, (INT_MIN) %ld", k0, usr1_hits, g, k1, k2, k3, k4, k5, k6, k7);
	long t1 = sys_tkill(tid, SIGUSR1);
	long t2 = sys_tkill(0, SIGUSR1);
	long t3 = sys_tkill(-1, SIGUSR1);
	long t4 = sys_tkill(NO_SUCH_PID, SIGUSR1);
	long t5 = sys_tgkill(pid, tid, SIGUSR1);
	long t6 = sys_tgkill(0, tid, SIGUSR1);
	long t7 = sys_tgkill(pid, 0, SIGUSR1);
	long t8 = sys_tgkill(NO_SUCH_PID, tid, SIGUSR1);
	long t9 = sys_tgkill(pid, tid, 65);
	rt_check("tkill_tgkill_answers", t1 == 0 && t2 == -EINVAL && t3 == -EINVAL && t4 == -ESRCH && t5 == 0 &&
		 t6 == -EINVAL && t7 == -EINVAL && t8 == -ESRCH && t9 == -EINVAL && usr1_hits == 3,
		 "tkill(self) %ld, tkill(0) %ld, tkill(-1) %ld, tkill(no such) %ld, tgkill(self) %ld, tgkill(0, tid) %ld, "
		 "tgkill(pid, 0) %ld, tgkill(other group) %ld, tgkill(self, 65) %ld; %d handler runs (want 3)",
		 t1, t2, t3, t4, t5, t6, t7, t8, t9, usr1_hits);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	blocked_then_unblocked();
	mask_operations();
	sigaction_answers();
	defaults_and_ignoring();
	kill_answers();
	return 0;
}
