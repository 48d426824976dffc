/*
 * The buddy allocator (design in buddy.h): free lists per order, linked
 * through struct page by PFN, split on allocation, merge on free.
 *
 * Invariants (buddy_check() verifies them):
 *   - a free block of order k starts at a PFN aligned to 2^k, its first
 *     frame has PG_buddy and order k and is on free list k; its other frames
 *     have no flags; all its frames have _refcount 0;
 *   - no PG_buddy frame is off the lists, and no free block's buddy is a free
 *     block of the same order (it would have been merged);
 *   - stats.free_pages is the sum of the free blocks' sizes and the frames
 *     on the pcp list (free single frames held back for order-0 requests).
 */
#include "paging/buddy.h"

#include "cpu/percpu.h"
#include "cpu/smp.h"
#include "cpu/spinlock.h"
#include "lib/check_result.h"
#include "base/string.h"

uint64_t mem_map_phys;
uint64_t max_mapnr;

/*
 * Linux's per-CPU page list (struct per_cpu_pages, in this CPU's struct pcpu:
 * cpu/percpu.h): free single frames kept off the buddy lists, so that the
 * order-0 allocations of the page-fault path are a list pop. Refilled `batch`
 * frames at a time from the buddy lists, and given back `batch` at a time when
 * it holds more than `high`. Its frames are free: counted in
 * stats.free_pages, in the free state (refcount 0, no flags), linked through
 * lru_next. batch 0: not used.
 *
 * Locking (SMP): zone.lock (a spinlock taken with interrupts
 * off, as Linux's zone->lock) guards the buddy lists and their counts. A
 * pcp list is its CPU's alone: only that CPU pushes and pops, never from an
 * interrupt (the IPI handler only acknowledges; cpu/smp.h), so the
 * order-0 fast path takes no lock; refills and drains take zone.lock.
 * stats.free_pages is changed by both, with atomic adds; _refcount drops
 * are atomic (the last one frees).
 */
#define pcp_field(f) this_cpu_read(pcp.f)

static struct {
	uint32_t free_head[NR_PAGE_ORDERS];  /* first free block of each order, PFN_NONE if none */
	struct buddy_stats stats;
	void (*bad_page_hook)(const char *reason, uint64_t pfn);
	spinlock_t lock;                      /* the lists and free_blocks (see above) */
} zone;

/* stats.free_pages += n, from any CPU (the pcp paths hold no lock). */
static inline void free_pages_add(int64_t n)
{
	__atomic_fetch_add(&zone.stats.free_pages, (uint64_t)n, __ATOMIC_RELAXED);
}

/* Counts an allocation that found nothing. */
static inline void count_alloc_failure(void)
{
	__atomic_fetch_add(&zone.stats.alloc_failures, 1, __ATOMIC_RELAXED);
}

static uint64_t order_pages(uint32_t order) { return (uint64_t)1 << order; }

/*
 * The PFN a struct page pointer stands for, computed without dereferencing
 * it, or PFN_NONE if the pointer is not an element of mem_map.
 */
static uint64_t checked_page_to_pfn(const struct page *page)
{
	uintptr_t base = (uintptr_t)mem_map_base(), p = (uintptr_t)page;

	if (p < base || (p - base) % sizeof(struct page) != 0)
		return PFN_NONE;
	if ((p - base) / sizeof(struct page) >= max_mapnr)
		return PFN_NONE;
	return (p - base) / sizeof(struct page);
}

/* Counts a misuse at pfn (PFN_NONE if unknown) and tells the hook. */
static void report_bad(const char *reason, uint64_t pfn)
{
	zone.stats.bad_pages++;
	zone.stats.last_bad_reason = reason;
	zone.stats.last_bad_pfn = pfn;
	if (zone.bad_page_hook)
		zone.bad_page_hook(reason, pfn);
}

void bad_page(const struct page *page, const char *reason)
{
	report_bad(reason, checked_page_to_pfn(page));
}

void buddy_set_bad_page_hook(void (*hook)(const char *reason, uint64_t pfn))
{
	zone.bad_page_hook = hook;
}

/* Puts the free block at pfn on free list `order` and marks its head. */
static void add_to_free_list(uint64_t pfn, uint32_t order)
{
	struct page *page = pfn_to_page(pfn);
	uint32_t head = zone.free_head[order];

	page->flags = PG_buddy;
	page->order = (uint8_t)order;
	page->lru_prev = PFN_NONE;
	page->lru_next = head;
	if (head != PFN_NONE)
		pfn_to_page(head)->lru_prev = (uint32_t)pfn;
	zone.free_head[order] = (uint32_t)pfn;
	zone.stats.free_blocks[order]++;
}

