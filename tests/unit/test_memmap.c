/*
 * Host tests of paging/memmap.c: classification of the firmware memory map
 * into the allocator's usable ranges, against expected values worked out by
 * hand for each input.
 */
#include <stdlib.h>

#include "tests/unit/unit.h"
#include "../../paging/memmap.c"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

uint64_t direct_map_base;

static struct boot_info *bi;
static struct memmap mm;

static void reset(void)
{
	if (!bi)
		bi = calloc(1, sizeof(*bi));
	memset(bi, 0, sizeof(*bi));
	bi->magic = BOOT_INFO_MAGIC;
}

static void region(uint64_t start, uint64_t pages, uint32_t kind, uint32_t flags)
{
	struct boot_memory_region *r = &bi->regions[bi->region_count++];
	r->phys_start = start;
	r->pages = pages;
	r->kind = kind;
	r->flags = flags;
}

static void usable(uint64_t start, uint64_t bytes) { region(start, bytes / 4096, MEM_USABLE, MEMF_WB); }
static void reserved(uint64_t start, uint64_t bytes) { region(start, bytes / 4096, MEM_RESERVED, 0); }

static void in_use(uint64_t start, uint64_t bytes)
{
	bi->in_use[bi->in_use_count].phys_start = start;
	bi->in_use[bi->in_use_count].bytes = bytes;
	bi->in_use[bi->in_use_count].what = "test";
	bi->in_use_count++;
}

/* Checks that mm holds exactly the n ranges given as start, end pairs. */
static int ranges_are(uint32_t n, const uint64_t *pairs)
{
	if (mm.count != n)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		if (mm.ranges[i].start != pairs[2 * i] || mm.ranges[i].end != pairs[2 * i + 1])
			return 0;
	}
	return 1;
}

TEST(single_region_loses_low_mib)
{
	reset();
	usable(0, 16 * MiB);
	CHECK(memmap_build(bi, &mm) == 0);
	CHECK(ranges_are(1, (uint64_t[]){ 1 * MiB, 16 * MiB }));
	CHECK_EQ_U64(mm.usable_bytes, 15 * MiB);
	CHECK_EQ_U64(mm.max_pfn, 4096);
	CHECK_EQ_U64(mm.ram_end, 16 * MiB);
	CHECK_EQ_U64(mm.kind_bytes[MEM_USABLE], 16 * MiB);
}

TEST(low_mib_only_regions_vanish)
{
	reset();
	usable(0x1000, 0x9e000);               /* conventional memory below 640 KiB */
	usable(0x90000, 2 * MiB - 0x90000);     /* straddles the 1 MiB line */
	CHECK(memmap_build(bi, &mm) == 0);
	CHECK(ranges_are(1, (uint64_t[]){ 1 * MiB, 2 * MiB }));
	CHECK_EQ_U64(mm.max_pfn, 512);
	CHECK_EQ_U64(mm.overlapping_pairs, 1);
}

TEST(reserved_inside_usable_wins_either_order)
{
	const uint64_t want[] = { 1 * MiB, 3 * MiB, 4 * MiB, 8 * MiB };

	reset();
	usable(1 * MiB, 7 * MiB);
	reserved(3 * MiB, 1 * MiB);
	CHECK(memmap_build(bi, &mm) == 0);
	CHECK(ranges_are(2, want));

	reset();
	reserved(3 * MiB, 1 * MiB);
	usable(1 * MiB, 7 * MiB);
	CHECK(memmap_build(bi, &mm) == 0);
	CHECK(ranges_are(2, want));
	CHECK_EQ_U64(mm.usable_bytes, 6 * MiB);
	CHECK_EQ_U64(mm.kind_bytes[MEM_RESERVED], 1 * MiB);
	CHECK_EQ_U64(mm.overlapping_pairs, 1);
}

