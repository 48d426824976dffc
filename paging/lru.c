/* The LRU lists (paging/lru.h). */
#include "paging/lru.h"
#include "paging/buddy.h"
#include "cpu/spinlock.h"
#include <stddef.h>
#ifndef HOST_TEST
#include "cpu/smp.h"
#include "lib/record.h"
#endif

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

/* The lists' lock (SMP): every change of a list, of its counts
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

/* Puts the pages of l (linked as a list, off every LRU list, PG_lru set)
 * at the head of LRU list lru, in their order, and empties l. */
static void splice_to_lru_head(enum lru_list lru, struct page_list *l)
{
	if (!l->nr)
		return;
	uint32_t old_head = lruvec.head[lru];
	pfn_to_page(l->tail)->lru_link_next = old_head;
	if (old_head != PFN_NONE)
		pfn_to_page(old_head)->lru_link_prev = l->tail;
	else
		lruvec.tail[lru] = l->tail;
	lruvec.head[lru] = l->head;
	lruvec.nr[lru] += l->nr;
	page_list_init(l);
}

/* CPU cpu's batch (host tests: the one CPU's). */
static struct lru_add_batch *lru_batch(uint32_t cpu)
{
#ifdef HOST_TEST
	(void)cpu;
	return &host_pcpu.lru_add;
#else
	return &pcpu_area[cpu].lru_add;
#endif
}

/* The CPUs that have a batch (host tests: one). */
static uint32_t lru_batch_cpus(void)
{
#ifdef HOST_TEST
	return 1;
#else
	return nr_cpu_ids;
#endif
}

/*
 * Moves batch b onto the lists (b's lock, then lru_lock): the batch's pages
 * are linked among themselves first, one local list per LRU list (each new
 * one at its head, as if added one by one), and each local list is spliced
 * onto its LRU list at once. The batch's references are dropped after both
 * locks are gone (a page whose last reference that is is freed, and its
 * freeing takes lru_lock). A page no one else holds is never listed.
 */
static void lru_add_drain_batch(struct lru_add_batch *b)
{
	if (!__atomic_load_n(&b->nr, __ATOMIC_RELAXED))
		return;
	struct page *drop[LRU_ADD_BATCH];
	spin_lock(&b->lock);
	uint32_t nr = b->nr;
	b->nr = 0;
	struct page_list to[NR_LRU_LISTS];
	for (int lru = 0; lru < NR_LRU_LISTS; lru++)
		page_list_init(&to[lru]);
	spin_lock(&lru_lock);
	for (uint32_t i = 0; i < nr; i++) {
		struct page *page = b->pages[i];
		drop[i] = page;
		/* Only the batch holds it: nobody can find it again (it is on no
		 * list, mapped nowhere, in no cache), so it is freed unlisted. */
		if (page_ref_count(page) == 1)
			continue;
		if (PageLRU(page)) {
			bad_page(page, "adding a page to an LRU list twice");
		} else {
			enum lru_list lru = page_lru(page);
			link_page(&to[lru].head, &to[lru].tail, page, false);
			to[lru].nr++;
			page->flags |= PG_lru;
		}
	}
	for (int lru = 0; lru < NR_LRU_LISTS; lru++)
		splice_to_lru_head((enum lru_list)lru, &to[lru]);
	spin_unlock(&lru_lock);
	spin_unlock(&b->lock);
	for (uint32_t i = 0; i < nr; i++)
		put_page_fast(drop[i]);   /* the batch's reference */
}

/* See paging/lru.h. */
void lru_add_drain(void)
{
	lru_add_drain_batch(&this_cpu_ptr()->lru_add);
}

/* See paging/lru.h. Every batch is drained from here, under its own lock
 * (Linux 6.0's remote drain of the per-CPU page lists, drain_pages_zone
 * under pcp->lock): no IPI, so no CPU waits for another's interrupt. */
