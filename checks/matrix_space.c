/*
 * The conformance matrix's address spaces (checks/matrix_space.h): two roots
 * over one user half, the walk tables every case rewrites, and the private
 * XD-free copy of the kernel half used while EFER.NXE = 0.
 */
#include "checks/matrix_space.h"
#include "base/string.h"
#include "paging/buddy.h"
#include "paging/init.h"

/* The ring-3 snippets, at the MATRIX_SNIP_* offsets of the code page. */
static const uint8_t snip_load[]  = { 0x8a, 0x03, 0xcc };   /* mov (%rbx), %al; int3 */
static const uint8_t snip_store[] = { 0x88, 0x03, 0xcc };   /* mov %al, (%rbx); int3 */
static const uint8_t snip_jmp[]   = { 0xff, 0xe3 };         /* jmp *%rbx */

/* A zeroed page-table page; its physical address, 0 if none. */
static uint64_t alloc_table(void)
{
	uint64_t phys = pgtable_alloc_page(NULL);

	if (phys)
		memset(__va(phys), 0, PAGE_SIZE);
	return phys;
}

/* ---- The kernel half without XD ---------------------------------------- */

struct nonx_copy {
	struct matrix_space *s;
	uint64_t pages[MATRIX_NONX_MAX_TABLES];
	bool full;
};

static struct nonx_copy nonx;

/* A zeroed page for the copy, remembered for teardown; 0 if none or the copy is too big. */
static uint64_t nonx_alloc(void)
{
	uint64_t phys;

	if (nonx.s->nonx_tables >= MATRIX_NONX_MAX_TABLES)
		return 0;
	phys = alloc_table();
	if (phys)
		nonx.pages[nonx.s->nonx_tables++] = phys;
	return phys;
}

/*
 * Copies entries [first, last] of the level-`level` table at src into dst,
 * XD cleared, recursing into lower tables (each copied too). Leaves (PTEs,
 * PS = 1 in a PDE or PDPTE) keep their frames. Returns 0, -ENOMEM.
 */
static int copy_entries_nonx(uint64_t *dst, const uint64_t *src, int level, unsigned first, unsigned last)
{
	for (unsigned i = first; i <= last; i++) {
		uint64_t e = src[i];
		uint64_t child;

		if (!(e & _PAGE_PRESENT)) {
			dst[i] = e;                     /* XD of a not-present entry is never looked at */
			continue;
		}
		if (entry_is_leaf(e, level)) {
			dst[i] = e & ~_PAGE_NX;
			continue;
		}
		child = nonx_alloc();
		if (!child)
			return -ENOMEM;
		if (copy_entries_nonx(__va(child), __va(e & PTE_PFN_MASK), level - 1, 0, PTRS_PER_PTE - 1))
			return -ENOMEM;
		dst[i] = (e & ~(_PAGE_NX | PTE_PFN_MASK)) | child;
	}
	return 0;
}

/* Frees every page of the copy. */
static void nonx_free(struct matrix_space *s)
{
	for (uint32_t i = 0; i < s->nonx_tables; i++)
		pgtable_free_page(NULL, nonx.pages[i]);
	s->nonx_tables = 0;
	s->nonx_root = NULL;
	s->nonx_root_phys = 0;
}

/* Builds nonx_root over share's copy (see matrix_space_init); NULL on failure. */
static void nonx_share(struct matrix_space *s, const struct matrix_space *share)
{
	uint64_t root;

	if (!share->nonx_root || !(root = alloc_table()))
		return;
	s->nonx_root = __va(root);
	s->nonx_root_phys = root;
	s->nonx_tables = 1;
	s->nonx_shared = true;
	for (unsigned i = PTRS_PER_PGD / 2; i < PTRS_PER_PGD; i++)
		((uint64_t *)s->nonx_root)[i] = ((const uint64_t *)share->nonx_root)[i];
}

/* Builds nonx_root; leaves it NULL (and nothing allocated) on failure. */
static void nonx_build(struct matrix_space *s)
{
	uint64_t root;

	nonx.s = s;
	s->nonx_tables = 0;
	root = nonx_alloc();
	if (!root)
		return;
	s->nonx_root = __va(root);
	s->nonx_root_phys = root;
	if (copy_entries_nonx((uint64_t *)s->nonx_root, (const uint64_t *)init_top_pgt,
			      pgtable_levels(), PTRS_PER_PGD / 2, PTRS_PER_PGD - 1))
		nonx_free(s);
}

/* ---- Building and tearing down ----------------------------------------- */

/* The top-level index of the case walk and of the code pages. */
static uint64_t case_base(void)
{
	return pgtable_l5_enabled() ? MATRIX_CASE_BASE_L5 : MATRIX_CASE_BASE_L4;
}

