/*
 * bench_hugetlb: the first touch of a hugetlb page: mapped from the pool
 * set aside at boot (faultline: hugepages_2m / hugepages_1g; Linux:
 * hugepages=), cleared (reported apart) and mapped with one pmd or pud leaf.
 * Class hugetlb-2m: each repetition maps --mib MiB with MAP_HUGETLB |
 * MAP_HUGE_2MB, writes one byte per 2 MiB in --order, unmaps (the pages go
 * back to the pool). Class hugetlb-1g: where a 1 GiB pool page exists, one
 * 1 GiB page per repetition the same way. A pool too small for --mib is a
 * bench_error; a missing 1 GiB pool only leaves that class out. See
 * docs/bench.md, "Huge pages".
 */
#include "user/bench/huge.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_hugetlb);

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 8, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	long c2, c1, r = 0;
	int status = bench_huge_start(&b, "hugetlb", argc, argv, defaults, HPAGE_SIZE, "hugetlb-2m", &c2, "hugetlb-1g",
				      &c1);
	if (status)
		return status;
	uint64_t len = b.pages * b.stride;
	static const uint32_t first = 0;
	bench_begin(&b);
	for (uint64_t rep = 0; rep < b.args.reps && r >= 0; rep++) {
		long a = bench_map_huge(len, MAP_HUGETLB | MAP_HUGE_2MB);
		if (a < 0) {
			r = a;
			break;
		}
		bench_time_pages(&b, (uint32_t)c2, (uintptr_t)a, b.order, b.pages, BENCH_WRITE);
		r = bench_unmap((uintptr_t)a, len);
		long g = bench_map_huge(1ul << 30, MAP_HUGETLB | MAP_HUGE_1GB);
		if (g > 0) {
			bench_time_pages(&b, (uint32_t)c1, (uintptr_t)g, &first, 1, BENCH_WRITE);
			bench_unmap((uintptr_t)g, 1ul << 30);
		}
	}
	bench_end(&b);
	if (r < 0)
		return bench_fail(&b, "mmap(MAP_HUGETLB) / munmap: is there a 2 MiB pool?", r);
	return bench_report(&b) < 0 ? 1 : 0;
}
