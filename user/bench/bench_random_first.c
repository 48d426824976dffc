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
	struct bench_args defaults = { .mib = 4, .reps = 4, .seed = 1, .order = BENCH_RANDOM };
	return bench_main_fresh_mappings("random_first", "write-anon", BENCH_WRITE, defaults, argc, argv);
}
