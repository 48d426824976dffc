/*
 * musl_vdso_time: an ordinary musl program reads the time through the vDSO,
 * as on Linux: musl finds __vdso_clock_gettime (version LINUX_2.6) through
 * AT_SYSINFO_EHDR on its first clock_gettime, and from then on its
 * clock_gettime, gettimeofday and time make no syscall. On faultline the
 * kernel's count of the program's syscalls (FL_INTROSPECT_SYSCALLS) shows
 * it; on Linux, which has no such count, that check is skipped. The times
 * must also move forward and agree with each other. Records are printed
 * with printf, one per line.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define SYS_faultline_introspect 0x4000fa17
#define FL_INTROSPECT_SYSCALLS   4
#define CALLS                    1000

/* The program's syscalls so far (faultline), or -1 off faultline. */
static long syscalls_so_far(void)
{
	return syscall(SYS_faultline_introspect, FL_INTROSPECT_SYSCALLS, 0, 0, 0);
}

static void result(const char *check, const char *verdict, const char *detail)
{
	printf("{\"type\":\"test\",\"name\":\"ring3.musl_vdso_time.%s\",\"result\":\"%s\",\"detail\":\"%s\"}\n",
	       check, verdict, detail);
}

int main(void)
{
	char detail[256];
	unsigned long ehdr = getauxval(AT_SYSINFO_EHDR);
	snprintf(detail, sizeof(detail), "AT_SYSINFO_EHDR 0x%lx", ehdr);
	result("auxv", ehdr ? "pass" : "fail", detail);

	struct timespec first, ts, last;
	clock_gettime(CLOCK_MONOTONIC, &first);          /* musl looks the vDSO up here */
	long before = syscalls_so_far();
	int backwards = 0;
	struct timespec prev = first;
	for (int i = 0; i < CALLS; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec < prev.tv_sec || (ts.tv_sec == prev.tv_sec && ts.tv_nsec < prev.tv_nsec))
			backwards++;
		prev = ts;
	}
	struct timeval tv;
	gettimeofday(&tv, NULL);
	time_t t = time(NULL);
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	long after = syscalls_so_far();
	clock_gettime(CLOCK_MONOTONIC, &last);

	snprintf(detail, sizeof(detail), "%d of %d readings went backwards; first %lld.%09ld, last %lld.%09ld",
		 backwards, CALLS, (long long)first.tv_sec, first.tv_nsec, (long long)last.tv_sec, last.tv_nsec);
	result("monotonic", backwards == 0 && (last.tv_sec > first.tv_sec ||
		(last.tv_sec == first.tv_sec && last.tv_nsec > first.tv_nsec)) ? "pass" : "fail", detail);
	snprintf(detail, sizeof(detail), "gettimeofday %lld.%06ld, time %lld, CLOCK_REALTIME %lld.%09ld",
		 (long long)tv.tv_sec, (long)tv.tv_usec, (long long)t, (long long)rt.tv_sec, rt.tv_nsec);
	result("agree", tv.tv_sec <= t && t <= rt.tv_sec && rt.tv_sec - tv.tv_sec <= 1 ? "pass" : "fail", detail);
	if (before < 0) {
		result("no_syscalls", "skip", "needs faultline's syscall count");
	} else {
		snprintf(detail, sizeof(detail), "%d clock_gettime, gettimeofday, time and clock_gettime(REALTIME) "
			 "between two counts: %ld syscalls (want 1: the second count itself)", CALLS, after - before);
		result("no_syscalls", after - before == 1 ? "pass" : "fail", detail);
	}
	return 0;
}
