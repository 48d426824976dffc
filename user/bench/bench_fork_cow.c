/*
 * bench_fork_cow: copy-on-write after fork (the seeds' do_wp_page). Each
 * repetition maps --mib MiB, writes every page (untimed), forks, and then:
 *
 *   fork       the fork itself, timed in the parent from before the call to
 *              its return (one sample per repetition: dup_mm of --mib MiB)
 *   fork-64m   the same with 64 MiB mapped and written instead (a second
 *              size, whatever --mib says; the child exits at once)
 *   cow-copy   the parent writes one byte per page while the child is alive
 *              and maps the same pages: each write copies the page
 *   reuse      after a second fork whose child has exited and been reaped,
 *              the parent writes every page again: it is the only user left,
 *              so each write makes its entry writable in place
 *
 * The first child waits on a futex word in a MAP_SHARED page until the
 * parent is done (a shared futex across fork), then exits. See docs/bench.md.
 */
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_fork_cow);

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FORK_BIG_MIB 64

/* Forks; the child waits until *go is nonzero (or exits at once when
 * wait is false). Returns the child's pid (or -errno) and the cycles the
 * fork took in *cycles. */
static long fork_child(volatile uint32_t *go, bool wait, uint64_t *cycles)
{
	uint64_t t0 = rdtsc_ordered();
	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	uint64_t t1 = bench_tsc_end();
	if (pid == 0) {
		while (wait && *go == 0)
			syscall6(SYS_futex, (long)go, FUTEX_WAIT, 0, 0, 0, 0);
		sys_exit_group(0);
	}
	*cycles = t1 - t0;
	return pid;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 4, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	long cow, reuse, r = 0;
	int status = bench_start(&b, "fork_cow", argc, argv, defaults, "cow-copy", &cow, "reuse", &reuse);
	if (status)
		return status;
	long fk = bench_add_class(&b, "fork");
	long fk_big = bench_add_class(&b, "fork-64m");
	long shared = sys_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fk < 0 || fk_big < 0 || shared < 0)
		return bench_fail(&b, "set-up", fk < 0 ? fk : fk_big < 0 ? fk_big : shared);
	volatile uint32_t *go = (volatile uint32_t *)shared;
	*go = 0;   /* faulted in before the fork: both processes map this frame */

	uint64_t len = b.pages * PAGE_SIZE;
	bench_begin(&b);
	for (uint64_t rep = 0; rep < b.args.reps && r >= 0; rep++) {
		long addr = bench_map(len, PROT_READ | PROT_WRITE, false);
		if (addr < 0) {
			r = addr;
			break;
		}
		bench_touch(&b, (uintptr_t)addr, b.order, b.pages, BENCH_WRITE);
		*go = 0;
		uint64_t cycles;
		long pid = fork_child(go, true, &cycles);
		if (pid < 0) {
			r = pid;
			break;
		}
		struct bench_class *fc = &b.cls[fk];
		if (fc->count < fc->cap)
			fc->samples[fc->count++] = cycles;
		bench_time_pages(&b, (uint32_t)cow, (uintptr_t)addr, b.order, b.pages, BENCH_WRITE);
		*go = 1;
		syscall6(SYS_futex, (long)go, FUTEX_WAKE, 1, 0, 0, 0);
		int st;
		if ((r = syscall6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0)) < 0)
			break;
		pid = fork_child(go, false, &cycles);
		if (pid < 0 || (r = syscall6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0)) < 0) {
			r = pid < 0 ? pid : r;
			break;
		}
		bench_time_pages(&b, (uint32_t)reuse, (uintptr_t)addr, b.order, b.pages, BENCH_WRITE);
		if ((r = bench_unmap((uintptr_t)addr, len)) < 0)
			break;

		/* fork-64m: the fork of a process with 64 MiB written. */
		uint64_t big = (uint64_t)FORK_BIG_MIB << 20;
		if ((addr = bench_map(big, PROT_READ | PROT_WRITE, false)) < 0) {
			r = addr;
			break;
		}
		for (uint64_t off = 0; off < big; off += PAGE_SIZE)
			((volatile char *)addr)[off] = 1;
		pid = fork_child(go, false, &cycles);
		if (pid < 0 || (r = syscall6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0)) < 0) {
			r = pid < 0 ? pid : r;
			break;
		}
		fc = &b.cls[fk_big];
		if (fc->count < fc->cap)
			fc->samples[fc->count++] = cycles;
		r = bench_unmap((uintptr_t)addr, big);
	}
	bench_end(&b);

	if (r < 0)
		return bench_fail(&b, "mmap/fork/wait", r);
	return bench_report(&b) < 0 ? 1 : 0;
}