/* Unlinks the free block at pfn from free list `order` and clears its mark. */
static void del_from_free_list(uint64_t pfn, uint32_t order)
{
	struct page *page = pfn_to_page(pfn);

	if (page->lru_prev != PFN_NONE)
		pfn_to_page(page->lru_prev)->lru_next = page->lru_next;
	else
		zone.free_head[order] = page->lru_next;
	if (page->lru_next != PFN_NONE)
		pfn_to_page(page->lru_next)->lru_prev = page->lru_prev;
	page->flags = 0;
	page->order = 0;
	page->lru_next = page->lru_prev = PFN_NONE;
	zone.stats.free_blocks[order]--;
}

/*
 * Returns a block of 2^order frames at pfn (whose struct pages are in the
 * free state) to the free lists, merging it with its buddy while the buddy
 * is a free block of the same order.
 */
static void free_block(uint64_t pfn, uint32_t order)
{
	free_pages_add((int64_t)order_pages(order));
	while (order < MAX_ORDER) {
		uint64_t buddy = pfn ^ order_pages(order);
		struct page *bp;

		if (buddy >= max_mapnr)
			break;
		bp = pfn_to_page(buddy);
		if (!PageBuddy(bp) || bp->order != order)
			break;
		del_from_free_list(buddy, order);
		pfn &= ~order_pages(order);
		order++;
	}
	add_to_free_list(pfn, order);
}

/* Linux's expand(): of the block of order high at pfn, just taken off its
 * list, keeps the first 2^low frames and gives the upper halves back. */
static void expand(uint64_t pfn, uint32_t low, uint32_t high)
{
	while (high > low) {
		high--;
		add_to_free_list(pfn + order_pages(high), high);
	}
}

/*
 * Takes a free block of 2^order frames off the buddy lists, splitting a
 * larger one if needed; PFN_NONE if there is none. The frames stay counted
 * as free; the caller decides what they become.
 */
static uint64_t __rmqueue(uint32_t order)
{
	uint32_t k = order;

	if (should_fail_alloc())
		return PFN_NONE;
	while (k <= MAX_ORDER && zone.free_head[k] == PFN_NONE)
		k++;
	if (k > MAX_ORDER)
		return PFN_NONE;
	uint64_t pfn = zone.free_head[k];
	del_from_free_list(pfn, k);
	expand(pfn, order, k);
	return pfn;
}

/* Puts the free frame pfn (off the buddy lists) on the pcp list. */
static void pcp_push(uint64_t pfn)
{
	struct page *page = pfn_to_page(pfn);
	page->order = 0;
	page->lru_prev = PFN_NONE;
	page->lru_next = pcp_field(head);
	pcp_field(head) = (uint32_t)pfn;
	pcp_field(count)++;
}

/*
 * Moves up to pcp.batch free frames from the buddy lists to the pcp list
 * (under zone.lock, which it takes):
 * as one block of the largest power of two within the batch when there is
 * one (a single split instead of one per frame: the refill is what the
 * fault that triggers it pays), then single frames for the rest. The frames
 * come off the list in address order.
 */
static void rmqueue_bulk(void)
{
	uint32_t order = 0, left = pcp_field(batch);
	uint64_t flags;
	spin_lock_irqsave(&zone.lock, flags);
	while (order < MAX_ORDER && ((uint64_t)2 << order) <= left)
		order++;
	uint64_t pfn = order ? __rmqueue(order) : PFN_NONE;
	if (pfn != PFN_NONE) {
		for (uint64_t i = order_pages(order); i-- > 0;)
			pcp_push(pfn + i);
		left -= (uint32_t)order_pages(order);
	}
	while (left-- > 0 && (pfn = __rmqueue(0)) != PFN_NONE)
		pcp_push(pfn);
	spin_unlock_irqrestore(&zone.lock, flags);
}

/* Gives up to n frames of the pcp list back to the buddy lists (merging;
 * under zone.lock, which it takes). */
