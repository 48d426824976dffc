/*
 * The introspection syscall's ABI, shared by the kernel (kernel/sys_misc.c)
 * and ring 3 (user/rt/faultline.h, which documents each op): its number, the
 * ops, and the struct and flags op FL_INTROSPECT_PTE fills in. Op
 * FL_INTROSPECT_FAULT_STATS copies struct fault_stats (paging/fault_stats.h).
 */
#ifndef FAULTLINE_INTROSPECT_ABI_H
#define FAULTLINE_INTROSPECT_ABI_H

#include <stdint.h>

#define FL_INTROSPECT_VERSION 1

#define SYS_faultline_introspect 0x4000fa17

#define FL_INTROSPECT_PRESENT 0
#define FL_INTROSPECT_PTE     1
#define FL_INTROSPECT_FAULT_STATS 2
#define FL_INTROSPECT_PROGRESS    3   /* arg of len units done: the progress bar */
#define FL_INTROSPECT_SYSCALLS    4   /* the program's syscalls so far, this one not counted */
#define FL_INTROSPECT_THP_EVENTS  5   /* copies struct fl_thp_events */
#define FL_INTROSPECT_THP_FAIL    6   /* arg 1: this program's THP faults find no 2 MiB frame (fallback); 0: off */

/* Linux's thp_* vm events since boot (paging/huge_memory.h) and the hugetlb pools. */
struct fl_thp_events {
	uint64_t fault_alloc;
	uint64_t fault_fallback;
	uint64_t zero_page_alloc;
	uint64_t split_pmd;
	uint64_t deposited;          /* page tables deposited for THP leaves now */
	uint64_t hugetlb_2m_total, hugetlb_2m_free;
	uint64_t hugetlb_1g_total, hugetlb_1g_free;
	uint64_t thp_mode;           /* the `thp` config: 0 never, 1 madvise, 2 always */
};

/*
 * What the page-table walk for one address found.
 *   va        arg rounded down to 4 KiB
 *   levels    paging levels of the address space (4 or 5)
 *   entry[i]  the raw entry at walk step i: entry[0] is the top level (PML5E
 *             with 5 levels, PML4E with 4), entry[levels-1] the PTE. Steps
 *             after a non-present entry or after a huge leaf are 0.
 *   pfn       physical frame number of the 4 KiB frame holding va when the
 *             walk ended at a present leaf (inside a huge page: that frame),
 *             else 0 (FL_PTE_SWAP: the swap slot its swap entry names)
 *   flags     FL_PTE_* summary of the leaf
 */
struct fl_pte_info {
	uint64_t va;
	uint64_t levels;
	uint64_t entry[5];
	uint64_t pfn;
	uint64_t flags;
};

#define FL_PTE_PRESENT   (1ull << 0)  /* a present leaf maps va */
#define FL_PTE_WRITE     (1ull << 1)  /* writable (all levels allow it) */
#define FL_PTE_USER      (1ull << 2)  /* user-accessible (all levels allow it) */
#define FL_PTE_NX        (1ull << 3)  /* no-execute at some level */
#define FL_PTE_HUGE      (1ull << 4)  /* the leaf is a 2 MiB or 1 GiB page */
#define FL_PTE_ZERO_PAGE (1ull << 5)  /* the frame is the shared zero page (or in the huge zero page) */
#define FL_PTE_HUGE_1G   (1ull << 6)  /* with FL_PTE_HUGE: the leaf is a 1 GiB page (else 2 MiB) */
#define FL_PTE_SWAP      (1ull << 7)  /* not present: a swap entry; pfn holds its slot (offset) */

#endif
