/*
 * Host tests of paging/buddy.c (and struct page, paging/page.h) against a
 * simulated physical memory: an anonymous mapping (MAP_NORESERVE, so only the
 * frames the tests touch cost host memory) with direct_map_base set so that
 * __va(pa) lands inside it. Expected block layouts are worked out by hand.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "tests/unit/unit.h"
#include "../../base/format.c"
#include "../../lib/check_result.c"
#include "../../paging/memmap.c"
#include "../../paging/buddy.c"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

uint64_t direct_map_base;

static uint8_t *sim_buf;
static uint64_t sim_bytes;
static struct memmap mm;

/* Backs physical [start, end) with fresh zeroed host memory. */
static void sim_map(uint64_t start, uint64_t end)
{
	if (sim_buf)
		munmap(sim_buf, sim_bytes);
	sim_bytes = end - start;
	sim_buf = mmap(NULL, sim_bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sim_buf == MAP_FAILED) {
		printf("mmap of %llu bytes failed\n", (unsigned long long)sim_bytes);
		exit(2);
	}
	direct_map_base = (uint64_t)(uintptr_t)sim_buf - start;
}

/* Sets mm to the n ranges given as start, end pairs (sorted, disjoint). */
static void mm_set(uint32_t n, const uint64_t *pairs)
{
	memset(&mm, 0, sizeof(mm));
	for (uint32_t i = 0; i < n; i++) {
		mm.ranges[i].start = pairs[2 * i];
		mm.ranges[i].end = pairs[2 * i + 1];
		mm.usable_bytes += pairs[2 * i + 1] - pairs[2 * i];
	}
	mm.count = n;
	mm.max_pfn = n ? pairs[2 * n - 1] / 4096 : 0;
}

/*
 * Layout A: usable [4, 8) MiB and [16 MiB, A_END): A_END is page 5419, so
 * max_mapnr = 5419, mem_map = 5419 * 64 = 346816 bytes = 85 frames, at the
 * top of the larger range: PFNs [5334, 5419). Free: [1024, 2048) = order 10, and
 * [4096, 5334) = 10 @4096, 7 @5120, 6 @5248, 4 @5312, 2 @5328, 1 @5332.
 * Managed: 1024 + 1238 = 2262.
 */
#define A_MANAGED 2262
static const uint64_t a_blocks[NR_PAGE_ORDERS] = { [1] = 1, [2] = 1, [4] = 1, [6] = 1, [7] = 1, [10] = 2 };

#define A_END_PFN 5419ull
#define A_END (A_END_PFN * 4096)
#define A_MEMMAP (85 * 4096)   /* mem_map's bytes, whole frames */

static void layout_a(void)
{
	sim_map(4 * MiB, A_END);
	mm_set(2, (uint64_t[]){ 4 * MiB, 8 * MiB, 16 * MiB, A_END });
	buddy_set_bad_page_hook(NULL);
	if (buddy_init(&mm) != 0)
		printf("layout_a: buddy_init failed\n");
}

static struct buddy_stats stats(void)
{
	struct buddy_stats s;
	buddy_get_stats(&s);
	return s;
}

static int blocks_are(const uint64_t *want)
{
	struct buddy_stats s = stats();
	for (uint32_t k = 0; k < NR_PAGE_ORDERS; k++) {
		if (s.free_blocks[k] != want[k]) {
			printf("  order %u: %llu free blocks, want %llu\n", k,
			       (unsigned long long)s.free_blocks[k], (unsigned long long)want[k]);
			return 0;
		}
	}
	return 1;
}

static uint64_t pfn_of(struct page *p) { return p ? page_to_pfn(p) : UINT64_MAX; }

TEST(struct_page_is_small)
{
	CHECK_EQ_U64(sizeof(struct page), 64);
	printf("sizeof(struct page) = %zu, mem_map per GiB = %llu KiB\n", sizeof(struct page),
	       (unsigned long long)((GiB / 4096) * sizeof(struct page) / KiB));
}

