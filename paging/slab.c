/*
 * Object caches over buddy pages (design in slab.h).
 *
 * A slab is a block of 2^order frames laid out as
 *
 *   [struct slab header][pad to align][object 0][object 1]...[object n-1][waste]
 *
 * Its head frame's struct page carries the slab's place in the cache:
 * private = the owning cache, lru_next/lru_prev = PFN links of the list
 * (partial, full or empty) the slab is on. The header holds the free list
 * head (an object index), the number of objects in use and one bit per
 * object, set while the object is handed out; the bits are what catch a
 * double free and what the free list is rebuilt from if an object written
 * after being freed has damaged it.
 *
 * Invariants (kmem_cache_check() verifies them):
 *   - a slab with inuse == 0 is on `empty`, with inuse == objs_per_slab on
 *     `full`, otherwise on `partial`; the header's `list` says the same;
 *   - inuse equals the number of set bits, and the free list visits exactly
 *     the objects whose bit is clear;
 *   - at most one empty slab is kept between calls to kmem_cache_free();
 *   - the stats' slab and object counts match the lists.
 */
#include "paging/slab.h"
#include "cpu/spinlock.h"

#include <stdbool.h>
#include <stddef.h>

#include "lib/check_result.h"
#include "base/string.h"
#include "paging/buddy.h"
#include "base/errno.h"

#define SLAB_MAGIC    0x534c4142u   /* "SLAB" */
#define SLAB_FREE_END 0xffffffffu   /* end of a slab's free list */
#define SLAB_BITMAP_WORDS (SLAB_MAX_OBJECTS / 64)

enum slab_list { SLAB_PARTIAL, SLAB_FULL, SLAB_EMPTY, NR_SLAB_LISTS };

/* The header at the start of every slab. */
struct slab {
	uint32_t magic;                          /* SLAB_MAGIC while the block is a slab */
	uint32_t inuse;                          /* objects handed out */
	uint32_t free;                           /* first free object, SLAB_FREE_END if none */
	uint32_t list;                           /* enum slab_list the slab is on */
	uint64_t allocated[SLAB_BITMAP_WORDS];   /* bit i: object i is handed out */
};

struct kmem_cache {
	bool in_use;                             /* the slot holds a live cache */
	char name[KMEM_CACHE_NAME_LEN];
	uint32_t object_size;
	uint32_t size;                           /* stride */
	uint32_t align;
	uint32_t order;
	uint32_t objs_per_slab;
	uint32_t obj_offset;                     /* object 0's offset in the slab */
	uint32_t head[NR_SLAB_LISTS];            /* first slab (head PFN) of each list, PFN_NONE */
	uint64_t count[NR_SLAB_LISTS];           /* slabs on each list */
	uint64_t active_objs;
	uint64_t allocs, frees, alloc_failures;
	uint64_t double_frees, invalid_frees, freelist_repairs;
};

static struct kmem_cache kmem_caches[KMEM_CACHE_MAX];

/* SMP: one lock for every cache's lists and counts (VMAs,
 * anon_vma families, xarray nodes are allocated from the fault path and
 * the syscalls on several CPUs). Inside the pte, page-cache and swap locks;
 * it takes the zone lock (a new slab). */
static DEFINE_SPINLOCK(slab_lock);

static uint64_t slab_align_up(uint64_t x, uint64_t a) { return (x + a - 1) & ~(a - 1); }

/* ---- Slab addressing ---------------------------------------------------- */

static struct slab *slab_header(uint64_t pfn) { return page_address(pfn_to_page(pfn)); }

static uint8_t *slab_object(const struct kmem_cache *c, struct slab *s, uint32_t idx)
{
	return (uint8_t *)s + c->obj_offset + (uint64_t)idx * c->size;
}

static bool slab_object_allocated(const struct slab *s, uint32_t idx)
{
	return (s->allocated[idx / 64] >> (idx % 64)) & 1;
}

