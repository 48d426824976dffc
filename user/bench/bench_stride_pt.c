/*
 * bench_stride_pt: what allocating a page-table page adds to a write fault.
 * Two arms with the same number of faults (--mib MiB worth of pages):
 *   stride 2 MiB  one page per 2 MiB of a sparse (MAP_NORESERVE) mapping, so
 *                 every fault also allocates the PTE table for its 2 MiB
 *                 (and, once per 1 GiB crossed, a PMD table): class write-anon+pt
 *   stride 4 KiB  every page of a dense mapping, one page-table page per 512
 *                 faults: class write-anon
 * Each repetition maps, writes one byte per touched page in --order and
 * unmaps (which frees the page tables again). The default is 1 MiB, i.e.
 * 256 faults over 512 MiB of address space per repetition. See docs/bench.md.
 */
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_stride_pt);

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 1, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	if (bench_init(&b, "stride_pt", argc, argv, defaults, 0, BENCH_PMD_SIZE) < 0)
		return 2;
	long sparse = bench_add_class(&b, "write-anon+pt");
	long dense = bench_add_class(&b, "write-anon");
	if (sparse < 0 || dense < 0)
		return bench_fail(&b, "sample array", sparse < 0 ? sparse : dense);
	long r = bench_warm_up(&b);
	if (r < 0)
		return bench_fail(&b, "warm-up", r);

	bench_begin(&b);
	b.stride = BENCH_PMD_SIZE;
	r = bench_time_fresh_mappings(&b, (uint32_t)sparse, BENCH_WRITE);
	if (r >= 0) {
		b.stride = PAGE_SIZE;
		r = bench_time_fresh_mappings(&b, (uint32_t)dense, BENCH_WRITE);
	}
	bench_end(&b);

	if (r < 0)
		return bench_fail(&b, "mmap/munmap", r);
	return bench_report(&b) < 0 ? 1 : 0;
}