TEST(init_places_mem_map_and_frees_in_big_blocks)
{
	struct buddy_stats s;

	layout_a();
	s = stats();
	CHECK_EQ_U64(s.max_mapnr, A_END_PFN);
	CHECK_EQ_U64(s.mem_map_bytes, A_MEMMAP);
	CHECK_EQ_U64(s.mem_map_phys, A_END - A_MEMMAP);
	CHECK_EQ_U64(mem_map_phys, A_END - A_MEMMAP);
	CHECK_EQ_U64(s.managed_pages, A_MANAGED);
	CHECK_EQ_U64(totalram_pages(), A_MANAGED);
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED);
	CHECK_EQ_U64(s.lost_pages, 0);
	CHECK(blocks_are(a_blocks));
	CHECK_EQ_U64(buddy_check(NULL), 0);
	/* mem_map[] itself lives in the simulated memory, at its physical place. */
	CHECK((uint8_t *)pfn_to_page(0) == sim_buf + (A_END - A_MEMMAP - 4 * MiB));
	CHECK(PageReserved(pfn_to_page(0)));            /* hole below the first range */
	CHECK(PageReserved(pfn_to_page(2048)));         /* hole between the ranges */
	CHECK(PageReserved(pfn_to_page(5334)));         /* mem_map's own frames */
	CHECK(PageReserved(pfn_to_page(A_END_PFN - 1)));
	CHECK(PageBuddy(pfn_to_page(1024)) && pfn_to_page(1024)->order == 10);
	CHECK(!PageBuddy(pfn_to_page(1025)) && pfn_to_page(1025)->flags == 0);
	CHECK(PageBuddy(pfn_to_page(5332)) && pfn_to_page(5332)->order == 1);
	CHECK_EQ_U64(page_ref_count(pfn_to_page(0)), 1);
	CHECK_EQ_U64(page_ref_count(pfn_to_page(1024)), 0);
	CHECK_EQ_U64(page_to_pfn(pfn_to_page(4321)), 4321);
	CHECK_EQ_U64(page_to_phys(pfn_to_page(4321)), 4321ull * 4096);
	CHECK(page_address(pfn_to_page(1024)) == sim_buf);
	CHECK(virt_to_page(sim_buf + 4096 + 12) == pfn_to_page(1025));
	CHECK(pfn_valid(A_END_PFN - 1) && !pfn_valid(A_END_PFN));
}

TEST(split_from_fresh_block_and_merge_back)
{
	struct page *small[5];
	static const uint32_t orders[5] = { 1, 2, 4, 6, 7 };
	static const uint64_t pfns[5] = { 5332, 5328, 5312, 5248, 5120 };
	uint64_t want[NR_PAGE_ORDERS] = { 0 };

	layout_a();
	/* Take the odd-sized leftovers so only order-10 blocks remain. */
	for (int i = 0; i < 5; i++) {
		small[i] = alloc_pages(orders[i]);
		CHECK_EQ_U64(pfn_of(small[i]), pfns[i]);
	}
	want[10] = 2;
	CHECK(blocks_are(want));
	CHECK_EQ_U64(nr_free_pages(), 2048);

	/* Order 0 from an order-10 block (LIFO: the one at 4096, freed last at
	 * init): the upper halves stay free, one block each of orders 0..9. */
	struct page *p = alloc_page();
	CHECK_EQ_U64(pfn_of(p), 4096);
	for (uint32_t k = 0; k < 10; k++)
		want[k] = 1;
	want[10] = 1;
	CHECK(blocks_are(want));
	CHECK(PageBuddy(pfn_to_page(4097)) && pfn_to_page(4097)->order == 0);
	CHECK(PageBuddy(pfn_to_page(4096 + 512)) && pfn_to_page(4096 + 512)->order == 9);
	CHECK_EQ_U64(buddy_check(NULL), 0);

	__free_page(p);
	for (uint32_t k = 0; k < 10; k++)
		want[k] = 0;
	want[10] = 2;
	CHECK(blocks_are(want));
	CHECK(PageBuddy(pfn_to_page(4096)) && pfn_to_page(4096)->order == 10);
	CHECK_EQ_U64(buddy_check(NULL), 0);

	for (int i = 0; i < 5; i++)
		__free_pages(small[i], orders[i]);
	CHECK(blocks_are(a_blocks));
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED);
	CHECK_EQ_U64(stats().bad_pages, 0);
}

static struct page *all[A_MANAGED + 1];

TEST(exhaustion_counts_exactly_and_frees_back)
{
	static uint8_t seen[A_END_PFN];
	uint32_t n = 0, distinct = 1, usable = 1;

	layout_a();
	memset(seen, 0, sizeof(seen));
	while (n <= A_MANAGED && (all[n] = alloc_page()) != NULL) {
		uint64_t pfn = page_to_pfn(all[n]);
		if (seen[pfn])
			distinct = 0;
		seen[pfn] = 1;
		if (!memmap_is_usable(&mm, pfn * 4096) || pfn >= 5334)
			usable = 0;
		n++;
	}
	CHECK_EQ_U64(n, A_MANAGED);
	CHECK(distinct);
	CHECK(usable);
	CHECK_EQ_U64(nr_free_pages(), 0);
	CHECK_EQ_U64(stats().alloc_failures, 1);
	CHECK(alloc_pages(0) == NULL);
	CHECK(alloc_pages(MAX_ORDER) == NULL);
	CHECK_EQ_U64(buddy_check(NULL), 0);

	for (uint32_t i = 0; i < n; i++)
		__free_page(all[i]);
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED);
	CHECK(blocks_are(a_blocks));
	CHECK_EQ_U64(buddy_check(NULL), 0);
	CHECK_EQ_U64(stats().bad_pages, 0);
}