static void slab_set_object_allocated(struct slab *s, uint32_t idx, bool on)
{
	if (on)
		s->allocated[idx / 64] |= (uint64_t)1 << (idx % 64);
	else
		s->allocated[idx / 64] &= ~((uint64_t)1 << (idx % 64));
}

/* The next-free index stored in a free object (unaligned-safe copy). */
static uint32_t slab_read_free_link(const uint8_t *obj)
{
	uint32_t v;
	memcpy(&v, obj, sizeof(v));
	return v;
}

static void slab_write_free_link(uint8_t *obj, uint32_t next)
{
	memcpy(obj, &next, sizeof(next));
}

/* ---- Slab lists (PFN-linked through struct page) ------------------------ */

static void slab_list_add(struct kmem_cache *c, uint64_t pfn, enum slab_list l)
{
	struct page *page = pfn_to_page(pfn);

	page->lru_prev = PFN_NONE;
	page->lru_next = c->head[l];
	if (c->head[l] != PFN_NONE)
		pfn_to_page(c->head[l])->lru_prev = (uint32_t)pfn;
	c->head[l] = (uint32_t)pfn;
	c->count[l]++;
	slab_header(pfn)->list = l;
}

static void slab_list_del(struct kmem_cache *c, uint64_t pfn)
{
	struct page *page = pfn_to_page(pfn);
	enum slab_list l = (enum slab_list)slab_header(pfn)->list;

	if (page->lru_prev != PFN_NONE)
		pfn_to_page(page->lru_prev)->lru_next = page->lru_next;
	else
		c->head[l] = page->lru_next;
	if (page->lru_next != PFN_NONE)
		pfn_to_page(page->lru_next)->lru_prev = page->lru_prev;
	page->lru_next = page->lru_prev = PFN_NONE;
	c->count[l]--;
}

/* The list a slab holding inuse objects belongs on. */
static enum slab_list slab_list_for(const struct kmem_cache *c, uint32_t inuse)
{
	if (inuse == 0)
		return SLAB_EMPTY;
	return inuse == c->objs_per_slab ? SLAB_FULL : SLAB_PARTIAL;
}

static void slab_list_update(struct kmem_cache *c, uint64_t pfn)
{
	struct slab *s = slab_header(pfn);
	enum slab_list want = slab_list_for(c, s->inuse);

	if (s->list != (uint32_t)want) {
		slab_list_del(c, pfn);
		slab_list_add(c, pfn, want);
	}
}

/* ---- Creating and releasing slabs --------------------------------------- */

/* Chains every object whose in-use bit is clear, lowest index first, and
 * recomputes inuse from the bits. */
static void slab_rebuild_free_list(const struct kmem_cache *c, struct slab *s)
{
	uint32_t next = SLAB_FREE_END, inuse = 0;

	for (uint32_t i = c->objs_per_slab; i-- > 0;) {
		if (slab_object_allocated(s, i)) {
			inuse++;
			continue;
		}
		slab_write_free_link(slab_object(c, s, i), next);
		next = i;
	}
	s->free = next;
	s->inuse = inuse;
}

/* Allocates and formats a new slab, puts it on the empty list and returns
 * its head PFN, or PFN_NONE if the buddy allocator has no block. */
static uint64_t slab_new(struct kmem_cache *c)
{
	struct page *page = alloc_pages(c->order);
	struct slab *s;
	uint64_t pfn;

	if (!page)
		return PFN_NONE;
	pfn = page_to_pfn(page);
	page->private = (uint64_t)(uintptr_t)c;
	s = page_address(page);
	memset(s, 0, sizeof(*s));
	s->magic = SLAB_MAGIC;
	slab_rebuild_free_list(c, s);
	slab_list_add(c, pfn, SLAB_EMPTY);
	return pfn;
}

/* Takes an empty slab off its list and gives its frames back. */
static void slab_release(struct kmem_cache *c, uint64_t pfn)
{
	struct page *page = pfn_to_page(pfn);

	slab_list_del(c, pfn);
	slab_header(pfn)->magic = 0;
	page->private = 0;
	__free_pages(page, c->order);
}

