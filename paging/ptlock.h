/*
 * Page-table locks, Linux's split pte locks: every pte table has
 * its own spinlock, in the struct page of the frame that holds it
 * (page->ptl, paging/page.h), so faults on different 2 MiB of one mm never
 * wait for each other; the levels above and the pmd leaves (THP, hugetlb,
 * the huge zero page) are guarded by mm->page_table_lock (paging/mm_types.h).
 *
 * What a pte lock guards: the entries of its table. A fault reads the entry
 * without it, decides, allocates what it needs, then takes the lock and
 * carries out its decision only if the entry is still what it read
 * (pte_same; else "someone else faulted it in": nothing done, the access is
 * retried). Reclaim, zap and mprotect change entries under it too.
 *
 * A table's lock is initialised when the table is allocated
 * (pgtable_alloc_page, paging/init.c); a table is freed only under the
 * mmap_lock held for writing (munmap, exit), when no fault of the mm can be
 * using it, and never by the fault path.
 *
 * Nothing here sleeps. A holder may wait for other CPUs' answers to a TLB
 * shootdown (a CoW break, reclaim's unmap, page_mkclean flush under the
 * lock, as Linux's ptep_clear_flush): a CPU spinning here answers it - the
 * page fault runs with interrupts on (exc_page_fault_fast_smp), and a wait
 * with interrupts off runs the request itself (cpu/spinlock.h's
 * spin_wait_relax).
 */
#ifndef FAULTLINE_PTLOCK_H
#define FAULTLINE_PTLOCK_H

#include <stdint.h>

#include "cpu/spinlock.h"
#include "paging/page.h"
#include "paging/pgtable.h"

/* The lock of the pte table that holds the entry pte (any entry of any
 * table level: the lock of the frame it lies in). */
static inline spinlock_t *pte_lockptr(const void *pte)
{
	return &virt_to_page((const void *)((uintptr_t)pte & PAGE_MASK))->ptl;
}

/* Takes the lock of pte's table; returns it for pte_unmap_unlock. */
static inline spinlock_t *pte_lock(const pte_t *pte)
{
	spinlock_t *ptl = pte_lockptr(pte);
	spin_lock(ptl);
	return ptl;
}

/* Linux's pte_unmap_unlock (no kmap to undo). */
static inline void pte_unmap_unlock(spinlock_t *ptl)
{
	spin_unlock(ptl);
}

/* True if the entry at pte is still orig (Linux's pte_same after taking the lock). */
static inline int pte_same_at(pte_t *pte, pte_t orig)
{
	return pte_val(ptep_get(pte)) == pte_val(orig);
}

#endif