TEST(fragmentation_blocks_merging_until_the_holes_fill)
{
	uint32_t n = 0;
	uint64_t want[NR_PAGE_ORDERS] = { 0 };

	layout_a();
	while ((all[n] = alloc_page()) != NULL)
		n++;
	/* Free every even PFN of [1024, 2048): 512 single pages, no two buddies. */
	for (uint32_t i = 0; i < n; i++) {
		uint64_t pfn = page_to_pfn(all[i]);
		if (pfn >= 1024 && pfn < 2048 && pfn % 2 == 0)
			__free_page(all[i]);
	}
	want[0] = 512;
	CHECK(blocks_are(want));
	CHECK_EQ_U64(nr_free_pages(), 512);
	CHECK_EQ_U64(buddy_check(NULL), 0);
	/* The odd ones: every free now merges, up to one order-10 block. */
	for (uint32_t i = 0; i < n; i++) {
		uint64_t pfn = page_to_pfn(all[i]);
		if (pfn >= 1024 && pfn < 2048 && pfn % 2 == 1)
			__free_page(all[i]);
	}
	want[0] = 0;
	want[10] = 1;
	CHECK(blocks_are(want));
	CHECK_EQ_U64(buddy_check(NULL), 0);
	CHECK(alloc_pages(10) == pfn_to_page(1024));
	__free_pages(pfn_to_page(1024), 10);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t pfn = page_to_pfn(all[i]);
		if (pfn < 1024 || pfn >= 2048)
			__free_page(all[i]);
	}
	CHECK(blocks_are(a_blocks));
	CHECK_EQ_U64(buddy_check(NULL), 0);
}

/*
 * Layout G: usable [1 GiB, 2 GiB + 64 MiB). max_mapnr = 540672, mem_map =
 * 34603008 bytes = 8448 frames at the top: PFNs [532224, 540672). Free:
 * order 18 @262144 (the whole second GiB), then 12, 11, 10, 9, 8 above it.
 */
TEST(every_order_up_to_one_gib)
{
	uint64_t want[NR_PAGE_ORDERS] = { [8] = 1, [9] = 1, [10] = 1, [11] = 1, [12] = 1, [18] = 1 };
	uint32_t aligned = 1, restored = 1, checked = 1;

	sim_map(1 * GiB, 2 * GiB + 64 * MiB);
	mm_set(1, (uint64_t[]){ 1 * GiB, 2 * GiB + 64 * MiB });
	CHECK(buddy_init(&mm) == 0);
	CHECK_EQ_U64(stats().mem_map_bytes, 8448 * 4096);
	CHECK_EQ_U64(totalram_pages(), 262144 + 7936);
	CHECK(blocks_are(want));
	CHECK_EQ_U64(buddy_check(NULL), 0);

	for (uint32_t order = 0; order <= MAX_ORDER; order++) {
		struct page *p = alloc_pages(order);
		if (!p || (page_to_pfn(p) & ((1ull << order) - 1))) {
			aligned = 0;
			continue;
		}
		if (page_ref_count(p) != 1 || page_mapcount(p) != 0 || p->order != order)
			aligned = 0;
		if (nr_free_pages() != 270080 - (1ull << order) || buddy_check(NULL) != 0)
			checked = 0;
		__free_pages(p, order);
		if (nr_free_pages() != 270080 || !blocks_are(want))
			restored = 0;
	}
	CHECK(aligned);
	CHECK(checked);
	CHECK(restored);

	struct page *gib = alloc_pages(MAX_ORDER);
	CHECK_EQ_U64(pfn_of(gib), 262144);
	CHECK(alloc_pages(MAX_ORDER) == NULL);          /* only one 1 GiB block exists */
	CHECK(alloc_pages(MAX_ORDER + 1) == NULL);      /* no such order */
	CHECK_EQ_U64(stats().alloc_failures, 2);
	struct page *o12 = alloc_pages(12);
	CHECK_EQ_U64(pfn_of(o12), 524288);
	CHECK(alloc_pages(13) == NULL);
	put_page(gib);
	CHECK(alloc_pages(13) == pfn_to_page(262144));  /* split from the freed GiB */
	CHECK_EQ_U64(buddy_check(NULL), 0);
	CHECK_EQ_U64(stats().bad_pages, 0);
}

/* A small xorshift generator: the same sequence on every run. */
static uint64_t rng_state;
static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

struct live_block { uint64_t pfn; uint32_t order; };

