/*
 * Reclaim (Linux's mm/vmscan.c, mm/workingset.c and the parts of
 * mm/memcontrol.c and mm/page_alloc.c that start it), for one node and one
 * memory cgroup ("user": every page user programs hold).
 *
 * Who reclaims:
 *   the charge of a user page past mem_limit   direct reclaim of the user
 *       (mem_cgroup_charge)                     group, until it fits (or OOM)
 *   a user-page allocation leaving free        kswapd woken (kernel/kswapd.c)
 *       memory below the low watermark          to reclaim up to high
 *   ... below the min watermark                 direct reclaim in the allocation
 *   MADV_PAGEOUT / MADV_COLD                    reclaim_pages / deactivate_page of
 *                                               the program's own range
 *
 * How (shrink_lruvec): each list's share to scan at this priority (its
 * length >> priority, none while shorter than 2^priority; anon against file
 * weighted by swappiness, below),
 * active lists aged when their inactive list is smaller, inactive lists
 * scanned from the tail in batches of SWAP_CLUSTER_MAX:
 *   shrink_active_list    referenced (an Accessed bit set in a pte, cleared
 *                         now; or PG_referenced) -> stays active; else to the
 *                         inactive list
 *   shrink_page_list      referenced twice or by two ptes -> activated; once ->
 *                         rotated to the inactive head; not referenced ->
 *                         reclaimed: a file page is unmapped, written back if
 *                         dirty, dropped from the page cache; an anonymous page
 *                         goes to swap (add_to_swap, try_to_unmap puts swap
 *                         entries in its ptes, swap_writepage compresses it)
 *                         and its frame is freed
 * Without swap (none configured, or full) anonymous lists are not scanned.
 *
 * Balance (swappiness, Linux's default 60): anonymous lists are scanned at
 * swappiness/100 of their length's share, file lists at (200 -
 * swappiness)/100: with 60, a file page is about twice as likely to be
 * scanned as an anonymous one of the same age - file pages are cheaper to
 * drop (a clean one needs no write at all). Linux further tilts this by
 * each list's recent rotation ratio; we don't.
 *
 * Refaults (workingset): an evicted page leaves a shadow (its file and
 * index, or its swap entry, with the eviction count then) in a fixed table;
 * a page read back in whose shadow is found, evicted fewer evictions ago
 * than there are pages it competes with (the active list of its kind and
 * both lists of the other kind), is a refault: it would have stayed had the
 * inactive list been that much longer (Linux's refault distance against
 * the workingset size, with the table in place of the cache's shadow
 * entries). A refault goes straight to the active list.
 */
#ifndef FAULTLINE_VMSCAN_H
#define FAULTLINE_VMSCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "paging/buddy.h"
#include "paging/lru.h"
#include "paging/vmstat.h"

struct page;
struct mm_struct;
struct vm_area_struct;

#define SWAP_CLUSTER_MAX   32       /* pages per batch, Linux's */
#define DEF_PRIORITY       12       /* scan 1/4096 of a list first, Linux's */
#define MAX_RECLAIM_RETRIES 16      /* charge attempts without progress before OOM, Linux's */

/* The reclaim counters are per CPU: paging/vmstat.h (count_vm_event, all_vm_events). */

/* The watermarks on the allocator's free frames (Linux's min_free_kbytes
 * rule: min = sqrt(16 * lowmem in KiB) KiB, 128 KiB .. 64 MiB; low = min
 * * 5/4, high = min * 3/2). Set by reclaim_init. */
struct watermarks {
	uint64_t min, low, high;   /* in pages */
};
extern struct watermarks wmark;

/* The user group (memory.max): pages charged, the limit (0: none), its peak. */
struct mem_cgroup {
	uint64_t usage;     /* pages charged now */
	uint64_t max;       /* mem_limit in pages; 0 = unlimited */
	uint64_t peak;      /* highest usage since reset */
	uint64_t failcnt;   /* charges refused */
};
extern struct mem_cgroup root_mem_cgroup;

/* swappiness, 0..200 (Linux's vm.swappiness), 60. */
extern uint32_t vm_swappiness;

