/*
 * bench_write_first: the latency of the first write to a page of fresh
 * anonymous memory (Linux's do_anonymous_page: a zeroed frame of its own),
 * one sample per page. Each repetition maps --mib MiB (2 MiB aligned), writes
 * one byte per page in --order (default seq) and unmaps. One page in 512
 * also allocates its page-table page; bench_stride_pt separates the two.
 * Class: write-anon. See docs/bench.md.
 */
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_write_first);

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 4, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	if (bench_init(&b, "write_first", argc, argv, defaults, 0, PAGE_SIZE) < 0)
		return 2;
	long c = bench_add_class(&b, "write-anon");
	if (c < 0)
		return bench_fail(&b, "sample array", c);
	long r = bench_warm_up(&b);
	if (r < 0)
		return bench_fail(&b, "warm-up", r);

	bench_begin(&b);
	r = bench_time_fresh_mappings(&b, (uint32_t)c, BENCH_WRITE);
	bench_end(&b);

	if (r < 0)
		return bench_fail(&b, "mmap/munmap", r);
	return bench_report(&b) < 0 ? 1 : 0;
}