/* Layout R: ranges with odd edges, so blocks of all small orders exist. */
TEST(random_sequence_against_shadow_model)
{
	static const uint64_t r[] = { 0x101000, 0x17f000, 0x203000, 0x400000, 0x455000, 0x9f3000 };
	static uint8_t owned[0x9f3];
	static struct live_block live[4096];
	uint32_t nlive = 0, steps_ok = 1, stamps_ok = 1, model_ok = 1, null_ok = 1;
	uint64_t owned_pages = 0, managed;

	sim_map(0x100000, 0x9f3000);
	mm_set(3, r);
	CHECK(buddy_init(&mm) == 0);
	managed = totalram_pages();
	/* mem_map: 0x9f3 = 2547 struct pages = 163008 bytes = 40 frames. */
	CHECK_EQ_U64(managed, (0x17f - 0x101) + (0x400 - 0x203) + (0x9f3 - 0x455) - 40);
	memset(owned, 0, sizeof(owned));
	rng_state = 0x9e3779b97f4a7c15ull;

	for (uint32_t step = 0; step < 6000; step++) {
		int do_alloc = nlive == 0 || (nlive < 4096 && rng() % 100 < 55);
		if (do_alloc) {
			uint32_t order = (uint32_t)(rng() % 100 < 70 ? rng() % 3 : rng() % 9);
			struct page *p = alloc_pages(order);
			if (!p) {
				struct buddy_stats s = stats();
				for (uint32_t k = order; k < NR_PAGE_ORDERS; k++)
					if (s.free_blocks[k])
						null_ok = 0;
				continue;
			}
			uint64_t pfn = page_to_pfn(p);
			if (pfn & ((1ull << order) - 1))
				model_ok = 0;
			for (uint64_t i = 0; i < (1ull << order); i++) {
				if (pfn + i >= 0x9f3 || owned[pfn + i] ||
				    !memmap_is_usable(&mm, (pfn + i) * 4096) || pfn + i >= 0x9f3 - 20)
					model_ok = 0;
				else
					owned[pfn + i] = 1;
			}
			/* Stamp the first and last frame with the block's PFN. */
			uint64_t *first = page_address(p);
			uint64_t *last = (uint64_t *)((uint8_t *)first + (4096ull << order) - 8);
			*first = pfn;
			*last = ~pfn;
			live[nlive].pfn = pfn;
			live[nlive].order = order;
			nlive++;
			owned_pages += 1ull << order;
		} else {
			uint32_t i = (uint32_t)(rng() % nlive);
			struct live_block b = live[i];
			struct page *p = pfn_to_page(b.pfn);
			uint64_t *first = page_address(p);
			uint64_t *last = (uint64_t *)((uint8_t *)first + (4096ull << b.order) - 8);
			if (*first != b.pfn || *last != ~b.pfn)
				stamps_ok = 0;
			for (uint64_t k = 0; k < (1ull << b.order); k++)
				owned[b.pfn + k] = 0;
			if (rng() % 4 == 0) {
				get_page(p);            /* an extra reference: two puts to free */
				put_page(p);
				if (nr_free_pages() != managed - owned_pages)
					model_ok = 0;
				put_page(p);
			} else {
				__free_pages(p, b.order);
			}
			live[i] = live[--nlive];
			owned_pages -= 1ull << b.order;
		}
		if (buddy_check(NULL) != 0 || nr_free_pages() != managed - owned_pages)
			steps_ok = 0;
	}
	CHECK(steps_ok);
	CHECK(stamps_ok);
	CHECK(model_ok);
	CHECK(null_ok);
	CHECK(owned_pages > 0);
	CHECK(stats().alloc_failures > 0);              /* the sequence did reach exhaustion */
	while (nlive)
		__free_pages(pfn_to_page(live[nlive - 1].pfn), live[nlive - 1].order), nlive--;
	CHECK_EQ_U64(nr_free_pages(), managed);
	CHECK_EQ_U64(buddy_check(NULL), 0);
	CHECK_EQ_U64(stats().bad_pages, 0);
	/* Everything merged back: the same blocks as right after init. */
	struct buddy_stats s = stats();
	buddy_init(&mm);
	struct buddy_stats fresh = stats();
	CHECK(memcmp(s.free_blocks, fresh.free_blocks, sizeof(s.free_blocks)) == 0);
}

TEST(refcount_and_put_page)
{
	layout_a();
	struct page *p = alloc_page();
	CHECK_EQ_U64(page_ref_count(p), 1);
	CHECK_EQ_U64(page_mapcount(p), 0);
	get_page(p);
	CHECK_EQ_U64(page_ref_count(p), 2);
	put_page(p);
	CHECK_EQ_U64(page_ref_count(p), 1);
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED - 1);
	put_page(p);
	CHECK_EQ_U64(page_ref_count(p), 0);
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED);
	CHECK(blocks_are(a_blocks));

	/* put_page frees the whole block it heads, at its allocation order. */
	struct page *b = alloc_pages(3);
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED - 8);
	SetPageAnon(b);
	__SetPageTable(pfn_to_page(page_to_pfn(b) + 5));  /* owner flags are cleared on free */
	b->private = 0x1234;
	put_page(b);
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED);
	CHECK(blocks_are(a_blocks));
	CHECK_EQ_U64(buddy_check(NULL), 0);

	/* A mapped page cannot be freed; once unmapped it can. */
	p = alloc_page();
	CHECK_EQ_U64(page_mapcount_inc(p), 1);
	CHECK_EQ_U64(page_mapcount_inc(p), 2);
	put_page(p);
	CHECK_EQ_U64(stats().bad_pages, 1);
	CHECK_STR(stats().last_bad_reason, "freeing a mapped page");
	CHECK_EQ_U64(page_ref_count(p), 1);             /* still allocated, unchanged */
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED - 1);
	CHECK_EQ_U64(page_mapcount_dec(p), 1);
	CHECK_EQ_U64(page_mapcount_dec(p), 0);
	CHECK_EQ_U64(page_mapcount_dec(p), 0);          /* below zero: reported */
	CHECK_EQ_U64(stats().bad_pages, 2);
	put_page(p);
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED);

	/* The zero page keeps its last reference. */
	p = alloc_page();
	SetPageZero(p);
	get_page(p);
	put_page(p);
	put_page(p);
	CHECK_EQ_U64(stats().bad_pages, 3);
	CHECK_EQ_U64(page_ref_count(p), 1);
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED - 1);
	CHECK_EQ_U64(buddy_check(NULL), 0);
}

