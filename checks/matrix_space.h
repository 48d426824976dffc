/*
 * The address spaces the conformance matrix (checks/matrix.h) runs its cases
 * in. Not for use outside checks/.
 *
 * Two roots share one user half:
 *
 *   root       kernel half = init_top_pgt's entries (pgd_copy_kernel_half),
 *              used while EFER.NXE = 1
 *   nonx_root  kernel half = a private deep copy of init_top_pgt's kernel
 *              tables with XD cleared in every entry, used while
 *              EFER.NXE = 0: the kernel's own mappings carry XD, which is a
 *              reserved bit when NXE = 0, so the first stack push or
 *              exception delivery on the shared tables would fault and
 *              triple-fault. On the copy nothing the kernel touches has a
 *              reserved bit.
 *
 * The user half holds:
 *
 *   MATRIX_CODE_VA   ring-3 code (the access snippets, each ending in int3)
 *   MATRIX_STACK_VA  a ring-3 stack page (the snippets never push; iretq needs an RSP)
 *   the case walk    one top-level entry of its own (PML4 slot 64 in 4-level
 *                    mode, PML5 slot 2 in 5-level mode), then one table per
 *                    level below it, rewritten for every case with the raw
 *                    entries of checks/access_model.h
 *
 * Every case's leaf maps one data frame `data` we own: a 4 KiB leaf points
 * at it, a 2 MiB / 1 GiB leaf at the aligned region around it, and the case
 * address is chosen so the access lands on that frame's first byte (the
 * offset of the frame inside the large page). Nothing else of a large page
 * is ever touched.
 */
#ifndef FAULTLINE_CHECKS_MATRIX_SPACE_H
#define FAULTLINE_CHECKS_MATRIX_SPACE_H

#include <stdbool.h>
#include <stdint.h>

#include "checks/access_model.h"
#include "paging/page.h"
#include "paging/pgtable.h"

#define MATRIX_CODE_VA   0x0000100000000000ull   /* PML4 slot 32 (PML5 slot 0) */
#define MATRIX_STACK_VA  (MATRIX_CODE_VA + 0x2000)
#define MATRIX_CASE_BASE_L4  0x0000200000000000ull   /* PML4 slot 64 */
#define MATRIX_CASE_BASE_L5  0x0002000000000000ull   /* PML5 slot 2 */

/* Offsets of the ring-3 snippets in the code page (rbx = case address, al = byte to store). */
#define MATRIX_SNIP_LOAD   0x00   /* mov (%rbx), %al; int3 */
#define MATRIX_SNIP_STORE  0x10   /* mov %al, (%rbx); int3 */
#define MATRIX_SNIP_JMP    0x20   /* jmp *%rbx: the data frame holds int3 */

/* Kernel-half tables the private copy may hold; more and NXE = 0 cases are skipped. */
#define MATRIX_NONX_MAX_TABLES 1024

struct matrix_space {
	pgd_t *root;
	uint64_t root_phys;
	pgd_t *nonx_root;                       /* NULL: no copy (NXE = 0 cases skipped) */
	uint64_t nonx_root_phys;
	uint32_t nonx_tables;                   /* pages in the copy, root included (1 when shared) */
	bool nonx_shared;                       /* nonx_root's kernel half is another space's copy */
	uint64_t table_phys[PG_LEVEL_256T];     /* [L]: the table holding the walk's level-L entries, L >= 1 */
	struct page *data, *code, *stack;
	uint64_t data_phys;
	uint64_t *written[PG_LEVEL_256T + 1];   /* the entries the current case wrote, NULL where none */
};

/*
 * Builds the space (both roots, walk tables, data/code/stack frames, the
 * ring-3 mappings). With share NULL it makes its own XD-free kernel copy;
 * else its nonx_root gets share's copy below its top level (the kernel
 * half's entries are copied, the tables under them shared: nothing writes
 * them while cases run), and share must outlive it. Returns 0, or -ENOMEM
 * with everything it allocated freed again. Failing to make the nonx copy
 * is not an error: nonx_root stays NULL (and so with a share that has none).
 * Only one space at a time may own a copy (share NULL).
 */
int matrix_space_init(struct matrix_space *s, const struct matrix_space *share);

/* Frees everything matrix_space_init() made (a shared copy stays its
 * owner's). The caller is on another CR3, as is every CPU that used it. */
void matrix_space_teardown(struct matrix_space *s);

/* The linear address the case's access uses (lands on the data frame's first byte). */
uint64_t matrix_case_address(const struct matrix_space *s, const struct access_case *c);

/*
 * Writes the case's walk for va = matrix_case_address(s, c): the top entry
 * into root (nonx false) or nonx_root (nonx true), then one entry per level
 * down to the leaf, each access_case_entry_flags(c, level) | the next
 * table's (or the page's) physical address. Clears the previous case's
 * entries first.
 */
void matrix_write_walk(struct matrix_space *s, const struct access_case *c, uint64_t va, bool nonx);

/* The current value of the case's entry at level (0 if the walk has none there). */
uint64_t matrix_read_entry(const struct matrix_space *s, int level);

/* Clears the entries the last matrix_write_walk() wrote. */
void matrix_clear_walk(struct matrix_space *s);

#endif