/* ---- Creating caches ---------------------------------------------------- */

/*
 * Picks the slab order for c->size: the smallest order at which at least one
 * object fits and at most 1/8 of the slab is wasted, else the smallest at
 * which one fits. Sets order, objs_per_slab and obj_offset; returns -1 if the
 * object does not fit even at SLAB_MAX_ORDER.
 */
static int slab_calculate_sizes(struct kmem_cache *c)
{
	int fallback = -1;
	uint64_t offset = slab_align_up(sizeof(struct slab), c->align);

	for (uint32_t order = 0; order <= SLAB_MAX_ORDER; order++) {
		uint64_t bytes = PAGE_SIZE << order, n, waste;

		if (offset + c->size > bytes)
			continue;
		n = (bytes - offset) / c->size;
		if (n > SLAB_MAX_OBJECTS)
			n = SLAB_MAX_OBJECTS;
		waste = bytes - offset - n * c->size;
		if (fallback < 0)
			fallback = (int)order;
		if (waste * 8 <= bytes) {
			fallback = (int)order;
			break;
		}
	}
	if (fallback < 0)
		return -1;
	c->order = (uint32_t)fallback;
	c->obj_offset = (uint32_t)offset;
	c->objs_per_slab = (uint32_t)(((PAGE_SIZE << c->order) - offset) / c->size);
	if (c->objs_per_slab > SLAB_MAX_OBJECTS)
		c->objs_per_slab = SLAB_MAX_OBJECTS;
	return 0;
}

struct kmem_cache *kmem_cache_create(const char *name, uint32_t size, uint32_t align)
{
	struct kmem_cache *c = NULL;
	uint32_t i;

	if (size == 0 || size > (PAGE_SIZE << SLAB_MAX_ORDER))
		return NULL;
	if (align == 0)
		align = SLAB_MIN_ALIGN;
	if ((align & (align - 1)) != 0 || align > PAGE_SIZE)
		return NULL;
	if (align < SLAB_MIN_ALIGN)
		align = SLAB_MIN_ALIGN;
	for (i = 0; i < KMEM_CACHE_MAX && !c; i++)
		if (!kmem_caches[i].in_use)
			c = &kmem_caches[i];
	if (!c)
		return NULL;

	memset(c, 0, sizeof(*c));
	c->object_size = size;
	c->align = align;
	c->size = (uint32_t)slab_align_up(size < SLAB_MIN_ALIGN ? SLAB_MIN_ALIGN : size, align);
	if (slab_calculate_sizes(c) != 0)
		return NULL;
	for (i = 0; name && name[i] && i + 1 < KMEM_CACHE_NAME_LEN; i++)
		c->name[i] = name[i];
	c->name[i] = '\0';
	for (i = 0; i < NR_SLAB_LISTS; i++)
		c->head[i] = PFN_NONE;
	c->in_use = true;
	return c;
}

/* Returns 1 if c points to a live slot of kmem_caches[]. */
static int kmem_cache_valid(const struct kmem_cache *c)
{
	uintptr_t p = (uintptr_t)c, base = (uintptr_t)kmem_caches;

	if (p < base || p >= base + sizeof(kmem_caches) || (p - base) % sizeof(*c) != 0)
		return 0;
	return c->in_use;
}

int kmem_cache_destroy(struct kmem_cache *c)
{
	if (!kmem_cache_valid(c))
		return -EINVAL;
	if (c->active_objs != 0)
		return -EBUSY;
	kmem_cache_shrink(c);
	c->in_use = false;
	return 0;
}

/* ---- Allocation and freeing --------------------------------------------- */

