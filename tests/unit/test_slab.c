/*
 * Host tests of paging/slab.c: object caches over the buddy allocator, run
 * against a simulated physical memory (an anonymous host mapping with
 * direct_map_base pointing __va() into it, as tests/unit/test_buddy.c does).
 * Slab shapes and frame counts are worked out by hand from the layout in
 * slab.c: a slab header of 80 bytes, then the objects.
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
#include "../../paging/slab.c"

#define KiB 1024ull
#define MiB (1024ull * KiB)

uint64_t direct_map_base;

static uint8_t *sim_buf;
static uint64_t sim_bytes;
static struct memmap sim_mm;

/*
 * Fresh simulated RAM: usable physical [4 MiB, 4 MiB + bytes), handed to a
 * newly initialised buddy allocator, and no caches.
 */
static void fresh_memory(uint64_t bytes)
{
	uint64_t start = 4 * MiB, end = start + bytes;

	if (sim_buf)
		munmap(sim_buf, sim_bytes);
	sim_bytes = bytes;
	sim_buf = mmap(NULL, sim_bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sim_buf == MAP_FAILED) {
		printf("mmap of %llu bytes failed\n", (unsigned long long)sim_bytes);
		exit(2);
	}
	direct_map_base = (uint64_t)(uintptr_t)sim_buf - start;
	memset(&sim_mm, 0, sizeof(sim_mm));
	sim_mm.count = 1;
	sim_mm.ranges[0].start = start;
	sim_mm.ranges[0].end = end;
	sim_mm.usable_bytes = bytes;
	sim_mm.max_pfn = end / PAGE_SIZE;
	buddy_set_bad_page_hook(NULL);
	if (buddy_init(&sim_mm) != 0)
		printf("fresh_memory: buddy_init failed\n");
	memset(kmem_caches, 0, sizeof(kmem_caches));
}

static struct kmem_cache_stats stats_of(struct kmem_cache *c)
{
	struct kmem_cache_stats s;
	kmem_cache_get_stats(c, &s);
	return s;
}

