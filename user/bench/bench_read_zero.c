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
	struct bench_args defaults = { .mib = 4, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	return bench_main_fresh_mappings("read_zero", "read-zero", BENCH_READ, defaults, argc, argv);
}