/* See checks/matrix_space.h. */
void matrix_space_teardown(struct matrix_space *s)
{
	int top = pgtable_levels();

	matrix_clear_walk(s);
	if (s->root) {
		unmap_range(s->root, MATRIX_CODE_VA, MATRIX_STACK_VA + PAGE_SIZE - MATRIX_CODE_VA);
		pgtable_free_page(NULL, s->root_phys);
	}
	if (s->nonx_root && s->nonx_shared)
		pgtable_free_page(NULL, s->nonx_root_phys);
	else if (s->nonx_root)
		nonx_free(s);
	for (int l = PG_LEVEL_4K; l < top; l++)
		if (s->table_phys[l])
			pgtable_free_page(NULL, s->table_phys[l]);
	if (s->data)
		__free_page(s->data);
	if (s->code)
		__free_page(s->code);
	if (s->stack)
		__free_page(s->stack);
	*s = (struct matrix_space){ 0 };
}

/* See checks/matrix_space.h. */
int matrix_space_init(struct matrix_space *s, const struct matrix_space *share)
{
	int top = pgtable_levels();
	uint8_t *code;
	unsigned code_slot = page_level_index(MATRIX_CODE_VA, top);

	*s = (struct matrix_space){ 0 };
	s->root_phys = alloc_table();
	if (!s->root_phys)
		goto err;
	s->root = __va(s->root_phys);
	pgd_copy_kernel_half(s->root);
	for (int l = PG_LEVEL_4K; l < top; l++)
		if (!(s->table_phys[l] = alloc_table()))
			goto err;

	s->data = alloc_zeroed_page();
	s->code = alloc_zeroed_page();
	s->stack = alloc_zeroed_page();
	if (!s->data || !s->code || !s->stack)
		goto err;
	s->data_phys = page_to_phys(s->data);
	code = page_address(s->code);
	memset(code, 0xcc, PAGE_SIZE);
	memcpy(code + MATRIX_SNIP_LOAD, snip_load, sizeof(snip_load));
	memcpy(code + MATRIX_SNIP_STORE, snip_store, sizeof(snip_store));
	memcpy(code + MATRIX_SNIP_JMP, snip_jmp, sizeof(snip_jmp));

	/* Code: user, read-only, executable, key 0; stack: user data. Both A/D preset. */
	if (map_range(s->root, MATRIX_CODE_VA, page_to_phys(s->code), PAGE_SIZE,
		      __pgprot(_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED), PG_LEVEL_4K) ||
	    map_range(s->root, MATRIX_STACK_VA, page_to_phys(s->stack), PAGE_SIZE,
		      __pgprot(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY),
		      PG_LEVEL_4K))
		goto err;

	if (share)
		nonx_share(s, share);
	else
		nonx_build(s);
	if (s->nonx_root)
		((uint64_t *)s->nonx_root)[code_slot] = ((uint64_t *)s->root)[code_slot];
	return 0;
err:
	matrix_space_teardown(s);
	return -ENOMEM;
}

/* ---- One case's walk ---------------------------------------------------- */

/* See checks/matrix_space.h. */
uint64_t matrix_case_address(const struct matrix_space *s, const struct access_case *c)
{
	return case_base() + (s->data_phys & ~page_level_mask(c->leaf_level));
}

/* See checks/matrix_space.h. */
void matrix_clear_walk(struct matrix_space *s)
{
	for (int l = 0; l <= PG_LEVEL_256T; l++) {
		if (s->written[l])
			*s->written[l] = 0;
		s->written[l] = NULL;
	}
}

/* See checks/matrix_space.h. */
void matrix_write_walk(struct matrix_space *s, const struct access_case *c, uint64_t va, bool nonx)
{
	int top = c->paging_levels;

	matrix_clear_walk(s);
	for (int l = top; l >= c->leaf_level; l--) {
		uint64_t *table = l == top ? (uint64_t *)(nonx ? s->nonx_root : s->root)
					   : (uint64_t *)__va(s->table_phys[l]);
		uint64_t *entry = &table[page_level_index(va, l)];
		uint64_t target;

		if (l > c->leaf_level) {
			target = s->table_phys[l - 1];
		} else {
			target = s->data_phys & page_level_mask(l);
		}
		*entry = access_case_entry_flags(c, l) | target;
		s->written[l] = entry;
	}
}

/* See checks/matrix_space.h. */
uint64_t matrix_read_entry(const struct matrix_space *s, int level)
{
	if (level < 0 || level > PG_LEVEL_256T || !s->written[level])
		return 0;
	return *(volatile uint64_t *)s->written[level];
}
