/*
 * Shared by the host tests of the generic mm (test_memory.c, test_mmap.c):
 * the whole of paging/'s fault path, address-space and memory-call code,
 * compiled for the host, over the buddy allocator in a simulated physical
 * memory that __va() reaches through direct_map_base (as test_vma.c and
 * test_buddy.c do it). What the kernel gets from elsewhere is provided here:
 * page-table pages from the buddy allocator marked PG_pgtable (as
 * paging/init.c does), counted TLB flushes instead of INVLPG, a task to
 * count minor faults in, an empty kernel half.
 */
#ifndef FAULTLINE_MM_SIM_H
#define FAULTLINE_MM_SIM_H

#include <stdint.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "../../base/format.c"
#include "../../lib/check_result.c"
#include "../../paging/memmap.c"
#include "../../paging/buddy.c"
#include "../../paging/slab.c"
#include "../../paging/vma.c"
#include "../../paging/mm_account.c"
#include "../../paging/pgtable.c"

uint64_t direct_map_base;

/* ---- What paging/ gets from the kernel around it ---------------------------- */

/* One CPU: a flush of any mm is counted as the kernel's flush_tlb_func would
 * do it here (paging/tlb.h's ceiling): INVLPGs, or one full flush.
 * tlb_range_flushes counts flush_tlb_mm_range calls (shootdowns), and
 * tlb_freed_table_flushes those that said page tables were freed. */
#include "../../paging/tlb.h"
static uint64_t tlb_page_flushes, tlb_full_flushes, tlb_range_flushes, tlb_freed_table_flushes;
static inline void flush_tlb_page(uint64_t addr) { (void)addr; tlb_page_flushes++; }
static inline void flush_tlb_local(void) { tlb_full_flushes++; }
void flush_tlb_mm_range(struct mm_struct *mm, uint64_t start, uint64_t end, uint32_t stride_shift, bool freed_tables)
{
	(void)mm;
#ifdef MM_SIM_FLUSH_HOOK
	MM_SIM_FLUSH_HOOK(start, end, freed_tables);
#endif
	tlb_range_flushes++;
	tlb_freed_table_flushes += freed_tables;
	if (tlb_flush_is_full(start, end, stride_shift))
		tlb_full_flushes++;
	else
		tlb_page_flushes += (end - start) >> stride_shift;
}

static uint64_t fake_tsc;
static inline uint64_t rdtsc_ordered(void) { return fake_tsc += 10; }

void clear_page(void *page) { memset(page, 0, PAGE_SIZE); }
void copy_page(void *to, const void *from) { memcpy(to, from, PAGE_SIZE); }

/* `current` is this CPU's (cpu/percpu.h: host_pcpu in host tests); sim_ready sets it. */
static struct task_struct sim_task;

uint64_t pgtable_pages_allocated;
uint64_t pgtable_pages_freed;

uint64_t pgtable_alloc_page(void *ctx)
{
	(void)ctx;
	struct page *page = alloc_page();
	if (!page)
		return 0;
	pgtable_pages_allocated++;
	this_cpu_read(pgtables_allocated)++;   /* as paging/init.c: the fault path's vmf->pgtables */
	__SetPageTable(page);
	spin_lock_init(&page->ptl);
	return page_to_phys(page);
}

void pgtable_free_page(void *ctx, uint64_t phys)
{
	(void)ctx;
	struct page *page = phys_to_page(phys);
	pgtable_pages_freed++;
	__ClearPageTable(page);
	__free_page(page);
}

/* paging/ panics on broken invariants: a test that gets here has failed. */
void panic(const char *fmt, ...)
{
	printf("panic: %s\n", fmt);
	abort();
}

/* The simulation has no kernel mappings: the kernel half is all none (as the
 * kernel's, the whole half is written: mm_alloc clears only the user half). */
void pgd_copy_kernel_half(pgd_t *pgd) { memset(pgd + PTRS_PER_PGD / 2, 0, PTRS_PER_PGD / 2 * sizeof(pgd_t)); }

/* handle_mm_fault is always_inline for the kernel's fault path (ThinLTO);
 * the host compiler warns that an external function may not be inlinable. */
