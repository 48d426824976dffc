/*
 * bench_random_first: bench_write_first in random order: the first write to
 * each page of fresh anonymous memory, pages visited in a random permutation
 * (--seed), so neither the hardware prefetchers nor the page-table walk cache
 * see a sequential stream. Each repetition maps --mib MiB, writes one byte per
 * page in --order (default random) and unmaps. As many faults allocate a
 * page-table page as in seq order (one in 512), at random positions.
 * Class: write-anon. See docs/bench.md.
 */
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_random_first);

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 4, .reps = 4, .seed = 1, .order = BENCH_RANDOM };
	if (bench_init(&b, "random_first", argc, argv, defaults, 0, PAGE_SIZE) < 0)
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