TEST(reserved_overlapping_edges_and_unaligned_reserved)
{
	reset();
	usable(2 * MiB, 4 * MiB);                       /* [2, 6) MiB */
	reserved(1 * MiB, 2 * MiB);                     /* eats [2, 3) */
	reserved(5 * MiB, 4 * MiB);                     /* eats [5, 6) */
	region(0x400800, 1, MEM_ACPI_NVS, MEMF_WB);     /* [0x400800, 0x401800) -> out [0x400000, 0x402000) */
	CHECK(memmap_build(bi, &mm) == 0);
	CHECK(ranges_are(2, (uint64_t[]){ 3 * MiB, 0x400000, 0x402000, 5 * MiB }));
	CHECK_EQ_U64(mm.usable_bytes, 2 * MiB - 0x2000);
	CHECK_EQ_U64(mm.ram_end, 6 * MiB);
}

TEST(unsorted_input_with_holes_and_adjacent_kinds)
{
	reset();
	usable(64 * MiB, 32 * MiB);                                     /* [64, 96) */
	region(8 * MiB, 8 * MiB / 4096, MEM_RECLAIMABLE, MEMF_WB);      /* [8, 16) */
	usable(16 * MiB, 16 * MiB);                                     /* [16, 32): joins [8, 16) */
	region(0xfee00000, 1, MEM_MMIO, 0);
	usable(2 * MiB, 2 * MiB);                                       /* [2, 4) */
	usable(4 * GiB, 1 * GiB);                                       /* above the hole */
	CHECK(memmap_build(bi, &mm) == 0);
	CHECK(ranges_are(4, (uint64_t[]){ 2 * MiB, 4 * MiB, 8 * MiB, 32 * MiB, 64 * MiB, 96 * MiB,
					4 * GiB, 5 * GiB }));
	CHECK_EQ_U64(mm.usable_bytes, 2 * MiB + 24 * MiB + 32 * MiB + 1 * GiB);
	CHECK_EQ_U64(mm.max_pfn, 5 * GiB / 4096);
	CHECK_EQ_U64(mm.ram_end, 5 * GiB);
	CHECK_EQ_U64(mm.kind_bytes[MEM_RECLAIMABLE], 8 * MiB);
	CHECK_EQ_U64(mm.kind_bytes[MEM_MMIO], 4096);
	CHECK_EQ_U64(mm.overlapping_pairs, 0);
}

TEST(zero_length_entries_change_nothing)
{
	reset();
	usable(1 * MiB, 0);
	usable(2 * MiB, 4 * MiB);
	reserved(3 * MiB, 0);                   /* zero pages: excludes nothing */
	in_use(4 * MiB, 0);                     /* zero bytes: excludes nothing */
	CHECK(memmap_build(bi, &mm) == 0);
	CHECK(ranges_are(1, (uint64_t[]){ 2 * MiB, 6 * MiB }));
	CHECK_EQ_U64(mm.empty_regions, 2);
	CHECK_EQ_U64(mm.overlapping_pairs, 0);
}

TEST(usable_without_write_back_is_excluded)
{
	reset();
	region(16 * MiB, 16 * MiB / 4096, MEM_USABLE, 0);               /* alone: dropped */
	usable(2 * MiB, 8 * MiB);                                       /* [2, 10) */
	region(4 * MiB, 1 * MiB / 4096, MEM_RECLAIMABLE, MEMF_RUNTIME); /* overlaps, not WB: wins */
	CHECK(memmap_build(bi, &mm) == 0);
	CHECK(ranges_are(2, (uint64_t[]){ 2 * MiB, 4 * MiB, 5 * MiB, 10 * MiB }));
	CHECK_EQ_U64(mm.max_pfn, 10 * MiB / 4096);
	CHECK_EQ_U64(mm.ram_end, 32 * MiB);    /* still RAM, so still direct-mapped */
}

TEST(in_use_is_carved_out_aligned_outward)
{
	reset();
	usable(1 * MiB, 15 * MiB);
	in_use(0x200010, 0x1000);               /* [0x200010, 0x201010) -> [0x200000, 0x202000) */
	in_use(0x300000, 1);                    /* one byte -> one page */
	in_use(0xf00000, 0x200000);             /* runs past the end of the region */
	CHECK(memmap_build(bi, &mm) == 0);
	CHECK(ranges_are(3, (uint64_t[]){ 1 * MiB, 0x200000, 0x202000, 0x300000, 0x301000, 0xf00000 }));
	CHECK_EQ_U64(mm.usable_bytes, 15 * MiB - 0x2000 - 0x1000 - 0x100000);
	CHECK_EQ_U64(mm.in_use_bytes, 0x1000 + 1 + 0x200000);
	CHECK_EQ_U64(mm.max_pfn, 0xf00);
}

