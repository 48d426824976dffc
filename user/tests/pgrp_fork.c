/*
 * pgrp_fork: process groups across fork, as a shell with job control uses
 * them. The parent makes its first child the leader of a new group
 * (setpgid(a, a)) and moves the second child into that group (setpgid(b, a):
 * a group of the session that is not b's own pid); a group no process is in
 * is -EPERM, a process that is neither the caller nor its child -ESRCH;
 * kill(-a, SIGKILL) then ends both children and nothing else.
 */
#include "user/rt/rt.h"

RT_PROGRAM(pgrp_fork);

#define NR_setpgid 109
#define NR_getppid 110
#define NR_getpgid 121
#define UNUSED_PID 0x3ffffff0
#define SIGKILL 9

static long sc(long nr, long a, long b) { return syscall6(nr, a, b, 0, 0, 0, 0); }

/* A child that sleeps until it is killed. */
static long sleeper(void)
{
	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		static volatile uint32_t never;
		for (;;)
			syscall6(SYS_futex, (long)&never, 0 /* FUTEX_WAIT */, 0, 0, 0, 0);
	}
	return pid;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long self_pgrp = sc(NR_getpgid, 0, 0);
	long a = sleeper(), b = sleeper();
	if (a <= 0 || b <= 0) {
		rt_test("fork", RT_FAIL, "fork returned %ld and %ld", a, b);
		return 1;
	}
	long r1 = sc(NR_setpgid, a, a), r2 = sc(NR_setpgid, b, a);
	long ga = sc(NR_getpgid, a, 0), gb = sc(NR_getpgid, b, 0), gs = sc(NR_getpgid, 0, 0);
	rt_check("join_sibling_group", r1 == 0 && r2 == 0 && ga == a && gb == a && gs == self_pgrp,
		 "setpgid(a, a) %ld, setpgid(b, a) %ld; groups a %ld b %ld self %ld (want %ld %ld %ld)",
		 r1, r2, ga, gb, gs, a, a, self_pgrp);
	long e1 = sc(NR_setpgid, b, UNUSED_PID), e2 = sc(NR_setpgid, sc(NR_getppid, 0, 0), 0);
	rt_check("errors", e1 == -EPERM && e2 == -ESRCH,
		 "setpgid(b, unused group) %ld (want -EPERM), setpgid(parent, 0) %ld (want -ESRCH)", e1, e2);
	long k = syscall6(SYS_kill, -a, SIGKILL, 0, 0, 0, 0);
	int st1 = 0, st2 = 0;
	long w1 = syscall6(SYS_wait4, a, (long)&st1, 0, 0, 0, 0);
	long w2 = syscall6(SYS_wait4, b, (long)&st2, 0, 0, 0, 0);
	rt_check("kill_group", k == 0 && w1 == a && w2 == b && st1 == SIGKILL && st2 == SIGKILL,
		 "kill(-a, SIGKILL) %ld; wait4 %ld status %#x, %ld status %#x (want both killed by SIGKILL)",
		 k, w1, st1, w2, st2);
	return 0;
}