static void *__kmem_cache_alloc(struct kmem_cache *c)
{
	uint64_t pfn;
	struct slab *s;
	uint32_t idx;

	if (!kmem_cache_valid(c))
		return NULL;
	if (should_fail_alloc()) {     /* failslab */
		c->alloc_failures++;
		return NULL;
	}
	pfn = c->head[SLAB_PARTIAL];
	if (pfn == PFN_NONE)
		pfn = c->head[SLAB_EMPTY];
	if (pfn == PFN_NONE)
		pfn = slab_new(c);
	if (pfn == PFN_NONE) {
		c->alloc_failures++;
		return NULL;
	}
	s = slab_header(pfn);
	idx = s->free;
	if (idx >= c->objs_per_slab || slab_object_allocated(s, idx)) {
		/* The chain was overwritten (use after free): trust the bits. */
		c->freelist_repairs++;
		slab_rebuild_free_list(c, s);
		idx = s->free;
	}
	s->free = slab_read_free_link(slab_object(c, s, idx));
	slab_set_object_allocated(s, idx, true);
	s->inuse++;
	slab_list_update(c, pfn);
	c->active_objs++;
	c->allocs++;
	return slab_object(c, s, idx);
}

void *kmem_cache_zalloc(struct kmem_cache *c)
{
	void *obj = kmem_cache_alloc(c);

	if (obj)
		memset(obj, 0, c->object_size);
	return obj;
}

/*
 * The head PFN of the slab of c that obj points into, with the object's
 * index in *idx, or PFN_NONE if obj is not exactly an object of c.
 * Reads nothing outside mem_map and c's own slabs.
 */
static uint64_t slab_find_object(const struct kmem_cache *c, const void *obj, uint32_t *idx)
{
	uint64_t pfn = __pa(obj) >> PAGE_SHIFT, head, offset;
	const struct page *page;
	struct slab *s;

	if (!pfn_valid(pfn))
		return PFN_NONE;
	head = pfn & ~(((uint64_t)1 << c->order) - 1);
	page = pfn_to_page(head);
	if (page->private != (uint64_t)(uintptr_t)c || page->_refcount <= 0 ||
	    (page->flags & (PG_buddy | PG_reserved)) || page->order != c->order)
		return PFN_NONE;
	s = slab_header(head);
	if (s->magic != SLAB_MAGIC)
		return PFN_NONE;
	offset = (uint64_t)((uintptr_t)obj - (uintptr_t)slab_object(c, s, 0));
	if ((uintptr_t)obj < (uintptr_t)slab_object(c, s, 0) || offset % c->size != 0 ||
	    offset / c->size >= c->objs_per_slab)
		return PFN_NONE;
	*idx = (uint32_t)(offset / c->size);
	return head;
}

static void __kmem_cache_free(struct kmem_cache *c, void *obj)
{
	uint64_t pfn;
	uint32_t idx = 0;
	struct slab *s;

	if (!obj || !kmem_cache_valid(c))
		return;
	pfn = slab_find_object(c, obj, &idx);
	if (pfn == PFN_NONE) {
		c->invalid_frees++;
		return;
	}
	s = slab_header(pfn);
	if (!slab_object_allocated(s, idx)) {
		c->double_frees++;
		return;
	}
	slab_set_object_allocated(s, idx, false);
	slab_write_free_link(obj, s->free);
	s->free = idx;
	s->inuse--;
	c->active_objs--;
	c->frees++;
	if (s->inuse == 0 && c->count[SLAB_EMPTY] >= 1) {
		/* Keep one empty slab at most: this one goes back. */
		slab_release(c, pfn);
		return;
	}
	slab_list_update(c, pfn);
}

/* ---- Shrinking and reporting --------------------------------------------- */

static void __kmem_cache_shrink(struct kmem_cache *c)
{
	if (!kmem_cache_valid(c))
		return;
	while (c->head[SLAB_EMPTY] != PFN_NONE)
		slab_release(c, c->head[SLAB_EMPTY]);
}

void kmem_cache_shrink_all(void)
{
	for (uint32_t i = 0; i < KMEM_CACHE_MAX; i++)
		kmem_cache_shrink(&kmem_caches[i]);
}

