/*
 * The buddy allocator: all physical frames the kernel hands out.
 *
 * Blocks of 2^order frames, order 0 (4 KiB) to MAX_ORDER (18: 1 GiB), each
 * aligned to its size. One free list per order; allocation takes the smallest
 * free block that fits and splits it, halving, putting the upper halves back;
 * freeing merges a block with its buddy (pfn ^ 2^order) for as long as the
 * buddy's struct page says it is a free block of the same order (PG_buddy), so
 * neither path ever scans a list.
 *
 * buddy_init() places mem_map (see paging/page.h) at the top of the largest
 * usable range, marks every frame reserved, then frees the usable ranges in
 * the largest aligned blocks that fit, so init costs one write per struct page
 * plus a handful of list operations per range.
 *
 * Misuse (double free, freeing a reserved, mapped or never-allocated frame, a
 * bad order) is reported through bad_page() and the block is left alone;
 * allocation failure is a NULL return. Single CPU, no locking: not to be
 * called from an interrupt handler that can interrupt the allocator.
 */
#ifndef FAULTLINE_BUDDY_H
#define FAULTLINE_BUDDY_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/check_result.h"
#include "paging/memmap.h"
#include "paging/page.h"

#define MAX_ORDER 18                     /* largest block: 2^18 frames = 1 GiB */
#define NR_PAGE_ORDERS (MAX_ORDER + 1)

/* What the allocator knows about itself, for reports and checks. */
struct buddy_stats {
	uint64_t managed_pages;              /* frames given to the allocator at init */
	uint64_t free_pages;                 /* of those, free now */
	uint64_t free_blocks[NR_PAGE_ORDERS]; /* free blocks per order */
	uint64_t mem_map_phys;               /* where the struct page array lives */
	uint64_t mem_map_bytes;              /* its size, rounded up to whole frames */
	uint64_t max_mapnr;                  /* struct pages in it (PFN 0 .. max_mapnr - 1) */
	uint64_t lost_pages;                 /* usable frames mem_map could not describe
	                                        (above what it could cover) */
	uint64_t alloc_failures;             /* alloc_pages() calls that returned NULL */
	uint64_t bad_pages;                  /* bad_page() reports */
	const char *last_bad_reason;         /* the latest report, NULL if none */
	uint64_t last_bad_pfn;
};

/*
 * Takes over the usable ranges of mm: places mem_map, initialises every
 * struct page and frees all usable frames. Resets any earlier state, so it may
 * be called again (host tests do). direct_map_base must already reach mm's
 * ranges. Returns 0, or -1 if no usable range can hold mem_map (then nothing
 * is managed and every allocation fails).
 */
int buddy_init(const struct memmap *mm);

/* Returns the first page of a free block of 2^order frames (refcount 1,
 * unmapped, no flags), or NULL if there is none or order > MAX_ORDER. */
struct page *alloc_pages(uint32_t order);

/* Drops the reference the caller holds on a block from alloc_pages(page's
 * order); the last reference frees it. Misuse is reported via bad_page(). */
void __free_pages(struct page *page, uint32_t order);

static inline struct page *alloc_page(void) { return alloc_pages(0); }

/*
 * Linux's split_page: the allocated block of 2^order frames at page becomes
 * 2^order allocated single frames, each with one reference (the block's) and
 * the first frame's flags, so each can be freed on its own (a THP split into
 * 4 KiB pages). The block must hold exactly one reference and no map count
 * on its other frames; misuse is reported (bad_page) and changes nothing.
 */
void split_page(struct page *page, uint32_t order);

/*
 * The per-CPU page list (Linux's pcp): with batch > 0, single frames are
 * allocated from a list refilled `batch` at a time from the buddy lists, and
 * freed single frames go onto it, `batch` of them back to the buddy lists
 * whenever it holds more than `high`. Its frames count as free. batch 0
 * (the default after buddy_init) turns it off; either way the list is
 * drained first.
 */
void pcp_set_batch(uint32_t batch, uint32_t high);
#define PCP_BATCH 64                 /* about Linux's usual 63, a power of two: one block per refill */
#define PCP_HIGH  (6 * PCP_BATCH)

