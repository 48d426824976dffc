/*
 * The page-table verifier: walks every table under the given roots and checks
 * the invariants the rest of faultline relies on. Callable from the boot
 * self-checks and after every ring-3 program.
 *
 *   - no kernel-half entry, at any level, is user-accessible
 *   - kernel-half leaves are W^X (never writable and executable)
 *   - every table page reached is a PG_pgtable page in mem_map, and every
 *     PG_pgtable page in mem_map is reached (none leaked, none unaccounted)
 *   - every user-half leaf that maps a struct page (4 KiB, or the head frame
 *     of a 2 MiB / 1 GiB page): the number of entries mapping it equals
 *     page_mapcount()
 *   - every THP pmd leaf has its deposited pte table (paging/huge_memory.h):
 *     the THP leaves found equal pgtable_deposited, which counts the
 *     deposits of all mms, so every mm holding THPs must be among the roots;
 *     PG_pgtable pages are the tables reached plus the deposited ones
 *
 * The map-count check counts in page->lru_prev of user-mapped pages and leaves
 * it 0: nothing else may keep state there for a mapped page.
 */
#ifndef FAULTLINE_VERIFY_H
#define FAULTLINE_VERIFY_H

#include <stdint.h>
#include "paging/pgtable.h"

struct pgtable_verify {
	uint64_t tables;               /* table pages reached (roots included) */
	uint64_t leaves;               /* present leaves */
	uint64_t pgtable_pages;        /* PG_pgtable pages in mem_map */
	uint64_t user_in_kernel_half;  /* violations of each kind */
	uint64_t writable_exec;
	uint64_t unaccounted_tables;
	uint64_t mapcount_mismatch;
	uint64_t thp_leaves;           /* user 2 MiB leaves that are THPs (not the huge zero page) */
	uint64_t deposited;            /* page tables deposited for THPs (pgtable_deposited) */
	uint64_t swap_ptes;            /* user ptes holding a swap entry */
	uint64_t bad_swap_ptes;        /* ... naming no slot in use (or a non-pte level) */
	uint64_t swap_counts;          /* the pte counts of every swap slot, summed (must equal swap_ptes) */
	uint64_t problems;             /* sum of the above plus table-count mismatch */
	char first_problem[160];
};

/* Verifies the tables under roots[0..n) (each a root's direct-map address;
 * kernel-half tables shared between roots are walked once). Returns the number
 * of problems (0: all invariants hold); details in *out. */
uint64_t verify_page_tables(pgd_t *const *roots, uint32_t n, struct pgtable_verify *out);

#endif
