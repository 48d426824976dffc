/*
 * The LRU lists (Linux's mm/swap.c and include/linux/mm_inline.h, one node,
 * one lruvec): every user page that reclaim may take - anonymous pages of
 * private mappings and page-cache pages - is on one of four lists, inactive
 * or active, anonymous or file, newest at the head. Reclaim scans the
 * inactive lists from the tail (paging/vmscan.c); pages move to the active
 * list when seen used twice (mark_page_accessed, or referenced PTEs at a
 * scan) and back when an active-list scan finds their Accessed bits clear.
 *
 * The lists are linked through struct page's lru_link_next/lru_link_prev
 * (PFNs, PFN_NONE ends) and PG_lru says a page is on one; PG_active says
 * which. Being on a list holds no reference: the page's owners (its
 * mappings, the page cache) do, and the last put_page takes it off
 * (lru_page_freed, called by the buddy allocator). Reclaim isolates a page
 * (off the list, one reference of its own) while it works on it.
 *
 * New pages reach the lists through a per-CPU batch (Linux's lru_add
 * folio batch, struct pcpu's lru_add): lru_cache_add takes a reference and
 * puts the page in this CPU's batch; when 15 are there, lru_add_drain moves
 * them all onto the lists (the list work of 15 faults done at once, out of
 * the fault path's way) and drops the references. A page in a batch is on
 * no list yet (no PG_lru) and held by one more reference, so whatever looks
 * at lists or reference counts drains first, as Linux does:
 *   reclaim, before it isolates (shrink_active_list / shrink_inactive_list),
 *   MADV_PAGEOUT and MADV_COLD, before they look for pages on the lists,
 *   unmapping (zap_page_range, unmap_page_range: munmap, exit, MADV_DONTNEED),
 *       so the pages it unmaps are freed at once,
 *   do_wp_page, before it decides a page off the lists has no other user,
 *   every CPU's batch (lru_add_drain_all) before a charge at the limit gives
 *       up, and before the checks after each program (kernel/run.c).
 *
 * Not on the lists (never reclaimed): shared anonymous pages (they have no
 * backing object here), THPs and hugetlb pages, the zero pages, kernel
 * pages.
 *
 * Locking (docs/ARCHITECTURE.md, "Locking"): lru_lock (paging/lru.c) guards
 * the lists, their counts and a listed page's PG_lru/active/referenced; each
 * batch has its own lock (struct lru_add_batch's), taken by its CPU to add
 * and by whichever CPU drains it (lru_add_drain_all drains the others'
 * directly, as Linux 6.0 drains remote per-CPU page lists under pcp->lock),
 * so no IPI handler ever touches a batch. Order: batch lock -> lru_lock.
 */
#ifndef FAULTLINE_LRU_H
#define FAULTLINE_LRU_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/check_result.h"
#include "paging/page.h"
#include "cpu/percpu.h"

enum lru_list {
	LRU_INACTIVE_ANON = 0,
	LRU_ACTIVE_ANON = 1,
	LRU_INACTIVE_FILE = 2,
	LRU_ACTIVE_FILE = 3,
	NR_LRU_LISTS
};
#define LRU_ACTIVE 1   /* added to an inactive list's number: its active list */
#define LRU_FILE   2   /* added to an anon list's number: the file one */

/* The four lists: head (newest) and tail (oldest) PFNs, and their lengths. */
struct lruvec {
	uint32_t head[NR_LRU_LISTS];
	uint32_t tail[NR_LRU_LISTS];
	uint64_t nr[NR_LRU_LISTS];
};
extern struct lruvec lruvec;

/* A list of isolated pages (the same links, off every LRU list). */
struct page_list {
	uint32_t head, tail;
	uint64_t nr;
};

static inline bool page_is_file_lru(const struct page *page) { return !PageAnon(page); }
static inline bool PageLRU(const struct page *p) { return (p->flags & PG_lru) != 0; }
static inline bool PageActive(const struct page *p) { return (p->flags & PG_active) != 0; }
static inline bool PageReferenced(const struct page *p) { return (p->flags & PG_referenced) != 0; }

/* The list a page belongs on by its flags. */
static inline enum lru_list page_lru(const struct page *page)
{
	return (enum lru_list)((page_is_file_lru(page) ? LRU_FILE : 0) + (PageActive(page) ? LRU_ACTIVE : 0));
}

/* Resets the lists to empty (boot, host tests). */
void lru_init(void);

/* Moves this CPU's batch onto the lists (Linux's lru_add_drain): each page
 * still used by someone else goes to the head of the list its flags name,
 * and the batch's reference is dropped (a page no one else holds is freed).
 * A page already on a list is reported (bad_page) and left there. */
