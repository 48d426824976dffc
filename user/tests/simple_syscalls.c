/*
 * simple_syscalls: the small syscalls faultline implements behave as on
 * Linux: getpid is stable and positive, set_tid_address returns the thread
 * id (= pid, one thread), sched_yield 0, read from fd 0 is end-of-file
 * (faultline's stdin always is; on Linux only when run with stdin at EOF,
 * e.g. `< /dev/null`: where fd 0 would block, the check is skipped rather
 * than wait for input), writev writes both pieces to fd 2, a write to a closed fd is
 * -EBADF, an unknown syscall -ENOSYS; CLOCK_MONOTONIC never goes back and
 * moves on, CLOCK_REALTIME and gettimeofday agree; uname says x86_64;
 * getrandom fills buffers with bytes that differ; arch_prctl(ARCH_SET_FS)
 * makes %fs-relative loads read the given block.
 */
#include "user/rt/rt.h"

RT_PROGRAM(simple_syscalls);

#define NSEC_PER_SEC 1000000000ul

static int64_t ts_ns(const struct timespec *t)
{
	return t->tv_sec * (int64_t)NSEC_PER_SEC + t->tv_nsec;
}

static int tid_word;  /* set_tid_address's clear-on-exit word: must outlive main */

static void process_calls(void)
{
	long pid = sys_getpid(), pid2 = sys_getpid();
	long tid = sys_set_tid_address(&tid_word);
	long yield = sys_sched_yield();
	rt_check("getpid", pid > 0 && pid2 == pid, "getpid returned %ld then %ld", pid, pid2);
	rt_check("set_tid_address", tid == pid, "set_tid_address returned %ld (expected the pid %ld)", tid, pid);
	rt_check("sched_yield", yield == 0, "sched_yield returned %ld", yield);
	long unknown = syscall6(1000, 0, 0, 0, 0, 0, 0);
	rt_check("unknown_syscall", unknown == -ENOSYS, "syscall 1000 returned %ld (expected %d)",
		 unknown, -ENOSYS);
}

/*
 * Linux only: whether a read of fd 0 would return at once (poll, not in
 * faultline's subset). Returns 1 ready, 0 it would wait, -errno.
 */
static long stdin_ready(void)
{
	struct { int fd; short events, revents; } pfd = { 0, 1 /* POLLIN */, 0 };

	return syscall6(7 /* SYS_poll */, (long)&pfd, 1, 0, 0, 0, 0);
}

static void file_calls(void)
{
	char buf[16];

	/* faultline's fd 0 is always at EOF; on Linux it is whatever the caller made it. */
	long ready = fl_on_faultline() ? 1 : stdin_ready();
	if (ready == 0) {
		rt_test("read_stdin_eof", RT_SKIP, "fd 0 is not at end of file here (a terminal?): "
			"run with </dev/null");
	} else {
		long rd = sys_read(0, buf, sizeof(buf));
		rt_check("read_stdin_eof", rd == 0, "read(0, buf, 16) returned %ld (expected 0: end of file)",
			 rd);
	}

	static const char a[] = "simple_syscalls: ", b[] = "writev to fd 2\n";
	struct iovec iov[2] = { { a, sizeof(a) - 1 }, { b, sizeof(b) - 1 } };
	long wv = sys_writev(2, iov, 2);
	rt_check("writev_stderr", wv == (long)(sizeof(a) + sizeof(b) - 2),
		 "writev of %zu + %zu bytes to fd 2 returned %ld", sizeof(a) - 1, sizeof(b) - 1, wv);

	long bad = sys_write(1000, "x", 1);
	rt_check("write_bad_fd", bad == -EBADF, "write to fd 1000 returned %ld (expected %d)", bad, -EBADF);
}

