/* Signal helpers for ring-3 tests (see user/rt/signal.h). */
#include "user/rt/signal.h"
#include "user/rt/syscall.h"

/* See user/rt/signal.h. */
long rt_sigaction_set(int sig, uint64_t handler, uint64_t flags, uint64_t mask, struct k_sigaction *old)
{
	struct k_sigaction sa = {
		.handler = handler,
		.flags = flags | SA_RESTORER,
		.restorer = (uint64_t)(uintptr_t)rt_sigreturn_restorer,
		.mask = { mask },
	};
	return syscall6(SYS_rt_sigaction, sig, (long)&sa, (long)old, SIGSET_SIZE, 0, 0);
}

/* See user/rt/signal.h. */
long rt_sigprocmask(int how, const uint64_t *set, uint64_t *old)
{
	return syscall6(SYS_rt_sigprocmask, how, (long)set, (long)old, SIGSET_SIZE, 0, 0);
}

/* See user/rt/signal.h. */
uint64_t rt_blocked(void)
{
	uint64_t old = 0;
	rt_sigprocmask(SIG_BLOCK, 0, &old);
	return old;
}

/* See user/rt/signal.h. */
uint64_t rt_pending(void)
{
	uint64_t set = 0;
	return syscall6(SYS_rt_sigpending, (long)&set, SIGSET_SIZE, 0, 0, 0, 0) ? ~(uint64_t)0 : set;
}

/* See user/rt/signal.h. */
long rt_raise(int sig)
{
	return syscall6(SYS_tgkill, sys_getpid(), syscall6(SYS_gettid, 0, 0, 0, 0, 0, 0), sig, 0, 0, 0);
}
