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
	struct bench_args defaults = { .mib = 4, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	return bench_main_fresh_mappings("write_first", "write-anon", BENCH_WRITE, defaults, argc, argv);
}