/* Returns 1 if obj lies inside the simulated RAM. */
static int in_sim(const void *obj)
{
	return (const uint8_t *)obj >= sim_buf && (const uint8_t *)obj < sim_buf + sim_bytes;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

TEST(create_rejects_bad_arguments)
{
	fresh_memory(4 * MiB);
	CHECK(kmem_cache_create("zero", 0, 0) == NULL);
	CHECK(kmem_cache_create("align3", 64, 3) == NULL);
	CHECK(kmem_cache_create("align8k", 64, 8192) == NULL);
	CHECK(kmem_cache_create("huge", 32 * KiB, 0) == NULL);   /* no room for the header */
	CHECK(kmem_cache_alloc(NULL) == NULL);
	kmem_cache_free(NULL, sim_buf);                          /* ignored */
	CHECK_EQ_U64(kmem_cache_size(NULL), 0);
	CHECK_EQ_U64(kmem_cache_destroy(NULL), (uint64_t)-EINVAL);
	CHECK_EQ_U64(kmem_cache_destroy((struct kmem_cache *)sim_buf), (uint64_t)-EINVAL);
}

TEST(cache_shapes_are_as_computed)
{
	struct kmem_cache *c;
	struct kmem_cache_stats s;

	fresh_memory(4 * MiB);
	CHECK_EQ_U64(sizeof(struct slab), 80);

	/* 64 bytes: (4096 - 80) / 64 = 62 objects, 48 bytes wasted, order 0. */
	c = kmem_cache_create("obj64", 64, 0);
	s = stats_of(c);
	CHECK_STR(s.name, "obj64");
	CHECK_EQ_U64(s.size, 64);
	CHECK_EQ_U64(s.align, 8);
	CHECK_EQ_U64(s.order, 0);
	CHECK_EQ_U64(s.objs_per_slab, 62);
	CHECK_EQ_U64(kmem_cache_size(c), 64);

	/* 1 byte: stride 8, (4096 - 80) / 8 = 502 objects. */
	s = stats_of(kmem_cache_create("tiny", 1, 0));
	CHECK_EQ_U64(s.size, 8);
	CHECK_EQ_U64(s.objs_per_slab, 502);

	/* 100 bytes aligned 64: stride 128, objects from 128: 31 objects, no waste. */
	s = stats_of(kmem_cache_create("a64", 100, 64));
	CHECK_EQ_U64(s.size, 128);
	CHECK_EQ_U64(s.order, 0);
	CHECK_EQ_U64(s.objs_per_slab, 31);

	/* 2048: order 0 holds 1 (1968 wasted > 1/8), order 1 holds 3 (1968 > 1/8),
	 * order 2 holds 7 (1968 <= 2048). */
	s = stats_of(kmem_cache_create("half", 2048, 0));
	CHECK_EQ_U64(s.order, 2);
	CHECK_EQ_U64(s.objs_per_slab, 7);

	/* A page-aligned page: the header takes the first page, so order 1, 1 object. */
	s = stats_of(kmem_cache_create("page", 4096, 4096));
	CHECK_EQ_U64(s.order, 1);
	CHECK_EQ_U64(s.objs_per_slab, 1);

	/* The largest object: 32 KiB - 80 in an order-3 slab. */
	s = stats_of(kmem_cache_create("max", 32 * 1024 - 80, 0));
	CHECK_EQ_U64(s.order, 3);
	CHECK_EQ_U64(s.objs_per_slab, 1);
	CHECK(kmem_cache_create("over", 32 * 1024 - 79, 0) == NULL);

	/* Small align raised to 8; a long name is cut to 23 characters. */
	s = stats_of(kmem_cache_create("a_name_longer_than_twenty_four", 12, 2));
	CHECK_EQ_U64(s.align, 8);
	CHECK_EQ_U64(s.size, 16);
	CHECK_STR(s.name, "a_name_longer_than_twen");
	/* No memory is taken until an object is asked for. */
	CHECK_EQ_U64(kmem_cache_total_pages(), 0);
}

TEST(alloc_free_reuses_and_counts)
{
	struct kmem_cache *c;
	uint64_t free0;
	uint8_t *a, *b, *d;

	fresh_memory(4 * MiB);
	free0 = nr_free_pages();
	c = kmem_cache_create("basic", 64, 0);
	a = kmem_cache_alloc(c);
	b = kmem_cache_alloc(c);
	d = kmem_cache_alloc(c);
	CHECK(a && b && d && a != b && b != d && a != d);
	CHECK(in_sim(a) && in_sim(b) && in_sim(d));
	/* A fresh slab hands out objects in order, 64 bytes apart, after the header. */
	CHECK_EQ_U64(b - a, 64);
	CHECK_EQ_U64(d - b, 64);
	CHECK_EQ_U64(((uintptr_t)a - 80) % PAGE_SIZE, 0);
	CHECK_EQ_U64(nr_free_pages(), free0 - 1);
	CHECK_EQ_U64(stats_of(c).active_objs, 3);
	CHECK_EQ_U64(stats_of(c).nr_partial, 1);
	memset(a, 0x11, 64);
	memset(b, 0x22, 64);
	memset(d, 0x33, 64);
	CHECK(a[63] == 0x11 && b[0] == 0x22 && b[63] == 0x22 && d[0] == 0x33);

	/* The last freed object is the next one handed out. */
	kmem_cache_free(c, b);
	CHECK(kmem_cache_alloc(c) == b);
	kmem_cache_free(c, a);
	kmem_cache_free(c, b);
	kmem_cache_free(c, d);
	CHECK_EQ_U64(stats_of(c).active_objs, 0);
	CHECK_EQ_U64(stats_of(c).allocs, 4);
	CHECK_EQ_U64(stats_of(c).frees, 4);
	/* The only slab is now empty and kept. */
	CHECK_EQ_U64(stats_of(c).nr_empty, 1);
	CHECK_EQ_U64(nr_free_pages(), free0 - 1);
	CHECK_EQ_U64(kmem_cache_check(c, NULL), 0);
	kmem_cache_shrink(c);
	CHECK_EQ_U64(nr_free_pages(), free0);
	CHECK_EQ_U64(stats_of(c).nr_slabs, 0);
	CHECK_EQ_U64(kmem_cache_destroy(c), 0);
	CHECK_EQ_U64(buddy_check(NULL), 0);
}

TEST(zalloc_zeroes)
{
	struct kmem_cache *c;
	uint8_t *p, *q;
	int zero = 1;

	fresh_memory(4 * MiB);
	c = kmem_cache_create("z", 200, 0);
	p = kmem_cache_alloc(c);
	memset(p, 0xaa, 200);
	kmem_cache_free(c, p);
	q = kmem_cache_zalloc(c);
	CHECK(q == p);
	for (int i = 0; i < 200; i++)
		zero &= q[i] == 0;
	CHECK(zero);
	kmem_cache_free(c, q);
}

TEST(lists_follow_fill_level)
{
	struct kmem_cache *c;
	void *objs[62 * 3];
	void *extra;
	uint64_t free0;

	fresh_memory(4 * MiB);
	free0 = nr_free_pages();
	c = kmem_cache_create("lists", 64, 0);
	for (int i = 0; i < 62; i++)
		objs[i] = kmem_cache_alloc(c);
	CHECK_EQ_U64(stats_of(c).nr_full, 1);
	CHECK_EQ_U64(stats_of(c).nr_partial, 0);
	extra = kmem_cache_alloc(c);
	CHECK_EQ_U64(stats_of(c).nr_full, 1);
	CHECK_EQ_U64(stats_of(c).nr_partial, 1);
	CHECK_EQ_U64(stats_of(c).nr_pages, 2);
	/* A hole in the full slab: it turns partial, and partial slabs are used
	 * before anything else, last freed first. */
	kmem_cache_free(c, objs[10]);
	CHECK_EQ_U64(stats_of(c).nr_full, 0);
	CHECK_EQ_U64(stats_of(c).nr_partial, 2);
	kmem_cache_free(c, extra);
	/* The second slab became empty and is kept; the first is partial. */
	CHECK_EQ_U64(stats_of(c).nr_empty, 1);
	CHECK_EQ_U64(stats_of(c).nr_partial, 1);
	CHECK(kmem_cache_alloc(c) == objs[10]);
	CHECK_EQ_U64(stats_of(c).nr_full, 1);
	CHECK_EQ_U64(stats_of(c).nr_empty, 1);
	CHECK_EQ_U64(kmem_cache_check(c, NULL), 0);

	/* Three full slabs (one of them the kept empty one refilled), then all freed:
	 * only one empty slab stays. */
	for (int i = 62; i < 62 * 3; i++)
		objs[i] = kmem_cache_alloc(c);
	CHECK_EQ_U64(stats_of(c).nr_full, 3);
	CHECK_EQ_U64(stats_of(c).nr_empty, 0);
	CHECK_EQ_U64(nr_free_pages(), free0 - 3);
	for (int i = 0; i < 62 * 3; i++)
		kmem_cache_free(c, objs[i]);
	CHECK_EQ_U64(stats_of(c).nr_slabs, 1);
	CHECK_EQ_U64(stats_of(c).nr_empty, 1);
	CHECK_EQ_U64(nr_free_pages(), free0 - 1);
	CHECK_EQ_U64(kmem_cache_check(c, NULL), 0);
	kmem_cache_shrink_all();
	CHECK_EQ_U64(nr_free_pages(), free0);
}

TEST(many_objects_across_many_slabs)
{
	enum { N = 20000 };
	static uint32_t *objs[N];
	static uint32_t order[N];
	struct kmem_cache *c;
	uint64_t free0, slabs;
	int bad = 0;

	fresh_memory(16 * MiB);
	free0 = nr_free_pages();
	c = kmem_cache_create("many", 48, 0);   /* (4096 - 80) / 48 = 83 per slab */
	CHECK_EQ_U64(stats_of(c).objs_per_slab, 83);
	for (uint32_t i = 0; i < N; i++) {
		objs[i] = kmem_cache_alloc(c);
		if (!objs[i]) {
			bad++;
			continue;
		}
		for (int w = 0; w < 12; w++)
			objs[i][w] = i * 16 + (uint32_t)w;
	}
	CHECK_EQ_U64(bad, 0);
	slabs = (N + 82) / 83;   /* 241 */
	CHECK_EQ_U64(stats_of(c).nr_slabs, slabs);
	CHECK_EQ_U64(stats_of(c).nr_full, slabs - 1);
	CHECK_EQ_U64(nr_free_pages(), free0 - slabs);
	CHECK_EQ_U64(kmem_cache_total_pages(), slabs);
	/* Nobody's object was overwritten by another's. */
	for (uint32_t i = 0; i < N; i++)
		for (int w = 0; w < 12; w++)
			bad += objs[i][w] != i * 16 + (uint32_t)w;
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(kmem_cache_check(c, NULL), 0);

	/* Free half in random order, allocate them again, then free all. */
	for (uint32_t i = 0; i < N; i++)
		order[i] = i;
	for (uint32_t i = N - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(rnd() % (i + 1)), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (uint32_t i = 0; i < N / 2; i++)
		kmem_cache_free(c, objs[order[i]]);
	CHECK_EQ_U64(stats_of(c).active_objs, N / 2);
	CHECK(stats_of(c).nr_empty <= 1);
	CHECK_EQ_U64(kmem_cache_check(c, NULL), 0);
	for (uint32_t i = 0; i < N / 2; i++)
		objs[order[i]] = kmem_cache_alloc(c);
	/* Holes were filled before any new slab was taken. */
	CHECK_EQ_U64(stats_of(c).nr_slabs, slabs);
	for (uint32_t i = 0; i < N; i++)
		kmem_cache_free(c, objs[order[N - 1 - i]]);
	CHECK_EQ_U64(stats_of(c).active_objs, 0);
	CHECK_EQ_U64(stats_of(c).nr_slabs, 1);
	CHECK_EQ_U64(nr_free_pages(), free0 - 1);
	kmem_cache_shrink(c);
	CHECK_EQ_U64(nr_free_pages(), free0);
	CHECK_EQ_U64(kmem_cache_total_pages(), 0);
	CHECK_EQ_U64(stats_of(c).double_frees + stats_of(c).invalid_frees, 0);
	CHECK_EQ_U64(buddy_check(NULL), 0);
}

TEST(double_free_is_detected_and_harmless)
{
	struct kmem_cache *c;
	void *a, *b, *x, *y;

	fresh_memory(4 * MiB);
	c = kmem_cache_create("df", 32, 0);
	a = kmem_cache_alloc(c);
	b = kmem_cache_alloc(c);
	kmem_cache_free(c, a);
	kmem_cache_free(c, a);
	kmem_cache_free(c, a);
	CHECK_EQ_U64(stats_of(c).double_frees, 2);
	CHECK_EQ_U64(stats_of(c).frees, 1);
	CHECK_EQ_U64(stats_of(c).active_objs, 1);
	CHECK_EQ_U64(kmem_cache_check(c, NULL), 0);
	/* a is handed out once, not twice. */
	x = kmem_cache_alloc(c);
	y = kmem_cache_alloc(c);
	CHECK(x == a);
	CHECK(y != a && y != b && y != NULL);
	kmem_cache_free(c, x);
	kmem_cache_free(c, y);
	kmem_cache_free(c, b);
	kmem_cache_free(c, b);
	CHECK_EQ_U64(stats_of(c).double_frees, 3);
	CHECK_EQ_U64(stats_of(c).active_objs, 0);
	CHECK_EQ_U64(kmem_cache_check(c, NULL), 0);
}

TEST(foreign_pointers_are_refused)
{
	struct kmem_cache *c, *other;
	uint8_t *a, *o, local[64];
	struct page *page;
	uint64_t free_before;

	fresh_memory(4 * MiB);
	c = kmem_cache_create("mine", 64, 0);
	other = kmem_cache_create("other", 64, 0);
	a = kmem_cache_alloc(c);
	o = kmem_cache_alloc(other);
	free_before = nr_free_pages();

	kmem_cache_free(c, local);                 /* a stack address: no struct page */
	kmem_cache_free(c, a + 8);                 /* inside an object */
	kmem_cache_free(c, a - 80);                /* the slab header */
	kmem_cache_free(c, a + 62 * 64);           /* the waste at the slab's end */
	kmem_cache_free(c, o);                     /* another cache's object */
	page = alloc_page();                       /* a page that is no slab */
	kmem_cache_free(c, page_address(page));
	kmem_cache_free(c, (uint8_t *)page_address(page) + 80);
	__free_page(page);
	kmem_cache_free(c, (uint8_t *)page_address(page) + 80);   /* a free page */
	kmem_cache_free(c, NULL);                  /* ignored, not counted */

	CHECK_EQ_U64(stats_of(c).invalid_frees, 8);
	CHECK_EQ_U64(stats_of(c).active_objs, 1);
	CHECK_EQ_U64(stats_of(other).active_objs, 1);
	CHECK_EQ_U64(stats_of(other).invalid_frees, 0);
	CHECK_EQ_U64(nr_free_pages(), free_before);
	CHECK_EQ_U64(kmem_cache_check(c, NULL), 0);
	CHECK_EQ_U64(kmem_cache_check(other, NULL), 0);
	kmem_cache_free(c, a);
	kmem_cache_free(other, o);
	CHECK_EQ_U64(stats_of(c).active_objs + stats_of(other).active_objs, 0);
}

TEST(freelist_damaged_after_free_is_repaired)
{
	struct kmem_cache *c;
	uint8_t *a, *b, *x, *y;

	fresh_memory(4 * MiB);
	c = kmem_cache_create("uaf", 64, 0);
	a = kmem_cache_alloc(c);
	b = kmem_cache_alloc(c);
	kmem_cache_free(c, a);
	memset(a, 0xff, 8);           /* written after free: the link is now 0xffffffff... */
	a[0] = 0x7f;                  /* ...an index far out of range */
	x = kmem_cache_alloc(c);
	CHECK(x == a);
	y = kmem_cache_alloc(c);      /* follows the damaged link: repaired from the bits */
	CHECK(y != NULL && y != a && y != b);
	CHECK_EQ_U64(stats_of(c).freelist_repairs, 1);
	CHECK_EQ_U64(y - a, 2 * 64);  /* the lowest free object */
	CHECK_EQ_U64(kmem_cache_check(c, NULL), 0);
	kmem_cache_free(c, x);
	kmem_cache_free(c, y);
	kmem_cache_free(c, b);
	CHECK_EQ_U64(kmem_cache_check(c, NULL), 0);
}

TEST(out_of_memory_returns_null)
{
	struct kmem_cache *c, *big;
	uint64_t free0, n = 0;
	void *objs[4096];
	void *p;

	/* 96 KiB of RAM at 4 MiB: mem_map for 1048 PFNs is 67072 bytes = 17 frames
	 * at the top, leaving 7 free frames. */
	fresh_memory(96 * KiB);
	free0 = nr_free_pages();
	CHECK_EQ_U64(free0, 7);
	c = kmem_cache_create("oom", 64, 0);
	while (n < 4096 && (p = kmem_cache_alloc(c)) != NULL)
		objs[n++] = p;
	CHECK_EQ_U64(n, 7 * 62);
	CHECK_EQ_U64(nr_free_pages(), 0);
	CHECK(kmem_cache_alloc(c) == NULL);
	CHECK(kmem_cache_zalloc(c) == NULL);
	CHECK_EQ_U64(stats_of(c).alloc_failures, 3);   /* the loop's last try and these two */
	CHECK_EQ_U64(kmem_cache_check(c, NULL), 0);
	/* One object freed: exactly one more fits. */
	kmem_cache_free(c, objs[100]);
	objs[100] = kmem_cache_alloc(c);
	CHECK(objs[100] != NULL);
	CHECK(kmem_cache_alloc(c) == NULL);
	for (uint64_t i = 0; i < n; i++)
		kmem_cache_free(c, objs[i]);
	kmem_cache_shrink(c);
	CHECK_EQ_U64(nr_free_pages(), free0);

	/* Order-2 slabs need four contiguous aligned frames: 7 free frames at
	 * PFN 1024..1030 make one order-2 block (1024) only. */
	big = kmem_cache_create("big", 5000, 0);
	CHECK_EQ_U64(stats_of(big).order, 2);
	CHECK_EQ_U64(stats_of(big).objs_per_slab, 3);
	n = 0;
	while (n < 16 && (p = kmem_cache_alloc(big)) != NULL)
		objs[n++] = p;
	CHECK_EQ_U64(n, 3);
	CHECK_EQ_U64(nr_free_pages(), 3);
	CHECK_EQ_U64(kmem_cache_check(big, NULL), 0);
	for (uint64_t i = 0; i < n; i++)
		kmem_cache_free(big, objs[i]);
	kmem_cache_shrink(big);
	CHECK_EQ_U64(nr_free_pages(), free0);
	CHECK_EQ_U64(buddy_check(NULL), 0);
}

TEST(multi_page_slabs_free_through_tail_frames)
{
	struct kmem_cache *c;
	uint8_t *objs[30];
	uint64_t free0;

	fresh_memory(4 * MiB);
	free0 = nr_free_pages();
	c = kmem_cache_create("big", 5000, 0);   /* order 2: 80 + 3 * 5000 bytes of 16 KiB */
	for (int i = 0; i < 30; i++) {
		objs[i] = kmem_cache_alloc(c);
		memset(objs[i], i, 5000);
	}
	CHECK_EQ_U64(stats_of(c).nr_slabs, 10);
	CHECK_EQ_U64(nr_free_pages(), free0 - 40);
	/* Objects 1 and 2 of a slab start in its second and third frames. */
	CHECK_EQ_U64((uintptr_t)(objs[1] - objs[0]), 5000);
	CHECK((__pa(objs[2]) >> PAGE_SHIFT) - (__pa(objs[0]) >> PAGE_SHIFT) == 2);
	CHECK_EQ_U64(objs[29][4999], 29);
	for (int i = 0; i < 30; i += 3)
		kmem_cache_free(c, objs[i + 2]);
	CHECK_EQ_U64(stats_of(c).active_objs, 20);
	CHECK_EQ_U64(stats_of(c).invalid_frees, 0);
	CHECK_EQ_U64(kmem_cache_check(c, NULL), 0);
	for (int i = 0; i < 30; i += 3) {
		kmem_cache_free(c, objs[i]);
		kmem_cache_free(c, objs[i + 1]);
	}
	CHECK_EQ_U64(stats_of(c).nr_slabs, 1);
	kmem_cache_shrink(c);
	CHECK_EQ_U64(nr_free_pages(), free0);
}

TEST(alignment_is_honoured)
{
	static const uint32_t aligns[] = { 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096 };
	static const uint32_t sizes[] = { 1, 24, 40, 100, 1000, 3000 };
	int bad = 0;

	for (uint32_t a = 0; a < sizeof(aligns) / sizeof(aligns[0]); a++) {
		for (uint32_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			struct kmem_cache *c;
			void *objs[40];

			fresh_memory(4 * MiB);
			c = kmem_cache_create("align", sizes[s], aligns[a]);
			if (!c) {
				bad++;
				continue;
			}
			for (int i = 0; i < 40; i++) {
				objs[i] = kmem_cache_alloc(c);
				if (!objs[i] || (uintptr_t)objs[i] % aligns[a] || __pa(objs[i]) % aligns[a])
					bad++;
			}
			for (int i = 0; i < 40; i++)
				kmem_cache_free(c, objs[i]);
			if (kmem_cache_check(c, NULL) || stats_of(c).active_objs)
				bad++;
		}
	}
	CHECK_EQ_U64(bad, 0);
}

TEST(cache_slots_are_limited_and_reusable)
{
	struct kmem_cache *caches[KMEM_CACHE_MAX];
	void *obj;

	fresh_memory(4 * MiB);
	for (int i = 0; i < KMEM_CACHE_MAX; i++)
		caches[i] = kmem_cache_create("slot", 16, 0);
	CHECK(caches[KMEM_CACHE_MAX - 1] != NULL);
	CHECK(kmem_cache_create("one_too_many", 16, 0) == NULL);
	obj = kmem_cache_alloc(caches[5]);
	CHECK_EQ_U64(kmem_cache_destroy(caches[5]), (uint64_t)-EBUSY);
	kmem_cache_free(caches[5], obj);
	CHECK_EQ_U64(kmem_cache_destroy(caches[5]), 0);
	CHECK_EQ_U64(kmem_cache_total_pages(), 0);   /* its kept empty slab went back */
	CHECK(kmem_cache_alloc(caches[5]) == NULL);  /* a destroyed cache hands out nothing */
	CHECK(kmem_cache_create("reused", 16, 0) == caches[5]);
}

TEST(random_alloc_free_keeps_invariants)
{
	enum { SLOTS = 3000, STEPS = 60000 };
	static uint8_t *held[SLOTS];
	static uint32_t held_size[SLOTS];
	static const uint32_t sizes[] = { 8, 24, 64, 200, 1500, 5000 };
	struct kmem_cache *caches[6];
	uint64_t free0;
	int bad = 0;

	fresh_memory(32 * MiB);
	free0 = nr_free_pages();
	for (int i = 0; i < 6; i++)
		caches[i] = kmem_cache_create("rand", sizes[i], 0);
	memset(held, 0, sizeof(held));
	for (uint32_t step = 0; step < STEPS; step++) {
		uint32_t slot = (uint32_t)(rnd() % SLOTS);

		if (held[slot]) {
			/* The object still holds what was written into it. */
			uint8_t tag = (uint8_t)slot;
			uint32_t k = held_size[slot];
			if (held[slot][0] != tag || held[slot][sizes[k] - 1] != tag)
				bad++;
			kmem_cache_free(caches[k], held[slot]);
			held[slot] = NULL;
		} else {
			uint32_t k = (uint32_t)(rnd() % 6);
			held[slot] = kmem_cache_alloc(caches[k]);
			held_size[slot] = k;
			if (!held[slot]) {
				bad++;
				continue;
			}
			memset(held[slot], (uint8_t)slot, sizes[k]);
		}
		if (step % 5000 == 0)
			for (int i = 0; i < 6; i++)
				bad += (int)kmem_cache_check(caches[i], NULL);
	}
	CHECK_EQ_U64(bad, 0);
	for (uint32_t slot = 0; slot < SLOTS; slot++)
		if (held[slot])
			kmem_cache_free(caches[held_size[slot]], held[slot]);
	for (int i = 0; i < 6; i++) {
		CHECK_EQ_U64(kmem_cache_check(caches[i], NULL), 0);
		CHECK_EQ_U64(stats_of(caches[i]).active_objs, 0);
		CHECK(stats_of(caches[i]).nr_slabs <= 1);
		CHECK_EQ_U64(stats_of(caches[i]).double_frees + stats_of(caches[i]).invalid_frees, 0);
	}
	kmem_cache_shrink_all();
	CHECK_EQ_U64(nr_free_pages(), free0);
	CHECK_EQ_U64(buddy_check(NULL), 0);
}

/* The check names the cache and the invariant that broke, and only the first. */
TEST(check_names_what_broke)
{
	struct check_result cr;

	fresh_memory(4 * MiB);
	struct kmem_cache *c = kmem_cache_create("words", 64, 0);
	void *a = kmem_cache_alloc(c);
	CHECK(a != NULL);
	CHECK_EQ_U64(kmem_cache_check(c, &cr), 0);
	CHECK_STR(cr.first, "");
	c->active_objs++;
	CHECK_EQ_U64(kmem_cache_check(c, &cr), 2);              /* against the slabs and against allocs - frees */
	CHECK_STR(cr.first, "words: active_objs 2 but the slabs hold 1");
	c->active_objs--;
	struct slab *sl = slab_header(c->head[SLAB_PARTIAL]);
	sl->magic ^= 1;
	CHECK(kmem_cache_check_all(&cr) > 0);
	CHECK(strstr(cr.first, "words: slab pfn 0x") && strstr(cr.first, "has a damaged header"));
	sl->magic ^= 1;
	CHECK_EQ_U64(kmem_cache_check_all(&cr), 0);
	CHECK_EQ_U64(kmem_cache_check(NULL, &cr), 1);
	CHECK_STR(cr.first, "0x0 is not a live cache");
	kmem_cache_free(c, a);
	kmem_cache_shrink(c);
	CHECK_EQ_U64(kmem_cache_destroy(c), 0);
}

/* failslab: with fault injection armed, the Nth allocation from a cache
 * fails (counted), also when a free object is at hand; frame allocations for
 * new slabs count too. */
TEST(failslab_fails_exactly_the_nth)
{
	fresh_memory(4 * MiB);
	struct kmem_cache *c = kmem_cache_create("inj", 64, 0);
	struct kmem_cache_stats st;
	void *warm = kmem_cache_alloc(c);               /* a slab exists: no frame needed below */
	CHECK(warm != NULL);
	fail_alloc_arm(2);
	void *a = kmem_cache_alloc(c), *b = kmem_cache_alloc(c), *d = kmem_cache_alloc(c);
	CHECK(fail_alloc_disarm());
	CHECK(a != NULL);
	CHECK(b == NULL);
	CHECK(d != NULL);
	kmem_cache_get_stats(c, &st);
	CHECK_EQ_U64(st.alloc_failures, 1);
	kmem_cache_free(c, a);
	kmem_cache_free(c, d);
	kmem_cache_free(c, warm);
	kmem_cache_shrink(c);
	/* An empty cache: the first object needs a slab frame, which fails at 2. */
	fail_alloc_arm(2);
	CHECK(kmem_cache_alloc(c) == NULL);
	CHECK(fail_alloc_disarm());
	CHECK_EQ_U64(kmem_cache_check(c, NULL), 0);
	CHECK_EQ_U64(kmem_cache_destroy(c), 0);
}

UNIT_MAIN(
	UNIT(create_rejects_bad_arguments),
	UNIT(cache_shapes_are_as_computed),
	UNIT(alloc_free_reuses_and_counts),
	UNIT(zalloc_zeroes),
	UNIT(lists_follow_fill_level),
	UNIT(many_objects_across_many_slabs),
	UNIT(double_free_is_detected_and_harmless),
	UNIT(foreign_pointers_are_refused),
	UNIT(freelist_damaged_after_free_is_repaired),
	UNIT(out_of_memory_returns_null),
	UNIT(multi_page_slabs_free_through_tail_frames),
	UNIT(alignment_is_honoured),
	UNIT(cache_slots_are_limited_and_reusable),
	UNIT(random_alloc_free_keeps_invariants),
	UNIT(check_names_what_broke),
	UNIT(failslab_fails_exactly_the_nth)
)