static void free_pcppages_bulk(uint32_t n)
{
	uint64_t flags;
	spin_lock_irqsave(&zone.lock, flags);
	while (n-- > 0 && pcp_field(head) != PFN_NONE) {
		uint64_t pfn = pcp_field(head);
		struct page *page = pfn_to_page(pfn);
		pcp_field(head) = page->lru_next;
		page->lru_next = PFN_NONE;
		pcp_field(count)--;
		free_pages_add(-1);           /* free_block counts it again */
		free_block(pfn, 0);
	}
	spin_unlock_irqrestore(&zone.lock, flags);
}

/* ---- Fault injection (see paging/buddy.h) ---- */

uint64_t fail_alloc_countdown;
uint64_t fail_alloc_hits;
static struct { uint32_t batch, high; uint64_t hits_at_arm; bool armed; } fail_alloc_saved;

/* See paging/buddy.h. */
void fail_alloc_arm(uint64_t nth)
{
	if (!fail_alloc_saved.armed) {
		fail_alloc_saved.batch = pcp_field(batch);
		fail_alloc_saved.high = pcp_field(high);
		fail_alloc_saved.armed = true;
		pcp_set_batch(0, 0);
	}
	fail_alloc_saved.hits_at_arm = fail_alloc_hits;
	fail_alloc_countdown = nth;
}

/* See paging/buddy.h. */
bool fail_alloc_disarm(void)
{
	fail_alloc_countdown = 0;
	if (fail_alloc_saved.armed) {
		fail_alloc_saved.armed = false;
		pcp_set_batch(fail_alloc_saved.batch, fail_alloc_saved.high);
	}
	return fail_alloc_hits != fail_alloc_saved.hits_at_arm;
}

/* See paging/buddy.h. */
void drain_local_pages(void)
{
	free_pcppages_bulk(pcp_field(count));
}

/* See paging/buddy.h. */
void pcp_set_batch(uint32_t batch, uint32_t high)
{
	drain_local_pages();
	pcp_field(batch) = batch;
	pcp_field(high) = high > batch ? high : batch;
}

/* Linux's prep_new_page: the free block at page, off every list, becomes an
 * allocated one (refcount 1, unmapped, no flags) and stops counting as free. */
static struct page *prep_new_page(struct page *page, uint32_t order)
{
	free_pages_add(-(int64_t)order_pages(order));
	page->flags = 0;
	page->_refcount = 1;
	page->_mapcount = -1;
	page->order = (uint8_t)order;
	page->lru_next = page->lru_prev = PFN_NONE;
	page->private = 0;
	return page;
}

/* __rmqueue under zone.lock. */
static uint64_t rmqueue_locked(uint32_t order)
{
	uint64_t flags;
	spin_lock_irqsave(&zone.lock, flags);
	uint64_t pfn = __rmqueue(order);
	spin_unlock_irqrestore(&zone.lock, flags);
	return pfn;
}

struct page *alloc_pages(uint32_t order)
{
	uint64_t pfn;

	if (order > MAX_ORDER || max_mapnr == 0) {
		count_alloc_failure();
		return NULL;
	}
	if (order == 0 && pcp_field(batch)) {
		/* Linux's rmqueue_pcplist: a frame off the pcp list, refilled
		 * first if empty. The struct page is computed before the list's
		 * per-CPU stores: the compiler must assume a %gs store may alias
		 * mem_map's base, so a pfn_to_page after them would load it again. */
		if (pcp_field(head) == PFN_NONE)
			rmqueue_bulk();
		pfn = pcp_field(head);
		if (pfn != PFN_NONE) {
			struct page *page = pfn_to_page(pfn);
			pcp_field(head) = page->lru_next;
			pcp_field(count)--;
			return prep_new_page(page, 0);
		}
	} else {
		pfn = rmqueue_locked(order);
	}
	if (pfn == PFN_NONE && pcp_field(count)) {
		drain_local_pages();      /* the frames kept for order 0 may make the block */
		pfn = rmqueue_locked(order);
	}
	if (pfn == PFN_NONE) {
		count_alloc_failure();
		return NULL;
	}
	return prep_new_page(pfn_to_page(pfn), order);
}

