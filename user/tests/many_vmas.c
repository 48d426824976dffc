/*
 * many_vmas: 10 000 one-page mappings with alternating protections
 * (read-write, read-only, ...), so that no two neighbours can merge into one
 * mapping. All must be placed at distinct pages; touching each costs exactly
 * one minor fault (a write to the read-write ones, a read of the read-only
 * ones); each keeps its own data and its own protection (the kernel refuses
 * to write a getrusage result into a read-only one: -EFAULT); all unmap,
 * and are gone afterwards.
 */
#include "user/rt/rt.h"

RT_PROGRAM(many_vmas);

#define COUNT 10000u
#define SAMPLE_EVERY 97u  /* protection and unmapped probes look at every 97th mapping */

static uintptr_t addrs[COUNT];
static uintptr_t sorted[COUNT];

/* Protection of mapping i: even read-write, odd read-only. */
static int prot_of(uint32_t i)
{
	return (i & 1) ? PROT_READ : PROT_READ | PROT_WRITE;
}

/* The word mapping i holds at offset tag_offset(i) after the touch. */
static uint64_t tag_of(uint32_t i)
{
	return 0x7a6700000000ull | i;
}

static uintptr_t tag_offset(uint32_t i)
{
	return (i * 8) % PAGE_SIZE;
}

/* Moves a[root] down the max-heap a[0..n) until both children are smaller. */
static void sift_down(uintptr_t *a, uint32_t root, uint32_t n)
{
	for (uint32_t child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && a[child] < a[child + 1])
			child++;
		if (a[root] >= a[child])
			return;
		uintptr_t t = a[root];
		a[root] = a[child];
		a[child] = t;
	}
}

/* Sorts a[0..n) ascending (heapsort: no recursion, no extra memory). */
static void sort_addresses(uintptr_t *a, uint32_t n)
{
	for (uint32_t start = n / 2; start-- > 0;)
		sift_down(a, start, n);
	for (uint32_t end = n; end-- > 1;) {
		uintptr_t t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift_down(a, 0, end);
	}
}

/* Touches the n one-page mappings at a[] once each (by prot_of); returns the minor faults it cost. */
static int64_t touch_all(const uintptr_t *a, uint32_t n)
{
	uint64_t sink = 0;
	int64_t before = rt_minflt();

	for (uint32_t i = 0; i < n; i++) {
		if (i & 1)
			sink |= peek64(a[i] + tag_offset(i));
		else
			poke64(a[i] + tag_offset(i), tag_of(i));
	}

	int64_t after = rt_minflt();
	(void)sink;
	return before < 0 ? before : after < 0 ? after : after - before;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	uint32_t mapped = 0;
	long first_error = 0;

	/* Warm-up: run the measured code path once on two throw-away pages. */
	long warm = sys_mmap(0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (warm >= 0) {
		uintptr_t warm_pages[2] = { (uintptr_t)warm, (uintptr_t)warm + PAGE_SIZE };
		touch_all(warm_pages, 2);
		sys_munmap((void *)warm, 2 * PAGE_SIZE);
	}

	uint64_t t0 = rdtsc_ordered();
	for (; mapped < COUNT; mapped++) {
		long r = sys_mmap(0, PAGE_SIZE, prot_of(mapped), MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (r < 0) {
			first_error = r;
			break;
		}
		addrs[mapped] = (uintptr_t)r;
	}
	uint64_t map_cycles = rdtsc_ordered() - t0;

	if (!rt_check("map_all", mapped == COUNT,
		      "%u of %u one-page mmaps succeeded (first error %ld), %lu cycles per mmap",
		      mapped, COUNT, first_error, mapped ? map_cycles / mapped : 0)) {
		for (uint32_t i = 0; i < mapped; i++)
			sys_munmap((void *)addrs[i], PAGE_SIZE);
		return 0;
	}

	/* Placement: page-aligned, pairwise distinct (equal after sorting = overlap). */
	uint32_t misaligned = 0, overlaps = 0;
	for (uint32_t i = 0; i < COUNT; i++) {
		sorted[i] = addrs[i];
		if (addrs[i] & (PAGE_SIZE - 1))
			misaligned++;
	}
	sort_addresses(sorted, COUNT);
	for (uint32_t i = 1; i < COUNT; i++)
		if (sorted[i] - sorted[i - 1] < PAGE_SIZE)
			overlaps++;
	rt_check("distinct_pages", misaligned == 0 && overlaps == 0,
		 "%u misaligned addresses, %u overlapping pairs among %u mappings "
		 "(lowest 0x%lx, highest 0x%lx)",
		 misaligned, overlaps, COUNT, sorted[0], sorted[COUNT - 1]);

	/* Measured: one touch per mapping. */
	int64_t faults = touch_all(addrs, COUNT);
	rt_check("touch_faults", faults == COUNT,
		 "touching %u one-page mappings cost %ld minor faults (expected %u)", COUNT, faults, COUNT);

	uint32_t bad_rw = 0, bad_ro = 0;
	for (uint32_t i = 0; i < COUNT; i++) {
		uint64_t v = peek64(addrs[i] + tag_offset(i));
		if ((i & 1) ? v != 0 : v != tag_of(i))
			(i & 1) ? bad_ro++ : bad_rw++;
	}
	rt_check("contents", bad_rw == 0 && bad_ro == 0,
		 "%u of %u read-write mappings lost their tag, %u of %u read-only ones are not zero",
		 bad_rw, COUNT / 2, bad_ro, COUNT / 2);

	uint32_t probed = 0, writable = 0;
	long last_result = 0;
	for (uint32_t i = 1; i < COUNT; i += 2 * SAMPLE_EVERY, probed++) {
		last_result = sys_getrusage(RUSAGE_SELF, (struct rusage *)addrs[i]);
		if (last_result != -EFAULT)
			writable++;
	}
	rt_check("read_only_kept", writable == 0,
		 "getrusage into %u sampled read-only mappings: %u not refused (last result %ld, expected %d)",
		 probed, writable, last_result, -EFAULT);

	uint32_t unmap_failed = 0;
	long unmap_error = 0;
	t0 = rdtsc_ordered();
	for (uint32_t i = 0; i < COUNT; i++) {
		long r = sys_munmap((void *)addrs[i], PAGE_SIZE);
		if (r != 0) {
			unmap_failed++;
			unmap_error = r;
		}
	}
	uint64_t unmap_cycles = rdtsc_ordered() - t0;
	rt_check("unmap_all", unmap_failed == 0,
		 "%u of %u munmaps failed (last error %ld), %lu cycles per munmap",
		 unmap_failed, COUNT, unmap_error, unmap_cycles / COUNT);

	uint32_t still_mapped = 0;
	probed = 0;
	for (uint32_t i = 0; i < COUNT; i += SAMPLE_EVERY, probed++)
		if (rt_page_is_mapped((const void *)addrs[i]) != 0)
			still_mapped++;
	rt_check("gone_after_unmap", still_mapped == 0,
		 "%u of %u sampled mappings still mapped (or the probe failed) after munmap",
		 still_mapped, probed);
	return 0;
}
