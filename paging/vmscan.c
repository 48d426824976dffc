/* Reclaim (paging/vmscan.h). */
#include "paging/vmscan.h"
#include "paging/buddy.h"
#include "paging/filemap.h"
#include "paging/huge_memory.h"
#include "paging/lru.h"
#include "paging/ptlock.h"
#include "paging/rmap.h"
#include "paging/swap.h"
#include "paging/tlb.h"
#include "paging/zram.h"
#include "paging/vma.h"
#include "base/errno.h"
#include "cpu/halt_spinlock.h"


struct watermarks wmark;
struct mem_cgroup root_mem_cgroup;
uint32_t vm_swappiness = 60;

static void (*kswapd_waker)(void);

/*
 * reclaim_lock: one reclaimer at a time - a page fault's direct
 * reclaim (no big kernel lock), kswapd, MADV_PAGEOUT/COLD. It keeps the
 * per-program reclaim figures and the
 * scan's view of the lists consistent; Linux lets reclaimers run in
 * parallel. Taken under the faulting mm's mmap_lock, before rmap_lock, any
 * other mm's mmap_lock (only tried), the pte locks, lru_lock and the swap
 * lock. Its holder sends TLB shootdowns: its waiters answer them
 * (cpu/spinlock.h's spin_wait_relax, or interrupts on in a fault). A hold
 * lasts a reclaim (tens of pages or more, a shootdown and a compression
 * each), so a waiter with interrupts on - a fault's direct reclaim, kswapd
 * - halts until the release rather than spinning (cpu/halt_spinlock.h, as
 * Linux's direct reclaimers sleep in reclaim_throttle): several CPUs
 * spinning here kept the holder's shootdown targets from running where
 * virtual CPUs outnumber host cores.
 */
static DEFINE_HALT_SPINLOCK(reclaim_lock);

struct scan_control {
	uint64_t nr_to_reclaim;
	uint64_t nr_reclaimed;
	uint64_t nr_scanned;
	int priority;
	bool may_swap;       /* anonymous pages may go to swap */
	bool direct;         /* counted as direct reclaim (else kswapd's) */
	bool force;          /* MADV_PAGEOUT: references do not save a page */
};

