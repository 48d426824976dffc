/*
 * bench_hotcold: the hot/cold workload's major faults per access under
 * memory pressure (docs/bench.md, "Reclaim"). Needs a limit and swap:
 * bench/run_bench.py runs it in a boot of its own with faultline's
 * `mem_limit = 8M` and `swap =`, and Linux with faultline.mem_limit=8M (a
 * cgroup v2 memory.max) and zram. The cold set is --mib MiB (default 8),
 * the hot set half of it; each of --reps rounds (default 4) reads and
 * writes every hot page 16 times, then every cold page once, as
 * user/tests/reclaim_hotcold.c does. One sample per round, in class
 *   hotcold   major faults (ru_majflt) of the round per 1000 page accesses
 *             (unit "majflt/1000 accesses", not cycles)
 * Reclaim that follows the Accessed bits keeps the hot set resident: a
 * round then costs about one fault per cold page, 2048 of 18 432 accesses
 * (111 per 1000) with the defaults. A round whose data came back wrong
 * makes a bench_error record; so does a run without any major fault (no
 * limit or no swap: nothing was measured).
 */
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_hotcold);

#define HOT_PASSES 16
#define UNIT "majflt/1000 accesses"

/* Writes generation 0 into every page of [base, base + pages pages). */
static void fill(uintptr_t base, uint64_t pages)
{
	for (uint64_t i = 0; i < pages; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(base + i * PAGE_SIZE);
		p[0] = i * 0x9e3779b97f4a7c15ull;
		p[511] = i;
	}
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 8, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	if (bench_init(&b, "hotcold", argc, argv, defaults, 0, PAGE_SIZE) < 0)
		return 2;
	long c = bench_add_class(&b, "hotcold");
	if (c < 0)
		return bench_fail(&b, "sample array", c);
	b.cls[c].unit = UNIT;
	uint64_t cold = b.pages, hot = b.pages / 2 ? b.pages / 2 : 1;
	long h = bench_map(hot * PAGE_SIZE, PROT_READ | PROT_WRITE, false);
	long k = bench_map(cold * PAGE_SIZE, PROT_READ | PROT_WRITE, false);
	if (h < 0 || k < 0)
		return bench_fail(&b, "mmap", h < 0 ? h : k);
	fill((uintptr_t)h, hot);
	fill((uintptr_t)k, cold);
	uint64_t bad = 0, hot_gen = 0, cold_gen = 0, total = 0;
	uint64_t accesses = HOT_PASSES * hot + cold;
	bench_begin(&b);
	for (uint64_t r = 0; r < b.args.reps; r++) {
		int64_t before = rt_majflt();
		for (int p = 0; p < HOT_PASSES; p++)
			bad += rt_sweep_generation((uintptr_t)h, hot, hot_gen++);
		bad += rt_sweep_generation((uintptr_t)k, cold, cold_gen++);
		int64_t faults = rt_majflt() - before;
		if (before < 0 || faults < 0)
			faults = 0;
		total += (uint64_t)faults;
		b.cls[c].samples[b.cls[c].count++] = ((uint64_t)faults * 1000 + accesses / 2) / accesses;
	}
	bench_end(&b);
	if (bad)
		return bench_fail(&b, "data check: page visits found a wrong word", (long)bad);
	if (total == 0)
		return bench_fail(&b, "no major fault: no mem_limit or no swap", 0);
	if (bench_unmap((uintptr_t)h, hot * PAGE_SIZE) < 0 || bench_unmap((uintptr_t)k, cold * PAGE_SIZE) < 0)
		return bench_fail(&b, "munmap", -1);
	return bench_report(&b) < 0 ? 1 : 0;
}
