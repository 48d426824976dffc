/*
 * pipe_fork: pipes between processes, as Linux has them. A child echoes
 * what the parent sends through one pipe back through another; a 256 KiB
 * write (four times the pipe) goes across while the reader drains it; EOF
 * once the last writer closes; a write with no reader left is -EPIPE
 * (SIGPIPE ignored); O_NONBLOCK gives -EAGAIN; pipe2's O_CLOEXEC sets
 * FD_CLOEXEC; fstat says FIFO; bad flags are -EINVAL.
 */
#include "user/rt/rt.h"

RT_PROGRAM(pipe_fork);

#define SYS_pipe 22
#define SYS_pipe2 293
#define SYS_fcntl 72
#define SYS_fstat 5
#define F_GETFD 1
#define BIG (256 * 1024)

static long sys_close_(long fd) { return syscall6(3, fd, 0, 0, 0, 0, 0); }

/* Reads exactly n bytes (or to EOF); returns the count. */
static long read_full(int fd, uint8_t *buf, long n)
{
	long got = 0;
	while (got < n) {
		long r = sys_read(fd, buf + got, (size_t)(n - got));
		if (r <= 0)
			break;
		got += r;
	}
	return got;
}

static uint8_t big[BIG], back[BIG];

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	int to_child[2], to_parent[2];
	long r1 = syscall6(SYS_pipe, (long)to_child, 0, 0, 0, 0, 0);
	long r2 = syscall6(SYS_pipe2, (long)to_parent, 0, 0, 0, 0, 0);
	if (r1 || r2) {
		rt_test("pipes", RT_FAIL, "pipe returned %ld, pipe2 %ld", r1, r2);
		return 1;
	}
	for (int i = 0; i < BIG; i++)
		big[i] = (uint8_t)(i * 7 + (i >> 9));
	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		/* The child: echo everything back until EOF. */
		sys_close_(to_child[1]);
		sys_close_(to_parent[0]);
		static uint8_t tmp[8192];
		for (;;) {
			long n = sys_read(to_child[0], tmp, sizeof(tmp));
			if (n <= 0)
				break;
			long off = 0;
			while (off < n) {
				long w = sys_write(to_parent[1], tmp + off, (size_t)(n - off));
				if (w <= 0)
					sys_exit_group(2);
				off += w;
			}
		}
		sys_exit_group(0);
	}
	sys_close_(to_child[0]);
	sys_close_(to_parent[1]);
	/* Write and read in turns of 16 KiB so neither side blocks for good. */
	long sent = 0, got = 0;
	while (got < BIG) {
		if (sent < BIG) {
			long w = sys_write(to_child[1], big + sent, 16384);
			if (w <= 0)
				break;
			sent += w;
		}
		long r = read_full(to_parent[0], back + got, sent - got < 16384 ? sent - got : 16384);
		if (r <= 0)
			break;
		got += r;
	}
	sys_close_(to_child[1]);   /* the child sees EOF and exits */
	uint8_t extra;
	long eof = sys_read(to_parent[0], &extra, 1);
	int st = -1;
	long w = syscall6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0);
	rt_check("echo", got == BIG && memcmp(big, back, BIG) == 0, "%ld of %d bytes came back intact", got, BIG);
	rt_check("eof", eof == 0 && w == pid && st == 0, "read after the last writer closed returned %ld; child status 0x%x",
		 eof, st);
	sys_close_(to_parent[0]);

	/* No reader: -EPIPE, with SIGPIPE ignored. */
	int p[2];
	syscall6(SYS_pipe2, (long)p, O_NONBLOCK | O_CLOEXEC, 0, 0, 0, 0);
	uint8_t b = 1;
	long again = sys_read(p[0], &b, 1);
	long fd_flags = syscall6(SYS_fcntl, p[0], F_GETFD, 0, 0, 0, 0);
	uint64_t st_buf[18];
	long fs = syscall6(SYS_fstat, p[0], (long)st_buf, 0, 0, 0, 0);
	rt_check("nonblock_empty", again == -11, "read of an empty O_NONBLOCK pipe returned %ld (expected -EAGAIN)", again);
	rt_check("cloexec", fd_flags == 1, "F_GETFD after pipe2(O_CLOEXEC) returned %ld (expected FD_CLOEXEC)", fd_flags);
	rt_check("fstat_fifo", fs == 0 && (st_buf[3] & 0170000) == 0010000, "fstat returned %ld, st_mode 0%llo (expected a FIFO)",
		 fs, (unsigned long long)(st_buf[3] & 0177777));
	struct { uint64_t handler, flags, restorer, mask; } ign = { 1 /* SIG_IGN */, 0, 0, 0 };
	syscall6(13 /* rt_sigaction */, 13 /* SIGPIPE */, (long)&ign, 0, 8, 0, 0);
	sys_close_(p[0]);
	long epipe = sys_write(p[1], &b, 1);
	rt_check("epipe", epipe == -32, "write with no reader returned %ld (expected -EPIPE)", epipe);
	sys_close_(p[1]);
	long bad = syscall6(SYS_pipe2, (long)p, 1 /* O_WRONLY: not a pipe2 flag */, 0, 0, 0, 0);
	long fault = syscall6(SYS_pipe, 16, 0, 0, 0, 0, 0);
	rt_check("errors", bad == -22 && fault == -14, "pipe2 with a bad flag %ld (expected -EINVAL), pipe to a bad address %ld "
		 "(expected -EFAULT)", bad, fault);
	return 0;
}
