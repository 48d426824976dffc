/*
 * rlimits: getrlimit and prlimit64 report the same limits, each soft limit
 * at most its hard one; setrlimit refuses an unknown resource and a soft
 * limit above the hard one (-EINVAL), a hard RLIMIT_NOFILE above
 * fs.nr_open (-EPERM), a bad pointer (-EFAULT); prlimit64 of an unknown pid
 * is -ESRCH, and it returns the old limit while setting the new one.
 * RLIMIT_AS is enforced by mmap, brk and mremap (-ENOMEM, the break
 * unchanged), RLIMIT_DATA by private writable mappings only. On faultline
 * the defaults are Linux's: stack 8 MiB soft, unlimited hard; nofile 1024
 * soft, 4096 hard (INIT_RLIMITS; a Linux host's init may raise them).
 */
#include "user/rt/rt.h"

RT_PROGRAM(rlimits);

#define NR_getrlimit  97
#define NR_setrlimit  160
#define NR_prlimit64  302
#define RLIMIT_DATA   2
#define RLIMIT_STACK  3
#define RLIMIT_NOFILE 7
#define RLIMIT_AS     9
#define RLIM_NLIMITS  16
#define INF           (~0ul)
#define UNUSED_PID    0x3ffffff0
#define GiB           (1ul << 30)

struct rl { unsigned long cur, max; };

static long getrl(int res, struct rl *r) { return syscall6(NR_getrlimit, res, (long)r, 0, 0, 0, 0); }
static long setrl(int res, const struct rl *r) { return syscall6(NR_setrlimit, res, (long)r, 0, 0, 0, 0); }

/* mmap of len bytes (PROT), private anonymous, MAP_NORESERVE; unmapped again if it worked. */
static long try_map(unsigned long len, int prot)
{
	long a = sys_mmap(0, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (a >= 0)
		sys_munmap((void *)a, len);
	return a < 0 ? a : 0;
}

static void address_space_limit(void)
{
	struct rl old, lim = { GiB, INF };
	if (getrl(RLIMIT_AS, &old) != 0 || old.cur != INF) {
		rt_test("as_limit", RT_SKIP, "RLIMIT_AS is already limited here (%lu)", old.cur);
		return;
	}
	long small = sys_mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long set = setrl(RLIMIT_AS, &lim);
	long big = try_map(2 * GiB, PROT_READ | PROT_WRITE);
	long ok = try_map(16 << 20, PROT_READ | PROT_WRITE);
	long cur_brk = sys_brk(0);
	long new_brk = sys_brk((void *)(cur_brk + 2 * GiB));
	long grow = small >= 0 ? sys_mremap((void *)small, 1 << 20, 2 * GiB, MREMAP_MAYMOVE, 0) : -1;
	lim.cur = INF;
	long reset = setrl(RLIMIT_AS, &lim);
	long after = try_map(2 * GiB, PROT_READ | PROT_WRITE);
	if (small >= 0)
		sys_munmap((void *)small, 1 << 20);
	rt_check("as_limit", set == 0 && big == -ENOMEM && ok == 0 && new_brk == cur_brk && grow == -ENOMEM &&
		 reset == 0 && after == 0,
		 "RLIMIT_AS 1 GiB (set %ld): mmap 2 GiB %ld (want -ENOMEM), 16 MiB %ld, brk +2 GiB moved %ld bytes "
		 "(want 0), mremap 1 MiB -> 2 GiB %ld (want -ENOMEM); unlimited again (%ld): mmap 2 GiB %ld",
		 set, big, ok, new_brk - cur_brk, grow, reset, after);
}

static void data_limit(void)
{
	struct rl old, lim = { GiB, INF };
	if (getrl(RLIMIT_DATA, &old) != 0 || old.cur != INF) {
		rt_test("data_limit", RT_SKIP, "RLIMIT_DATA is already limited here (%lu)", old.cur);
		return;
	}
	long set = setrl(RLIMIT_DATA, &lim);
	long rw = try_map(2 * GiB, PROT_READ | PROT_WRITE);
	long ro = try_map(2 * GiB, PROT_READ);
	lim.cur = INF;
	long reset = setrl(RLIMIT_DATA, &lim);
	rt_check("data_limit", set == 0 && rw == -ENOMEM && ro == 0 && reset == 0,
		 "RLIMIT_DATA 1 GiB (set %ld): private writable 2 GiB %ld (want -ENOMEM), read-only 2 GiB %ld "
		 "(want 0: not data)", set, rw, ro);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	uint32_t agree = 0, ordered = 0;
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		struct rl a = { 1, 1 }, b = { 2, 2 };
		if (getrl(r, &a) == 0 && syscall6(NR_prlimit64, 0, r, 0, (long)&b, 0, 0) == 0 &&
		    a.cur == b.cur && a.max == b.max)
			agree++;
		ordered += a.cur <= a.max;
	}
	rt_check("get_agree", agree == RLIM_NLIMITS && ordered == RLIM_NLIMITS,
		 "%u of %d limits equal through getrlimit and prlimit64, %u with soft <= hard", agree, RLIM_NLIMITS,
		 ordered);

	struct rl st, nf;
	getrl(RLIMIT_STACK, &st);
	getrl(RLIMIT_NOFILE, &nf);
	if (fl_on_faultline())
		rt_check("defaults", st.cur == 8ul << 20 && st.max == INF && nf.cur == 1024 && nf.max == 4096,
			 "stack %lu/%lu, nofile %lu/%lu (want 8 MiB/unlimited, 1024/4096)", st.cur, st.max, nf.cur,
			 nf.max);
	else
		rt_test("defaults", RT_SKIP, "the starting limits are the host init's choice off faultline");

	struct rl inv = { 10, 5 }, huge = { 1024, (1ul << 20) + 1 };
	long e1 = setrl(RLIM_NLIMITS, &nf), e2 = setrl(RLIMIT_NOFILE, &inv), e3 = setrl(RLIMIT_NOFILE, &huge);
	long e4 = setrl(RLIMIT_NOFILE, (void *)8), e5 = getrl(RLIMIT_NOFILE, (void *)8), e6 = getrl(100, &st);
	long e7 = syscall6(NR_prlimit64, UNUSED_PID, RLIMIT_NOFILE, 0, (long)&st, 0, 0);
	rt_check("errors", e1 == -EINVAL && e2 == -EINVAL && e3 == -EPERM && e4 == -EFAULT && e5 == -EFAULT &&
		 e6 == -EINVAL && e7 == -ESRCH,
		 "setrlimit(16) %ld, soft > hard %ld, nofile hard 2^20+1 %ld, bad pointer %ld; getrlimit bad "
		 "pointer %ld, getrlimit(100) %ld; prlimit64(unused pid) %ld", e1, e2, e3, e4, e5, e6, e7);

	struct rl lower = { nf.cur > 64 ? 64 : nf.cur, nf.max }, old = { 0, 0 }, now;
	long p = syscall6(NR_prlimit64, 0, RLIMIT_NOFILE, (long)&lower, (long)&old, 0, 0);
	getrl(RLIMIT_NOFILE, &now);
	long back = setrl(RLIMIT_NOFILE, &nf);
	rt_check("prlimit_set", p == 0 && old.cur == nf.cur && old.max == nf.max && now.cur == lower.cur && back == 0,
		 "prlimit64(nofile %lu) %ld returned old %lu/%lu (was %lu/%lu), now %lu; restored %ld", lower.cur, p,
		 old.cur, old.max, nf.cur, nf.max, now.cur, back);

	address_space_limit();
	data_limit();
	return 0;
}