TEST(unaligned_usable_edges_are_aligned_inward)
{
	reset();
	region(0x100800, 4, MEM_USABLE, MEMF_WB);     /* [0x100800, 0x104800) */
	region(0x200fff, 1, MEM_USABLE, MEMF_WB);     /* less than one whole page inside */
	CHECK(memmap_build(bi, &mm) == 0);
	CHECK(ranges_are(1, (uint64_t[]){ 0x101000, 0x104000 }));
	CHECK_EQ_U64(mm.usable_bytes, 0x3000);
	CHECK_EQ_U64(mm.kind_bytes[MEM_USABLE], 5 * 4096);
}

TEST(kind_totals_and_ram_end)
{
	reset();
	usable(1 * MiB, 7 * MiB);
	region(8 * MiB, 3, MEM_RECLAIMABLE, MEMF_WB);
	region(9 * MiB, 5, MEM_ACPI_RECLAIM, MEMF_WB);
	region(10 * MiB, 7, MEM_ACPI_NVS, MEMF_WB);
	region(11 * MiB, 11, MEM_RUNTIME_CODE, MEMF_WB | MEMF_RUNTIME);
	region(12 * MiB, 13, MEM_RUNTIME_DATA, MEMF_WB | MEMF_RUNTIME);
	region(2 * GiB, 17, MEM_RESERVED, 0);
	region(3 * GiB, 19, MEM_MMIO, 0);
	region(5 * GiB, 23, MEM_PERSISTENT, MEMF_WB);
	region(6 * GiB, 29, MEM_UNUSABLE, 0);
	region(7 * GiB, 31, 77, 0);                           /* unknown kind: reserved */
	CHECK(memmap_build(bi, &mm) == 0);
	CHECK_EQ_U64(mm.kind_bytes[MEM_USABLE], 7 * MiB);
	CHECK_EQ_U64(mm.kind_bytes[MEM_RECLAIMABLE], 3 * 4096);
	CHECK_EQ_U64(mm.kind_bytes[MEM_ACPI_RECLAIM], 5 * 4096);
	CHECK_EQ_U64(mm.kind_bytes[MEM_ACPI_NVS], 7 * 4096);
	CHECK_EQ_U64(mm.kind_bytes[MEM_RUNTIME_CODE], 11 * 4096);
	CHECK_EQ_U64(mm.kind_bytes[MEM_RUNTIME_DATA], 13 * 4096);
	CHECK_EQ_U64(mm.kind_bytes[MEM_RESERVED], (17 + 31) * 4096);
	CHECK_EQ_U64(mm.kind_bytes[MEM_MMIO], 19 * 4096);
	CHECK_EQ_U64(mm.kind_bytes[MEM_PERSISTENT], 23 * 4096);
	CHECK_EQ_U64(mm.kind_bytes[MEM_UNUSABLE], 29 * 4096);
	CHECK_EQ_U64(mm.unknown_kinds, 1);
	/* [8 MiB, 8 MiB + 3 pages) is reclaimable and adjacent to the usable region. */
	CHECK(ranges_are(1, (uint64_t[]){ 1 * MiB, 8 * MiB + 3 * 4096 }));
	/* ram_end: the runtime data region is the highest RAM; MMIO, persistent,
	 * reserved and unknown kinds do not count. */
	CHECK_EQ_U64(mm.ram_end, 12 * MiB + 13 * 4096);
	CHECK_STR(memmap_kind_name(MEM_ACPI_NVS), "acpi-nvs");
	CHECK_STR(memmap_kind_name(MEM_KIND_COUNT), "unknown");
}