static void clock_calls(void)
{
	struct timespec prev, now, rt_ts;
	struct timeval tv;
	uint32_t backwards = 0, bad_nsec = 0;
	long r = sys_clock_gettime(CLOCK_MONOTONIC, &prev);
	int64_t first = ts_ns(&prev);

	for (uint32_t i = 0; i < 1000; i++) {
		r |= sys_clock_gettime(CLOCK_MONOTONIC, &now);
		if (ts_ns(&now) < ts_ns(&prev))
			backwards++;
		if (now.tv_nsec < 0 || now.tv_nsec >= (int64_t)NSEC_PER_SEC)
			bad_nsec++;
		prev = now;
	}
	/* Read on until the clock has visibly moved on, at most a million more reads. */
	for (uint32_t i = 0; i < 1000000 && ts_ns(&now) == first; i++)
		r |= sys_clock_gettime(CLOCK_MONOTONIC, &now);
	rt_check("monotonic", r == 0 && backwards == 0 && bad_nsec == 0 && ts_ns(&now) > first,
		 "1000 CLOCK_MONOTONIC reads: %u went backwards, %u with tv_nsec out of range; "
		 "advanced %ld ns in all (status %ld)",
		 backwards, bad_nsec, ts_ns(&now) - first, r);

	long r1 = sys_clock_gettime(CLOCK_REALTIME, &rt_ts);
	long r2 = sys_gettimeofday(&tv, 0);
	int64_t diff_us = tv.tv_sec * 1000000 + tv.tv_usec - (rt_ts.tv_sec * 1000000 + rt_ts.tv_nsec / 1000);
	rt_check("realtime_agrees", r1 == 0 && r2 == 0 && diff_us >= 0 && diff_us < 1000000 &&
			 tv.tv_usec >= 0 && tv.tv_usec < 1000000,
		 "CLOCK_REALTIME %ld.%09ld s, gettimeofday %ld.%06ld s: %ld us apart (status %ld %ld)",
		 rt_ts.tv_sec, rt_ts.tv_nsec, tv.tv_sec, tv.tv_usec, diff_us, r1, r2);
}

static void uname_call(void)
{
	struct utsname u;
	memset(&u, 0x7f, sizeof(u));
	long r = sys_uname(&u);
	uint32_t unterminated = 0;
	const char *fields[] = { u.sysname, u.nodename, u.release, u.version, u.machine };
	for (uint32_t i = 0; i < 5; i++)
		if (strnlen(fields[i], UTSNAME_FIELD) == UTSNAME_FIELD)
			unterminated++;
	rt_check("uname", r == 0 && unterminated == 0 && strcmp(u.machine, "x86_64") == 0 &&
			 u.sysname[0] != 0,
		 "uname returned %ld, %u fields unterminated, sysname \"%.20s\", machine \"%.20s\" "
		 "(expected x86_64)",
		 r, unterminated, unterminated ? "?" : u.sysname, unterminated ? "?" : u.machine);
}

static void getrandom_calls(void)
{
	uint8_t a[32], b[32];
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	long ra = sys_getrandom(a, sizeof(a), 0);
	long rb = sys_getrandom(b, sizeof(b), GRND_NONBLOCK);
	uint32_t same = 0, zero = 0;
	for (uint32_t i = 0; i < sizeof(a); i++) {
		same += a[i] == b[i];
		zero += a[i] == 0;
	}
	/* Two 32-byte random draws share ~0.1 bytes on average; 8 equal or zero bytes is broken. */
	rt_check("getrandom", ra == 32 && rb == 32 && same < 8 && zero < 8,
		 "getrandom returned %ld and %ld (expected 32); %u positions equal, %u zero bytes",
		 ra, rb, same, zero);
}

static uint64_t fs_block[4] = { 0xf5f5000000000001ul, 0xf5f5000000000002ul, 0, 0 };

static void arch_prctl_call(void)
{
	long r = sys_arch_prctl(ARCH_SET_FS, (unsigned long)fs_block);
	uint64_t v0 = 0, v1 = 0;
	if (r == 0) {
		__asm__ volatile("movq %%fs:0, %0" : "=r"(v0) : : "memory");
		__asm__ volatile("movq %%fs:8, %0" : "=r"(v1) : : "memory");
	}
	rt_check("arch_prctl_set_fs", r == 0 && v0 == fs_block[0] && v1 == fs_block[1],
		 "ARCH_SET_FS returned %ld; %%fs:0 = 0x%lx, %%fs:8 = 0x%lx (expected 0x%lx, 0x%lx)",
		 r, v0, v1, fs_block[0], fs_block[1]);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	process_calls();
	file_calls();
	clock_calls();
	uname_call();
	getrandom_calls();
	arch_prctl_call();
	return 0;
}
