/*
 * nanosleep_sleeps: nanosleep and clock_nanosleep really sleep: one second
 * takes at least one second of CLOCK_MONOTONIC (and not ten), 50 ms at
 * least 50 ms; an absolute deadline (TIMER_ABSTIME) is not returned from
 * before it, one in the past returns at once; nothing writes the remaining
 * time of a sleep that was not interrupted. A bad timespec (nanoseconds
 * outside [0, 1e9), negative seconds) is -EINVAL, a bad pointer -EFAULT;
 * unknown clocks are -EINVAL, the thread CPU clock and the coarse and raw
 * ones, which cannot sleep, -EOPNOTSUPP. time() agrees with CLOCK_REALTIME and stores at its pointer.
 */
#include "user/rt/rt.h"

RT_PROGRAM(nanosleep_sleeps);

#define NR_nanosleep        35
#define NR_time             201
#define NR_clock_getres     229
#define NR_clock_nanosleep  230
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_MONOTONIC_COARSE 6
#define TIMER_ABSTIME       1
#define NSEC                1000000000L

static long ns_of(const struct timespec *t) { return t->tv_sec * NSEC + t->tv_nsec; }

static long mono_ns(void)
{
	struct timespec t;
	sys_clock_gettime(CLOCK_MONOTONIC, &t);
	return ns_of(&t);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	struct timespec one = { 1, 0 }, rem = { 77, 77 };
	long t0 = mono_ns();
	long r = syscall6(NR_nanosleep, (long)&one, (long)&rem, 0, 0, 0, 0);
	long el = mono_ns() - t0;
	rt_check("one_second", r == 0 && el >= NSEC && el < 10 * NSEC && rem.tv_sec == 77 && rem.tv_nsec == 77,
		 "nanosleep(1 s) returned %ld after %ld.%09ld s (rem untouched: %ld %ld)", r, el / NSEC, el % NSEC,
		 rem.tv_sec, rem.tv_nsec);

	struct timespec ms50 = { 0, 50000000 };
	t0 = mono_ns();
	r = syscall6(NR_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&ms50, 0, 0, 0);
	el = mono_ns() - t0;
	rt_check("relative_50ms", r == 0 && el >= 50000000 && el < 5 * NSEC,
		 "clock_nanosleep(MONOTONIC, 50 ms) returned %ld after %ld us", r, el / 1000);

	struct timespec now, abs;
	sys_clock_gettime(CLOCK_MONOTONIC, &now);
	long target = ns_of(&now) + 30000000;
	abs.tv_sec = target / NSEC;
	abs.tv_nsec = target % NSEC;
	r = syscall6(NR_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, (long)&abs, 0, 0, 0);
	long after = mono_ns();
	rt_check("absolute", r == 0 && after >= target, "TIMER_ABSTIME 30 ms ahead returned %ld, %ld us %s the deadline",
		 r, (after >= target ? after - target : target - after) / 1000, after >= target ? "after" : "BEFORE");
	struct timespec past = { 0, 1 };
	t0 = mono_ns();
	r = syscall6(NR_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, (long)&past, 0, 0, 0);
	el = mono_ns() - t0;
	rt_check("absolute_past", r == 0 && el < NSEC / 2, "TIMER_ABSTIME in the past returned %ld after %ld us", r,
		 el / 1000);

	struct timespec big_ns = { 0, NSEC }, neg_ns = { 0, -1 }, neg_s = { -1, 0 };
	long e1 = syscall6(NR_nanosleep, (long)&big_ns, 0, 0, 0, 0, 0);
	long e2 = syscall6(NR_nanosleep, (long)&neg_ns, 0, 0, 0, 0, 0);
	long e3 = syscall6(NR_nanosleep, (long)&neg_s, 0, 0, 0, 0, 0);
	long e4 = syscall6(NR_nanosleep, 8, 0, 0, 0, 0, 0);
	long e5 = syscall6(NR_clock_nanosleep, CLOCK_MONOTONIC, 0, (long)&big_ns, 0, 0, 0);
	rt_check("bad_timespec", e1 == -EINVAL && e2 == -EINVAL && e3 == -EINVAL && e4 == -EFAULT && e5 == -EINVAL,
		 "nsec 1e9 %ld, nsec -1 %ld, sec -1 %ld, pointer 8 %ld, clock_nanosleep nsec 1e9 %ld", e1, e2, e3, e4, e5);
	long c1 = syscall6(NR_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, (long)&ms50, 0, 0, 0);
	long c2 = syscall6(NR_clock_nanosleep, 100, 0, (long)&ms50, 0, 0, 0);
	long c3 = syscall6(NR_clock_nanosleep, CLOCK_MONOTONIC_COARSE, 0, (long)&ms50, 0, 0, 0);
	long c4 = syscall6(NR_clock_nanosleep, CLOCK_MONOTONIC_RAW, 0, (long)&ms50, 0, 0, 0);
	rt_check("clocks", c2 == -EINVAL && c1 == -EOPNOTSUPP && c3 == -EOPNOTSUPP && c4 == -EOPNOTSUPP,
		 "clock 100 %ld (want -EINVAL); thread CPU clock %ld, MONOTONIC_COARSE %ld, MONOTONIC_RAW %ld "
		 "(want -EOPNOTSUPP)", c2, c1, c3, c4);
	struct timespec res = { 9, 9 };
	long g = syscall6(NR_clock_getres, CLOCK_MONOTONIC, (long)&res, 0, 0, 0, 0);
	long g2 = syscall6(NR_clock_getres, 100, (long)&res, 0, 0, 0, 0);
	rt_check("getres", g == 0 && res.tv_sec == 0 && res.tv_nsec == 1 && g2 == -EINVAL,
		 "clock_getres(MONOTONIC) %ld: %ld.%09ld (want 1 ns); clock 100 %ld", g, res.tv_sec, res.tv_nsec, g2);

	struct timespec rt;
	long stored = -1;
	sys_clock_gettime(CLOCK_REALTIME, &rt);
	long t = syscall6(NR_time, 0, 0, 0, 0, 0, 0);
	long t2 = syscall6(NR_time, (long)&stored, 0, 0, 0, 0, 0);
	long te = syscall6(NR_time, 8, 0, 0, 0, 0, 0);
	rt_check("time", t >= rt.tv_sec && t <= rt.tv_sec + 1 && t2 >= t && stored == t2 && te == -EFAULT,
		 "time %ld, time(&t) %ld stored %ld, CLOCK_REALTIME %ld; time(8) %ld", t, t2, stored, rt.tv_sec, te);
	return 0;
}