void lru_add_drain(void);

/*
 * The first half of Linux's release_pages for n pages each held by the
 * caller, who is about to drop that reference (put_page): those of which it
 * is the last come off their lists, all under one hold of the lists' lock
 * (a teardown frees thousands of pages, and one lock round per page would
 * meet every other CPU's batch drain). Nobody else can find such a page
 * (unmapped, flushed, cached nowhere): only reclaim through the lists,
 * which takes its reference under the same lock. The others stay listed;
 * their last put_page takes them off as before. Cannot fail.
 */
void lru_release_unused(struct page *const *pages, uint32_t n);

/* Linux's lru_add_drain_all: every CPU's batch, drained from this CPU
 * under each batch's lock (no IPI); returns when all are on the lists.
 * Cannot fail. */
void lru_add_drain_all(void);

/*
 * Linux's lru_cache_add (folio_add_lru): a new page, on no list, is on its
 * way to the head of the list its flags name - the inactive list of its
 * kind, or the active one when the caller set PG_active (a refault). It
 * waits in this CPU's batch with a reference of the batch's until the batch
 * is drained; the 15th page drains it.
 */
static inline void lru_cache_add(struct page *page)
{
	/* get_page without its check: the caller holds the page (just
	 * allocated and mapped, or cached). */
	__atomic_fetch_add(&page->_refcount, 1, __ATOMIC_RELAXED);
	struct lru_add_batch *b = &this_cpu_ptr()->lru_add;
	spin_lock(&b->lock);   /* lru_add_drain_all may drain it from another CPU */
	uint32_t nr = b->nr;
	b->pages[nr] = page;
	b->nr = ++nr;
	spin_unlock(&b->lock);
	if (__builtin_expect(nr == LRU_ADD_BATCH, 0))
		lru_add_drain();
}

/* Takes a page off its list (PG_lru cleared); nothing if it is on none. */
void del_page_from_lru_list(struct page *page);

/* Puts a page that is on no list at the head (or tail) of the list its
 * flags name. */
void add_page_to_lru_list(struct page *page);
void add_page_to_lru_list_tail(struct page *page);

/* Linux's mark_page_accessed (a read() or write() of a cached page):
 * inactive and unreferenced -> referenced; inactive and referenced ->
 * active (a page still in this CPU's batch gets PG_active, so it goes to the
 * active list when drained: Linux's __lru_cache_activate_folio); active ->
 * referenced. */
void mark_page_accessed(struct page *page);

/* Linux's deactivate_page (MADV_COLD): an active page to the head of its
 * inactive list, its referenced flag cleared. Nothing for pages on no list. */
void deactivate_page(struct page *page);

/* Called by the allocator before a frame with PG_lru goes free. */
void lru_page_freed(struct page *page);

/* Isolated-page lists. */
static inline void page_list_init(struct page_list *l) { l->head = l->tail = PFN_NONE; l->nr = 0; }
void page_list_add_tail(struct page_list *l, struct page *page);
/* The first page of l, taken off it; NULL when l is empty. */
struct page *page_list_pop(struct page_list *l);

/*
 * Linux's isolate_lru_pages: up to nr pages from the tail of list lru, each
 * taken off it (PG_lru cleared) with a reference of the caller's, onto out.
 * Returns how many were taken.
 */
uint64_t isolate_lru_pages(enum lru_list lru, uint64_t nr, struct page_list *out);

/* Linux's isolate_lru_page (folio_isolate_lru): takes page off its LRU list
 * with a reference of the caller's (putback_lru_page returns both); false
 * if it is on no list or its last reference is going. */
bool isolate_lru_page(struct page *page);

/* Puts an isolated page back at the head of the list its flags name and
 * drops the isolation's reference (which may free it). */
void putback_lru_page(struct page *page);

/* Pages on the lists now. */
static inline uint64_t lru_pages(void)
{
	return lruvec.nr[0] + lruvec.nr[1] + lruvec.nr[2] + lruvec.nr[3];
}

/*
 * The self-check: every list's links agree both ways, each page on it has
 * PG_lru, the list's kind and a reference, the lengths match, and no page
 * with PG_lru is on no list (walks mem_map); every CPU's batch holds at most
 * LRU_ADD_BATCH - 1 pages, each allocated, off the lists, and in no other
 * batch slot. Returns the problems found; *out (may be NULL) gets the first
 * in words.
 */
uint64_t lru_check(struct check_result *out);

#endif
