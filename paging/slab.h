/*
 * Object caches: fixed-size kernel objects (VMAs, mm_structs, ...) carved out
 * of buddy pages, with Linux's kmem_cache names.
 *
 * A cache hands out objects of one size. Its memory is a set of slabs: blocks
 * of 2^order frames from alloc_pages(), order 0 unless the object is big. A
 * slab starts with a small header (free-list head, a bit per object saying
 * "handed out") followed by the objects; free objects are chained through
 * their first four bytes. Each cache keeps its slabs on three lists, partial,
 * full and empty, and allocates from a partial slab first, so memory stays
 * packed. A slab that becomes empty goes back to the buddy allocator unless
 * it would be the cache's only empty slab (one is kept against alloc/free
 * ping-pong); kmem_cache_shrink() returns that one too.
 *
 * Slabs are linked by PFN through struct page (lru_next/lru_prev; private
 * holds the owning cache) and their contents reached through page_address(),
 * so the caches keep working when direct_map_base moves.
 *
 * Misuse never corrupts a cache: freeing an object twice, or a pointer that
 * is not an object of the cache (another cache's, a stack address, an
 * address inside an object) is counted in the cache's stats and otherwise
 * ignored. Allocation failure is a NULL return. Single CPU, no locking.
 */
#ifndef FAULTLINE_SLAB_H
#define FAULTLINE_SLAB_H

#include <stdint.h>
#include "lib/check_result.h"

#define KMEM_CACHE_MAX      32   /* caches that can exist at once */
#define KMEM_CACHE_NAME_LEN 24   /* longer names are cut */
#define SLAB_MAX_ORDER      3    /* largest slab: 8 frames (32 KiB) */
#define SLAB_MAX_OBJECTS    512  /* objects per slab at most */
#define SLAB_MIN_ALIGN      8    /* every object is at least this aligned */

struct kmem_cache;

/* One cache's shape and counters (Linux's /proc/slabinfo, plus misuse). */
struct kmem_cache_stats {
	const char *name;
	uint32_t object_size;        /* as asked for at creation */
	uint32_t size;               /* stride between objects (size rounded to the alignment) */
	uint32_t align;
	uint32_t order;              /* frames per slab: 2^order */
	uint32_t objs_per_slab;
	uint64_t active_objs;        /* objects handed out now */
	uint64_t total_objs;         /* objects the cache's slabs can hold */
	uint64_t nr_slabs;           /* all slabs (partial + full + empty) */
	uint64_t nr_partial, nr_full, nr_empty;
	uint64_t nr_pages;           /* frames held: nr_slabs << order */
	uint64_t allocs, frees;      /* successful calls */
	uint64_t alloc_failures;     /* kmem_cache_alloc() returned NULL */
	uint64_t double_frees;       /* kmem_cache_free() of an object already free */
	uint64_t invalid_frees;      /* kmem_cache_free() of a pointer not from this cache */
	uint64_t freelist_repairs;   /* free lists rebuilt after being found damaged
	                                (an object written after it was freed) */
};

/*
 * Creates a cache of objects of `size` bytes aligned to `align` (0: the
 * default SLAB_MIN_ALIGN; smaller values are raised to it). `name` is
 * copied. Returns NULL if size is 0 or too big for a slab of SLAB_MAX_ORDER,
 * align is not a power of two or exceeds PAGE_SIZE, or all KMEM_CACHE_MAX
 * caches exist. Allocates no memory until the first object is asked for.
 */
struct kmem_cache *kmem_cache_create(const char *name, uint32_t size, uint32_t align);

/*
 * Destroys an empty cache: its cached empty slab goes back to the buddy
 * allocator and its slot is free for kmem_cache_create(). Returns 0, or
 * -EBUSY (nothing changed) while objects are still handed out, or -EINVAL
 * for NULL / a cache that does not exist.
 */
int kmem_cache_destroy(struct kmem_cache *c);

/* Returns an object (contents undefined), or NULL if c is NULL or no frames are left. */
void *kmem_cache_alloc(struct kmem_cache *c);

/* As kmem_cache_alloc(), with the object's object_size bytes zeroed. */
void *kmem_cache_zalloc(struct kmem_cache *c);

/*
 * Gives obj back to c. NULL is ignored. A pointer that is not an object of c
 * handed out now (double free, another cache's object, an interior or
 * foreign pointer) is counted in c's stats and changes nothing.
 */
void kmem_cache_free(struct kmem_cache *c, void *obj);

/* Returns every empty slab of c to the buddy allocator. */
void kmem_cache_shrink(struct kmem_cache *c);

/* kmem_cache_shrink() on every cache. */
void kmem_cache_shrink_all(void);

/* Frames held by all caches together (their slabs, empty ones included). */
uint64_t kmem_cache_total_pages(void);

/* The object size c was created with (0 for NULL). */
uint32_t kmem_cache_size(const struct kmem_cache *c);

/* Copies c's shape and counters into out (zeroed for NULL). */
void kmem_cache_get_stats(const struct kmem_cache *c, struct kmem_cache_stats *out);

/*
 * Verifies c's invariants: every slab is on the list its fill level says,
 * its head frame is allocated with the slab order and names c, the header is
 * intact, the in-use bits agree with the count and with the free list, and
 * the stats agree with the lists. Returns the number of problems (0 = sound);
 * *out (may be NULL) gets the count and the first in words, naming the cache.
 */
uint64_t kmem_cache_check(const struct kmem_cache *c, struct check_result *out);

/* kmem_cache_check() over every cache that exists; the same return and *out. */
uint64_t kmem_cache_check_all(struct check_result *out);

#endif