/* Sets the watermarks from the allocator's size, empties the lists, the
 * shadow table and the user group (no limit), installs the allocator's
 * release hook. Once, before the first user page. */
void reclaim_init(void);

/* Sets the user group's limit (mem_limit; 0: none), before the programs run. */
void mem_cgroup_set_limit(uint64_t bytes);

/*
 * Charges a new user page (or a 2^order block: a THP) to the user group
 * (PG_memcg), after making room: at mem_limit, direct reclaim until it fits;
 * below the min watermark, direct reclaim; below low, kswapd is woken.
 * Returns 0, or -ENOMEM (the limit holds and reclaim made no progress
 * MAX_RECLAIM_RETRIES times: the caller's VM_FAULT_OOM). Uncharging is
 * automatic when the page is freed.
 */
int mem_cgroup_charge(struct page *page, uint32_t order);

/* Charges a new THP (order HPAGE_PMD_ORDER) without reclaim: -ENOMEM under
 * a mem_limit (THPs are not on the LRU lists, so a limited group gets 4 KiB
 * pages, which reclaim can take), else 0. */
int mem_cgroup_charge_thp(struct page *page);

/* The charge's fast path: with no limit and memory plentiful, charges
 * page and returns true - nothing was reclaimed. False, with nothing done,
 * otherwise: then mem_cgroup_charge, which may reclaim. */
static inline bool charge_user_page_fast(struct page *page)
{
	if (__builtin_expect(!root_mem_cgroup.max && nr_free_pages() >= wmark.low + pcp_high_elsewhere, 1)) {
		page->flags |= PG_memcg;
		/* Atomic: every CPU's faults charge the one counter (the peak is
		 * a statistic: a racing update may keep the lower of two). */
		uint64_t usage = __atomic_add_fetch(&root_mem_cgroup.usage, 1, __ATOMIC_RELAXED);
		if (usage > root_mem_cgroup.peak)
			root_mem_cgroup.peak = usage;
		return true;
	}
	return false;
}

/* Inline part of mem_cgroup_charge for the fault path: one branch when
 * there is no limit and memory is plentiful. */
static inline int charge_user_page(struct page *page)
{
	return charge_user_page_fast(page) ? 0 : mem_cgroup_charge(page, 0);
}

/*
 * Reclaims up to nr pages from the LRU lists (Linux's try_to_free_pages /
 * try_to_free_mem_cgroup_pages), priority from DEF_PRIORITY down to 0 until
 * done. direct: counted as direct reclaim, else kswapd's. Returns the pages freed.
 */
uint64_t try_to_free_pages(uint64_t nr, bool direct);

/* kswapd's work (Linux's balance_pgdat): one batch toward the high
 * watermark. Returns pages freed; 0 with *done set when free >= high. */
uint64_t kswapd_shrink_batch(bool *done);

/* True when free memory is below the low watermark (kswapd should run). */
bool kswapd_needed(void);

/* Sets the function that wakes kswapd (kernel/kswapd.c). */
void reclaim_set_kswapd_waker(void (*wake)(void));

/* Wakes kswapd (nothing before one is registered). */
void wakeup_kswapd(void);

/* MADV_PAGEOUT for [start, end) of vma: its pages that only this mm maps
 * are reclaimed now (referenced or not); shared ones are left. Returns the
 * pages freed. */
uint64_t reclaim_range(struct vm_area_struct *vma, uint64_t start, uint64_t end);

/* MADV_COLD for [start, end) of vma: its pages go to the head of their
 * inactive list, their Accessed bits cleared. */
void deactivate_range(struct vm_area_struct *vma, uint64_t start, uint64_t end);

/* ---- workingset (paging/workingset.c) ---- */

/* Records the eviction of the page named by key (workingset_key_*). */
void workingset_eviction(uint64_t key);
/* A page named by key is read back in: true (and counted) if it was evicted
 * recently enough to be a refault; then the caller activates it. */
bool workingset_refault(uint64_t key);
/* Empties the table. */
void workingset_init(void);
/* The keys of a file page and of a swap entry. */
uint64_t workingset_key_file(const void *mapping, uint64_t index);
static inline uint64_t workingset_key_swap(uint64_t swp_val) { return swp_val | (1ull << 63); }

#endif
