/*
 * Memory-map classification: boot_info regions[] and in_use[] -> the sorted
 * list of physical ranges the page allocator may own (rules in memmap.h).
 *
 * The firmware's list may be unsorted and overlapping, and we have no memory
 * to sort it into, so the classification is a sweep over boundary points:
 * every edge of every interval (usable candidates aligned inward, exclusions
 * aligned outward) cuts the address space into elementary intervals, and
 * between two consecutive edges nothing changes. Each elementary interval is
 * usable when some candidate covers it and no exclusion does; consecutive
 * usable ones merge into one range. Finding the next edge is a linear scan,
 * so the sweep is O(n^2) in the number of entries: a few million steps for
 * the worst-case 1024-entry map, microseconds for a real one.
 */
#include "paging/memmap.h"

#include "base/page_types.h"

#define NO_BOUNDARY UINT64_MAX

static uint64_t align_down(uint64_t x) { return x & PAGE_MASK; }

/* Rounds up to a page; the callers' inputs are <= MEMMAP_PHYS_LIMIT, so no overflow. */
static uint64_t align_up(uint64_t x) { return (x + PAGE_SIZE - 1) & PAGE_MASK; }

/* Returns start + bytes, cut at MEMMAP_PHYS_LIMIT (start must be below it). */
static uint64_t clamped_end(uint64_t start, uint64_t bytes)
{
	if (bytes > MEMMAP_PHYS_LIMIT - start)
		return MEMMAP_PHYS_LIMIT;
	return start + bytes;
}

/* Returns 1 if a region of this kind and these flags may be handed to the allocator. */
static int region_is_candidate(const struct boot_memory_region *r)
{
	return (r->kind == MEM_USABLE || r->kind == MEM_RECLAIMABLE) && (r->flags & MEMF_WB);
}

/* Returns 1 if the kind is RAM the direct map should reach. */
static int kind_is_ram(uint32_t kind)
{
	switch (kind) {
	case MEM_USABLE:
	case MEM_RECLAIMABLE:
	case MEM_ACPI_RECLAIM:
	case MEM_ACPI_NVS:
	case MEM_RUNTIME_CODE:
	case MEM_RUNTIME_DATA:
		return 1;
	default:
		return 0;
	}
}

/*
 * The byte range a region lists, unaligned, cut at MEMMAP_PHYS_LIMIT.
 * Returns 0 if it is empty (zero pages, or entirely beyond the limit).
 */
static int region_extent(const struct boot_memory_region *r, uint64_t *start, uint64_t *end)
{
	if (r->pages == 0 || r->phys_start >= MEMMAP_PHYS_LIMIT)
		return 0;
	*start = r->phys_start;
	if (r->pages > (MEMMAP_PHYS_LIMIT - r->phys_start) >> PAGE_SHIFT)
		*end = MEMMAP_PHYS_LIMIT;
	else
		*end = r->phys_start + (r->pages << PAGE_SHIFT);
	return 1;
}

/*
 * The page-aligned interval region r contributes to the sweep: inward for a
 * candidate, outward for an exclusion. Returns 0 if it contributes nothing.
 */
static int region_interval(const struct boot_memory_region *r, uint64_t *start, uint64_t *end,
			   int *usable)
{
	uint64_t s, e;

	if (!region_extent(r, &s, &e))
		return 0;
	*usable = region_is_candidate(r);
	if (*usable) {
		*start = align_up(s);
		*end = align_down(e);
	} else {
		*start = align_down(s);
		*end = align_up(e);
	}
	return *start < *end;
}

/* The page-aligned (outward) interval of an in_use range; returns 0 if empty. */
static int in_use_interval(const struct boot_range *u, uint64_t *start, uint64_t *end)
{
	if (u->bytes == 0 || u->phys_start >= MEMMAP_PHYS_LIMIT)
		return 0;
	*start = align_down(u->phys_start);
	*end = align_up(clamped_end(u->phys_start, u->bytes));
	return 1;
}

/* The sweep's view of the input: counts clamped to the arrays. */
struct sweep {
	const struct boot_info *bi;
	uint32_t regions;
	uint32_t in_use;
};

/* Lowers *best to x when cur < x < *best. */
static void consider_boundary(uint64_t x, uint64_t cur, uint64_t *best)
{
	if (x > cur && x < *best)
		*best = x;
}

/* Returns the smallest interval edge above cur, or NO_BOUNDARY. */
static uint64_t next_boundary(const struct sweep *sw, uint64_t cur)
{
	uint64_t best = NO_BOUNDARY, s, e;
	int usable;

	consider_boundary(MEMMAP_LOW_RESERVED, cur, &best);
	for (uint32_t i = 0; i < sw->regions; i++) {
		if (region_interval(&sw->bi->regions[i], &s, &e, &usable)) {
			consider_boundary(s, cur, &best);
			consider_boundary(e, cur, &best);
		}
	}
	for (uint32_t i = 0; i < sw->in_use; i++) {
		if (in_use_interval(&sw->bi->in_use[i], &s, &e)) {
			consider_boundary(s, cur, &best);
			consider_boundary(e, cur, &best);
		}
	}
	return best;
}

