/*
 * bench_empty_fault: the floor, the cheapest fault we can make on purpose,
 * and an access that does not fault at all for comparison.
 *
 * A truly empty fault (the entry already allows the access, only the TLB was
 * stale: Linux's spurious fault) cannot be produced portably from ring 3. The
 * cheapest fault a program can construct on both kernels is the first read
 * of an untouched page whose page table already exists: the kernel maps the
 * shared zero page read-only, allocating and clearing nothing.
 *
 * Each repetition maps --mib MiB (2 MiB aligned) and reads the first page of
 * every 2 MiB untimed (that allocates the page tables), then:
 *   reads every other page once in --order, timed    class read-zero (the floor)
 *   reads the same pages again, timed                class no-fault (mapped: no fault)
 * and unmaps. See docs/bench.md.
 */
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_empty_fault);

#define PAGES_PER_TABLE (BENCH_PMD_SIZE / PAGE_SIZE)

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 4, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	long floor, none, r = 0;
	int status = bench_start(&b, "empty_fault", argc, argv, defaults, "read-zero", &floor, "no-fault", &none);
	if (status)
		return status;

	/* The touch order without the first page of each table (those are read untimed). */
	uint64_t n = 0;
	for (uint64_t i = 0; i < b.pages; i++)
		if (b.order[i] % PAGES_PER_TABLE != 0)
			b.order[n++] = b.order[i];

	uint64_t len = b.pages * PAGE_SIZE;
	bench_begin(&b);
	for (uint64_t rep = 0; rep < b.args.reps && r >= 0; rep++) {
		long addr = bench_map(len, PROT_READ | PROT_WRITE, false);
		if (addr < 0) {
			r = addr;
			break;
		}
		for (uint64_t p = 0; p < b.pages; p += PAGES_PER_TABLE)
			(void)peek8((uintptr_t)addr + p * PAGE_SIZE);
		bench_time_pages(&b, (uint32_t)floor, (uintptr_t)addr, b.order, n, BENCH_READ);
		bench_time_pages(&b, (uint32_t)none, (uintptr_t)addr, b.order, n, BENCH_READ);
		r = bench_unmap((uintptr_t)addr, len);
	}
	bench_end(&b);

	if (r < 0)
		return bench_fail(&b, "mmap/munmap", r);
	return bench_report(&b) < 0 ? 1 : 0;
}
