/*
 * Time calls beyond clock_gettime/gettimeofday (kernel/sys_misc.c): time,
 * clock_getres, nanosleep, clock_nanosleep, getcpu. Every clock is time
 * since boot from the TSC, as clock_gettime reads it; the CPU-time clock
 * of the process is the time since it started (all of it is the
 * program's). Sleeps go through schedule_timeout_tsc (kernel/sched_timeout.h).
 */
#include "fault/syscall.h"
#include "fault/uaccess.h"
#include "base/process.h"
#include "cpu/percpu.h"
#include "cpu/x86.h"
#include "kernel/sched_timeout.h"
#include "lib/tsc.h"

#define NSEC_PER_SEC UINT64_C(1000000000)

#define CLOCK_REALTIME           0
#define CLOCK_MONOTONIC          1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID  3
#define CLOCK_MONOTONIC_RAW      4
#define CLOCK_REALTIME_COARSE    5
#define CLOCK_MONOTONIC_COARSE   6
#define CLOCK_BOOTTIME           7
#define CLOCK_REALTIME_ALARM     8
#define CLOCK_BOOTTIME_ALARM     9
#define CLOCK_TAI               11
#define TIMER_ABSTIME            1

#define HRTIMER_RES_NS  UINT64_C(1)         /* high-resolution clocks */
#define TICK_NSEC       UINT64_C(4000000)   /* the coarse clocks' (Debian's HZ = 250) */

/* What a clock reads now, in ns (sys_clock_gettime's timelines). */
static uint64_t clock_now_ns(int32_t clk)
{
	if (clk == CLOCK_PROCESS_CPUTIME_ID || clk == CLOCK_THREAD_CPUTIME_ID)
		return tsc_to_ns(rdtsc() - current->start_tsc);
	return tsc_to_ns(rdtsc());
}

/* Linux's timespec64_valid: seconds >= 0 and nanoseconds in [0, 1e9). */
static bool timespec_valid(const int64_t ts[2])
{
	return ts[0] >= 0 && (uint64_t)ts[1] < NSEC_PER_SEC;
}

/* A valid timespec in ns, saturated at UINT64_MAX. */
static uint64_t timespec_to_ns(const int64_t ts[2])
{
	if ((uint64_t)ts[0] >= UINT64_MAX / NSEC_PER_SEC)
		return UINT64_MAX;
	return (uint64_t)ts[0] * NSEC_PER_SEC + (uint64_t)ts[1];
}

/*
 * Sleeps ns nanoseconds. Returns 0, or -EINTR with the time left written
 * to rem (when rem is not 0; -EFAULT if it cannot be written) when the sleep
 * was ended early (schedule_timeout_tsc).
 */
static int64_t sleep_ns(uint64_t ns, uint64_t rem)
{
	uint64_t now = rdtsc();
	uint64_t ticks = ns == UINT64_MAX ? UINT64_MAX : mul_u64_u64_div_u64(ns, tsc_hz, NSEC_PER_SEC);
	if (ticks != UINT64_MAX)
		ticks++;                                       /* round up: never short */
	uint64_t deadline = ticks > UINT64_MAX - now ? UINT64_MAX : now + ticks;
	uint64_t left = schedule_timeout_tsc(deadline);
	if (!left)
		return 0;
	if (rem) {
		uint64_t lns = tsc_to_ns(left);
		int64_t ts[2] = { (int64_t)(lns / NSEC_PER_SEC), (int64_t)(lns % NSEC_PER_SEC) };
		if (copy_to_user(rem, ts, sizeof(ts)))
			return -EFAULT;
	}
	return -EINTR;
}

/* See fault/syscall.h. Linux's order: the copy (-EFAULT), the value
 * (-EINVAL); rem is written only when the sleep is interrupted. */
int64_t sys_nanosleep(uint64_t req, uint64_t rem)
{
	int64_t ts[2];
	if (copy_from_user(ts, req, sizeof(ts)))
		return -EFAULT;
	if (!timespec_valid(ts))
		return -EINVAL;
	return sleep_ns(timespec_to_ns(ts), rem);
}

/* See fault/syscall.h. Linux's order: the clock (-EINVAL for one that does
 * not exist, -EOPNOTSUPP for the thread CPU, raw and coarse clocks, which
 * cannot sleep), the copy (-EFAULT), the value (-EINVAL). With
 * TIMER_ABSTIME req is a time on the clock (already past: returns at once)
 * and rem is never written. */
int64_t sys_clock_nanosleep(uint64_t clk_arg, uint64_t flags, uint64_t req, uint64_t rem)
{
	int32_t clk = (int32_t)clk_arg;
	switch (clk) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
	case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM: case CLOCK_PROCESS_CPUTIME_ID:
		break;
	case CLOCK_MONOTONIC_RAW: case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
	case CLOCK_THREAD_CPUTIME_ID:
		return -EOPNOTSUPP;   /* Linux: clocks without an nsleep */
	default:
		return -EINVAL;       /* 10, > 11, other tasks' CPU clocks */
	}
	int64_t ts[2];
	if (copy_from_user(ts, req, sizeof(ts)))
		return -EFAULT;
	if (!timespec_valid(ts))
		return -EINVAL;
	uint64_t ns = timespec_to_ns(ts);
	if (flags & TIMER_ABSTIME) {
		uint64_t now = clock_now_ns(clk);
		return ns <= now ? 0 : sleep_ns(ns - now, 0);
	}
	return sleep_ns(ns, rem);
}

/* See fault/syscall.h. */
int64_t sys_clock_getres(uint64_t clk_arg, uint64_t res)
{
	int32_t clk = (int32_t)clk_arg;
	uint64_t ns;
	switch (clk) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
	case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM: case CLOCK_MONOTONIC_RAW:
	case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
		ns = HRTIMER_RES_NS;
		break;
	case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
		ns = TICK_NSEC;
		break;
	default:
		return -EINVAL;
	}
	int64_t ts[2] = { 0, (int64_t)ns };
	if (res && copy_to_user(res, ts, sizeof(ts)))
		return -EFAULT;
	return 0;
}

/* See fault/syscall.h. Seconds of CLOCK_REALTIME, also stored at tloc when
 * it is not 0 (-EFAULT if it cannot be). */
int64_t sys_time(uint64_t tloc)
{
	int64_t t = (int64_t)(clock_now_ns(CLOCK_REALTIME) / NSEC_PER_SEC);
	if (tloc && copy_to_user(tloc, &t, sizeof(t)))
		return -EFAULT;
	return t;
}

/* See fault/syscall.h. The CPU the caller runs on, NUMA node 0; the third
 * argument is unused since Linux 2.6.24. */
int64_t sys_getcpu(uint64_t cpu, uint64_t node, uint64_t unused)
{
	(void)unused;
	uint32_t zero = this_cpu_read(cpu);
	if (cpu && copy_to_user(cpu, &zero, sizeof(zero)))
		return -EFAULT;
	zero = 0;
	if (node && copy_to_user(node, &zero, sizeof(zero)))
		return -EFAULT;
	return 0;
}