/* Returns 1 if the elementary interval starting at pa is usable. */
static int point_is_usable(const struct sweep *sw, uint64_t pa)
{
	uint64_t s, e;
	int usable, covered = 0;

	if (pa < MEMMAP_LOW_RESERVED)
		return 0;
	for (uint32_t i = 0; i < sw->regions; i++) {
		if (!region_interval(&sw->bi->regions[i], &s, &e, &usable) || pa < s || pa >= e)
			continue;
		if (!usable)
			return 0;
		covered = 1;
	}
	if (!covered)
		return 0;
	for (uint32_t i = 0; i < sw->in_use; i++) {
		if (in_use_interval(&sw->bi->in_use[i], &s, &e) && pa >= s && pa < e)
			return 0;
	}
	return 1;
}

/*
 * Appends a finished range (ranges arrive in ascending order). When the
 * array is full, the smallest of the kept ranges and the new one is dropped.
 */
static void commit_range(struct memmap *out, uint64_t start, uint64_t end)
{
	uint64_t bytes = end - start;
	uint32_t smallest = 0;

	if (out->count < MEMMAP_MAX) {
		out->ranges[out->count].start = start;
		out->ranges[out->count].end = end;
		out->count++;
		return;
	}
	for (uint32_t i = 1; i < out->count; i++) {
		uint64_t size = out->ranges[i].end - out->ranges[i].start;
		if (size < out->ranges[smallest].end - out->ranges[smallest].start)
			smallest = i;
	}
	out->dropped_ranges++;
	if (bytes <= out->ranges[smallest].end - out->ranges[smallest].start) {
		out->dropped_bytes += bytes;
		return;
	}
	out->dropped_bytes += out->ranges[smallest].end - out->ranges[smallest].start;
	for (uint32_t i = smallest; i + 1 < out->count; i++)
		out->ranges[i] = out->ranges[i + 1];
	out->ranges[out->count - 1].start = start;
	out->ranges[out->count - 1].end = end;
}

/* Fills the report fields: kind totals, ram_end, empty/unknown/overlap counts. */
static void tally_regions(const struct sweep *sw, struct memmap *out)
{
	for (uint32_t i = 0; i < sw->regions; i++) {
		const struct boot_memory_region *r = &sw->bi->regions[i];
		uint32_t kind = r->kind;
		uint64_t s, e;

		if (kind >= MEM_KIND_COUNT) {
			out->unknown_kinds++;
			kind = MEM_RESERVED;
		}
		if (!region_extent(r, &s, &e)) {
			if (r->pages == 0)
				out->empty_regions++;
			continue;
		}
		out->kind_bytes[kind] += e - s;
		if (kind_is_ram(r->kind) && align_up(e) > out->ram_end)
			out->ram_end = align_up(e);
		for (uint32_t j = i + 1; j < sw->regions; j++) {
			uint64_t s2, e2;
			if (region_extent(&sw->bi->regions[j], &s2, &e2) && s < e2 && s2 < e)
				out->overlapping_pairs++;
		}
	}
	for (uint32_t i = 0; i < sw->in_use; i++)
		out->in_use_bytes += sw->bi->in_use[i].bytes;
}

int memmap_build(const struct boot_info *bi, struct memmap *out)
{
	struct sweep sw = { bi, bi->region_count, bi->in_use_count };
	uint64_t cur = 0, run_start = 0;
	int in_run = 0;

	if (sw.regions > BOOT_MAX_REGIONS)
		sw.regions = BOOT_MAX_REGIONS;
	if (sw.in_use > BOOT_MAX_IN_USE)
		sw.in_use = BOOT_MAX_IN_USE;

	*out = (struct memmap){ 0 };
	tally_regions(&sw, out);

	for (;;) {
		uint64_t next = next_boundary(&sw, cur);
		if (next == NO_BOUNDARY)
			break;
		if (point_is_usable(&sw, cur)) {
			if (!in_run)
				run_start = cur;
			in_run = 1;
		} else if (in_run) {
			commit_range(out, run_start, cur);
			in_run = 0;
		}
		cur = next;
	}
	/* Past the last edge nothing is covered, so a run always ends at one. */
	if (in_run)
		commit_range(out, run_start, cur);

	for (uint32_t i = 0; i < out->count; i++)
		out->usable_bytes += out->ranges[i].end - out->ranges[i].start;
	if (out->count)
		out->max_pfn = out->ranges[out->count - 1].end >> PAGE_SHIFT;
	return out->dropped_ranges ? -1 : 0;
}

int memmap_is_usable(const struct memmap *mm, uint64_t pa)
{
	for (uint32_t i = 0; i < mm->count; i++) {
		if (pa >= mm->ranges[i].start && pa < mm->ranges[i].end)
			return 1;
	}
	return 0;
}

const char *memmap_kind_name(uint32_t kind)
{
	static const char *const names[MEM_KIND_COUNT] = {
		[MEM_USABLE] = "usable",
		[MEM_RECLAIMABLE] = "reclaimable",
		[MEM_ACPI_RECLAIM] = "acpi-reclaim",
		[MEM_ACPI_NVS] = "acpi-nvs",
		[MEM_RUNTIME_CODE] = "runtime-code",
		[MEM_RUNTIME_DATA] = "runtime-data",
		[MEM_MMIO] = "mmio",
		[MEM_RESERVED] = "reserved",
		[MEM_UNUSABLE] = "unusable",
		[MEM_PERSISTENT] = "persistent",
	};
	return kind < MEM_KIND_COUNT ? names[kind] : "unknown";
}
