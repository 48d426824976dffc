/*
 * Linux's mmu_gather (include/asm-generic/tlb.h, mm/mmu_gather.c): how a
 * teardown of user mappings (munmap, exit, MADV_DONTNEED, truncation)
 * makes sure no CPU can still reach a frame when it is freed.
 *
 *   tlb_gather_mmu(&tlb, mm)
 *   for each entry cleared:   tlb_remove_tlb_entry(&tlb, addr, level)   the range to flush grows
 *                             tlb_remove_page(&tlb, page)             its reference goes later
 *   for each table unlinked:  tlb_remove_table(&tlb, phys)            freed later too
 *   tlb_finish_mmu(&tlb)      one flush_tlb_mm_range over the range (every CPU of
 *                             mm_cpumask), then the pages and tables are released
 *
 * Before, the pages went back one by one as their entries were cleared and
 * one local flush followed: on one CPU that is safe (nothing runs between),
 * but another CPU of the mm could write a freed (and reused) frame through
 * its TLB until the flush reached it, or walk a freed table through its
 * paging-structure caches.
 *
 * The batch is bounded (MMU_GATHER_BATCH pages, MMU_GATHER_TABLES tables,
 * on the caller's stack); when the pages' one is full, the gather takes a
 * free frame for MMU_GATHER_PAGE_SLOTS more, up to MMU_GATHER_MAX_EXTRA of
 * them (Linux's tlb_next_batch: a page of pointers, GFP_NOWAIT, about
 * 10 000 pages in all), so that a large teardown flushes - and shoots
 * down the mm's other CPUs - once per thousands of pages rather than per
 * 128. When no frame is free, or they are all full, tlb_flush_mmu flushes
 * what was gathered so far and releases it, and the gather goes on; the
 * frames go back at tlb_finish_mmu. The flush covers
 * [lowest, highest) of the entries cleared, so its cost follows
 * TLB_SINGLE_PAGE_FLUSH_CEILING (paging/tlb.h): one INVLPG per page up to
 * 33 pages, one full flush beyond. Its stride is the smallest leaf cleared
 * (Linux's tlb_get_unmap_shift). Freed tables with no cleared entry (empty
 * tables) take one page's flush: INVLPG drops all the paging-structure
 * caches of the address space, whatever the address (SDM 4.10.4.1).
 *
 * Host tests compile this file as it is: flush_tlb_mm_range is theirs.
 */
#ifndef FAULTLINE_MMU_GATHER_H
#define FAULTLINE_MMU_GATHER_H

#include <stdbool.h>
#include <stdint.h>

#include "paging/pgtable.h"

struct mm_struct;
struct page;

#define MMU_GATHER_BATCH  128   /* pages held back per flush (1 KiB of the stack) */
#define MMU_GATHER_TABLES 32    /* page-table pages held back per flush */
#define MMU_GATHER_PAGE_SLOTS 512   /* pages held back by one frame of pointers */
#define MMU_GATHER_MAX_EXTRA  16    /* such frames per gather: 8 192 pages more */

struct mmu_gather {
	struct mm_struct *mm;
	uint64_t start, end;          /* the entries cleared since the last flush; start >= end: none */
	bool cleared_ptes, cleared_pmds, cleared_puds;
	bool freed_tables;
	uint32_t nr_pages, nr_tables;
	uint32_t flushes;             /* flush_tlb_mm_range calls made (for tests) */
	uint32_t nr_extra;            /* frames of extra[] taken (kept until tlb_finish_mmu) */
	struct page **extra[MMU_GATHER_MAX_EXTRA];   /* their pointer slots */
	struct page *pages[MMU_GATHER_BATCH];
	uint64_t tables[MMU_GATHER_TABLES];
	struct pt_ops table_ops;      /* unmap_range_ops: frees go to tlb_remove_table */
};

/* Starts a gather for mm: nothing to flush, nothing held. Cannot fail. */
void tlb_gather_mmu(struct mmu_gather *tlb, struct mm_struct *mm);

/* The entry of a leaf of level (PG_LEVEL_4K / 2M / 1G) at addr was cleared
 * or changed: the next flush covers it. */
void tlb_remove_tlb_entry(struct mmu_gather *tlb, uint64_t addr, int level);

/* Drops the caller's reference on page (put_page) after the next flush. A
 * full batch flushes and releases first. */
void tlb_remove_page(struct mmu_gather *tlb, struct page *page);

/* Frees the page-table page at phys (already unlinked from its parent entry)
 * after the next flush, which then reaches lazy CPUs too. */
void tlb_remove_table(struct mmu_gather *tlb, uint64_t phys);

/* Flushes the range gathered so far on every CPU of the mm (nothing if no
 * entry was cleared and no table freed); pages and tables stay held. */
void tlb_flush_mmu_tlbonly(struct mmu_gather *tlb);

/* tlb_flush_mmu_tlbonly, then releases the pages and tables held. */
void tlb_flush_mmu(struct mmu_gather *tlb);

/* Ends the gather: tlb_flush_mmu, and the frames of extra slots go back. */
void tlb_finish_mmu(struct mmu_gather *tlb);

#endif
