/*
 * The kernel's own page tables (Linux: arch/x86/mm/init_64.c, head64.c):
 * init_top_pgt holds the direct map of RAM at PAGE_OFFSET, the kernel image
 * at __START_KERNEL_map with per-section permissions, and nothing in the user
 * half. paging_init() builds them and switches to them (the paging mode too,
 * through the LA57 trampoline, if asked); the kernel then moves itself to its
 * final address, reloads GDT and IDT there and calls paging_finish_boot().
 */
#ifndef FAULTLINE_PAGING_INIT_H
#define FAULTLINE_PAGING_INIT_H

#include <stdbool.h>
#include <stdint.h>
#include "base/bootinfo.h"
#include "lib/config.h"
#include "lib/pe.h"
#include "paging/pgtable.h"

/* The kernel's root table (direct-map address): the boot one, or while a
 * paging-mode switch is in force (paging/mode_switch.h) the other mode's. */
extern pgd_t *init_top_pgt;
extern uint64_t init_top_pgt_phys;

/* What paging_init did, for the boot record and the self-checks. */
struct paging_report {
	uint32_t firmware_levels;        /* the mode the firmware left us in */
	uint32_t levels;                 /* the mode we run in now */
	uint32_t requested;              /* enum config_paging */
	bool la57_fallback;              /* 5 asked, CPU has no LA57: running 4 */
	bool switched_mode;              /* went through the LA57 trampoline */
	uint32_t direct_map_leaf;        /* PG_LEVEL_1G or PG_LEVEL_2M: largest leaf used */
	uint64_t direct_map_bytes;       /* RAM mapped at PAGE_OFFSET */
	uint64_t page_offset;            /* PAGE_OFFSET: where the direct map begins */
	bool mode_switchable;            /* laid out for paging_switch_mode (paging/layout.h) */
	uint64_t image_phys;             /* where the firmware loaded us */
	int64_t relocations;             /* addresses moved to __START_KERNEL_map (set by kernel/main.c) */
	uint64_t tables_at_boot;         /* page-table pages in init_top_pgt after boot */
};
extern struct paging_report paging_report;

/*
 * Builds the kernel tables for the requested mode (falling back to 4 levels
 * without LA57) and loads them. img is our own image as the firmware loaded
 * it (bi->image_base): mapped at __START_KERNEL_map section by section, and
 * for now at its load address too, where the caller still runs when this
 * returns. From then on physical memory, bi included, is reached through
 * __va only. mode_switchable: the kernel will switch paging modes at run time
 * (paging/mode_switch.h), so a 5-level kernel places its direct map at the
 * 4-level base (paging/layout.h, page_offset_base).
 * Setup failures (no memory for tables) panic: nothing can run without them.
 */
void paging_init(struct boot_info *bi, const struct pe_image *img, enum config_paging requested,
		 bool mode_switchable);

/* Called at the final address, after GDT and IDT are reloaded there: drops
 * the transient identity mappings of boot and turns on SMEP/SMAP. */
void paging_finish_boot(void);

/* Makes the kernel-half entries of a new root the same as init_top_pgt's. */
void pgd_copy_kernel_half(pgd_t *pgd);

/* Page-table pages allocated since boot (the fault path tells table-allocating faults apart). */
extern uint64_t pgtable_pages_allocated;
/* Page-table pages given back (pgtable_free_page): a freed table may be
 * in a cached walk (paging/memory.c), which this count invalidates. */
extern uint64_t pgtable_pages_freed;

/* The page-table page allocator used for every table (struct page accounted). */
uint64_t pgtable_alloc_page(void *ctx);
void pgtable_free_page(void *ctx, uint64_t phys);

#endif