#pragma GCC diagnostic ignored "-Wattributes"
#include "../../paging/mmu_gather.c"
#include "../../paging/memory.c"
#include "../../paging/huge_memory.c"
#include "../../paging/hugetlb.c"
#include "../../paging/verify.c"
#include "../../paging/mm.c"
#include "../../paging/mlock.c"
#include "../../paging/mmap.c"
#include "../../paging/mprotect.c"
#include "../../paging/mremap.c"
#include "../../paging/madvise.c"
#include "../../paging/msync.c"
#include "../../paging/filemap.c"
#include "../../paging/xarray.c"
#include "../../lib/lz4.c"
#include "../../paging/zram.c"
#include "../../paging/swap.c"
#include "../../paging/lru.c"
#include "../../paging/rmap.c"
#include "../../paging/vmstat.c"
#include "../../paging/vmscan.c"
#include "../../paging/workingset.c"

#define MiB (1024ull * 1024)
#define PG  PAGE_SIZE

/* ---- Simulated memory (64 MiB at 4 MiB), set up once -------------------------- */
/* (4 MiB is 2 MiB-aligned: the buddy allocator has order-9 blocks for THPs.) */

static uint8_t *sim_buf;
static struct memmap sim_memmap;

/* Buddy allocator, page-table ops and the zero page, once; 4- or 5-level mode. */
static void sim_ready(int levels)
{
	uint64_t start = 4 * MiB, bytes = 64 * MiB;
	pgtable_l5_enabled_flag = (levels == 5);
	current = &sim_task;
	for (int i = 0; i < RLIM_NLIMITS; i++)   /* no limits (kernel/task_misc.c sets Linux's for programs) */
		sim_task.rlim[i] = (struct rlimit){ RLIM_INFINITY, RLIM_INFINITY };
	if (sim_buf)
		return;
	sim_buf = aligned_alloc(PAGE_SIZE, bytes);
	if (!sim_buf) {
		printf("out of host memory\n");
		exit(2);
	}
	direct_map_base = (uint64_t)(uintptr_t)sim_buf - start;
	sim_memmap.count = 1;
	sim_memmap.ranges[0].start = start;
	sim_memmap.ranges[0].end = start + bytes;
	sim_memmap.usable_bytes = bytes;
	sim_memmap.max_pfn = (start + bytes) / PAGE_SIZE;
	if (buddy_init(&sim_memmap) != 0)
		printf("buddy_init failed\n");
	reclaim_init();   /* empty LRU lists and the release hook that takes freed pages off them, as at boot */
	pt_default_ops = (struct pt_ops){ pgtable_alloc_page, pgtable_free_page, NULL };
	if (zero_page_init() != 0)
		printf("zero_page_init failed\n");
}

/* A new mm (mm_alloc) in `levels`-level mode; frees_before gets the free
 * frame count before it, for sim_done's leak check. */
static struct mm_struct *sim_mm(int levels, uint64_t *frames_before)
{
	sim_ready(levels);
	lru_add_drain();   /* the LRU batch's references on earlier tests' pages go */
	drain_local_pages();
	*frames_before = nr_free_pages();
	struct mm_struct *mm = mm_alloc();
	if (!mm)
		printf("mm_alloc failed\n");
	return mm;
}

/* The verifier's verdict on mm's tables: 0 problems, else the first in words. */
static int tables_ok(struct mm_struct *mm)
{
	struct pgtable_verify v;
	pgd_t *roots[1] = { mm->pgd };
	if (verify_page_tables(roots, 1, &v)) {
		printf("  verifier: %s\n", v.first_problem);
		return 0;
	}
	return 1;
}

/* mmput, then every frame must be back. Returns 1 if none leaked. */
static int sim_done(struct mm_struct *mm, uint64_t frames_before)
{
	mmput(mm);
	lru_add_drain();   /* page-cache pages dropped while they waited in the LRU batch */
	kmem_cache_shrink_all();
	drain_local_pages();
	uint64_t now = nr_free_pages();
	if (now != frames_before) {
		printf("  %lld frames leaked\n", (long long)(frames_before - now));
		return 0;
	}
	return 1;
}

/* The pte of va in mm, or 0 if none (no table or entry none). */
static uint64_t pte_of(struct mm_struct *mm, uint64_t va)
{
	pte_t *pte = walk_pte(mm->pgd, va, false, NULL);
	return pte ? pte_val(ptep_get(pte)) : 0;
}

/* The kernel's view of user byte va of mm (through the direct map), or NULL. */
static uint8_t *user_byte(struct mm_struct *mm, uint64_t va)
{
	uint64_t e = pte_of(mm, va);
	if (!(e & _PAGE_PRESENT))
		return NULL;
	return (uint8_t *)__va(pte_pfn(__pte(e)) << PAGE_SHIFT) + (va & ~PAGE_MASK);
}

#endif
