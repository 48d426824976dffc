/*
 * minflt_count: writing to N fresh pages of a new anonymous mapping costs
 * exactly N minor faults, and writing to them again costs none.
 *
 * Counted with getrusage(RUSAGE_SELF).ru_minflt just before and just after
 * the touch loop, nothing else in between (records are queued afterwards).
 * A warm-up round on a throw-away mapping first faults in the code and stack
 * the measurement itself uses. Mappings ask for 4 KiB pages (MADV_NOHUGEPAGE)
 * so a host with transparent huge pages counts per page too.
 */
#include "user/rt/rt.h"

RT_PROGRAM(minflt_count);

struct touch_cost {
	int64_t faults;   /* ru_minflt delta, or -errno if getrusage failed */
	uint64_t cycles;  /* TSC cycles for the whole loop */
};

/* Writes one byte into each of pages pages from base. Returns what it cost. */
static struct touch_cost touch_pages(uintptr_t base, uint32_t pages)
{
	struct touch_cost c;
	int64_t before = rt_minflt();
	uint64_t t0 = rdtsc_ordered();

	for (uint32_t i = 0; i < pages; i++)
		poke8(base + i * PAGE_SIZE, (uint8_t)(i + 1));

	uint64_t t1 = rdtsc_ordered();
	int64_t after = rt_minflt();

	c.faults = before < 0 ? before : after < 0 ? after : after - before;
	c.cycles = t1 - t0;
	return c;
}

/* Counts the pages from base whose first byte is not what touch_pages wrote. */
static uint32_t count_bad_pages(uintptr_t base, uint32_t pages)
{
	uint32_t bad = 0;

	for (uint32_t i = 0; i < pages; i++)
		if (peek8(base + i * PAGE_SIZE) != (uint8_t)(i + 1))
			bad++;
	return bad;
}

/* Measures a fresh and a repeated touch of a pages-page mapping, then records both. */
static void measure(uint32_t pages)
{
	char fresh_name[32], again_name[32];
	long addr = rt_map_small_pages(pages * PAGE_SIZE, PROT_READ | PROT_WRITE);

	format(fresh_name, sizeof(fresh_name), "fresh_%u", pages);
	format(again_name, sizeof(again_name), "retouch_%u", pages);
	if (addr < 0) {
		rt_test(fresh_name, RT_FAIL, "mmap of %u pages failed: %ld", pages, addr);
		rt_test(again_name, RT_FAIL, "mmap of %u pages failed: %ld", pages, addr);
		return;
	}

	struct touch_cost fresh = touch_pages((uintptr_t)addr, pages);
	struct touch_cost again = touch_pages((uintptr_t)addr, pages);
	uint32_t bad = count_bad_pages((uintptr_t)addr, pages);

	rt_check(fresh_name, fresh.faults == (int64_t)pages && bad == 0,
		 "%u fresh pages written: %ld minor faults (expected %u), %lu cycles/page, "
		 "%u pages lost their byte",
		 pages, fresh.faults, pages, fresh.cycles / pages, bad);
	rt_check(again_name, again.faults == 0,
		 "%u mapped pages written again: %ld minor faults (expected 0)",
		 pages, again.faults);
	sys_munmap((void *)addr, pages * PAGE_SIZE);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	/* Warm-up: fault in this code path and its stack, results discarded. */
	long warm = rt_map_small_pages(4 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	if (warm >= 0) {
		touch_pages((uintptr_t)warm, 4);
		sys_munmap((void *)warm, 4 * PAGE_SIZE);
	}

	measure(64);
	measure(512);
	return 0;
}