/* Integer square root (for the watermarks). */
static uint64_t isqrt(uint64_t n)
{
	uint64_t r = 0;
	for (uint64_t bit = 1ull << 62; bit; bit >>= 2) {
		if (n >= r + bit) {
			n -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
	}
	return r;
}

/* The allocator's release hook: a frame leaving the LRU lists or the user group. */
static void reclaim_page_released(struct page *page, uint32_t order)
{
	if (page->flags & PG_lru)
		lru_page_freed(page);
	if (page->flags & PG_memcg) {
		__atomic_fetch_sub(&root_mem_cgroup.usage, 1ull << order, __ATOMIC_RELAXED);
		page->flags &= ~PG_memcg;
	}
}

/* See paging/vmscan.h. */
void reclaim_init(void)
{
	uint64_t kib = totalram_pages() * (PAGE_SIZE / 1024);
	uint64_t min_kib = isqrt(kib * 16);
	if (min_kib < 128)
		min_kib = 128;
	if (min_kib > 65536)
		min_kib = 65536;
	wmark.min = min_kib / (PAGE_SIZE / 1024);
	wmark.low = wmark.min + wmark.min / 4;
	wmark.high = wmark.min + wmark.min / 2;
	root_mem_cgroup = (struct mem_cgroup){ 0, 0, 0, 0 };
	lru_init();
	workingset_init();
	buddy_set_release_hook(reclaim_page_released);
}

/* See paging/vmscan.h. */
void mem_cgroup_set_limit(uint64_t bytes)
{
	root_mem_cgroup.max = bytes >> PAGE_SHIFT;
}

/* See paging/vmscan.h. */
void reclaim_set_kswapd_waker(void (*wake)(void))
{
	kswapd_waker = wake;
}

/* See paging/vmscan.h. */
void wakeup_kswapd(void)
{
	if (kswapd_waker)
		kswapd_waker();
}

/* See paging/vmscan.h. */
bool kswapd_needed(void)
{
	return nr_free_pages_allocatable() < wmark.low;
}

/* True if anonymous pages can go to swap now. */
static bool can_swap(void)
{
	return swap_enabled() && swap_slots_in_use() + 1 < swap_total_slots();
}

static void count_scan(struct scan_control *sc)
{
	sc->nr_scanned++;
	if (sc->direct)
		count_vm_event(pgscan_direct);
	else
		count_vm_event(pgscan_kswapd);
}

static void count_steal(struct scan_control *sc)
{
	sc->nr_reclaimed++;
	if (sc->direct)
		count_vm_event(pgsteal_direct);
	else
		count_vm_event(pgsteal_kswapd);
}

/* An isolated page goes back to the head of the active list. */
static void putback_active(struct page *page)
{
	page->flags |= PG_active | PG_workingset;
	count_vm_event(pgactivate);
	putback_lru_page(page);
}

/* An isolated page goes back to the head of its inactive list. */
static void putback_inactive(struct page *page)
{
	page->flags &= ~PG_active;
	count_vm_event(pgrotated);
	putback_lru_page(page);
}

/* The last step of a reclaimed page: our isolation reference goes, and with it the frame. */
static void free_reclaimed(struct scan_control *sc, struct page *page)
{
	put_page(page);
	count_steal(sc);
}

/* Reclaims one isolated anonymous page; false to keep it (the caller puts it back). */
static bool reclaim_anon_page(struct page *page, struct scan_control *sc)
{
	if (!PageSwapCache(page)) {
		if (!sc->may_swap || add_to_swap(page))
			return false;
	}
	if (page_mapcount(page) && !try_to_unmap(page))
		return false;
	struct zram_stats z0, z1;
	zram_get_stats(&z0);
	if (swap_writepage(page))
		return false;
	zram_get_stats(&z1);
	if (z1.same_writes == z0.same_writes) {
		/* What this page cost in the pool (raw pages count 4096). */
		count_vm_events(swapout_orig_bytes, PAGE_SIZE);
		if (z1.compr_data_size > z0.compr_data_size)
			count_vm_events(swapout_compr_bytes, z1.compr_data_size - z0.compr_data_size);
	}
	uint64_t key = workingset_key_swap(page_swap_entry(page).val);
	if (!remove_swap_cache_if_unused(page)) {   /* the swap cache's and ours only, or anyone else uses it */
		/* Another reference: a fault that found the page in the cache (its
		 * swap pte holds the slot), or the zap of an exiting or unmapping
		 * process that cleared the last pte before add_to_swap and drops
		 * the frame after its flush. The slot goes if no pte holds it: in
		 * the second case nothing else would ever take the page out of the
		 * cache (Linux leaves it to a later reclaim; seen at -smp 2 and 4 as
		 * swap-cache pages left after the program). */
		try_to_free_swap(page);
		return false;
	}
	workingset_eviction(key);
	return true;
}

/* Reclaims one isolated file page; false to keep it. */
static bool reclaim_file_page(struct page *page, struct scan_control *sc)
{
	(void)sc;
	struct address_space *mapping = page->mapping;
	if (!mapping)
		return true;   /* truncated while mapped: its last mapping went, ours is the last reference */
	if (page_mapcount(page) && !try_to_unmap(page))
		return false;
	if (PageDirty(page)) {
		if (filemap_writeback_page(page))
			return false;
		count_vm_event(file_writeback);
	}
	uint64_t key = workingset_key_file(mapping, page->index);
	if (!remove_mapping(mapping, page))   /* only the cache's reference and ours, clean */
		return false;
	workingset_eviction(key);
	return true;
}

/*
 * Linux's shrink_page_list with page_check_references: each isolated page
 * is activated, rotated, or reclaimed (see paging/vmscan.h).
 */
static void shrink_page_list(struct page_list *list, struct scan_control *sc)
{
	struct page *page;
	while ((page = page_list_pop(list))) {
		count_scan(sc);
		bool anon = PageAnon(page);
		if (!sc->force) {
			uint32_t young = page_referenced(page);
			bool referenced_page = PageReferenced(page);
			page->flags &= ~PG_referenced;
			if (young) {
				page->flags |= PG_referenced;
				if (referenced_page || young > 1)
					putback_active(page);
				else
					putback_inactive(page);
				continue;
			}
			if (referenced_page && !anon && PageDirty(page)) {
				putback_inactive(page);   /* PAGEREF_RECLAIM_CLEAN: only a clean one goes */
				continue;
			}
		}
		if (anon && !sc->may_swap) {
			putback_active(page);   /* Linux: anonymous pages with no swap are activated */
			continue;
		}
		if (anon ? reclaim_anon_page(page, sc) : reclaim_file_page(page, sc))
			free_reclaimed(sc, page);
		else if (anon && page_mapcount(page))
			putback_active(page);
		else
			putback_inactive(page);
	}
}

/* Linux's shrink_inactive_list: a batch from the tail of inactive list lru. */
static void shrink_inactive_list(enum lru_list lru, uint64_t nr, struct scan_control *sc)
{
	struct page_list list;
	page_list_init(&list);
	lru_add_drain();
	isolate_lru_pages(lru, nr, &list);
	shrink_page_list(&list, sc);
}

/* Linux's shrink_active_list: pages from the tail of active list lru whose
 * ptes were not referenced since the last look go to the inactive list. */
static void shrink_active_list(enum lru_list lru, uint64_t nr, struct scan_control *sc)
{
	(void)sc;
	struct page_list list;
	page_list_init(&list);
	lru_add_drain();
	isolate_lru_pages(lru, nr, &list);
	struct page *page;
	while ((page = page_list_pop(&list))) {
		uint32_t young = page_referenced(page);
		if (young || PageReferenced(page)) {
			page->flags &= ~PG_referenced;
			putback_lru_page(page);   /* still active, at the head */
			continue;
		}
		page->flags &= ~PG_active;
		count_vm_event(pgdeactivate);
		putback_lru_page(page);
	}
}

/* True if the inactive list of a kind is smaller than its active list
 * (Linux's inactive_is_low with ratio 1). */
static bool inactive_is_low(enum lru_list inactive)
{
	return lruvec.nr[inactive] < lruvec.nr[inactive + LRU_ACTIVE];
}

/* Pages of a list's kind to scan at sc's priority, weighted by swappiness.
 * A kind smaller than 2^priority pages gets none at this priority (Linux's
 * get_scan_count for a live group): a small list - a program's few text
 * pages - is not looked at again and again while one reclaim goes down
 * the priorities, which would take it for unused at the second look
 * (nothing ran in between to set its Accessed bits). */
static uint64_t scan_share(enum lru_list base, struct scan_control *sc)
{
	uint64_t size = lruvec.nr[base] + lruvec.nr[base + LRU_ACTIVE];
	uint64_t scan = size >> sc->priority;
	uint32_t weight = base == LRU_INACTIVE_ANON ? vm_swappiness : 200 - vm_swappiness;
	return scan * weight / 100;
}

/* Linux's shrink_lruvec: one pass at sc->priority over both kinds. */
static void shrink_lruvec(struct scan_control *sc)
{
	uint64_t nr[2];
	nr[0] = sc->may_swap ? scan_share(LRU_INACTIVE_ANON, sc) : 0;
	nr[1] = scan_share(LRU_INACTIVE_FILE, sc);
	while ((nr[0] || nr[1]) && sc->nr_reclaimed < sc->nr_to_reclaim) {
		for (int k = 0; k < 2; k++) {
			enum lru_list inactive = k ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON;
			if (!nr[k])
				continue;
			uint64_t batch = nr[k] < SWAP_CLUSTER_MAX ? nr[k] : SWAP_CLUSTER_MAX;
			nr[k] -= batch;
			if (inactive_is_low(inactive))
				shrink_active_list(inactive + LRU_ACTIVE, batch, sc);
			if (lruvec.nr[inactive])
				shrink_inactive_list(inactive, batch, sc);
		}
	}
}

/* Runs shrink_lruvec from DEF_PRIORITY down until nr_to_reclaim is met. */
static uint64_t do_try_to_free_pages(struct scan_control *sc)
{
	for (sc->priority = DEF_PRIORITY; sc->priority >= 0; sc->priority--) {
		shrink_lruvec(sc);
		if (sc->nr_reclaimed >= sc->nr_to_reclaim)
			break;
	}
	return sc->nr_reclaimed;
}

/* See paging/vmscan.h. */
uint64_t try_to_free_pages(uint64_t nr, bool direct)
{
	struct scan_control sc = {
		.nr_to_reclaim = nr < SWAP_CLUSTER_MAX ? SWAP_CLUSTER_MAX : nr,
		.may_swap = can_swap(),
		.direct = direct,
	};
	halt_spin_lock(&reclaim_lock);
	uint64_t freed = do_try_to_free_pages(&sc);
	halt_spin_unlock(&reclaim_lock);
	return freed;
}

/* See paging/vmscan.h. */
uint64_t kswapd_shrink_batch(bool *done)
{
	*done = nr_free_pages_allocatable() >= wmark.high;
	if (*done)
		return 0;
	return try_to_free_pages(SWAP_CLUSTER_MAX, false);
}

/* Stores the charge of 2^order pages. */
static void commit_charge(struct page *page, uint32_t order)
{
	page->flags |= PG_memcg;
	uint64_t usage = __atomic_add_fetch(&root_mem_cgroup.usage, 1ull << order, __ATOMIC_RELAXED);
	if (usage > root_mem_cgroup.peak)
		root_mem_cgroup.peak = usage;
}

/* See paging/vmscan.h. */
int mem_cgroup_charge(struct page *page, uint32_t order)
{
	uint64_t n = 1ull << order;
	uint64_t free = nr_free_pages_allocatable();
	if (free < wmark.low) {
		count_vm_event(kswapd_wakeups);
		wakeup_kswapd();
		if (free < wmark.min) {
			count_vm_event(allocstall);
			try_to_free_pages(wmark.min - free + n, true);
		}
	}
	if (root_mem_cgroup.max) {
		uint32_t retries = MAX_RECLAIM_RETRIES;
		bool drained = false;
		while (root_mem_cgroup.usage + n > root_mem_cgroup.max) {
			count_vm_event(memcg_reclaims);
			uint64_t want = root_mem_cgroup.usage + n - root_mem_cgroup.max;
			if (try_to_free_pages(want, true))
				continue;
			if (!drained) {
				/* Pages in other CPUs' LRU batches are off the lists
				 * reclaim scans (as Linux drains its per-CPU charge
				 * stocks once before it gives up). */
				lru_add_drain_all();
				drained = true;
				continue;
			}
			if (!--retries) {
				root_mem_cgroup.failcnt++;
				count_vm_event(memcg_oom);
				return -ENOMEM;
			}
		}
	}
	commit_charge(page, order);
	return 0;
}

/* See paging/vmscan.h. */
int mem_cgroup_charge_thp(struct page *page)
{
	if (root_mem_cgroup.max)
		return -ENOMEM;
	commit_charge(page, HPAGE_PMD_ORDER);
	return 0;
}

/* ---- MADV_PAGEOUT / MADV_COLD ---- */

/* The page of a present, ordinary 4 KiB pte at addr of mm that this mm
 * alone maps and that is on an LRU list, isolated (off its list, with a
 * reference of the caller's), or NULL. Under the pte lock: faults of the
 * mm's other threads run at once on other CPUs and may unmap it. If old,
 * the entry's Accessed bit is cleared too (MADV_COLD) and *pte set for the
 * caller's flush. */
static struct page *isolate_page_at(struct mm_struct *mm, uint64_t addr, bool old)
{
	pte_t *pte = walk_pte(mm->pgd, addr, false, NULL);
	if (!pte)
		return NULL;
	spinlock_t *ptl = pte_lock(pte);
	pte_t entry = ptep_get(pte);
	struct page *page = NULL;
	if (pte_present(entry) && !pte_special(entry)) {
		page = pfn_to_page(pte_pfn(entry));
		/* Linux's madvise_cold_or_pageout_pte_range: only pages this mm alone maps. */
		if (page_mapcount(page) != 1 || !isolate_lru_page(page))
			page = NULL;
		else if (old)
			set_pte(pte, pte_mkold(entry));
	}
	pte_unmap_unlock(ptl);
	return page;
}

/* See paging/vmscan.h. */
uint64_t reclaim_range(struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	struct scan_control sc = { .nr_to_reclaim = UINT64_MAX, .may_swap = can_swap(), .direct = true, .force = true };
	struct page_list list;
	page_list_init(&list);
	lru_add_drain();   /* this CPU's new pages onto the lists, where isolate_page_at looks (Linux's madvise_pageout) */
	halt_spin_lock(&reclaim_lock);
	for (uint64_t a = start; a < end; a += PAGE_SIZE) {
		struct page *page = isolate_page_at(vma->vm_mm, a, false);
		if (!page)
			continue;
		page_list_add_tail(&list, page);
		if (list.nr == SWAP_CLUSTER_MAX) {
			shrink_page_list(&list, &sc);
			sc.may_swap = can_swap();
		}
	}
	shrink_page_list(&list, &sc);
	count_vm_events(pageout, sc.nr_reclaimed);
	halt_spin_unlock(&reclaim_lock);
	return sc.nr_reclaimed;
}

/* See paging/vmscan.h. */
void deactivate_range(struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	lru_add_drain();   /* as reclaim_range */
	halt_spin_lock(&reclaim_lock);
	for (uint64_t a = start; a < end; a += PAGE_SIZE) {
		struct page *page = isolate_page_at(vma->vm_mm, a, true);
		if (!page)
			continue;
		flush_tlb_mm_page(vma->vm_mm, a);
		page->flags &= ~(PG_active | PG_referenced);   /* isolated: no one else changes them */
		count_vm_event(pgdeactivate);
		putback_lru_page(page);   /* the head of its inactive list, as deactivate_page */
	}
	halt_spin_unlock(&reclaim_lock);
}
