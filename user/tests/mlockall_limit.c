/*
 * mlockall_limit: mlockall and RLIMIT_MEMLOCK, as Linux 6.1 checks them.
 * Bad flags are -EINVAL (none, an unknown bit, MCL_ONFAULT alone). As root
 * (CAP_IPC_LOCK) the limit does not apply, and mlockall(MCL_CURRENT) locks and
 * populates every VMA (munlockall undoes it). Then, with RLIMIT_MEMLOCK at
 * 64 KiB and uid 65534: after mlockall(MCL_FUTURE | MCL_ONFAULT) a 128 KiB
 * mapping is -EAGAIN and a 32 KiB one maps, the heap grows by 16 KiB and
 * not by 128 KiB; MCL_CURRENT of more than the
 * limit is -ENOMEM; after munlockall the 128 KiB mapping maps; MAP_LOCKED
 * past the limit is -EAGAIN; with the limit at 0, mlockall is -EPERM.
 */
#include "user/rt/rt.h"

RT_PROGRAM(mlockall_limit);

#define NR_setrlimit  160
#define NR_setuid     105
#define NR_setgid     106
#define NR_mlockall   151
#define NR_munlockall 152
#define RLIMIT_MEMLOCK 8
#define MCL_CURRENT 1
#define MCL_FUTURE  2
#define MCL_ONFAULT 4
#define MAP_LOCKED  0x2000
#define KIB 1024L

static long sc(long nr, long a, long b) { return syscall6(nr, a, b, 0, 0, 0, 0); }

static long map(long len, int extra)
{
	return sys_mmap(0, (size_t)len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);
}

static long set_memlock(long bytes)
{
	long lim[2] = { bytes, bytes };
	return sc(NR_setrlimit, RLIMIT_MEMLOCK, (long)lim);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long e0 = sc(NR_mlockall, 0, 0), e1 = sc(NR_mlockall, 8, 0), e2 = sc(NR_mlockall, MCL_ONFAULT, 0);
	rt_check("bad_flags", e0 == -EINVAL && e1 == -EINVAL && e2 == -EINVAL,
		 "mlockall(0) %ld, (8) %ld, (MCL_ONFAULT) %ld (want -EINVAL x3)", e0, e1, e2);

	long s = set_memlock(64 * KIB);
	long r = sc(NR_mlockall, MCL_FUTURE | MCL_ONFAULT, 0);
	long big = map(128 * KIB, 0);
	long u = sc(NR_munlockall, 0, 0);
	rt_check("root_ignores_limit", s == 0 && r == 0 && big > 0 && u == 0,
		 "setrlimit %ld, mlockall %ld, 128 KiB mapping %#lx, munlockall %ld (root: want 0, an address, 0)",
		 s, r, big, u);
	sys_munmap((void *)big, 128 * KIB);
	long all = sc(NR_mlockall, MCL_CURRENT | MCL_FUTURE, 0);
	long after_all = map(64 * KIB, 0);
	long un = sc(NR_munlockall, 0, 0);
	rt_check("root_lock_current", all == 0 && after_all > 0 && un == 0,
		 "mlockall(CURRENT|FUTURE) %ld (every VMA locked and populated), 64 KiB %#lx, munlockall %ld",
		 all, after_all, un);
	sys_munmap((void *)after_all, 64 * KIB);

	long g = sc(NR_setgid, 65534, 0), d = sc(NR_setuid, 65534, 0);
	if (g || d) {
		rt_test("drop_root", RT_FAIL, "setgid %ld setuid %ld", g, d);
		return 1;
	}
	r = sc(NR_mlockall, MCL_FUTURE | MCL_ONFAULT, 0);
	long over = map(128 * KIB, 0), small = map(32 * KIB, 0);
	long cur = sc(NR_mlockall, MCL_CURRENT, 0);
	rt_check("future_limit", r == 0 && over == -EAGAIN && small > 0 && cur == -ENOMEM,
		 "mlockall(FUTURE|ONFAULT) %ld; 128 KiB %ld (want -EAGAIN), 32 KiB %#lx; mlockall(CURRENT) %ld "
		 "(want -ENOMEM)", r, over, small, cur);
	long b0 = sc(SYS_brk, 0, 0);
	long b_over = sc(SYS_brk, b0 + 128 * KIB, 0), b_ok = sc(SYS_brk, b0 + 16 * KIB, 0);
	long b_back = sc(SYS_brk, b0, 0);
	rt_check("future_brk", b_over == b0 && b_ok == b0 + 16 * KIB && b_back == b0,
		 "brk %#lx: +128 KiB gives %#lx (want unchanged: locked past the limit), +16 KiB %#lx, back %#lx",
		 b0, b_over, b_ok, b_back);
	u = sc(NR_munlockall, 0, 0);
	long after = map(128 * KIB, 0), locked = map(128 * KIB, MAP_LOCKED);
	rt_check("unlocked", u == 0 && after > 0 && locked == -EAGAIN,
		 "munlockall %ld; 128 KiB %#lx; 128 KiB MAP_LOCKED %ld (want -EAGAIN)", u, after, locked);
	long z = set_memlock(0), p = sc(NR_mlockall, MCL_FUTURE, 0);
	rt_check("no_limit_eperm", z == 0 && p == -EPERM,
		 "setrlimit(0) %ld, mlockall %ld (want -EPERM)", z, p);
	return 0;
}
