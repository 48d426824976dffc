/* Gathering a teardown's pages and tables until the TLB flush (paging/mmu_gather.h). */
#include "paging/mmu_gather.h"
#include "paging/buddy.h"
#include "paging/lru.h"
#include "paging/page.h"
#include "paging/rmap.h"
#include "paging/tlb.h"

/* pt_ops.free_table of a gather: the table waits for the flush. */
static void gather_free_table(void *ctx, uint64_t phys)
{
	tlb_remove_table(ctx, phys);
}

/* Forgets the range flushed (Linux's __tlb_reset_range). */
static void tlb_reset_range(struct mmu_gather *tlb)
{
	tlb->start = UINT64_MAX;
	tlb->end = 0;
	tlb->cleared_ptes = tlb->cleared_pmds = tlb->cleared_puds = false;
	tlb->freed_tables = false;
}

/* See paging/mmu_gather.h. */
void tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm)
{
	tlb->mm = mm;
	tlb->nr_pages = tlb->nr_tables = 0;
	tlb->flushes = 0;
	tlb->nr_extra = 0;
	tlb->table_ops = (struct pt_ops){ NULL, gather_free_table, tlb };
	tlb_reset_range(tlb);
}

/* See paging/mmu_gather.h. */
void tlb_remove_tlb_entry(struct mmu_gather *tlb, uint64_t addr, int level)
{
	uint64_t size = page_level_size(level);
	if (addr < tlb->start)
		tlb->start = addr;
	if (addr + size > tlb->end)
		tlb->end = addr + size;
	if (level == PG_LEVEL_4K)
		tlb->cleared_ptes = true;
	else if (level == PG_LEVEL_2M)
		tlb->cleared_pmds = true;
	else
		tlb->cleared_puds = true;
}

/* The stride of the flush: the smallest leaf cleared (Linux's tlb_get_unmap_shift). */
static uint32_t tlb_unmap_shift(const struct mmu_gather *tlb)
{
	if (tlb->cleared_ptes)
		return PAGE_SHIFT;
	if (tlb->cleared_pmds)
		return PMD_SHIFT;
	if (tlb->cleared_puds)
		return PUD_SHIFT;
	return PAGE_SHIFT;
}

/* See paging/mmu_gather.h. */
void tlb_flush_mmu_tlbonly(struct mmu_gather *tlb)
{
	bool range = tlb->start < tlb->end;
	if (!range && !tlb->freed_tables)
		return;
	/* Tables freed with no entry cleared: one page's flush is enough, as
	 * INVLPG drops every paging-structure-cache entry of the address space
	 * whatever the address (SDM 4.10.4.1), and so does a CR3 load. */
	uint64_t start = range ? tlb->start : 0, end = range ? tlb->end : PAGE_SIZE;
	flush_tlb_mm_range(tlb->mm, start, end, tlb_unmap_shift(tlb), tlb->freed_tables);
	tlb->flushes++;
	tlb_reset_range(tlb);
}

#define MMU_GATHER_RELEASE 32   /* pages taken off the LRU lists per lock hold */
_Static_assert(MMU_GATHER_BATCH % MMU_GATHER_RELEASE == 0 && MMU_GATHER_PAGE_SLOTS % MMU_GATHER_RELEASE == 0,
	       "a release group must not straddle two arrays");

/* The slot of the i-th page gathered: the stack's batch, then the extra frames'. */
static struct page **gathered_page(struct mmu_gather *tlb, uint32_t i)
{
	if (i < MMU_GATHER_BATCH)
		return &tlb->pages[i];
	i -= MMU_GATHER_BATCH;
	return &tlb->extra[i / MMU_GATHER_PAGE_SLOTS][i % MMU_GATHER_PAGE_SLOTS];
}

/* See paging/mmu_gather.h. Tables are unlinked from mm's tree already, but
 * a walk that read their entry before may still be in them: the rmap
 * walks that reach another mm's tables without its mmap_lock
 * (page_mkclean, unmap_mapping_range: paging/memory.c) hold rmap_lock
 * throughout, so taking and dropping it once waits for every such walk
 * that can still see them (Linux frees tables after unlink_file_vma, under
 * i_mmap_rwsem). Never called with rmap_lock held when tables were
 * gathered: only the mm's owner frees tables, under its mmap_lock. */
void tlb_flush_mmu(struct mmu_gather *tlb)
{
	tlb_flush_mmu_tlbonly(tlb);
	if (tlb->nr_tables) {
		spin_lock(&rmap_lock);
		spin_unlock(&rmap_lock);
	}
	/* 32 at a time (Linux's SWAP_CLUSTER_MAX): they leave the LRU lists
	 * under one lock hold, then go; 32 divides both batch sizes, so each
	 * group lies in one array. */
	for (uint32_t i = 0; i < tlb->nr_pages; i += MMU_GATHER_RELEASE) {
		uint32_t n = tlb->nr_pages - i < MMU_GATHER_RELEASE ? tlb->nr_pages - i : MMU_GATHER_RELEASE;
		lru_release_unused(gathered_page(tlb, i), n);
		for (uint32_t j = 0; j < n; j++)
			put_page(*gathered_page(tlb, i + j));
	}
	for (uint32_t i = 0; i < tlb->nr_tables; i++)
		pt_default_ops.free_table(pt_default_ops.ctx, tlb->tables[i]);
	tlb->nr_pages = tlb->nr_tables = 0;
}

/* See paging/mmu_gather.h. */
void tlb_remove_page(struct mmu_gather *tlb, struct page *page)
{
	if (tlb->nr_pages == MMU_GATHER_BATCH + tlb->nr_extra * MMU_GATHER_PAGE_SLOTS) {
		struct page *frame = tlb->nr_extra < MMU_GATHER_MAX_EXTRA ? alloc_page() : NULL;
		if (frame)
			tlb->extra[tlb->nr_extra++] = page_address(frame);
		else
			tlb_flush_mmu(tlb);
	}
	*gathered_page(tlb, tlb->nr_pages++) = page;
}

/* See paging/mmu_gather.h. */
void tlb_remove_table(struct mmu_gather *tlb, uint64_t phys)
{
	if (tlb->nr_tables == MMU_GATHER_TABLES) {
		tlb->freed_tables = true;   /* the tables held are unlinked already */
		tlb_flush_mmu(tlb);
	}
	tlb->tables[tlb->nr_tables++] = phys;
	tlb->freed_tables = true;
}

/* See paging/mmu_gather.h. */
void tlb_finish_mmu(struct mmu_gather *tlb)
{
	tlb_flush_mmu(tlb);
	for (uint32_t i = 0; i < tlb->nr_extra; i++)
		__free_page(virt_to_page(tlb->extra[i]));
	tlb->nr_extra = 0;
}