TEST(overflow_keeps_the_largest_ranges)
{
	reset();
	/* 200 ranges of (i % 7) + 1 pages, 1 MiB apart: sizes 1..4 occur 29 times,
	 * 5..7 occur 28 times. The 128 kept: all of sizes 7, 6, 5, 4 (113) and 15
	 * of size 3; dropped: 14 of size 3, all of sizes 2 and 1 = 129 pages. */
	for (uint32_t i = 0; i < 200; i++)
		region(4 * MiB + i * MiB, (i % 7) + 1, MEM_USABLE, MEMF_WB);
	CHECK(memmap_build(bi, &mm) == -1);
	CHECK_EQ_U64(mm.count, MEMMAP_MAX);
	CHECK_EQ_U64(mm.dropped_ranges, 72);
	CHECK_EQ_U64(mm.dropped_bytes, 129 * 4096);
	CHECK_EQ_U64(mm.usable_bytes, 665 * 4096);
	int sorted = 1, big_enough = 1;
	for (uint32_t i = 0; i < mm.count; i++) {
		if (i && mm.ranges[i].start <= mm.ranges[i - 1].end)
			sorted = 0;
		if (mm.ranges[i].end - mm.ranges[i].start < 3 * 4096)
			big_enough = 0;
	}
	CHECK(sorted);
	CHECK(big_enough);
	/* The last region, index 199, has 4 pages: kept, so it ends the usable memory. */
	CHECK_EQ_U64(mm.max_pfn, (4 * MiB + 199 * MiB) / 4096 + 4);
}

TEST(hostile_sizes_are_clamped)
{
	reset();
	region(4 * GiB, UINT64_MAX, MEM_USABLE, MEMF_WB);           /* pages * 4096 overflows */
	region(0xfffffffffffff000ull, 5, MEM_USABLE, MEMF_WB);     /* beyond MAXPHYADDR */
	region(8 * GiB, 1, MEM_RESERVED, 0);
	bi->in_use[0].phys_start = 16 * GiB;
	bi->in_use[0].bytes = UINT64_MAX;                          /* to the end of everything */
	bi->in_use_count = 1;
	CHECK(memmap_build(bi, &mm) == 0);
	CHECK(ranges_are(2, (uint64_t[]){ 4 * GiB, 8 * GiB, 8 * GiB + 4096, 16 * GiB }));
	CHECK_EQ_U64(mm.ram_end, MEMMAP_PHYS_LIMIT);

	reset();
	usable(1 * MiB, 1 * MiB);
	bi->region_count = 5000;                                   /* more than regions[] holds */
	bi->in_use_count = 5000;
	CHECK(memmap_build(bi, &mm) == 0);
	CHECK(ranges_are(1, (uint64_t[]){ 1 * MiB, 2 * MiB }));
	CHECK_EQ_U64(mm.empty_regions, BOOT_MAX_REGIONS - 1);
}

TEST(nothing_usable)
{
	reset();
	CHECK(memmap_build(bi, &mm) == 0);
	CHECK_EQ_U64(mm.count, 0);
	CHECK_EQ_U64(mm.max_pfn, 0);
	CHECK_EQ_U64(mm.usable_bytes, 0);
	CHECK_EQ_U64(mm.ram_end, 0);

	reset();
	usable(1 * MiB, 1 * MiB);
	reserved(0, 4 * GiB);
	CHECK(memmap_build(bi, &mm) == 0);
	CHECK_EQ_U64(mm.count, 0);
}

