/*
 * bench_thp_write: the first write to a 2 MiB region that may have a
 * transparent huge page (thp = always, or MADV_HUGEPAGE): one fault maps a
 * cleared 2 MiB page with one pmd leaf (class thp-write; the kernel's
 * clearing of 2 MiB is reported apart, as for 4 KiB pages). Each repetition
 * maps --mib MiB (2 MiB aligned, MADV_HUGEPAGE), writes one byte per 2 MiB
 * in --order, unmaps. See docs/bench.md, "Huge pages".
 */
#include "user/bench/huge.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_thp_write);

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 64, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	long c, r = 0;
	int status = bench_huge_start(&b, "thp_write", argc, argv, defaults, HPAGE_SIZE, "thp-write", &c, NULL, NULL);
	if (status)
		return status;
	uint64_t len = b.pages * b.stride;
	bench_begin(&b);
	for (uint64_t rep = 0; rep < b.args.reps && r >= 0; rep++) {
		long a = bench_map_huge(len, 0);
		if (a < 0) {
			r = a;
			break;
		}
		bench_time_pages(&b, (uint32_t)c, (uintptr_t)a, b.order, b.pages, BENCH_WRITE);
		r = bench_unmap((uintptr_t)a, len);
	}
	bench_end(&b);
	if (r < 0)
		return bench_fail(&b, "mmap/munmap", r);
	return bench_report(&b) < 0 ? 1 : 0;
}