static uint64_t kmem_cache_slabs(const struct kmem_cache *c)
{
	return c->count[SLAB_PARTIAL] + c->count[SLAB_FULL] + c->count[SLAB_EMPTY];
}

uint64_t kmem_cache_total_pages(void)
{
	uint64_t pages = 0;

	for (uint32_t i = 0; i < KMEM_CACHE_MAX; i++)
		if (kmem_caches[i].in_use)
			pages += kmem_cache_slabs(&kmem_caches[i]) << kmem_caches[i].order;
	return pages;
}

uint32_t kmem_cache_size(const struct kmem_cache *c)
{
	return kmem_cache_valid(c) ? c->object_size : 0;
}

void kmem_cache_get_stats(const struct kmem_cache *c, struct kmem_cache_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!kmem_cache_valid(c))
		return;
	out->name = c->name;
	out->object_size = c->object_size;
	out->size = c->size;
	out->align = c->align;
	out->order = c->order;
	out->objs_per_slab = c->objs_per_slab;
	out->active_objs = c->active_objs;
	out->nr_slabs = kmem_cache_slabs(c);
	out->total_objs = out->nr_slabs * c->objs_per_slab;
	out->nr_partial = c->count[SLAB_PARTIAL];
	out->nr_full = c->count[SLAB_FULL];
	out->nr_empty = c->count[SLAB_EMPTY];
	out->nr_pages = out->nr_slabs << c->order;
	out->allocs = c->allocs;
	out->frees = c->frees;
	out->alloc_failures = c->alloc_failures;
	out->double_frees = c->double_frees;
	out->invalid_frees = c->invalid_frees;
	out->freelist_repairs = c->freelist_repairs;
}

/* ---- Self-check ---------------------------------------------------------- */

/* One slab of list l: its frame, header, bits and free list; problems counted in r. */
static void slab_check_one(const struct kmem_cache *c, uint64_t pfn, enum slab_list l,
			   uint64_t *objs, struct check_result *r)
{
	const struct page *page = pfn_to_page(pfn);
	struct slab *s;
	uint32_t bits = 0, chain = 0, idx;

	if (page->private != (uint64_t)(uintptr_t)c || page->_refcount <= 0 ||
	    page->order != c->order || (pfn & (((uint64_t)1 << c->order) - 1))) {
		/* not our block: its contents mean nothing */
		check_problem(r, "%s: slab pfn 0x%llx is not an allocated block of this cache and order",
			      c->name, pfn);
		return;
	}
	s = slab_header(pfn);
	if (s->magic != SLAB_MAGIC) {
		check_problem(r, "%s: slab pfn 0x%llx has a damaged header (magic 0x%llx)", c->name, pfn,
			      (uint64_t)s->magic);
		return;
	}
	if (s->list != (uint32_t)l || slab_list_for(c, s->inuse) != l)
		check_problem(r, "%s: slab pfn 0x%llx with %llu objects in use is on the wrong list", c->name,
			      pfn, (uint64_t)s->inuse);
	for (uint32_t i = 0; i < c->objs_per_slab; i++)
		bits += slab_object_allocated(s, i);
	for (uint32_t i = c->objs_per_slab; i < SLAB_MAX_OBJECTS; i++)
		if (slab_object_allocated(s, i))
			check_problem(r, "%s: slab pfn 0x%llx has in-use bit %llu set beyond its objects", c->name,
				      pfn, (uint64_t)i);
	if (bits != s->inuse)
		check_problem(r, "%s: slab pfn 0x%llx: inuse %llu but %llu bits set", c->name, pfn,
			      (uint64_t)s->inuse, (uint64_t)bits);
	/* The free list: in range, only free objects, no cycle, all of them. */
	for (idx = s->free; idx != SLAB_FREE_END; idx = slab_read_free_link(slab_object(c, s, idx))) {
		if (idx >= c->objs_per_slab || slab_object_allocated(s, idx) ||
		    chain >= c->objs_per_slab) {
			check_problem(r, "%s: slab pfn 0x%llx: free list reaches object %llu (out of range, "
				      "in use, or a cycle)", c->name, pfn, (uint64_t)idx);
			break;
		}
		chain++;
	}
	if (idx == SLAB_FREE_END && chain != c->objs_per_slab - bits)
		check_problem(r, "%s: slab pfn 0x%llx: free list has %llu objects, %llu are free", c->name, pfn,
			      (uint64_t)chain, (uint64_t)(c->objs_per_slab - bits));
	*objs += s->inuse;
}