static uint32_t hook_calls;
static uint64_t hook_pfn;
static const char *hook_reason;
static void record_bad_page(const char *reason, uint64_t pfn)
{
	hook_calls++;
	hook_reason = reason;
	hook_pfn = pfn;
}

TEST(misuse_is_detected_and_changes_nothing)
{
	layout_a();
	buddy_set_bad_page_hook(record_bad_page);
	hook_calls = 0;

	/* Double free of a single page. */
	struct page *p = alloc_page();
	uint64_t pfn = page_to_pfn(p);
	__free_page(p);
	__free_page(p);
	CHECK_EQ_U64(hook_calls, 1);
	CHECK_EQ_U64(hook_pfn, pfn);
	CHECK_STR(hook_reason, "freeing a free page (double free?)");
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED);
	CHECK_EQ_U64(buddy_check(NULL), 0);

	/* Double frees after the block merged with its buddy: the second page
	 * is now a tail of the merged block, the first its head. */
	struct page *x = alloc_page(), *y = alloc_page();
	CHECK_EQ_U64(pfn_of(x), 5332);                  /* split from the order-1 block */
	CHECK_EQ_U64(pfn_of(y), 5333);
	__free_page(x);
	__free_page(y);
	CHECK(PageBuddy(x) && x->order == 1);
	__free_page(y);
	__free_page(x);
	CHECK_EQ_U64(hook_calls, 3);
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED);
	CHECK_EQ_U64(buddy_check(NULL), 0);

	/* Reserved frames: a hole and mem_map's own frames. */
	__free_page(pfn_to_page(0));
	put_page(pfn_to_page(5340));
	CHECK_EQ_U64(hook_calls, 5);
	CHECK_STR(hook_reason, "freeing a reserved page");
	CHECK(PageReserved(pfn_to_page(0)) && page_ref_count(pfn_to_page(0)) == 1);
	/* A reserved frame may be referenced and released without ever being freed. */
	get_page(pfn_to_page(0));
	put_page(pfn_to_page(0));
	CHECK_EQ_U64(hook_calls, 5);

	/* Wrong orders, a tail page, NULL, a stray pointer, an address outside memory. */
	struct page *r = alloc_pages(2);
	__free_pages(r, 1);
	CHECK_STR(hook_reason, "freeing with an order other than the allocation's");
	__free_pages(r, MAX_ORDER + 1);
	CHECK_STR(hook_reason, "freeing with an order above MAX_ORDER");
	__free_page(pfn_to_page(page_to_pfn(r) + 1));
	CHECK_STR(hook_reason, "freeing a free page (double free?)");
	__free_page(NULL);
	CHECK_STR(hook_reason, "freeing a pointer that is not a struct page");
	put_page((struct page *)((uint8_t *)r + 4));
	CHECK_EQ_U64(hook_calls, 10);
	free_page(0);                                   /* Linux: a no-op */
	free_page((uint64_t)(uintptr_t)sim_buf + 64 * MiB);
	CHECK_EQ_U64(hook_calls, 11);
	get_page(pfn_to_page(1024));                    /* a free page */
	CHECK_EQ_U64(page_ref_count(pfn_to_page(1024)), 0);
	CHECK_EQ_U64(hook_calls, 12);
	CHECK_EQ_U64(stats().bad_pages, 12);
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED - 4);
	CHECK_EQ_U64(buddy_check(NULL), 0);
	__free_pages(r, 2);                             /* the right way still works */
	CHECK_EQ_U64(hook_calls, 12);
	CHECK(blocks_are(a_blocks));
	buddy_set_bad_page_hook(NULL);
}

