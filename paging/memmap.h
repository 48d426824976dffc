/*
 * The physical memory map, classified: which frames the page allocator may own.
 *
 * memmap_build() reads the firmware's map as efi/ translated it (struct
 * boot_info: regions[] with neutral kinds, in_use[] ranges) and produces a
 * sorted list of non-overlapping, page-aligned ranges that are free for the
 * buddy allocator. The rules, in order of strength:
 *
 *   1. Only MEM_USABLE and MEM_RECLAIMABLE regions with MEMF_WB are
 *      candidates; their edges are aligned inward to whole pages.
 *   2. Everything else removes memory, aligned outward to whole pages: every
 *      other kind (and a usable kind without MEMF_WB), every in_use[] range,
 *      and the low MEMMAP_LOW_RESERVED bytes (real-mode/BIOS areas; the LA57
 *      trampoline is placed there). Where the firmware's regions overlap,
 *      the non-usable region wins.
 *
 * The input may be unsorted and contain overlaps, holes and zero-length
 * entries. Pure logic: no allocation, no output, host-tested.
 */
#ifndef FAULTLINE_MEMMAP_H
#define FAULTLINE_MEMMAP_H

#include <stdint.h>

#include "base/bootinfo.h"

#define MEMMAP_MAX 128                       /* usable ranges kept */
#define MEMMAP_LOW_RESERVED (1ull << 20)     /* [0, 1 MiB) is never usable */
#define MEMMAP_PHYS_LIMIT (1ull << 52)       /* architectural MAXPHYADDR; input beyond is cut */

/* A half-open physical range [start, end), both page-aligned in a struct memmap. */
struct phys_range {
	uint64_t start;
	uint64_t end;
};

struct memmap {
	uint32_t count;                          /* valid entries in ranges[] */
	uint32_t dropped_ranges;                 /* usable ranges left out: ranges[] was full */
	uint64_t dropped_bytes;                  /* their size */
	struct phys_range ranges[MEMMAP_MAX];    /* sorted by start, disjoint, not adjacent */

	uint64_t usable_bytes;                   /* sum of ranges[] */
	uint64_t max_pfn;                        /* one past the highest usable frame (Linux's
	                                            max_pfn); 0 if nothing is usable */
	uint64_t ram_end;                        /* one past the last byte of any RAM-like region
	                                            (usable, reclaimable, ACPI, EFI runtime),
	                                            page-aligned up: what the direct map covers */

	/* For the boot report, as the firmware listed them (an overlap counts twice). */
	uint64_t kind_bytes[MEM_KIND_COUNT];     /* unknown kinds are counted as MEM_RESERVED */
	uint64_t in_use_bytes;                   /* sum of in_use[] as listed */
	uint32_t empty_regions;                  /* zero-length regions ignored */
	uint32_t unknown_kinds;                  /* regions whose kind was >= MEM_KIND_COUNT */
	uint32_t overlapping_pairs;              /* pairs of regions that overlap each other */
	uint32_t reserved;
};

/*
 * Classifies bi's memory map into out (fully overwritten). Returns 0, or -1 if
 * there were more usable ranges than MEMMAP_MAX: then the largest ones are kept
 * (still sorted) and dropped_ranges/dropped_bytes say what was left out.
 * region_count and in_use_count larger than their arrays are clamped.
 */
int memmap_build(const struct boot_info *bi, struct memmap *out);

/* Returns 1 if the whole frame containing pa is in one of mm's usable ranges. */
int memmap_is_usable(const struct memmap *mm, uint64_t pa);

/* Returns a short name for a memory kind ("usable", "acpi-nvs", ...; "unknown"). */
const char *memmap_kind_name(uint32_t kind);

#endif