/* Gives every frame of the pcp list back to the buddy lists (merging). */
void drain_local_pages(void);
static inline void __free_page(struct page *page) { __free_pages(page, 0); }

/* A single frame below limit_pfn (as Linux's GFP_DMA32 for 4 GiB: what
 * must be reachable with 32-bit addresses), whatever order the free lists
 * are in; NULL if there is none. Drains the pcp list first. */
struct page *alloc_page_below(uint64_t limit_pfn);

/* Returns a frame whose 4096 bytes are zero, or NULL. */
struct page *alloc_zeroed_page(void);

/* Linux's address-based pair: a zeroed frame's direct-map address (0 if none),
 * and freeing a frame by that address. */
uint64_t get_zeroed_page(void);
void free_page(uint64_t addr);

/* Free frames now, and frames managed in total. */
uint64_t nr_free_pages(void);
uint64_t totalram_pages(void);

/* The most frames the other CPUs' pcp lists may hold: PCP_HIGH for each
 * application processor given a list (kernel/smpboot.c adds it); 0 with one
 * CPU. The watermark fast path (paging/vmscan.h) allows for it. */
extern uint64_t pcp_high_elsewhere;

/* Free frames this CPU can allocate: nr_free_pages less those on the other
 * CPUs' pcp lists (read without their owners' order: an estimate, exact with
 * one CPU). Linux's NR_FREE_PAGES leaves pcp frames out; the watermarks
 * (paging/vmscan.c) compare against this, or with four CPUs holding up to
 * 4 x PCP_HIGH frames the count stays above min while the buddy lists and
 * this CPU's list are empty, and a fault's allocation fails with no
 * reclaim tried (reclaim_kswapd_under_real_pressure at -smp 4: OOM). */
uint64_t nr_free_pages_allocatable(void);

/* Copies the allocator's counters into out. */
void buddy_get_stats(struct buddy_stats *out);

/* Sets the function bad_page() calls after counting (NULL: count only). The
 * kernel installs one that prints and, with full checks, panics. */
void buddy_set_bad_page_hook(void (*hook)(const char *reason, uint64_t pfn));

/* Sets the function called with the first frame of a block whose last
 * reference goes while it is on an LRU list or charged (PG_lru, PG_memcg),
 * before it is freed: reclaim's (paging/vmscan.c) takes it off the list and
 * uncharges it. NULL: none (host tests of the allocator alone). */
void buddy_set_release_hook(void (*hook)(struct page *page, uint32_t order));

/*
 * Verifies the allocator's invariants: every free-list entry is the PG_buddy
 * head of an in-bounds block aligned to its order, links are consistent, no
 * free block contains another or a reserved frame, no PG_buddy frame is
 * missing from the lists, no two free buddies were left unmerged, and the
 * per-order and total counts match. Walks all of mem_map. Returns the number
 * of problems found (0 = consistent); *out (may be NULL) gets the count and
 * the first in words.
 */
uint64_t buddy_check(struct check_result *out);

/*
 * Fault injection, as Linux's fail_page_alloc and failslab: once armed with
 * n, the nth allocation from then on fails - of a frame (alloc_pages and
 * alloc_page_below, so page-table pages too) or of a slab object
 * (kmem_cache_alloc) - and the ones around it succeed. Arming drains the
 * pcp list and turns it off until disarmed, so every frame allocation goes
 * through __rmqueue, where the check is: the pcp fast path of the page-fault
 * handler carries none. Disarmed, the check is one predictable branch on a
 * global, in the pcp refill and the slab allocator.
 */
extern uint64_t fail_alloc_countdown;   /* allocations until the failing one; 0: disarmed */
extern uint64_t fail_alloc_hits;        /* injected failures since boot */

void fail_alloc_arm(uint64_t nth);
/* Disarms; returns true if the armed failure was injected. */
bool fail_alloc_disarm(void);

/* True (and disarmed) if this allocation is the one to fail. */
static inline bool should_fail_alloc(void)
{
	if (__builtin_expect(fail_alloc_countdown == 0, 1))
		return false;
	if (--fail_alloc_countdown)
		return false;
	fail_alloc_hits++;
	return true;
}

#endif