/* A map shaped like OVMF's under QEMU with 256 MiB, listed out of order. */
TEST(ovmf_like_map)
{
	reset();
	region(0x0, 0xa0, MEM_USABLE, MEMF_WB);                    /* [0, 640K) */
	region(0x100000, 0x700, MEM_RECLAIMABLE, MEMF_WB);         /* [1M, 8M) loader code */
	region(0x800000, 0x8, MEM_USABLE, MEMF_WB);                /* [8M, 8M+32K) */
	region(0x808000, 0x3, MEM_ACPI_NVS, MEMF_WB);
	region(0x80b000, 0x1, MEM_USABLE, MEMF_WB);
	region(0x80c000, 0x4, MEM_ACPI_NVS, MEMF_WB);
	region(0x810000, 0xf0, MEM_USABLE, MEMF_WB);               /* [0x810000, 0x900000) */
	region(0x900000, 0xf300, MEM_USABLE, MEMF_WB);             /* [9M, 0xfc00000) */
	region(0xfc00000, 0x100, MEM_RECLAIMABLE, MEMF_WB);        /* boot services data */
	region(0xfd00000, 0x2d0, MEM_RUNTIME_DATA, MEMF_WB | MEMF_RUNTIME);
	region(0xffd0000, 0x30, MEM_ACPI_RECLAIM, MEMF_WB);
	region(0xb0000000, 0x10000, MEM_RESERVED, 0);              /* PCIe ECAM */
	region(0xffc00000, 0x400, MEM_MMIO, MEMF_RUNTIME);         /* flash */
	in_use(0x5000000, 0x123456);                               /* e.g. the boot_info + files */
	in_use(0xfc10000, 0x10);
	CHECK(memmap_build(bi, &mm) == 0);
	CHECK(ranges_are(5, (uint64_t[]){
		0x100000, 0x808000,        /* loader + usable merge */
		0x80b000, 0x80c000,
		0x810000, 0x5000000,
		0x5124000, 0xfc10000,      /* 0x5000000 + 0x123456 -> 0x5124000 */
		0xfc11000, 0xfd00000,
	}));
	CHECK_EQ_U64(mm.usable_bytes, 0x708000 + 0x1000 + (0x5000000 - 0x810000) +
				      (0xfc10000 - 0x5124000) + (0xfd00000 - 0xfc11000));
	CHECK_EQ_U64(mm.max_pfn, 0xfd00);
	CHECK_EQ_U64(mm.ram_end, 0x10000000);
	CHECK(memmap_is_usable(&mm, 0x80b123));
	CHECK(!memmap_is_usable(&mm, 0x80a000));
	CHECK(!memmap_is_usable(&mm, 0x5123fff));
	CHECK(memmap_is_usable(&mm, 0x5124000));
	CHECK(!memmap_is_usable(&mm, 0xfd00000));
	CHECK(!memmap_is_usable(&mm, 0x9f000));
}

/* The worst case: all 1024 entries and 64 in_use ranges, interleaved. */
TEST(full_map_alternating)
{
	reset();
	for (uint32_t i = 0; i < BOOT_MAX_REGIONS; i++) {
		/* Listed from high to low, 2 pages each: usable and reserved alternate. */
		uint64_t base = 1 * MiB + (uint64_t)(BOOT_MAX_REGIONS - 1 - i) * 0x2000;
		if (i % 2 == 0)
			region(base, 2, MEM_USABLE, MEMF_WB);
		else
			region(base, 2, MEM_RESERVED, 0);
	}
	for (uint32_t i = 0; i < BOOT_MAX_IN_USE; i++)
		in_use(0x10000000 + i * 0x1000, 1);    /* all outside RAM: no effect */
	CHECK(memmap_build(bi, &mm) == -1);
	/* Region i (descending) at base(i); the usable ones are those with even
	 * i, i.e. odd slot index 1023 - i: 512 separate 2-page ranges. */
	CHECK_EQ_U64(mm.count, MEMMAP_MAX);
	CHECK_EQ_U64(mm.dropped_ranges, 512 - MEMMAP_MAX);
	CHECK_EQ_U64(mm.usable_bytes, MEMMAP_MAX * 0x2000);
	CHECK_EQ_U64(mm.ranges[0].end - mm.ranges[0].start, 0x2000);
}

UNIT_MAIN(
	UNIT(single_region_loses_low_mib),
	UNIT(low_mib_only_regions_vanish),
	UNIT(reserved_inside_usable_wins_either_order),
	UNIT(reserved_overlapping_edges_and_unaligned_reserved),
	UNIT(unsorted_input_with_holes_and_adjacent_kinds),
	UNIT(zero_length_entries_change_nothing),
	UNIT(usable_without_write_back_is_excluded),
	UNIT(in_use_is_carved_out_aligned_outward),
	UNIT(unaligned_usable_edges_are_aligned_inward),
	UNIT(kind_totals_and_ram_end),
	UNIT(overflow_keeps_the_largest_ranges),
	UNIT(hostile_sizes_are_clamped),
	UNIT(nothing_usable),
	UNIT(ovmf_like_map),
	UNIT(full_map_alternating),
)