/* See paging/buddy.h. */
struct page *alloc_page_below(uint64_t limit_pfn)
{
	drain_local_pages();      /* the search sees every free frame (of this CPU's list) */
	if (should_fail_alloc()) {
		count_alloc_failure();
		return NULL;
	}
	uint64_t flags;
	spin_lock_irqsave(&zone.lock, flags);
	for (uint32_t order = 0; order < NR_PAGE_ORDERS; order++) {
		for (uint64_t pfn = zone.free_head[order]; pfn != PFN_NONE; pfn = pfn_to_page(pfn)->lru_next) {
			if (pfn >= limit_pfn)
				continue;
			del_from_free_list(pfn, order);
			expand(pfn, 0, order);
			spin_unlock_irqrestore(&zone.lock, flags);
			return prep_new_page(pfn_to_page(pfn), 0);
		}
	}
	spin_unlock_irqrestore(&zone.lock, flags);
	count_alloc_failure();
	return NULL;
}

/*
 * Makes the frames of a block whose last reference is going away free again.
 * Returns 0, or -1 (after bad_page()) if a frame is still mapped or carries
 * a flag no allocated frame can have; the block then stays allocated with
 * its last reference, unchanged.
 */
static void (*page_release_hook)(struct page *page, uint32_t order);

/* See paging/buddy.h. */
void buddy_set_release_hook(void (*hook)(struct page *page, uint32_t order))
{
	page_release_hook = hook;
}

static int free_pages_prepare(uint64_t pfn, uint32_t order)
{
	struct page *head = pfn_to_page(pfn);
	if ((head->flags & (PG_lru | PG_memcg)) && head->_mapcount == -1 && page_release_hook)
		page_release_hook(head, order);   /* off the LRU lists, uncharged (paging/vmscan.c) */
	for (uint64_t i = 0; i < order_pages(order); i++) {
		struct page *p = pfn_to_page(pfn + i);

		if (p->_mapcount != -1) {
			bad_page(p, "freeing a mapped page");
			return -1;
		}
		if (p->flags & (PG_buddy | PG_reserved)) {
			bad_page(p, "freeing a block containing a free or reserved page");
			return -1;
		}
	}
	for (uint64_t i = 0; i < order_pages(order); i++) {
		struct page *p = pfn_to_page(pfn + i);

		p->flags = 0;
		p->_refcount = 0;
		p->order = 0;
		p->lru_next = p->lru_prev = PFN_NONE;
		p->private = 0;
	}
	return 0;
}

/*
 * Drops one reference to the allocated block headed by page, which the
 * caller says is of `order`; frees it when that was the last reference.
 * Every inconsistency is reported via bad_page() and changes nothing.
 */