/* kmem_cache_check() counting into r (not reset). */
static void kmem_cache_check_into(const struct kmem_cache *c, struct check_result *r)
{
	static const char *const list_name[NR_SLAB_LISTS] = { "partial", "full", "empty" };
	uint64_t objs = 0;

	if (!kmem_cache_valid(c)) {
		check_problem(r, "0x%llx is not a live cache", (uint64_t)(uintptr_t)c);
		return;
	}
	for (uint32_t l = 0; l < NR_SLAB_LISTS; l++) {
		uint64_t n = 0, prev = PFN_NONE;

		for (uint64_t pfn = c->head[l]; pfn != PFN_NONE; pfn = pfn_to_page(pfn)->lru_next) {
			if (!pfn_valid(pfn) || n > c->count[l]) {
				check_problem(r, "%s: %s list: link 0x%llx out of bounds, or a cycle", c->name,
					      list_name[l], pfn);
				break;
			}
			if (pfn_to_page(pfn)->lru_prev != prev)
				check_problem(r, "%s: %s list: pfn 0x%llx's lru_prev is not the previous slab",
					      c->name, list_name[l], pfn);
			slab_check_one(c, pfn, (enum slab_list)l, &objs, r);
			prev = pfn;
			n++;
		}
		if (n != c->count[l])
			check_problem(r, "%s: %s list holds %llu slabs, count says %llu", c->name, list_name[l], n,
				      (uint64_t)c->count[l]);
	}
	if (c->count[SLAB_EMPTY] > 1)
		check_problem(r, "%s: %llu empty slabs kept (at most 1)", c->name, (uint64_t)c->count[SLAB_EMPTY]);
	if (objs != c->active_objs)
		check_problem(r, "%s: active_objs %llu but the slabs hold %llu", c->name, (uint64_t)c->active_objs,
			      objs);
	if (c->allocs - c->frees != c->active_objs)
		check_problem(r, "%s: allocs - frees = %llu but active_objs %llu", c->name,
			      (uint64_t)(c->allocs - c->frees), (uint64_t)c->active_objs);
}

uint64_t kmem_cache_check(const struct kmem_cache *c, struct check_result *out)
{
	struct check_result local;
	struct check_result *r = out ? out : &local;

	check_result_init(r);
	kmem_cache_check_into(c, r);
	return r->problems;
}

uint64_t kmem_cache_check_all(struct check_result *out)
{
	struct check_result local;
	struct check_result *r = out ? out : &local;

	check_result_init(r);
	for (uint32_t i = 0; i < KMEM_CACHE_MAX; i++)
		if (kmem_caches[i].in_use)
			kmem_cache_check_into(&kmem_caches[i], r);
	return r->problems;
}

/* See paging/slab.h (under slab_lock). */
void *kmem_cache_alloc(struct kmem_cache *c)
{
	spin_lock(&slab_lock);
	void *ret = __kmem_cache_alloc(c);
	spin_unlock(&slab_lock);
	return ret;
}

/* See paging/slab.h (under slab_lock). */
void kmem_cache_free(struct kmem_cache *c, void *obj)
{
	spin_lock(&slab_lock);
	__kmem_cache_free(c, obj);
	spin_unlock(&slab_lock);
}

/* See paging/slab.h (under slab_lock). */
void kmem_cache_shrink(struct kmem_cache *c)
{
	spin_lock(&slab_lock);
	__kmem_cache_shrink(c);
	spin_unlock(&slab_lock);
}