TEST(buddy_check_finds_corruption)
{
	layout_a();
	CHECK_EQ_U64(buddy_check(NULL), 0);
	struct check_result cr;
	pfn_to_page(1024)->order = 9;                   /* head disagrees with its list */
	CHECK(buddy_check(&cr) > 0);
	CHECK_STR(cr.first, "pfn 0x400 on free list 10 is not a PG_buddy head of that order");
	pfn_to_page(1024)->order = 10;
	pfn_to_page(1500)->flags = PG_buddy;            /* a stray head inside a free block */
	CHECK(buddy_check(&cr) > 0);
	CHECK(strstr(cr.first, "free block at pfn 0x400 holds pfn 0x5dc") != NULL);
	pfn_to_page(1500)->flags = 0;
	pfn_to_page(1030)->_refcount = 1;               /* "allocated" frame inside a free block */
	CHECK(buddy_check(&cr) > 0);
	CHECK_STR(cr.first, "free block at pfn 0x400 holds pfn 0x406, which is reserved, allocated or another block");
	pfn_to_page(1030)->_refcount = 0;
	pfn_to_page(5332)->lru_prev = 7;                /* broken back link */
	CHECK(buddy_check(&cr) > 0);
	CHECK(strstr(cr.first, "pfn 0x14d4's lru_prev is not the previous entry") != NULL);
	pfn_to_page(5332)->lru_prev = PFN_NONE;
	CHECK_EQ_U64(buddy_check(NULL), 0);
}

TEST(zeroed_pages_are_zero)
{
	uint32_t n = 0, all_zero = 1;

	layout_a();
	/* Dirty every free frame first. */
	while ((all[n] = alloc_page()) != NULL)
		memset(page_address(all[n++]), 0xaa, 4096);
	for (uint32_t i = 0; i < n; i++)
		__free_page(all[i]);

	struct page *z = alloc_zeroed_page();
	CHECK(z != NULL);
	const uint8_t *bytes = page_address(z);
	for (uint32_t i = 0; i < 4096; i++)
		if (bytes[i])
			all_zero = 0;
	CHECK(all_zero);

	uint64_t va = get_zeroed_page();
	CHECK(va >= (uint64_t)(uintptr_t)sim_buf && va < (uint64_t)(uintptr_t)sim_buf + sim_bytes);
	CHECK(va % 4096 == 0);
	const uint64_t *words = (const uint64_t *)(uintptr_t)va;
	for (uint32_t i = 0; i < 512; i++)
		if (words[i])
			all_zero = 0;
	CHECK(all_zero);
	free_page(va);
	__free_page(z);
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED);

	/* Exhausted: NULL and 0, never a crash. */
	n = 0;
	while ((all[n] = alloc_page()) != NULL)
		n++;
	CHECK(alloc_zeroed_page() == NULL);
	CHECK_EQ_U64(get_zeroed_page(), 0);
	for (uint32_t i = 0; i < n; i++)
		__free_page(all[i]);
	CHECK_EQ_U64(stats().bad_pages, 0);
}

TEST(mem_map_too_big_for_memory_cuts_the_top)
{
	/* [1, 2) MiB and one frame at 64 GiB: describing 64 GiB takes 512 MiB of
	 * struct pages, which fit nowhere; without the top frame, mem_map covers
	 * 512 PFNs = 32 KiB = 8 frames at the top of [1, 2) MiB. */
	sim_map(1 * MiB, 2 * MiB);
	mm_set(2, (uint64_t[]){ 1 * MiB, 2 * MiB, 64 * GiB, 64 * GiB + 4096 });
	CHECK(buddy_init(&mm) == 0);
	CHECK_EQ_U64(stats().max_mapnr, 512);
	CHECK_EQ_U64(stats().mem_map_phys, 2 * MiB - 8 * 4096);
	CHECK_EQ_U64(totalram_pages(), 256 - 8);
	CHECK_EQ_U64(stats().lost_pages, 1);
	CHECK_EQ_U64(buddy_check(NULL), 0);

	/* A single frame cannot describe itself: nothing to manage. */
	mm_set(1, (uint64_t[]){ 64 * GiB, 64 * GiB + 4096 });
	CHECK(buddy_init(&mm) == -1);
	CHECK(alloc_page() == NULL);
	CHECK_EQ_U64(nr_free_pages(), 0);
	CHECK_EQ_U64(buddy_check(NULL), 0);
	mm_set(0, NULL);
	CHECK(buddy_init(&mm) == -1);
	CHECK(alloc_pages(0) == NULL);
}

TEST(survives_a_move_of_the_direct_map)
{
	layout_a();
	struct page *a = alloc_pages(3), *b = alloc_page();
	uint64_t pa = page_to_pfn(a), pb = page_to_pfn(b);

	/* The kernel switches from the identity map to PAGE_OFFSET: same
	 * physical memory, new virtual address. Simulate with a copy. */
	uint8_t *moved = malloc(sim_bytes);
	memcpy(moved, sim_buf, sim_bytes);
	uint64_t old_base = direct_map_base;
	direct_map_base = (uint64_t)(uintptr_t)moved - 4 * MiB;
	CHECK((uint8_t *)pfn_to_page(0) == moved + (A_END - A_MEMMAP - 4 * MiB));
	CHECK_EQ_U64(buddy_check(NULL), 0);
	__free_pages(pfn_to_page(pa), 3);
	__free_page(pfn_to_page(pb));
	CHECK(blocks_are(a_blocks));
	CHECK(alloc_pages(10) != NULL);
	CHECK_EQ_U64(buddy_check(NULL), 0);
	CHECK_EQ_U64(stats().bad_pages, 0);
	direct_map_base = old_base;
	free(moved);
}