static void drop_reference(struct page *page, uint32_t order)
{
	uint64_t pfn = checked_page_to_pfn(page);

	if (pfn == PFN_NONE) {
		bad_page(page, "freeing a pointer that is not a struct page");
		return;
	}
	if (order > MAX_ORDER) {
		bad_page(page, "freeing with an order above MAX_ORDER");
		return;
	}
	if (PageReserved(page) && page->_refcount <= 1) {
		bad_page(page, "freeing a reserved page");
		return;
	}
	if (PageBuddy(page) || page->_refcount <= 0) {
		bad_page(page, "freeing a free page (double free?)");
		return;
	}
	if (page->order != order || (pfn & (order_pages(order) - 1))) {
		bad_page(page, "freeing with an order other than the allocation's");
		return;
	}
	if (PageZero(page) && page->_refcount == 1) {
		bad_page(page, "dropping the last reference to the zero page");
		return;
	}
	/* put_page_testzero: the CPU whose drop reaches zero frees; a failed
	 * free_pages_prepare leaves the last reference in place. */
	if (__atomic_sub_fetch(&page->_refcount, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (free_pages_prepare(pfn, order) != 0) {
		__atomic_store_n(&page->_refcount, 1, __ATOMIC_RELAXED);
		return;
	}
	if (order == 0 && pcp_field(batch)) {
		/* free_unref_page: onto the pcp list; the excess back to the buddy lists. */
		pcp_push(pfn);
		free_pages_add(1);
		if (pcp_field(count) > pcp_field(high))
			free_pcppages_bulk(pcp_field(batch));
		return;
	}
	uint64_t flags;
	spin_lock_irqsave(&zone.lock, flags);
	free_block(pfn, order);
	spin_unlock_irqrestore(&zone.lock, flags);
}

/* See paging/buddy.h. */
void split_page(struct page *page, uint32_t order)
{
	if (checked_page_to_pfn(page) == PFN_NONE || page->order != order || page->_refcount != 1 ||
	    order > MAX_ORDER) {
		bad_page(page, "split_page of a block that is not one reference of that order");
		return;
	}
	for (uint64_t i = 1; i < order_pages(order); i++) {
		struct page *p = page + i;
		p->flags = page->flags;
		p->_refcount = 1;
		p->order = 0;
		p->private = 0;
	}
	page->order = 0;
}

void __free_pages(struct page *page, uint32_t order)
{
	drop_reference(page, order);
}

void put_page(struct page *page)
{
	if (checked_page_to_pfn(page) == PFN_NONE) {
		bad_page(page, "put_page on a pointer that is not a struct page");
		return;
	}
	drop_reference(page, page->order);
}

struct page *alloc_zeroed_page(void)
{
	struct page *page = alloc_pages(0);

	if (page)
		memset(page_address(page), 0, PAGE_SIZE);
	return page;
}

uint64_t get_zeroed_page(void)
{
	struct page *page = alloc_zeroed_page();

	return page ? (uint64_t)(uintptr_t)page_address(page) : 0;
}

void free_page(uint64_t addr)
{
	uint64_t pfn;

	if (addr == 0)
		return;
	pfn = __pa((const void *)(uintptr_t)addr) >> PAGE_SHIFT;
	if (!pfn_valid(pfn)) {
		report_bad("free_page of an address outside mem_map", pfn);
		return;
	}
	__free_pages(pfn_to_page(pfn), 0);
}

uint64_t nr_free_pages(void) { return zone.stats.free_pages; }

uint64_t pcp_high_elsewhere;

/* See paging/buddy.h. */
uint64_t nr_free_pages_allocatable(void)
{
	uint64_t free = zone.stats.free_pages;
#ifndef HOST_TEST
	if (!pcp_high_elsewhere)
		return free;
	uint32_t self = smp_processor_id();
	for (uint32_t cpu = 0; cpu < nr_cpu_ids; cpu++) {
		if (cpu == self)
			continue;
		uint64_t held = __atomic_load_n(&pcpu_area[cpu].pcp.count, __ATOMIC_RELAXED);
		free = free > held ? free - held : 0;
	}
#endif
	return free;
}
uint64_t totalram_pages(void) { return zone.stats.managed_pages; }

void buddy_get_stats(struct buddy_stats *out)
{
	*out = zone.stats;
}

/* ---- initialisation ---- */

/* The end PFN of mm's usable memory below limit_pfn (ranges cut there). */
static uint64_t covered_end_pfn(const struct memmap *mm, uint64_t limit_pfn)
{
	uint64_t end = 0;

	for (uint32_t i = 0; i < mm->count; i++) {
		uint64_t s = mm->ranges[i].start >> PAGE_SHIFT, e = mm->ranges[i].end >> PAGE_SHIFT;
		if (s >= limit_pfn)
			continue;
		if (e > limit_pfn)
			e = limit_pfn;
		if (e > end)
			end = e;
	}
	return end;
}

/* The bytes mem_map takes to describe end_pfn frames, in whole frames. */
static uint64_t mem_map_size(uint64_t end_pfn)
{
	return (end_pfn * sizeof(struct page) + PAGE_SIZE - 1) & PAGE_MASK;
}

/*
 * Chooses where mem_map goes: the top of the largest range below end_pfn.
 * Returns 1 and sets *pa if that range can hold need bytes, else 0.
 */
static int place_mem_map(const struct memmap *mm, uint64_t end_pfn, uint64_t need, uint64_t *pa)
{
	uint64_t best_start = 0, best_end = 0;

	for (uint32_t i = 0; i < mm->count; i++) {
		uint64_t s = mm->ranges[i].start, e = mm->ranges[i].end;
		if (s >= end_pfn << PAGE_SHIFT)
			continue;
		if (e > end_pfn << PAGE_SHIFT)
			e = end_pfn << PAGE_SHIFT;
		if (e - s > best_end - best_start) {
			best_start = s;
			best_end = e;
		}
	}
	if (best_end - best_start < need)
		return 0;
	*pa = best_end - need;
	return 1;
}

/* The start PFN of the highest range that begins below limit_pfn (0 if none). */
static uint64_t highest_start_below(const struct memmap *mm, uint64_t limit_pfn)
{
	uint64_t best = 0;

	for (uint32_t i = 0; i < mm->count; i++) {
		uint64_t s = mm->ranges[i].start >> PAGE_SHIFT;
		if (s < limit_pfn && s > best)
			best = s;
	}
	return best;
}

/* Frees [start_pfn, end_pfn) (struct pages already in the free state) as the
 * largest aligned blocks that fit. */
static void free_range(uint64_t start_pfn, uint64_t end_pfn)
{
	while (start_pfn < end_pfn) {
		uint32_t order = MAX_ORDER;

		while (order > 0 && ((start_pfn & (order_pages(order) - 1)) ||
				     order_pages(order) > end_pfn - start_pfn))
			order--;
		free_block(start_pfn, order);
		zone.stats.managed_pages += order_pages(order);
		start_pfn += order_pages(order);
	}
}

/* Puts [start_pfn, end_pfn)'s struct pages in the free state and frees them. */
static void release_range(uint64_t start_pfn, uint64_t end_pfn)
{
	for (uint64_t pfn = start_pfn; pfn < end_pfn; pfn++) {
		struct page *p = pfn_to_page(pfn);
		p->flags = 0;
		p->_refcount = 0;
	}
	free_range(start_pfn, end_pfn);
}

int buddy_init(const struct memmap *mm)
{
	uint64_t limit = mm->max_pfn < PFN_NONE ? mm->max_pfn : PFN_NONE;
	uint64_t end_pfn, need, map_pa = 0, map_start_pfn, map_end_pfn;
	struct page *map;

	for (uint32_t k = 0; k < NR_PAGE_ORDERS; k++)
		zone.free_head[k] = PFN_NONE;
	this_cpu_write(pcp, ((struct per_cpu_pages){ .head = PFN_NONE }));
	zone.stats = (struct buddy_stats){ 0 };
	mem_map_phys = 0;
	max_mapnr = 0;

	/* The smallest cut of the top of memory for which mem_map fits somewhere. */
	for (;;) {
		end_pfn = covered_end_pfn(mm, limit);
		if (end_pfn == 0)
			return -1;
		need = mem_map_size(end_pfn);
		if (place_mem_map(mm, end_pfn, need, &map_pa))
			break;
		limit = highest_start_below(mm, end_pfn);
	}
	mem_map_phys = map_pa;
	max_mapnr = end_pfn;
	zone.stats.mem_map_phys = map_pa;
	zone.stats.mem_map_bytes = need;
	zone.stats.max_mapnr = end_pfn;

	map = mem_map_base();
	for (uint64_t pfn = 0; pfn < end_pfn; pfn++) {
		map[pfn] = (struct page){
			.flags = PG_reserved, ._refcount = 1, ._mapcount = -1,
			.lru_next = PFN_NONE, .lru_prev = PFN_NONE,
		};
	}

	map_start_pfn = map_pa >> PAGE_SHIFT;
	map_end_pfn = map_start_pfn + (need >> PAGE_SHIFT);
	for (uint32_t i = 0; i < mm->count; i++) {
		uint64_t s = mm->ranges[i].start >> PAGE_SHIFT, e = mm->ranges[i].end >> PAGE_SHIFT;

		if (e > end_pfn) {
			zone.stats.lost_pages += e - (s > end_pfn ? s : end_pfn);
			e = end_pfn;
		}
		if (s >= e)
			continue;
		if (map_start_pfn >= s && map_end_pfn <= e) {
			release_range(s, map_start_pfn);
			release_range(map_end_pfn, e);
		} else {
			release_range(s, e);
		}
	}
	return 0;
}

/* ---- consistency check ---- */

/* CPU cpu's per-CPU page list (host tests: the one CPU's). */
static const struct per_cpu_pages *pcp_of(uint32_t cpu)
{
#ifdef HOST_TEST
	(void)cpu;
	return &host_pcpu.pcp;
#else
	return cpu == smp_processor_id() ? &this_cpu_ptr()->pcp : &pcpu_area[cpu].pcp;
#endif
}

/* Checks one free block listed on list `order`; counts what is wrong in r. */
static void check_free_block(struct check_result *r, uint64_t pfn, uint32_t order)
{
	struct page *head = pfn_to_page(pfn);

	if (!PageBuddy(head) || head->order != order)
		check_problem(r, "pfn 0x%llx on free list %llu is not a PG_buddy head of that order",
			      pfn, (uint64_t)order);
	if (pfn & (order_pages(order) - 1))
		check_problem(r, "free block at pfn 0x%llx is not aligned to its order %llu", pfn, (uint64_t)order);
	if (pfn + order_pages(order) > max_mapnr) {
		check_problem(r, "free block at pfn 0x%llx (order %llu) runs past mem_map", pfn, (uint64_t)order);
		return;
	}
	for (uint64_t i = 0; i < order_pages(order); i++) {
		struct page *p = pfn_to_page(pfn + i);
		int inside_taken = (p->flags & PG_reserved) || (i > 0 && (p->flags & PG_buddy));
		if (p->_refcount != 0 || inside_taken) {
			check_problem(r, "free block at pfn 0x%llx holds pfn 0x%llx, which is reserved, "
				      "allocated or another block", pfn, pfn + i);
			break;
		}
	}
	if (order < MAX_ORDER) {
		uint64_t buddy = pfn ^ order_pages(order);
		if (buddy > pfn && buddy < max_mapnr && PageBuddy(pfn_to_page(buddy)) &&
		    pfn_to_page(buddy)->order == order)
			check_problem(r, "free buddies at pfn 0x%llx and 0x%llx were left unmerged", pfn, buddy);
	}
}

uint64_t buddy_check(struct check_result *out)
{
	struct check_result local;
	struct check_result *r = out ? out : &local;
	uint64_t listed_blocks = 0, listed_pages = 0, marked = 0;

	check_result_init(r);
	if (max_mapnr == 0)
		return 0;  /* nothing managed, nothing listed */

	for (uint32_t order = 0; order < NR_PAGE_ORDERS; order++) {
		uint64_t count = 0;
		uint32_t prev = PFN_NONE;

		for (uint32_t pfn = zone.free_head[order]; pfn != PFN_NONE;
		     pfn = pfn_to_page(pfn)->lru_next) {
			if (pfn >= max_mapnr || count >= max_mapnr) {
				check_problem(r, "free list %llu: link 0x%llx out of bounds, or a cycle",
					      (uint64_t)order, (uint64_t)pfn);
				break;
			}
			if (pfn_to_page(pfn)->lru_prev != prev)
				check_problem(r, "free list %llu: pfn 0x%llx's lru_prev is not the previous entry",
					      (uint64_t)order, (uint64_t)pfn);
			check_free_block(r, pfn, order);
			count++;
			listed_pages += order_pages(order);
			prev = pfn;
		}
		if (count != zone.stats.free_blocks[order])
			check_problem(r, "free list %llu holds %llu blocks, stats say %llu", (uint64_t)order, count,
				      zone.stats.free_blocks[order]);
		listed_blocks += count;
	}
	/* Every CPU's pcp list (the others' are read while they stand still:
	 * the check runs between programs, the APs idle). */
#ifdef HOST_TEST
	uint32_t nlists = 1;
#else
	uint32_t nlists = nr_cpu_ids;
#endif
	for (uint32_t l = 0; l < nlists; l++) {
		const struct per_cpu_pages *pl = pcp_of(l);
		uint64_t pcp_pages = 0;
		for (uint32_t pfn = pl->head; pfn != PFN_NONE && pfn != 0; pfn = pfn_to_page(pfn)->lru_next) {
			if (pfn >= max_mapnr || pcp_pages >= max_mapnr) {
				check_problem(r, "pcp list: link 0x%llx out of bounds, or a cycle", (uint64_t)pfn);
				break;
			}
			const struct page *p = pfn_to_page(pfn);
			if (p->flags || p->_refcount != 0 || p->_mapcount != -1)
				check_problem(r, "pcp list: pfn 0x%llx is not free (flags 0x%llx)", (uint64_t)pfn,
					      (uint64_t)p->flags);
			pcp_pages++;
		}
		if (pcp_pages != pl->count)
			check_problem(r, "pcp list %llu holds %llu frames, pcp.count says %llu", (uint64_t)l, pcp_pages,
				      (uint64_t)pl->count);
		listed_pages += pcp_pages;
	}
	if (listed_pages != zone.stats.free_pages || zone.stats.free_pages > zone.stats.managed_pages)
		check_problem(r, "free_pages is %llu but the lists hold %llu frames", zone.stats.free_pages,
			      listed_pages);
	for (uint64_t pfn = 0; pfn < max_mapnr; pfn++)
		marked += PageBuddy(pfn_to_page(pfn));
	if (marked != listed_blocks)
		check_problem(r, "%llu PG_buddy frames in mem_map but %llu blocks on the lists", marked,
			      listed_blocks);
	return r->problems;
}