void lru_add_drain_all(void)
{
	for (uint32_t cpu = 0; cpu < lru_batch_cpus(); cpu++)
		lru_add_drain_batch(lru_batch(cpu));
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
void lru_release_unused(struct page *const *pages, uint32_t n)
{
	spin_lock(&lru_lock);
	for (uint32_t i = 0; i < n; i++)
		if (PageLRU(pages[i]) && page_ref_count(pages[i]) == 1)
			__del_page_from_lru_list(pages[i]);
	spin_unlock(&lru_lock);
}

/* See paging/lru.h. */
void del_page_from_lru_list(struct page *page)
{
	spin_lock(&lru_lock);
	__del_page_from_lru_list(page);
	spin_unlock(&lru_lock);
}

/* See paging/lru.h. This CPU's batch lock, then lru_lock: a page not
 * listed yet may wait in this CPU's batch. */
void mark_page_accessed(struct page *page)
{
	struct lru_add_batch *b = &this_cpu_ptr()->lru_add;
	spin_lock(&b->lock);
	spin_lock(&lru_lock);
	if (!PageActive(page) && PageReferenced(page) && PageLRU(page)) {
		__del_page_from_lru_list(page);
		page->flags = (page->flags | PG_active | PG_workingset) & ~PG_referenced;
		__add_to_list(page, false);
	} else if (!PageActive(page) && PageReferenced(page)) {
		/* Not on a list yet: if it waits in this CPU's batch, it goes to
		 * the active list when drained. */
		for (uint32_t i = 0; i < b->nr; i++)
			if (b->pages[i] == page) {
				page->flags = (page->flags | PG_active | PG_workingset) & ~PG_referenced;
				break;
			}
	} else if (!PageReferenced(page)) {
		page->flags |= PG_referenced;
	}
	spin_unlock(&lru_lock);
	spin_unlock(&b->lock);
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
bool isolate_lru_page(struct page *page)
{
	bool taken = false;
	spin_lock(&lru_lock);
	if (PageLRU(page) && get_page_unless_zero(page)) {
		__del_page_from_lru_list(page);
		taken = true;
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


/* lru_check's part for the batches: each holds fewer than LRU_ADD_BATCH
 * pages between calls, each a struct page of mem_map, allocated, on no list,
 * and in no other slot. */
static void lru_check_batches(struct check_result *r)
{
	for (uint32_t cpu = 0; cpu < lru_batch_cpus(); cpu++) {
		const struct lru_add_batch *b = lru_batch(cpu);
		if (b->nr >= LRU_ADD_BATCH) {
			check_problem(r, "CPU %u's LRU batch holds %u pages", cpu, b->nr);
			continue;
		}
		for (uint32_t i = 0; i < b->nr; i++) {
			const struct page *page = b->pages[i];
			uintptr_t off = (uintptr_t)page - (uintptr_t)mem_map_base();
			if ((uintptr_t)page < (uintptr_t)mem_map_base() || off % sizeof(struct page) ||
			    off / sizeof(struct page) >= max_mapnr) {
				check_problem(r, "CPU %u's LRU batch slot %u is not a page (%p)", cpu, i, (const void *)page);
				continue;
			}
			if (page_ref_count(page) <= 0 || PageLRU(page))
				check_problem(r, "CPU %u's LRU batch: pfn 0x%llx has refcount %d, flags 0x%x", cpu,
					      (uint64_t)page_to_pfn(page), page_ref_count(page), page->flags);
			for (uint32_t c2 = 0; c2 <= cpu; c2++) {
				const struct lru_add_batch *b2 = lru_batch(c2);
				for (uint32_t j = 0; j < (c2 == cpu ? i : b2->nr); j++)
					if (b2->pages[j] == page)
						check_problem(r, "pfn 0x%llx is in two LRU batch slots (CPU %u and %u)",
							      (uint64_t)page_to_pfn(page), c2, cpu);
			}
		}
	}
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
	lru_check_batches(r);
	return r->problems;
}
