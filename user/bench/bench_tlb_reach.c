/*
 * bench_tlb_reach: why huge pages exist. Random reads over --mib MiB
 * (default 256) of memory already mapped, so no read faults: only the TLB
 * and the page walks it misses into differ. The same reads, in the same
 * random order, over the region mapped with 4 KiB pages (class tlb-4k:
 * 65 536 entries, far beyond any TLB), with 2 MiB THPs (tlb-2m: 128
 * entries) and, where a 1 GiB hugetlb page is in the pool, with one 1 GiB
 * page (tlb-1g: one entry). Each sample is one timed read (cycles of the
 * TSC; the report turns them into ns with the TSC's frequency). Under TCG
 * the numbers show QEMU's software TLB, not a CPU's: run it on hardware to
 * see the real difference. See docs/bench.md, "Huge pages".
 */
#include "user/bench/huge.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_tlb_reach);

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 256, .reps = 1, .seed = 1, .order = BENCH_RANDOM };
	long c4, c2;
	int status = bench_start(&b, "tlb_reach", argc, argv, defaults, "tlb-4k", &c4, "tlb-2m", &c2);
	if (status)
		return status;
	long c1 = bench_add_class(&b, "tlb-1g");
	if (c1 < 0)
		return bench_fail(&b, "sample array", c1);
	uint64_t len = b.pages * PAGE_SIZE;
	long small = bench_map(len, PROT_READ | PROT_WRITE, false);
	if (small < 0)
		return bench_fail(&b, "mmap 4 KiB", small);
	bench_touch(&b, (uintptr_t)small, b.order, b.pages, BENCH_WRITE);
	bench_begin(&b);
	for (uint64_t rep = 0; rep < b.args.reps; rep++)
		bench_time_pages(&b, (uint32_t)c4, (uintptr_t)small, b.order, b.pages, BENCH_READ);
	bench_unmap((uintptr_t)small, len);

	long thp = bench_map_huge(len, 0);
	if (thp < 0)
		return bench_fail(&b, "mmap THP", thp);
	bench_touch(&b, (uintptr_t)thp, b.order, b.pages, BENCH_WRITE);
	for (uint64_t rep = 0; rep < b.args.reps; rep++)
		bench_time_pages(&b, (uint32_t)c2, (uintptr_t)thp, b.order, b.pages, BENCH_READ);
	bench_unmap((uintptr_t)thp, len);

	long gig = len <= (1ul << 30) ? bench_map_huge(1ul << 30, MAP_HUGETLB | MAP_HUGE_1GB) : -EINVAL;
	if (gig > 0) {
		bench_touch(&b, (uintptr_t)gig, b.order, b.pages, BENCH_WRITE);
		for (uint64_t rep = 0; rep < b.args.reps; rep++)
			bench_time_pages(&b, (uint32_t)c1, (uintptr_t)gig, b.order, b.pages, BENCH_READ);
		bench_unmap((uintptr_t)gig, 1ul << 30);
	}
	bench_end(&b);
	return bench_report(&b) < 0 ? 1 : 0;
}
