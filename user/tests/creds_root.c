/*
 * creds_root: the id calls agree with each other and with the aux vector
 * (AT_UID, AT_EUID, AT_GID, AT_EGID), and follow Linux's rules: setuid and
 * setgid to one's own id succeed, -1 is -EINVAL, a bad pointer -EFAULT,
 * getgroups with a size below the count -EINVAL. faultline runs programs as
 * root (0); as root (on Linux too) the capability rules are checked: root
 * may set any id, gives up the capability with a non-zero effective uid
 * (then only its own ids), and takes it back through the saved uid 0;
 * setgroups sets exactly the sorted list.
 */
#include "user/rt/rt.h"

RT_PROGRAM(creds_root);

#define NR_getuid     102
#define NR_getgid     104
#define NR_setuid     105
#define NR_setgid     106
#define NR_geteuid    107
#define NR_getegid    108
#define NR_getgroups  115
#define NR_setgroups  116
#define NR_setresuid  117
#define NR_getresuid  118
#define NR_getresgid  120
#define NR_setfsuid   122
#define AT_EUID 12
#define AT_GID  13
#define AT_EGID 14

static long sc(long nr, long a, long b, long c)
{
	return syscall6(nr, a, b, c, 0, 0, 0);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long uid = sc(NR_getuid, 0, 0, 0), euid = sc(NR_geteuid, 0, 0, 0);
	long gid = sc(NR_getgid, 0, 0, 0), egid = sc(NR_getegid, 0, 0, 0);
	rt_check("auxv", (unsigned long)uid == rt_getauxval(AT_UID) && (unsigned long)euid == rt_getauxval(AT_EUID) &&
		 (unsigned long)gid == rt_getauxval(AT_GID) && (unsigned long)egid == rt_getauxval(AT_EGID),
		 "getuid %ld geteuid %ld getgid %ld getegid %ld; auxv %lu %lu %lu %lu", uid, euid, gid, egid,
		 rt_getauxval(AT_UID), rt_getauxval(AT_EUID), rt_getauxval(AT_GID), rt_getauxval(AT_EGID));
	if (fl_on_faultline())
		rt_check("root", uid == 0 && euid == 0 && gid == 0 && egid == 0,
			 "faultline runs programs as root: uid %ld euid %ld gid %ld egid %ld", uid, euid, gid, egid);
	else
		rt_test("root", RT_SKIP, "who runs a program is the host's choice off faultline");

	uint32_t r[3] = { 7, 7, 7 }, g[3] = { 7, 7, 7 };
	long ru = sc(NR_getresuid, (long)&r[0], (long)&r[1], (long)&r[2]);
	long rg = sc(NR_getresgid, (long)&g[0], (long)&g[1], (long)&g[2]);
	rt_check("getresuid", ru == 0 && rg == 0 && r[0] == uid && r[1] == euid && g[0] == gid && g[1] == egid,
		 "getresuid %ld (%u %u %u), getresgid %ld (%u %u %u)", ru, r[0], r[1], r[2], rg, g[0], g[1], g[2]);
	long bad = sc(NR_getresuid, (long)&r[0], 8, (long)&r[2]);
	rt_check("getresuid_efault", bad == -EFAULT, "getresuid with euid at address 8 returned %ld", bad);

	long su = sc(NR_setuid, uid, 0, 0), sg = sc(NR_setgid, gid, 0, 0);
	long sinv = sc(NR_setuid, -1, 0, 0);
	rt_check("setuid_own", su == 0 && sg == 0 && sinv == -EINVAL,
		 "setuid(own) %ld, setgid(own) %ld, setuid(-1) %ld (want 0, 0, %d)", su, sg, sinv, -EINVAL);
	long fs = sc(NR_setfsuid, -1, 0, 0);
	rt_check("setfsuid_query", fs == euid, "setfsuid(-1) returned %ld (the fs uid is the euid %ld)", fs, euid);

	uint32_t groups[256];
	long n = sc(NR_getgroups, 0, 0, 0);
	long n2 = n > 0 && n <= 256 ? sc(NR_getgroups, n, (long)groups, 0) : n;
	long small = n > 0 ? sc(NR_getgroups, n - 1, (long)groups, 0) : -EINVAL;
	rt_check("getgroups", n >= 0 && n2 == n && small == -EINVAL,
		 "getgroups(0) %ld, getgroups(count) %ld, getgroups(count - 1) %ld", n, n2, small);
	long neg = sc(NR_getgroups, -1, (long)groups, 0);
	rt_check("getgroups_negative", neg == -EINVAL, "getgroups(-1) returned %ld", neg);

	if (euid != 0) {
		long sgr = sc(NR_setgroups, 0, 0, 0);
		rt_check("setgroups_needs_root", sgr == -EPERM, "setgroups as uid %ld returned %ld", euid, sgr);
		return 0;
	}
	/* Root: the capability rules. */
	uint32_t saved[256];
	long nsaved = sc(NR_getgroups, 256, (long)saved, 0);
	uint32_t want[3] = { 30, 10, 20 };
	long set = sc(NR_setgroups, 3, (long)want, 0);
	long got = sc(NR_getgroups, 256, (long)groups, 0);
	rt_check("setgroups", set == 0 && got == 3 && groups[0] == 10 && groups[1] == 20 && groups[2] == 30,
		 "setgroups {30,10,20} %ld; getgroups %ld: %u %u %u", set, got, groups[0], groups[1], groups[2]);
	long restore = nsaved >= 0 ? sc(NR_setgroups, nsaved, (long)saved, 0) : -1;
	rt_check("setgroups_restore", restore == 0, "setgroups back to %ld groups returned %ld", nsaved, restore);

	long drop = sc(NR_setresuid, -1, 1000, -1);
	long e1 = sc(NR_geteuid, 0, 0, 0);
	long other = sc(NR_setuid, 2000, 0, 0);
	long setgr = sc(NR_setgroups, 0, 0, 0);
	long back = sc(NR_setresuid, -1, 0, -1);
	long e2 = sc(NR_geteuid, 0, 0, 0);
	rt_check("capability", drop == 0 && e1 == 1000 && other == -EPERM && setgr == -EPERM && back == 0 && e2 == 0,
		 "setresuid(-1,1000,-1) %ld -> euid %ld; then setuid(2000) %ld, setgroups %ld (want -EPERM); "
		 "setresuid(-1,0,-1) %ld -> euid %ld", drop, e1, other, setgr, back, e2);
	return 0;
}
