/*
 * bench_pipe_pingpong: what an address-space switch costs (docs/bench.md,
 * "PCID"). A parent and a forked child pass one byte back and
 * forth through two pipes; each round trip is two switches between the
 * processes (on one CPU). Timed in the parent, one sample per round trip:
 *
 *   pipe-round-trip       nothing else touched
 *   pipe-round-trip-64p   each side reads one byte of each of 64 pages of
 *                         its own (pre-faulted) memory per turn: the
 *                         working set whose TLB entries a switch with PCIDs
 *                         keeps (CR3_NOFLUSH) and one without drops
 *
 * No faults happen in the timed loops (the pages are read, present since
 * before the fork). Under -icount the "cycles" are instructions, which a
 * TLB refill does not add to: only the kernel's switch path shows there.
 */
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_pipe_pingpong);

#define SYS_pipe 22
#define WORKING_SET_PAGES 64

/* Reads one byte of each page of the working set. */
static void touch_set(uintptr_t set, uint64_t pages)
{
	for (uint64_t i = 0; i < pages; i++)
		(void)peek8(set + i * PAGE_SIZE);
}

/* The child: echo every byte back, touching its working set first if the
 * byte says so; 'q' ends it. */
static int echo_loop(int rfd, int wfd, uintptr_t set)
{
	char c;
	while (sys_read(rfd, &c, 1) == 1) {
		if (c == 'q')
			return 0;
		if (c == 'w')
			touch_set(set, WORKING_SET_PAGES);
		if (sys_write(wfd, &c, 1) != 1)
			return 1;
	}
	return 2;
}

/* n timed round trips into class c; returns 0 or -EINVAL (a short read or write, or a wrong echo). */
static long round_trips(struct bench *b, uint32_t c, int wfd, int rfd, uintptr_t set, bool touch, uint64_t n)
{
	char msg = touch ? 'w' : 'p', back;
	struct bench_class *k = &b->cls[c];
	for (uint64_t i = 0; i < n; i++) {
		uint64_t t0 = rdtsc_ordered();
		if (sys_write(wfd, &msg, 1) != 1 || sys_read(rfd, &back, 1) != 1 || back != msg)
			return -EINVAL;
		if (touch)
			touch_set(set, WORKING_SET_PAGES);
		uint64_t t = bench_tsc_end() - t0;
		if (k->count < k->cap)
			k->samples[k->count++] = t;
	}
	return 0;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 1, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	if (bench_init(&b, "pipe_pingpong", argc, argv, defaults, 0, PAGE_SIZE) < 0)
		return 2;
	long cp = bench_add_class(&b, "pipe-round-trip"), cw = bench_add_class(&b, "pipe-round-trip-64p");
	long set = bench_alloc_prefaulted(WORKING_SET_PAGES * PAGE_SIZE);
	int to_child[2], to_parent[2];
	long r1 = syscall6(SYS_pipe, (long)to_child, 0, 0, 0, 0, 0);
	long r2 = syscall6(SYS_pipe, (long)to_parent, 0, 0, 0, 0, 0);
	if (cp < 0 || cw < 0 || set < 0 || r1 < 0 || r2 < 0)
		return bench_fail(&b, "set-up", cp < 0 ? cp : cw < 0 ? cw : set < 0 ? set : r1 < 0 ? r1 : r2);
	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0)
		sys_exit_group(echo_loop(to_child[0], to_parent[1], (uintptr_t)set));
	if (pid < 0)
		return bench_fail(&b, "fork", pid);
	uint64_t n = b.pages * b.args.reps;
	long r = round_trips(&b, (uint32_t)cp, to_child[1], to_parent[0], (uintptr_t)set, false, 64);   /* warm-up */
	b.cls[cp].count = 0;
	bench_begin(&b);
	if (r == 0)
		r = round_trips(&b, (uint32_t)cp, to_child[1], to_parent[0], (uintptr_t)set, false, n);
	if (r == 0)
		r = round_trips(&b, (uint32_t)cw, to_child[1], to_parent[0], (uintptr_t)set, true, n);
	bench_end(&b);
	char q = 'q';
	sys_write(to_child[1], &q, 1);
	int st = -1;
	long w = syscall6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0);
	if (r < 0)
		return bench_fail(&b, "round trip", r);
	if (w != pid || st != 0)
		return bench_fail(&b, "child", w != pid ? w : -EINVAL);
	return bench_report(&b) < 0 ? 1 : 0;
}
