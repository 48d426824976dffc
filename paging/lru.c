/* The LRU lists (paging/lru.h). */
#include "paging/lru.h"
#include "paging/buddy.h"
#include "cpu/spinlock.h"
#include <stddef.h>

struct lruvec lruvec;

/* See paging/lru.h. */
void lru_init(void)
{
	for (int i = 0; i < NR_LRU_LISTS; i++) {
		lruvec.head[i] = lruvec.tail[i] = PFN_NONE;
		lruvec.nr[i] = 0;
	}
}

/* Links page in at the head (or tail) of the list (head, tail). */
static void link_page(uint32_t *head, uint32_t *tail, struct page *page, bool at_tail)
{
	uint32_t pfn = (uint32_t)page_to_pfn(page);
	if (at_tail) {
		page->lru_link_next = PFN_NONE;
		page->lru_link_prev = *tail;
		if (*tail != PFN_NONE)
			pfn_to_page(*tail)->lru_link_next = pfn;
		else
			*head = pfn;
		*tail = pfn;
	} else {
		page->lru_link_prev = PFN_NONE;
		page->lru_link_next = *head;
		if (*head != PFN_NONE)
			pfn_to_page(*head)->lru_link_prev = pfn;
		else
			*tail = pfn;
		*head = pfn;
	}
}

/* Unlinks page from the list (head, tail). */
static void unlink_page(uint32_t *head, uint32_t *tail, struct page *page)
{
	if (page->lru_link_prev != PFN_NONE)
		pfn_to_page(page->lru_link_prev)->lru_link_next = page->lru_link_next;
	else
		*head = page->lru_link_next;
	if (page->lru_link_next != PFN_NONE)
		pfn_to_page(page->lru_link_next)->lru_link_prev = page->lru_link_prev;
	else
		*tail = page->lru_link_prev;
	page->lru_link_next = page->lru_link_prev = PFN_NONE;
}

/* The lists' lock (SMP, issue 16): every change of a list, of its counts
 * and of a listed page's PG_lru / PG_active / PG_referenced is made under
 * it. Taken inside a pte lock (the fault path's lru_cache_add), never the
 * other way round. */
static DEFINE_SPINLOCK(lru_lock);

static void __add_to_list(struct page *page, bool at_tail)
{
	if (PageLRU(page)) {
		bad_page(page, "adding a page to an LRU list twice");
		return;
	}
	enum lru_list lru = page_lru(page);
	link_page(&lruvec.head[lru], &lruvec.tail[lru], page, at_tail);
	lruvec.nr[lru]++;
	page->flags |= PG_lru;
}

static void add_to_list(struct page *page, bool at_tail)
{
	spin_lock(&lru_lock);
	__add_to_list(page, at_tail);
	spin_unlock(&lru_lock);
}

/* See paging/lru.h. */
void add_page_to_lru_list(struct page *page) { add_to_list(page, false); }
void add_page_to_lru_list_tail(struct page *page) { add_to_list(page, true); }

/* See paging/lru.h. */
void lru_cache_add(struct page *page)
{
	spin_lock(&lru_lock);
	page->flags &= ~(PG_active | PG_referenced);
	__add_to_list(page, false);
	spin_unlock(&lru_lock);
}

static void __del_page_from_lru_list(struct page *page)
{
	if (!PageLRU(page))
		return;
	enum lru_list lru = page_lru(page);
	unlink_page(&lruvec.head[lru], &lruvec.tail[lru], page);
	lruvec.nr[lru]--;
	page->flags &= ~PG_lru;
}

/* See paging/lru.h. */
void del_page_from_lru_list(struct page *page)
{
	spin_lock(&lru_lock);
	__del_page_from_lru_list(page);
	spin_unlock(&lru_lock);
}

/* See paging/lru.h. */
void mark_page_accessed(struct page *page)
{
	spin_lock(&lru_lock);
	if (!PageActive(page) && PageReferenced(page) && PageLRU(page)) {
		__del_page_from_lru_list(page);
		page->flags = (page->flags | PG_active | PG_workingset) & ~PG_referenced;
		__add_to_list(page, false);
	} else if (!PageReferenced(page)) {
		page->flags |= PG_referenced;
	}
	spin_unlock(&lru_lock);
}

