/*
 * process_groups: getpgrp, getpgid, getsid agree; an unknown pid is -ESRCH,
 * a negative group -EINVAL; setsid (from a process that is not a group
 * leader, as a program started by a shell or by an init) makes it the
 * leader of a new session and group named by its pid, after which a second
 * setsid and setpgid are -EPERM (a session leader cannot move).
 */
#include "user/rt/rt.h"

RT_PROGRAM(process_groups);

#define NR_setpgid 109
#define NR_getpgrp 111
#define NR_setsid  112
#define NR_getpgid 121
#define NR_getsid  124
#define UNUSED_PID 0x3ffffff0

static long sc(long nr, long a, long b)
{
	return syscall6(nr, a, b, 0, 0, 0, 0);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long pid = sys_getpid();
	long pgrp = sc(NR_getpgrp, 0, 0), pg0 = sc(NR_getpgid, 0, 0), pgp = sc(NR_getpgid, pid, 0);
	long sid0 = sc(NR_getsid, 0, 0), sidp = sc(NR_getsid, pid, 0);
	rt_check("agree", pgrp >= 0 && pg0 == pgrp && pgp == pgrp && sid0 >= 0 && sidp == sid0,
		 "getpgrp %ld getpgid(0) %ld getpgid(pid) %ld getsid(0) %ld getsid(pid) %ld", pgrp, pg0, pgp,
		 sid0, sidp);
	long e1 = sc(NR_getpgid, UNUSED_PID, 0), e2 = sc(NR_getsid, UNUSED_PID, 0);
	long e3 = sc(NR_setpgid, UNUSED_PID, 0), e4 = sc(NR_setpgid, 0, -1);
	rt_check("errors", e1 == -ESRCH && e2 == -ESRCH && e3 == -ESRCH && e4 == -EINVAL,
		 "getpgid(unused) %ld getsid(unused) %ld setpgid(unused, 0) %ld setpgid(0, -1) %ld "
		 "(want -ESRCH x3, -EINVAL)", e1, e2, e3, e4);
	if (pgrp == pid) {
		long s = sc(NR_setsid, 0, 0);
		rt_check("setsid_leader", s == -EPERM, "setsid from a group leader returned %ld", s);
		return 0;
	}
	long s = sc(NR_setsid, 0, 0);
	long pg = sc(NR_getpgrp, 0, 0), sid = sc(NR_getsid, 0, 0);
	rt_check("setsid", s == pid && pg == pid && sid == pid,
		 "setsid %ld, then getpgrp %ld getsid %ld (want the pid %ld)", s, pg, sid, pid);
	long again = sc(NR_setsid, 0, 0), move = sc(NR_setpgid, 0, 0);
	rt_check("session_leader", again == -EPERM && move == -EPERM,
		 "setsid again %ld, setpgid(0, 0) %ld (want -EPERM both)", again, move);
	return 0;
}