TEST(works_on_a_classified_firmware_map)
{
	static struct boot_info bi;
	memset(&bi, 0, sizeof(bi));
	bi.regions[0] = (struct boot_memory_region){ 0, 0x800, MEM_USABLE, MEMF_WB, 7, 0 };    /* [0, 8M) */
	bi.regions[1] = (struct boot_memory_region){ 0x300000, 0x10, MEM_ACPI_NVS, MEMF_WB, 10, 0 };
	bi.region_count = 2;
	bi.in_use[0] = (struct boot_range){ 0x500000, 0x1800, "boot_info" };
	bi.in_use_count = 1;
	CHECK(memmap_build(&bi, &mm) == 0);
	/* Usable: [1M, 3M) [3M+64K, 5M) [5M+8K, 8M). max_pfn 2048 -> 128 KiB of
	 * struct pages = 32 frames at the top of the largest range [5M+8K, 8M). */
	CHECK_EQ_U64(mm.count, 3);
	sim_map(0, 8 * MiB);
	CHECK(buddy_init(&mm) == 0);
	CHECK_EQ_U64(stats().mem_map_phys, 8 * MiB - 32 * 4096);
	CHECK_EQ_U64(totalram_pages(), 512 + (512 - 16) + (768 - 2) - 32);
	CHECK(PageReserved(pfn_to_page(0x300)));
	CHECK(PageReserved(pfn_to_page(0x501)));
	CHECK(!PageReserved(pfn_to_page(0x502)));
	CHECK_EQ_U64(buddy_check(NULL), 0);
}

/*
 * The per-CPU page list: single frames come from it (refilled PCP_BATCH at a
 * time), freed single frames go back onto it until it holds more than high,
 * its frames count as free, a larger request that only the held frames can
 * make drains it, and draining gives the buddy lists their blocks back.
 */
TEST(pcp_list_refills_holds_drains_and_counts_as_free)
{
	layout_a();
	pcp_set_batch(8, 24);
	struct page *p = alloc_page();
	CHECK(p != NULL);
	CHECK_EQ_U64(this_cpu_read(pcp.count), 7);                  /* 8 refilled, 1 handed out */
	uint32_t consecutive = 1;                          /* one order-3 block, in address order */
	for (uint32_t pfn = this_cpu_read(pcp.head), i = 1; pfn != PFN_NONE; pfn = pfn_to_page(pfn)->lru_next, i++)
		consecutive &= pfn == page_to_pfn(p) + i;
	CHECK(consecutive);
	CHECK_EQ_U64(page_to_pfn(p) % 8, 0);
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED - 1);
	CHECK_EQ_U64(buddy_check(NULL), 0);
	struct page *q = alloc_page();
	CHECK_EQ_U64(this_cpu_read(pcp.count), 6);
	CHECK(q != p);
	CHECK_EQ_U64(q->_refcount, 1);
	CHECK_EQ_U64((uint64_t)(int64_t)q->_mapcount, (uint64_t)(int64_t)-1);
	__free_page(p);
	__free_page(q);
	CHECK_EQ_U64(this_cpu_read(pcp.count), 8);                  /* freed onto the list, not merged */
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED);
	CHECK_EQ_U64(buddy_check(NULL), 0);
	drain_local_pages();
	CHECK_EQ_U64(this_cpu_read(pcp.count), 0);
	CHECK(blocks_are(a_blocks));
	CHECK_EQ_U64(buddy_check(NULL), 0);

	/* Above high, a batch goes back to the buddy lists. */
	static struct page *held[64];
	for (int i = 0; i < 40; i++)
		held[i] = alloc_page();
	for (int i = 0; i < 40; i++) {
		__free_page(held[i]);
		if (this_cpu_read(pcp.count) > 24)
			break;
	}
	CHECK(this_cpu_read(pcp.count) <= 24);
	CHECK_EQ_U64(buddy_check(NULL), 0);

	/* Exhaustion: every frame, including those on the list, can be had. */
	static struct page *every[A_MANAGED + 1];
	uint32_t n = 0;
	drain_local_pages();
	while (n <= A_MANAGED && (every[n] = alloc_page()) != NULL)
		n++;
	CHECK(n + 40 >= A_MANAGED);      /* the 40 frames not freed above are still held */
	CHECK_EQ_U64(nr_free_pages(), 0);
	CHECK_EQ_U64(buddy_check(NULL), 0);
	for (uint32_t i = 0; i < n; i++)
		__free_page(every[i]);
	CHECK_EQ_U64(buddy_check(NULL), 0);

	/* A block request the buddy lists cannot make but the held frames can. */
	layout_a();
	pcp_set_batch(8, 1000);
	for (n = 0; n < A_MANAGED; n++)
		every[n] = alloc_page();
	for (uint32_t i = 0; i < A_MANAGED; i++)
		if (page_to_pfn(every[i]) >= 4096 && page_to_pfn(every[i]) < 4100)
			__free_page(every[i]);        /* an order-2 block's frames, onto the list */
	CHECK_EQ_U64(this_cpu_read(pcp.count), 4);
	struct page *blk = alloc_pages(2);
	CHECK(blk != NULL);
	CHECK_EQ_U64(this_cpu_read(pcp.count), 0);
	CHECK_EQ_U64(nr_free_pages(), 0);
	CHECK_EQ_U64(buddy_check(NULL), 0);

	/* A corrupted list is found. */
	layout_a();
	pcp_set_batch(8, 24);
	p = alloc_page();
	CHECK_EQ_U64(buddy_check(NULL), 0);
	pfn_to_page(this_cpu_read(pcp.head))->_refcount = 1;
	CHECK(buddy_check(NULL) != 0);
	pfn_to_page(this_cpu_read(pcp.head))->_refcount = 0;
	this_cpu_read(pcp.count)++;
	CHECK(buddy_check(NULL) != 0);
	layout_a();
}

