/*
 * Host tests of paging/range.h: range_in_user() against a reference that
 * computes the end in 128 bits (so it cannot wrap), on the edges where a
 * 64-bit addr + len wraps and on random values; page_align_len() against
 * the same 128-bit rounding.
 */
#include <stdint.h>

#include "tests/unit/unit.h"
#include "paging/range.h"

#define LIMIT_4L 0x00007ffffffff000ull   /* TASK_SIZE_MAX, 4-level */
#define LIMIT_5L 0x00fffffffffff000ull   /* TASK_SIZE_MAX, 5-level */

/* The reference: [addr, addr+len) inside [0, limit), with a sum that cannot wrap. */
static int ref_in(uint64_t addr, uint64_t len, uint64_t limit)
{
	return (unsigned __int128)addr + len <= limit;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

TEST(range_edges)
{
	/* The mremap: addr + len wraps to exactly 0 and to page 1. */
	CHECK(!range_in_user(0x7f0000000000ull, (uint64_t)0 - 0x7f0000000000ull, LIMIT_4L));
	CHECK(!range_in_user(0x7f0000000000ull, (uint64_t)0 - 0x7f0000000000ull + 4096, LIMIT_4L));
	CHECK(!range_in_user(4096, ~0ull, ~0ull));
	CHECK(!range_in_user(~0ull, 1, ~0ull));
	/* Up to the limit exactly, not one byte past. */
	CHECK(range_in_user(LIMIT_4L - 4096, 4096, LIMIT_4L));
	CHECK(!range_in_user(LIMIT_4L - 4096, 4097, LIMIT_4L));
	CHECK(range_in_user(0, LIMIT_4L, LIMIT_4L));
	CHECK(!range_in_user(1, LIMIT_4L, LIMIT_4L));
	CHECK(!range_in_user(0, LIMIT_4L + 1, LIMIT_4L));
	CHECK(range_in_user(LIMIT_4L, 0, LIMIT_4L));
	CHECK(!range_in_user(LIMIT_4L + 1, 0, LIMIT_4L));
	/* Kernel and non-canonical addresses. */
	CHECK(!range_in_user(0xffff800000000000ull, 4096, LIMIT_4L));
	CHECK(!range_in_user(0x0000800000000000ull, 4096, LIMIT_4L));
	CHECK(range_in_user(0x0000800000000000ull, 4096, LIMIT_5L));
	CHECK(!range_in_user(0xff00000000000000ull, 4096, LIMIT_5L));
}

TEST(range_matches_a_128_bit_sum)
{
	const uint64_t limits[] = { LIMIT_4L, LIMIT_5L, ~0ull, 0, 4096 };
	uint32_t mismatches = 0;
	for (uint32_t i = 0; i < 200000; i++) {
		uint64_t a = rnd(), l = rnd(), lim = limits[i % 5];
		/* Mostly values near the interesting edges: small, near the limit, near 2^64. */
		switch (i % 4) {
		case 0: a >>= (a & 63); l >>= (l & 63); break;
		case 1: a = lim - (a & 0xffff); l &= 0x1ffff; break;
		case 2: l = (uint64_t)0 - a + (l & 0x3fff) - 0x2000; break;
		default: break;
		}
		if (range_in_user(a, l, lim) != ref_in(a, l, lim))
			mismatches++;
	}
	CHECK_EQ_U64(mismatches, 0);
}

TEST(page_align_len_detects_the_wrap)
{
	uint64_t out = 1;
	CHECK(page_align_len(0, &out) && out == 0);
	CHECK(page_align_len(1, &out) && out == 4096);
	CHECK(page_align_len(4096, &out) && out == 4096);
	CHECK(page_align_len(~0ull - 4095, &out) && out == ~0ull - 4095);   /* the last page-aligned length */
	CHECK(!page_align_len(~0ull - 4094, &out) && out == 0);
	CHECK(!page_align_len(~0ull, &out) && out == 0);                     /* PAGE_ALIGN would give 0 */
	uint32_t mismatches = 0;
	for (uint32_t i = 0; i < 100000; i++) {
		uint64_t l = (i & 1) ? rnd() : ~0ull - (rnd() & 0x3fff);
		unsigned __int128 up = ((unsigned __int128)l + 4095) & ~(unsigned __int128)4095;
		bool ok = page_align_len(l, &out);
		if (ok != (up <= ~0ull) || (ok && out != (uint64_t)up) || (!ok && out != 0))
			mismatches++;
	}
	CHECK_EQ_U64(mismatches, 0);
}

TEST(overlap_of_two_ranges)
{
	CHECK(ranges_overlap(0x10000, 0x2000, 0x11000, 0x1000));
	CHECK(!ranges_overlap(0x10000, 0x1000, 0x11000, 0x1000));   /* touching is not overlapping */
	CHECK(!ranges_overlap(0x11000, 0x1000, 0x10000, 0x1000));
	CHECK(ranges_overlap(0x10000, 0x10000, 0x14000, 0x1000));   /* one inside the other */
	CHECK(!ranges_overlap(0x10000, 0, 0x10000, 0x1000));        /* empty */
}

TEST(mmap_min_addr_is_linux_default)
{
	CHECK_EQ_U64(MMAP_MIN_ADDR, 65536);
}

UNIT_MAIN(
	UNIT(range_edges),
	UNIT(range_matches_a_128_bit_sum),
	UNIT(page_align_len_detects_the_wrap),
	UNIT(overlap_of_two_ranges),
	UNIT(mmap_min_addr_is_linux_default)
)
