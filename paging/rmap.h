/*
 * The reverse map (Linux's mm/rmap.c): from a page to every pte that maps
 * it, so reclaim can test and clear the Accessed bits of a page
 * (page_referenced) and unmap it everywhere (try_to_unmap).
 *
 * File pages: the page's mapping lists every VMA that maps its file
 * (i_mmap, paging/filemap.h); the page is at vm_start + (index - vm_pgoff)
 * pages in each VMA whose range covers its index. As Linux.
 *
 * Anonymous pages, a scheme simpler than Linux's anon_vma chains: an
 * anonymous page can only be mapped by the mm it was faulted in and by the
 * mms forked from it (copy-on-write sharing, swap entries copied by fork),
 * always at the address it was first mapped at. So every mm belongs to one
 * family (struct anon_vma: the mms forked from one exec'd mm, a list), and a
 * page records its family and its address (page->anon_vma, anon_addr) when
 * it is first mapped. rmap_walk looks at that address in each mm of the
 * family: a walk costs one page-table walk per process of the family, and
 * nothing is kept per VMA or per mapping (Linux's chains cost an
 * anon_vma_chain per VMA per process, and fork copies them).
 *
 * What this gives up: mremap moves a page's pte to a new address. A page
 * mapped only there gets its anon_addr moved too (page_move_anon_rmap); a
 * page still shared with another mm (CoW after fork) then lives at two
 * addresses, and the walk finds only the ptes at anon_addr: try_to_unmap
 * leaves the others, the map count stays above zero and reclaim keeps the
 * page (it is never lost or freed while mapped - only not reclaimable until
 * the sharing ends).
 *
 * A family lives while one of its mms does (anon_vma_detach of the last one
 * frees it); a page mapped somewhere is mapped by a member, so its anon_vma
 * is alive whenever page_mapcount(page) > 0 - the only time it is read.
 */
#ifndef FAULTLINE_RMAP_H
#define FAULTLINE_RMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "paging/mm_types.h"
#include "paging/page.h"
#include "paging/pgtable.h"

/*
 * SMP: rmap_lock guards every anon_vma family list and every
 * file's i_mmap list (Linux's anon_vma->rwsem and i_mmap_rwsem, as one
 * spinlock). rmap_walk holds it, takes each mm's mmap_lock only with
 * read_trylock (an mm being changed is skipped: the page stays mapped
 * there) and the pte's lock around each callback. Lock order: rmap_lock,
 * mmap_lock, page_table_lock, a pte lock, then the LRU, swap and zone locks.
 */
extern spinlock_t rmap_lock;

struct anon_vma {
	struct mm_struct *mms;   /* the family's mms (mm->anon_next/anon_prev), NULL-terminated */
	uint32_t nr_mms;
};

/* Puts a new mm in parent's family, or (parent NULL: exec) in a new one.
 * Returns 0 or -ENOMEM (no family could be allocated; mm unchanged). */
int anon_vma_attach(struct mm_struct *mm, struct mm_struct *parent);

/* Takes mm out of its family (its last pages are unmapped); the last one
 * out frees it. Nothing for an mm in none. */
void anon_vma_detach(struct mm_struct *mm);

/* Linux's page_add_new_anon_rmap: a new anonymous page about to be mapped
 * at addr of vma's mm records its family and address. */
static inline void page_add_new_anon_rmap(struct page *page, struct vm_area_struct *vma, uint64_t addr)
{
	page->anon_vma = vma->vm_mm->anon_vma;
	page->anon_addr = addr & PAGE_MASK;
}

/* mremap moved the pte of an anonymous page from its address to addr: if
 * this was its only mapping, the reverse map follows it. */
static inline void page_move_anon_rmap(struct page *page, uint64_t addr)
{
	if (PageAnon(page) && page_mapcount(page) == 1)
		page->anon_addr = addr & PAGE_MASK;
}

/* Called for each present pte mapping the page; return false to stop the walk. */
typedef bool (*rmap_one_fn)(struct page *page, struct mm_struct *mm, uint64_t addr, pte_t *pte, void *arg);

/*
 * Calls one for every present 4 KiB pte that maps page (see the top for
 * where it looks). Returns how many it found (up to where one stopped it).
 * Pages mapped nowhere and pages neither anonymous nor in a page cache have
 * none.
 */
uint32_t rmap_walk(struct page *page, rmap_one_fn one, void *arg);

/*
 * Linux's page_referenced: the ptes of page whose Accessed bit was set -
 * each cleared (ptep_test_and_clear_young) and its TLB entry flushed, so
 * the next scan sees only accesses made after this one.
 */
uint32_t page_referenced(struct page *page);

/*
 * Linux's try_to_unmap: removes every pte mapping page. A page-cache page's
 * ptes are cleared (a Dirty bit moves to the page: set_page_dirty); an
 * anonymous page, already in the swap cache, gets its swap entry in each
 * pte (try_to_unmap_swap_pte, paging/swap.h). Map counts, references and
 * rss counters follow; TLB entries are flushed. Returns true if the page is
 * mapped nowhere afterwards.
 */
bool try_to_unmap(struct page *page);

#endif
