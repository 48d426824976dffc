/*
 * bench_read_zero: the latency of the first read of a page of fresh
 * anonymous memory (Linux maps the shared zero page read-only: no frame is
 * allocated or cleared), one sample per page. Each repetition maps --mib MiB
 * (2 MiB aligned), reads one byte per page in --order and unmaps. One page
 * in 512 also allocates its page-table page. Class: read-zero.
 * See docs/bench.md.
 */
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_read_zero);

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 4, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	if (bench_init(&b, "read_zero", argc, argv, defaults, 0, PAGE_SIZE) < 0)
		return 2;
	long c = bench_add_class(&b, "read-zero");
	if (c < 0)
		return bench_fail(&b, "sample array", c);
	long r = bench_warm_up(&b);
	if (r < 0)
		return bench_fail(&b, "warm-up", r);

	bench_begin(&b);
	r = bench_time_fresh_mappings(&b, (uint32_t)c, BENCH_READ);
	bench_end(&b);

	if (r < 0)
		return bench_fail(&b, "mmap/munmap", r);
	return bench_report(&b) < 0 ? 1 : 0;
}