/* See paging/lru.h. */
void deactivate_page(struct page *page)
{
	spin_lock(&lru_lock);
	if (PageLRU(page)) {
		__del_page_from_lru_list(page);
		page->flags &= ~(PG_active | PG_referenced);
		__add_to_list(page, false);
	}
	spin_unlock(&lru_lock);
}

/* See paging/lru.h. */
void lru_page_freed(struct page *page)
{
	del_page_from_lru_list(page);
}

/* See paging/lru.h. */
void page_list_add_tail(struct page_list *l, struct page *page)
{
	link_page(&l->head, &l->tail, page, true);
	l->nr++;
}

/* See paging/lru.h. */
struct page *page_list_pop(struct page_list *l)
{
	if (l->head == PFN_NONE)
		return NULL;
	struct page *page = pfn_to_page(l->head);
	unlink_page(&l->head, &l->tail, page);
	l->nr--;
	return page;
}

/* See paging/lru.h. A page whose last reference is going on another CPU
 * (get_page_unless_zero fails) is left: its freeing takes it off. */
uint64_t isolate_lru_pages(enum lru_list lru, uint64_t nr, struct page_list *out)
{
	uint64_t taken = 0;
	spin_lock(&lru_lock);
	uint32_t pfn = lruvec.tail[lru];
	while (taken < nr && pfn != PFN_NONE) {
		struct page *page = pfn_to_page(pfn);
		pfn = page->lru_link_prev;
		if (!get_page_unless_zero(page))
			continue;
		__del_page_from_lru_list(page);
		page_list_add_tail(out, page);
		taken++;
	}
	spin_unlock(&lru_lock);
	return taken;
}

/* See paging/lru.h. */
void putback_lru_page(struct page *page)
{
	add_page_to_lru_list(page);
	put_page(page);
}

/* See paging/lru.h. */
uint64_t lru_check(struct check_result *out)
{
	struct check_result local;
	struct check_result *r = out ? out : &local;
	check_result_init(r);
	uint64_t on_lists = 0;
	for (int lru = 0; lru < NR_LRU_LISTS; lru++) {
		uint64_t n = 0;
		uint32_t prev = PFN_NONE;
		for (uint32_t pfn = lruvec.head[lru]; pfn != PFN_NONE; pfn = pfn_to_page(pfn)->lru_link_next) {
			struct page *page = pfn_to_page(pfn);
			if (!pfn_valid(pfn) || n > max_mapnr) {
				check_problem(r, "LRU list %d: a link to pfn 0x%llx (or a cycle)", lru, (uint64_t)pfn);
				break;
			}
			if (page->lru_link_prev != prev)
				check_problem(r, "LRU list %d: pfn 0x%llx's back link is 0x%llx, not 0x%llx", lru,
					      (uint64_t)pfn, (uint64_t)page->lru_link_prev, (uint64_t)prev);
			if (!PageLRU(page) || page_lru(page) != (enum lru_list)lru)
				check_problem(r, "LRU list %d: pfn 0x%llx has flags 0x%x", lru, (uint64_t)pfn, page->flags);
			if (page_ref_count(page) <= 0)
				check_problem(r, "LRU list %d: pfn 0x%llx is free (refcount %d)", lru, (uint64_t)pfn,
					      page_ref_count(page));
			prev = pfn;
			n++;
		}
		if (prev != lruvec.tail[lru])
			check_problem(r, "LRU list %d: the tail is 0x%llx, the last page 0x%llx", lru,
				      (uint64_t)lruvec.tail[lru], (uint64_t)prev);
		if (n != lruvec.nr[lru])
			check_problem(r, "LRU list %d holds %llu pages, counted %llu", lru, n, lruvec.nr[lru]);
		on_lists += n;
	}
	uint64_t flagged = 0;
	for (uint64_t pfn = 0; pfn < max_mapnr; pfn++)
		if (pfn_to_page(pfn)->flags & PG_lru)
			flagged++;
	if (flagged != on_lists)
		check_problem(r, "%llu pages have PG_lru, %llu are on the lists", flagged, on_lists);
	return r->problems;
}