/* alloc_page_below: a frame under the limit whatever the pcp list and the
 * free lists' order offer first, until there is none; nothing lost. */
TEST(alloc_page_below_finds_low_frames_until_none)
{
	layout_a();
	pcp_set_batch(8, 24);
	struct page *high = alloc_page();            /* fills the pcp list from some block */
	CHECK(high != NULL);
	uint32_t n = 0, all_low = 1;
	struct page *p;
	while ((p = alloc_page_below(1280)) != NULL && n < 300) {   /* below 5 MiB: pfns 1024..1279 */
		all_low &= page_to_pfn(p) >= 1024 && page_to_pfn(p) < 1280;
		n++;
	}
	CHECK(all_low);
	CHECK_EQ_U64(n, 256);
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED - 1 - 256);
	CHECK_EQ_U64(buddy_check(NULL), 0);
	CHECK(alloc_page_below(1024) == NULL);       /* nothing usable below 4 MiB */
	CHECK_EQ_U64(buddy_check(NULL), 0);
	layout_a();
}

/* Fault injection: the Nth frame allocation from arming fails, the others
 * succeed; the pcp list is off while armed (so the fast path needs no check)
 * and back, with its batch, after disarming. */
TEST(fail_alloc_fails_exactly_the_nth_and_bypasses_the_pcp_list)
{
	layout_a();
	pcp_set_batch(8, 24);
	struct page *warm = alloc_page();              /* the pcp list holds 7 */
	CHECK_EQ_U64(this_cpu_read(pcp.count), 7);
	uint64_t free0 = nr_free_pages();
	fail_alloc_arm(3);
	CHECK_EQ_U64(this_cpu_read(pcp.count), 0);                /* drained: no allocation can skip the check */
	CHECK_EQ_U64(this_cpu_read(pcp.batch), 0);
	struct page *a = alloc_page(), *b = alloc_pages(2), *c = alloc_page(), *d = alloc_page();
	CHECK(a != NULL);
	CHECK(b != NULL);
	CHECK(c == NULL);                               /* the third */
	CHECK(d != NULL);                               /* and only the third */
	CHECK(fail_alloc_disarm());
	CHECK_EQ_U64(this_cpu_read(pcp.batch), 8);
	CHECK_EQ_U64(nr_free_pages(), free0 - 1 - 4 - 1);
	fail_alloc_arm(1);
	CHECK(alloc_page_below(1280) == NULL);
	CHECK(fail_alloc_disarm());
	fail_alloc_arm(5);
	__free_page(a);                                 /* frees count nothing */
	CHECK(!fail_alloc_disarm());                    /* not reached */
	__free_pages(b, 2);
	__free_page(d);
	__free_page(warm);
	CHECK_EQ_U64(nr_free_pages(), A_MANAGED);
	CHECK_EQ_U64(buddy_check(NULL), 0);
	layout_a();
}

UNIT_MAIN(
	UNIT(struct_page_is_small),
	UNIT(init_places_mem_map_and_frees_in_big_blocks),
	UNIT(split_from_fresh_block_and_merge_back),
	UNIT(exhaustion_counts_exactly_and_frees_back),
	UNIT(fragmentation_blocks_merging_until_the_holes_fill),
	UNIT(every_order_up_to_one_gib),
	UNIT(random_sequence_against_shadow_model),
	UNIT(refcount_and_put_page),
	UNIT(misuse_is_detected_and_changes_nothing),
	UNIT(buddy_check_finds_corruption),
	UNIT(zeroed_pages_are_zero),
	UNIT(mem_map_too_big_for_memory_cuts_the_top),
	UNIT(survives_a_move_of_the_direct_map),
	UNIT(works_on_a_classified_firmware_map),
	UNIT(pcp_list_refills_holds_drains_and_counts_as_free),
	UNIT(alloc_page_below_finds_low_frames_until_none),
	UNIT(fail_alloc_fails_exactly_the_nth_and_bypasses_the_pcp_list),
)
