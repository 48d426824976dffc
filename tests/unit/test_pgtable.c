/*
 * Host tests of the page-table layer (paging/pgtable_types.h, pgtable.h,
 * pgtable.c) against simulated physical memory: a malloc'd buffer that
 * __va() reaches through direct_map_base, and a bump allocator for table
 * pages that counts, poisons, checks what comes back, and can be told to
 * run dry after N more tables. Everything runs in 4-level and 5-level mode.
 */
#include <stdlib.h>

#include "../../paging/pgtable.c"
#include "unit.h"

/* ---- Simulated physical memory ------------------------------------------ */

#define SIM_PAGES      4096                 /* 16 MiB of "RAM" for tables */
#define SIM_PHYS_BASE  0x100000ull          /* its physical address: never 0 */

uint64_t direct_map_base;

enum { PAGE_UNUSED, PAGE_LIVE, PAGE_FREED };

struct sim {
	uint8_t *mem;
	uint8_t state[SIM_PAGES];
	uint8_t seen[SIM_PAGES];               /* tree_tables(): referenced already */
	uint32_t next;                          /* bump pointer, in pages */
	int allocated, freed;
	int budget;                             /* tables still allowed; < 0: no limit */
	int bad_frees;                          /* frees of pages that were not live */
};
static struct sim sim;

static uint32_t sim_page_index(uint64_t phys) { return (uint32_t)((phys - SIM_PHYS_BASE) / PAGE_SIZE); }

static uint64_t sim_alloc_table(void *ctx)
{
	struct sim *s = ctx;
	if (s->budget == 0 || s->next == SIM_PAGES)
		return 0;
	if (s->budget > 0)
		s->budget--;
	uint32_t i = s->next++;
	memset(s->mem + (uint64_t)i * PAGE_SIZE, 0xa5, PAGE_SIZE);   /* the walker must zero it */
	s->state[i] = PAGE_LIVE;
	s->allocated++;
	return SIM_PHYS_BASE + (uint64_t)i * PAGE_SIZE;
}

static void sim_free_table(void *ctx, uint64_t phys)
{
	struct sim *s = ctx;
	uint32_t i = sim_page_index(phys);
	if (phys < SIM_PHYS_BASE || (phys & (PAGE_SIZE - 1)) || i >= SIM_PAGES || s->state[i] != PAGE_LIVE) {
		s->bad_frees++;
		return;
	}
	memset(s->mem + (uint64_t)i * PAGE_SIZE, 0xdb, PAGE_SIZE);   /* use after free shows */
	s->state[i] = PAGE_FREED;
	s->freed++;
}

static int live_tables(void) { return sim.allocated - sim.freed; }

/* Fresh memory, fresh counters, the mode asked for; returns a zeroed root (counted live). */
static pgd_t *sim_reset(int levels)
{
	if (!sim.mem) {
		sim.mem = aligned_alloc(PAGE_SIZE, (size_t)SIM_PAGES * PAGE_SIZE);
		direct_map_base = (uint64_t)(uintptr_t)sim.mem - SIM_PHYS_BASE;
	}
	memset(sim.state, 0, sizeof(sim.state));
	sim.next = 0;
	sim.allocated = sim.freed = sim.bad_frees = 0;
	sim.budget = -1;
	pt_default_ops = (struct pt_ops){ sim_alloc_table, sim_free_table, &sim };
	pgtable_l5_enabled_flag = (levels == 5);
	physical_mask = ((uint64_t)1 << 52) - 1;
	__supported_pte_mask = ~(uint64_t)0;

	pgd_t *root = __va(sim_alloc_table(&sim));
	memset(root, 0, PAGE_SIZE);
	return root;
}

/* ---- Looking at the tree from outside ----------------------------------- */

static uint64_t *table_at(uint64_t e) { return (uint64_t *)__va(e & PTE_PFN_MASK); }

/*
 * Counts the tables below table (at level), checking that each is a live
 * page referenced once and that its parent entry has exactly the flags of
 * its half (_PAGE_TABLE user, _KERNPG_TABLE kernel). Failures are CHECKs.
 */
static int tree_tables_at(uint64_t *table, int level, int user_half)
{
	int n = 0;
	for (int i = 0; i < 512; i++) {
		uint64_t e = table[i];
		int user = user_half < 0 ? i < 256 : user_half;
		if (level == 1 || e == 0 || (e & _PAGE_PSE) || !(e & _PAGE_PRESENT))
			continue;
		uint32_t page = sim_page_index(e & PTE_PFN_MASK);
		CHECK(page < SIM_PAGES && sim.state[page] == PAGE_LIVE && !sim.seen[page]);
		if (page >= SIM_PAGES || sim.state[page] != PAGE_LIVE || sim.seen[page])
			continue;
		sim.seen[page] = 1;
		CHECK_EQ_U64(e & ~PTE_PFN_MASK, user ? _PAGE_TABLE : _KERNPG_TABLE);
		n += 1 + tree_tables_at(table_at(e), level - 1, user);
	}
	return n;
}

static int tree_tables(pgd_t *root)
{
	memset(sim.seen, 0, sizeof(sim.seen));
	return tree_tables_at((uint64_t *)root, pgtable_levels(), -1);
}

/* The tree is consistent: every live table except the root is reachable once, nothing freed twice. */
static void check_tree(pgd_t *root)
{
	CHECK_EQ_U64(tree_tables(root) + 1, live_tables());
	CHECK_EQ_U64(sim.bad_frees, 0);
}

static int nonzero_entries(const uint64_t *table)
{
	int n = 0;
	for (int i = 0; i < 512; i++)
		n += table[i] != 0;
	return n;
}

/*
 * Checks that the tree holds exactly one path, through index idx[0] of the
 * root, idx[1] of the next table, ..., and returns its last entry.
 */
static uint64_t *check_single_path(pgd_t *root, const uint32_t *idx)
{
	uint64_t *table = (uint64_t *)root;
	int levels = pgtable_levels();
	for (int l = 0; l < levels; l++) {
		CHECK_EQ_U64(nonzero_entries(table), 1);
		CHECK(table[idx[l]] != 0);
		if (l == levels - 1)
			return &table[idx[l]];
		table = table_at(table[idx[l]]);
	}
	return NULL;
}

/* ---- Entry bits and helpers --------------------------------------------- */

TEST(entry_bit_layout)
{
	CHECK_EQ_U64(_PAGE_PRESENT, 0x1);
	CHECK_EQ_U64(_PAGE_RW, 0x2);
	CHECK_EQ_U64(_PAGE_USER, 0x4);
	CHECK_EQ_U64(_PAGE_PWT, 0x8);
	CHECK_EQ_U64(_PAGE_PCD, 0x10);
	CHECK_EQ_U64(_PAGE_ACCESSED, 0x20);
	CHECK_EQ_U64(_PAGE_DIRTY, 0x40);
	CHECK_EQ_U64(_PAGE_PSE, 0x80);
	CHECK_EQ_U64(_PAGE_PAT, 0x80);
	CHECK_EQ_U64(_PAGE_GLOBAL, 0x100);
	CHECK_EQ_U64(_PAGE_SOFTW1, 0x200);
	CHECK_EQ_U64(_PAGE_SOFTW2, 0x400);
	CHECK_EQ_U64(_PAGE_SOFTW3, 0x800);
	CHECK_EQ_U64(_PAGE_PAT_LARGE, 0x1000);
	CHECK_EQ_U64(_PAGE_PKEY_MASK, 0x7800000000000000ull);
	CHECK_EQ_U64(_PAGE_NX, 0x8000000000000000ull);
	CHECK_EQ_U64(_PAGE_SPECIAL, 0x200);
	CHECK_EQ_U64(_PAGE_TABLE, 0x67);
	CHECK_EQ_U64(_KERNPG_TABLE, 0x63);

	CHECK_EQ_U64(X86_PF_PROT, 0x1);
	CHECK_EQ_U64(X86_PF_WRITE, 0x2);
	CHECK_EQ_U64(X86_PF_USER, 0x4);
	CHECK_EQ_U64(X86_PF_RSVD, 0x8);
	CHECK_EQ_U64(X86_PF_INSTR, 0x10);
	CHECK_EQ_U64(X86_PF_PK, 0x20);
	CHECK_EQ_U64(X86_PF_SHSTK, 0x40);
	CHECK_EQ_U64(X86_PF_SGX, 0x8000);

	CHECK_EQ_U64(sizeof(pte_t), 8);
	CHECK_EQ_U64(sizeof(pgd_t), 8);
	CHECK_EQ_U64(PMD_SIZE, 0x200000);
	CHECK_EQ_U64(PUD_SIZE, 0x40000000);
	CHECK_EQ_U64(PMD_MASK, 0xffffffffffe00000ull);

	pgtable_l5_enabled_flag = false;
	CHECK_EQ_U64(PGDIR_SHIFT, 39);
	CHECK_EQ_U64(PTRS_PER_P4D, 1);
	CHECK_EQ_U64(pgtable_levels(), 4);
	pgtable_l5_enabled_flag = true;
	CHECK_EQ_U64(PGDIR_SHIFT, 48);
	CHECK_EQ_U64(PTRS_PER_P4D, 512);
	CHECK_EQ_U64(pgtable_levels(), 5);
	pgtable_l5_enabled_flag = false;
}

TEST(pte_helpers_bit_exact)
{
	pte_t z = __pte(0);
	pte_t all = __pte(~0ull);

	CHECK_EQ_U64(pte_val(pte_mkdirty(z)), 1ull << 6);
	CHECK_EQ_U64(pte_val(pte_mkclean(all)), ~(1ull << 6));
	CHECK_EQ_U64(pte_val(pte_mkyoung(z)), 1ull << 5);
	CHECK_EQ_U64(pte_val(pte_mkold(all)), ~(1ull << 5));
	CHECK_EQ_U64(pte_val(pte_mkwrite(z)), 1ull << 1);
	CHECK_EQ_U64(pte_val(pte_wrprotect(all)), ~(1ull << 1));
	CHECK_EQ_U64(pte_val(pte_mknexec(z)), 1ull << 63);
	CHECK_EQ_U64(pte_val(pte_mkexec(all)), ~(1ull << 63));
	CHECK_EQ_U64(pte_val(pte_mkglobal(z)), 1ull << 8);
	CHECK_EQ_U64(pte_val(pte_mkspecial(z)), 1ull << 9);

	pte_t p = __pte(0x1234000 | _PAGE_PRESENT | _PAGE_USER);
	CHECK(pte_present(p) && !pte_none(p) && pte_user(p) && pte_exec(p));
	CHECK(!pte_write(p) && !pte_dirty(p) && !pte_young(p) && !pte_global(p));
	CHECK(pte_write(pte_mkwrite(p)) && !pte_write(pte_wrprotect(pte_mkwrite(p))));
	CHECK(pte_dirty(pte_mkdirty(p)) && !pte_dirty(pte_mkclean(pte_mkdirty(p))));
	CHECK(pte_young(pte_mkyoung(p)) && !pte_young(pte_mkold(pte_mkyoung(p))));
	CHECK(!pte_exec(pte_mknexec(p)) && pte_exec(pte_mkexec(pte_mknexec(p))));
	CHECK(pte_global(pte_mkglobal(p)));
	CHECK_EQ_U64(pte_pfn(pte_mkdirty(pte_mkwrite(p))), 0x1234);
	CHECK(pte_none(z) && !pte_present(z));
	CHECK_EQ_U64(pte_pkey(__pte(0x5ull << 59)), 5);
	CHECK_EQ_U64(pte_pkey(all), 15);

	/* PROT_NONE: not present to the CPU, present to the mm, not global. */
	pte_t none = pfn_pte(0x42, PAGE_NONE);
	CHECK(pte_present(none) && pte_protnone(none) && !pte_global(none));
	CHECK(!(pte_val(none) & _PAGE_PRESENT));
	CHECK(!pte_protnone(pfn_pte(0x42, PAGE_KERNEL)));

	/* pte_modify keeps frame, A/D, software state; takes the rest. */
	pte_t rw = pte_mkdirty(pte_mkspecial(pfn_pte(0x777, PAGE_SHARED)));
	pte_t ro = pte_modify(rw, PAGE_READONLY_EXEC);
	CHECK_EQ_U64(pte_val(ro), (0x777ull << 12) | _PAGE_SPECIAL | _PAGE_DIRTY | _PAGE_PRESENT |
		     _PAGE_USER | _PAGE_ACCESSED);
	CHECK(pte_write(pte_modify(pte_wrprotect(rw), PAGE_SHARED)));
	CHECK_EQ_U64(pte_val(pte_modify(__pte(_PAGE_SOFTW2), PAGE_NONE)) & _PAGE_SOFTW2, 0);  /* no CoW bit kept */

	/* ptep operations */
	pte_t slot = pfn_pte(0x99, PAGE_SHARED);
	ptep_set_wrprotect(NULL, 0, &slot);
	CHECK_EQ_U64(pte_val(slot), (0x99ull << 12) | (pgprot_val(PAGE_SHARED) & ~_PAGE_RW));
	pte_t old = ptep_get_and_clear(NULL, 0, &slot);
	CHECK_EQ_U64(pte_pfn(old), 0x99);
	CHECK(pte_none(ptep_get(&slot)));
	set_pte_at(NULL, 0, &slot, old);
	CHECK_EQ_U64(pte_val(slot), pte_val(old));
	pte_clear(NULL, 0, &slot);
	CHECK_EQ_U64(pte_val(slot), 0);
}

TEST(protections)
{
	CHECK_EQ_U64(pgprot_val(PAGE_KERNEL), 0x8000000000000163ull);
	CHECK_EQ_U64(pgprot_val(PAGE_KERNEL_EXEC), 0x163);
	CHECK_EQ_U64(pgprot_val(PAGE_KERNEL_RO), 0x8000000000000161ull);
	CHECK_EQ_U64(pgprot_val(PAGE_KERNEL_LARGE), 0x80000000000001e3ull);
	CHECK_EQ_U64(pgprot_val(PAGE_SHARED), 0x8000000000000027ull);
	CHECK_EQ_U64(pgprot_val(PAGE_SHARED_EXEC), 0x27);
	CHECK_EQ_U64(pgprot_val(PAGE_READONLY), 0x8000000000000025ull);
	CHECK_EQ_U64(pgprot_val(PAGE_READONLY_EXEC), 0x25);
	CHECK_EQ_U64(pgprot_val(PAGE_NONE), 0x120);

	/* PAT moves between bit 7 (4K) and bit 12 (large). */
	pgprot_t pat4k = __pgprot(__PAGE_KERNEL | _PAGE_PAT);
	CHECK_EQ_U64(pgprot_val(pgprot_4k_2_large(pat4k)), __PAGE_KERNEL | _PAGE_PAT_LARGE);
	CHECK_EQ_U64(pgprot_val(pgprot_4k_2_large(PAGE_KERNEL)), __PAGE_KERNEL);
	CHECK_EQ_U64(pgprot_val(pgprot_large_2_4k(__pgprot(__PAGE_KERNEL | _PAGE_PSE | _PAGE_PAT_LARGE))),
		     __PAGE_KERNEL | _PAGE_PAT);
}

struct page { uint64_t pfn; };
static uint64_t page_to_pfn(struct page *page) { return page->pfn; }

TEST(pfn_roundtrip_52_and_39_bits)
{
	struct page pg = { 0xfffffffffull };

	pgtable_set_phys_bits(52);
	CHECK_EQ_U64(PTE_PFN_MASK, 0x000ffffffffff000ull);
	CHECK_EQ_U64(pte_pfn(mk_pte(&pg, PAGE_KERNEL)), 0xfffffffffull);
	CHECK_EQ_U64(pte_pfn(pfn_pte(0xffffffffffull, PAGE_KERNEL)), 0xffffffffffull);   /* 40-bit pfn */
	CHECK_EQ_U64(pte_val(pfn_pte(0xffffffffffull, PAGE_KERNEL)), 0x800ffffffffff163ull);
	CHECK_EQ_U64(pte_pfn(pfn_pte(0x10000000000ull, PAGE_KERNEL)), 0);   /* address bit 52 */
	CHECK_EQ_U64(pte_flags(pfn_pte(1, PAGE_KERNEL)), __PAGE_KERNEL);

	pgtable_set_phys_bits(39);
	CHECK_EQ_U64(physical_mask, 0x7fffffffffull);
	CHECK_EQ_U64(PTE_PFN_MASK, 0x0000007ffffff000ull);
	CHECK_EQ_U64(pte_pfn(pfn_pte(0x7ffffffull, PAGE_KERNEL)), 0x7ffffffull);
	CHECK_EQ_U64(pte_pfn(pfn_pte(0x8000000ull, PAGE_KERNEL)), 0);        /* address bit 39 */
	CHECK_EQ_U64(pte_pfn(mk_pte(&pg, PAGE_KERNEL)), 0x7ffffffull);
	CHECK(!pte_exec(mk_pte(&pg, PAGE_KERNEL)));                          /* NX survives */
	CHECK_EQ_U64(pmd_pfn(pfn_pmd(0x7fe00, PAGE_KERNEL_LARGE)), 0x7fe00);
	CHECK_EQ_U64(pmd_pfn(pfn_pmd(0x80000ull << 8, PAGE_KERNEL_LARGE)), 0);

	pgtable_set_phys_bits(60);
	CHECK_EQ_U64(physical_mask, (1ull << 52) - 1);
	pgtable_set_phys_bits(20);
	CHECK_EQ_U64(physical_mask, (1ull << 36) - 1);
	pgtable_set_phys_bits(52);

	/* A CPU without NX: the bit is dropped instead of becoming a reserved-bit fault. */
	__supported_pte_mask = ~_PAGE_NX;
	CHECK_EQ_U64(pte_val(pfn_pte(1, PAGE_KERNEL)), 0x1163);
	CHECK_EQ_U64(pte_val(pte_mknexec(__pte(0))), 0);
	__supported_pte_mask = ~0ull;

	/* No PGE: G goes from present protections, but PROT_NONE (same bit) stays. */
	__supported_pte_mask = ~_PAGE_GLOBAL;
	CHECK_EQ_U64(pte_val(pfn_pte(1, PAGE_KERNEL)), 0x8000000000001063ull);
	CHECK(pte_protnone(pfn_pte(1, PAGE_NONE)));
	CHECK(pte_protnone(pte_modify(pfn_pte(1, PAGE_SHARED), PAGE_NONE)));
	CHECK_EQ_U64(pmd_val(pfn_pmd(0x200, PAGE_KERNEL_LARGE)), 0x80000000002000e3ull);
	__supported_pte_mask = ~0ull;

	/* Large leaves: bit 12 is PAT, not address. */
	pmd_t pmd = pfn_pmd(0x200, __pgprot(__PAGE_KERNEL | _PAGE_PSE | _PAGE_PAT_LARGE));
	CHECK(pmd_leaf(pmd));
	CHECK_EQ_U64(pmd_pfn(pmd), 0x200);
	CHECK_EQ_U64(pmd_flags(pmd), __PAGE_KERNEL | _PAGE_PSE | _PAGE_PAT_LARGE);
	pud_t pud = pfn_pud(0x40000, PAGE_KERNEL_LARGE);
	CHECK(pud_leaf(pud) && pud_present(pud));
	CHECK_EQ_U64(pud_pfn(pud), 0x40000);
	CHECK_EQ_U64(pud_pfn(pfn_pud(0x40001, PAGE_KERNEL_LARGE)), 0x40000);   /* unaligned: masked */
}

/* ---- Addresses ----------------------------------------------------------- */

TEST(canonical_both_modes)
{
	pgtable_l5_enabled_flag = false;
	CHECK(is_canonical(0));
	CHECK(is_canonical(0x00007fffffffffffull));
	CHECK(!is_canonical(0x0000800000000000ull));
	CHECK(!is_canonical(0xffff7fffffffffffull));
	CHECK(is_canonical(0xffff800000000000ull));
	CHECK(is_canonical(~0ull));
	CHECK(!is_canonical(0x00ffffffffffe000ull));
	CHECK_EQ_U64(__VIRTUAL_MASK_SHIFT, 47);
	CHECK_EQ_U64(TASK_SIZE_MAX, 0x00007ffffffff000ull);

	pgtable_l5_enabled_flag = true;
	CHECK(is_canonical(0));
	CHECK(is_canonical(0x0000800000000000ull));
	CHECK(is_canonical(0xffff7fffffffffffull));
	CHECK(is_canonical(0x00ffffffffffffffull));
	CHECK(!is_canonical(0x0100000000000000ull));
	CHECK(!is_canonical(0xfeffffffffffffffull));
	CHECK(is_canonical(0xff00000000000000ull));
	CHECK(is_canonical(~0ull));
	CHECK_EQ_U64(__VIRTUAL_MASK_SHIFT, 56);
	CHECK_EQ_U64(TASK_SIZE_MAX, 0x00fffffffffff000ull);
	pgtable_l5_enabled_flag = false;
}

TEST(indices_hand_computed)
{
	pgtable_l5_enabled_flag = false;
	uint64_t a = 0x00007fffffffe000ull;
	CHECK_EQ_U64(pgd_index(a), 255);
	CHECK_EQ_U64(p4d_index(a), 0);
	CHECK_EQ_U64(pud_index(a), 511);
	CHECK_EQ_U64(pmd_index(a), 511);
	CHECK_EQ_U64(pte_index(a), 510);
	CHECK_EQ_U64(pgd_index(0xffff888000001000ull), 273);
	CHECK_EQ_U64(pgd_index(0xffffffff80000000ull), 511);
	CHECK_EQ_U64(pud_index(0xffffffff80000000ull), 510);

	pgtable_l5_enabled_flag = true;
	CHECK_EQ_U64(pgd_index(a), 0);
	CHECK_EQ_U64(p4d_index(a), 255);
	CHECK_EQ_U64(pud_index(a), 511);
	uint64_t b = 0x00ffffffffffe000ull;
	CHECK_EQ_U64(pgd_index(b), 255);
	CHECK_EQ_U64(p4d_index(b), 511);
	CHECK_EQ_U64(pte_index(b), 510);
	CHECK_EQ_U64(pgd_index(0xff11000000003000ull), 273);
	CHECK_EQ_U64(p4d_index(0x0000800000000000ull), 256);
	pgtable_l5_enabled_flag = false;
}

TEST(p4d_folding)
{
	pgd_t *root = sim_reset(4);
	uint64_t addrs[] = { 0, 0x00007fffffffe000ull, 0xffff888000001000ull, 0xffffffffffffffffull };
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		pgd_t *pgd = pgd_offset_pgd(root, addrs[i]);
		CHECK(p4d_offset(pgd, addrs[i]) == (p4d_t *)pgd);
		CHECK(p4d_alloc(NULL, pgd, addrs[i]) == (p4d_t *)pgd);
	}
	CHECK_EQ_U64(live_tables(), 1);               /* folded p4d_alloc allocated nothing */
	CHECK(!pgd_none(__pgd(0)) && pgd_present(__pgd(0)));
	CHECK(p4d_none(__p4d(0)));

	pgtable_l5_enabled_flag = true;
	CHECK(pgd_none(__pgd(0)) && !pgd_present(__pgd(0)));
	pgtable_l5_enabled_flag = false;
}

/* ---- Mapping single pages ------------------------------------------------ */

struct single_case {
	uint64_t va;
	uint32_t idx[5];
	bool user;
};

/* Maps one page per case on a fresh tree and checks path, counts, flags, lookups. */
static void map_single_pages(int levels, const struct single_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct single_case *c = &cases[i];
		pgd_t *root = sim_reset(levels);
		uint64_t pa = 0xabcd000ull + i * PAGE_SIZE;

		CHECK(walk_pte(root, c->va, false, NULL) == NULL);
		CHECK_EQ_U64(live_tables(), 1);
		pte_t *pte = walk_pte(root, c->va, true, NULL);
		CHECK(pte != NULL);
		if (!pte)
			continue;
		CHECK_EQ_U64(live_tables() - 1, levels - 1);      /* 3 tables (4-level) or 4 (5-level) */
		CHECK(pte_none(*pte));
		set_pte_at(NULL, c->va, pte, pfn_pte(pa >> PAGE_SHIFT, c->user ? PAGE_SHARED : PAGE_KERNEL));

		CHECK((uint64_t *)pte == check_single_path(root, c->idx));
		CHECK_EQ_U64(((uintptr_t)pte & (PAGE_SIZE - 1)) / 8, pte_index(c->va));
		check_tree(root);                                   /* also: USER on user path only */
		uint64_t top = root[c->idx[0]].pgd;
		CHECK_EQ_U64((top & _PAGE_USER) != 0, c->user);
		CHECK((top & _PAGE_PRESENT) && (top & _PAGE_RW));

		/* The same entry through the lookup-only walk and through Linux's offsets. */
		CHECK(walk_pte(root, c->va, false, NULL) == pte);
		pgd_t *pgd = pgd_offset_pgd(root, c->va);
		p4d_t *p4d = p4d_offset(pgd, c->va);
		pud_t *pud = pud_offset(p4d, c->va);
		pmd_t *pmd = pmd_offset(pud, c->va);
		CHECK(pte_offset_kernel(pmd, c->va) == pte);
		CHECK(pte_offset_map(pmd, c->va) == pte);

		struct walk_result r;
		CHECK_EQ_U64(follow_addr(root, c->va + 0x123, &r), 0);
		CHECK_EQ_U64(r.level, PG_LEVEL_4K);
		CHECK_EQ_U64(r.phys, pa + 0x123);
		CHECK(r.entry == (uint64_t *)pte);
		CHECK_EQ_U64(follow_addr(root, c->va + PAGE_SIZE, &r), -1);   /* neighbour: pte none */
		CHECK_EQ_U64(r.level, PG_LEVEL_4K);
		CHECK(r.entry == (uint64_t *)pte + 1 || pte_index(c->va) == 511);

		/* A second page in the same pte table costs nothing; one in the next 1 GiB costs a pmd + pte table. */
		int before = live_tables();
		CHECK(walk_pte(root, c->va ^ PAGE_SIZE, true, NULL) != NULL);
		CHECK_EQ_U64(live_tables(), before);
		CHECK(walk_pte(root, c->va ^ PUD_SIZE, true, NULL) != NULL);
		CHECK_EQ_U64(live_tables(), before + 2);
		check_tree(root);
	}
}

TEST(single_pages_4level)
{
	static const struct single_case cases[] = {
		{ 0x0000000000400000ull, { 0, 0, 2, 0 }, true },
		{ 0x00007fffffffe000ull, { 255, 511, 511, 510 }, true },
		{ 0xffff888000001000ull, { 273, 0, 0, 1 }, false },
		{ 0xffffffff80000000ull, { 511, 510, 0, 0 }, false },
	};
	map_single_pages(4, cases, sizeof(cases) / sizeof(cases[0]));

	/* Outside the 48-bit space: refused, nothing allocated. */
	pgd_t *root = sim_reset(4);
	CHECK(walk_pte(root, 0x0000800000000000ull, true, NULL) == NULL);
	CHECK(walk_pte(root, 0x00ffffffffffe000ull, true, NULL) == NULL);
	CHECK_EQ_U64(live_tables(), 1);
	struct walk_result r;
	CHECK_EQ_U64(follow_addr(root, 0x0000800000000000ull, &r), -1);
	CHECK(r.entry == NULL);
}

TEST(single_pages_5level)
{
	static const struct single_case cases[] = {
		{ 0x0000000000400000ull, { 0, 0, 0, 2, 0 }, true },
		{ 0x00007fffffffe000ull, { 0, 255, 511, 511, 510 }, true },
		{ 0x0000800000000000ull, { 0, 256, 0, 0, 0 }, true },
		{ 0x00ffffffffffe000ull, { 255, 511, 511, 511, 510 }, true },
		{ 0xff11000000003000ull, { 273, 0, 0, 0, 3 }, false },
	};
	map_single_pages(5, cases, sizeof(cases) / sizeof(cases[0]));

	pgd_t *root = sim_reset(5);
	CHECK(walk_pte(root, 0x0100000000000000ull, true, NULL) == NULL);
	CHECK(walk_pte(root, 0xfeffffffffffe000ull, true, NULL) == NULL);
	CHECK_EQ_U64(live_tables(), 1);
}

/* Linux's chain of allocating steps lands on the same entry as walk_pte, with the same tables. */
static void linux_chain(int levels, uint64_t va, bool user)
{
	pgd_t *root = sim_reset(levels);
	pgd_t *pgd = pgd_offset_pgd(root, va);
	p4d_t *p4d = p4d_alloc(NULL, pgd, va);
	CHECK_EQ_U64(live_tables(), levels == 5 ? 2 : 1);
	pud_t *pud = p4d ? pud_alloc(NULL, p4d, va) : NULL;
	pmd_t *pmd = pud ? pmd_alloc(NULL, pud, va) : NULL;
	pte_t *pte = NULL;
	if (pmd) {
		if (user)
			pte = pte_alloc_map(NULL, pmd, va);
		else
			pte = pte_alloc_kernel(pmd, va);
	}
	CHECK(pte != NULL);
	CHECK_EQ_U64(live_tables() - 1, levels - 1);
	CHECK(walk_pte(root, va, false, NULL) == pte);
	check_tree(root);
	CHECK_EQ_U64(pte_alloc(NULL, pmd), 0);                  /* already there: no new table */
	CHECK_EQ_U64(live_tables() - 1, levels - 1);
}

TEST(linux_alloc_chain)
{
	linux_chain(4, 0x00007fffffffe000ull, true);
	linux_chain(4, 0xffff888000001000ull, false);
	linux_chain(5, 0x00ffffffffffe000ull, true);
	linux_chain(5, 0xff11000000003000ull, false);
}

/* ---- Large leaves -------------------------------------------------------- */

static int count_leaf(void *ctx, uint64_t va, int level, uint64_t *entry)
{
	uint64_t *counts = ctx;            /* [0] total, [level] per level, [4] last va */
	(void)entry;
	CHECK(counts[0] == 0 || va > counts[4]);                  /* address order */
	counts[0]++;
	counts[level]++;
	counts[4] = va;
	return 0;
}

static void large_leaves(int levels, uint64_t kva)
{
	pgd_t *root = sim_reset(levels);
	uint64_t pa = 0x80000000ull;          /* 2 GiB: 1 GiB aligned */
	struct walk_result r;

	/* 1 GiB + 4 KiB: one 1G leaf and one 4K page. */
	CHECK_EQ_U64(map_range(root, kva, pa, PUD_SIZE + PAGE_SIZE, PAGE_KERNEL, PG_LEVEL_1G), 0);
	CHECK_EQ_U64(live_tables() - 1, levels == 5 ? 4 : 3);     /* (p4d) pud, pmd, pte */
	check_tree(root);
	CHECK_EQ_U64(follow_addr(root, kva + 0x12345678, &r), 0);
	CHECK_EQ_U64(r.level, PG_LEVEL_1G);
	CHECK_EQ_U64(r.phys, pa + 0x12345678);
	CHECK_EQ_U64(*r.entry, pa | __PAGE_KERNEL | _PAGE_PSE);
	CHECK_EQ_U64(follow_addr(root, kva + PUD_SIZE - 1, &r), 0);
	CHECK_EQ_U64(r.phys, pa + PUD_SIZE - 1);
	CHECK_EQ_U64(follow_addr(root, kva + PUD_SIZE + 0x123, &r), 0);
	CHECK_EQ_U64(r.level, PG_LEVEL_4K);
	CHECK_EQ_U64(r.phys, pa + PUD_SIZE + 0x123);
	CHECK_EQ_U64(follow_addr(root, kva + PUD_SIZE + PAGE_SIZE, &r), -1);
	CHECK_EQ_U64(r.level, PG_LEVEL_4K);

	uint64_t counts[5] = { 0 };
	CHECK_EQ_U64(walk_leaves(root, kva, kva + 2 * PUD_SIZE, count_leaf, counts), 0);
	CHECK_EQ_U64(counts[0], 2);
	CHECK_EQ_U64(counts[PG_LEVEL_1G], 1);
	CHECK_EQ_U64(counts[PG_LEVEL_4K], 1);
	memset(counts, 0, sizeof(counts));   /* the large leaves only: the 4K page's table is not entered */
	CHECK_EQ_U64(walk_large_leaves(root, kva, kva + 2 * PUD_SIZE, count_leaf, counts), 0);
	CHECK_EQ_U64(counts[0], 1);
	CHECK_EQ_U64(counts[PG_LEVEL_1G], 1);
	CHECK_EQ_U64(counts[PG_LEVEL_4K], 0);
	CHECK_EQ_U64(walk_large_leaves(root, kva, kva - PAGE_SIZE, count_leaf, counts), -EINVAL);

	/* An allocating walk refuses to go through the leaf, and nothing changes. */
	int before = live_tables();
	CHECK(walk_pte(root, kva + 0x5000, true, NULL) == NULL);
	CHECK(walk_pte(root, kva + 0x5000, false, NULL) == NULL);
	pgd_t *pgd = pgd_offset_pgd(root, kva);
	pud_t *pud = pud_offset(p4d_offset(pgd, kva), kva);
	CHECK(pud_leaf(*pud));
	CHECK(pmd_alloc(NULL, pud, kva) == NULL);
	CHECK_EQ_U64(map_range(root, kva + 0x5000, 0x5000, PAGE_SIZE, PAGE_KERNEL, PG_LEVEL_4K), -EEXIST);
	CHECK_EQ_U64(pud_val(*pud), pa | __PAGE_KERNEL | _PAGE_PSE);
	CHECK_EQ_U64(live_tables(), before);
	CHECK_EQ_U64(unmap_range(root, kva + PAGE_SIZE, PAGE_SIZE), -EINVAL);   /* would cut the 1G leaf */
	CHECK_EQ_U64(unmap_range(root, kva - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
	CHECK_EQ_U64(unmap_range(root, kva + PUD_SIZE - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);  /* starts inside */
	CHECK_EQ_U64(follow_addr(root, kva + PUD_SIZE, &r), 0);
	CHECK_EQ_U64(pud_val(*pud), pa | __PAGE_KERNEL | _PAGE_PSE);

	/* Everything goes back: 1G leaf cleared, all tables freed, only the root left. */
	CHECK_EQ_U64(unmap_range(root, kva, PUD_SIZE + PAGE_SIZE), levels == 5 ? 4 : 3);
	CHECK_EQ_U64(live_tables(), 1);
	CHECK_EQ_U64(nonzero_entries((uint64_t *)root), 0);
	check_tree(root);

	/* 2M leaves: va 1G-aligned but pa only 2M-aligned; 4 MiB + 8 KiB. */
	uint64_t uva = 0x40000000ull;
	CHECK_EQ_U64(map_range(root, uva, 0x200000, 2 * PMD_SIZE + 2 * PAGE_SIZE, PAGE_SHARED, PG_LEVEL_1G), 0);
	memset(counts, 0, sizeof(counts));
	CHECK_EQ_U64(walk_leaves(root, 0, TASK_SIZE_MAX, count_leaf, counts), 0);
	CHECK_EQ_U64(counts[0], 4);
	CHECK_EQ_U64(counts[PG_LEVEL_2M], 2);
	CHECK_EQ_U64(counts[PG_LEVEL_4K], 2);
	CHECK_EQ_U64(follow_addr(root, uva + PMD_SIZE + 0x1234, &r), 0);
	CHECK_EQ_U64(r.level, PG_LEVEL_2M);
	CHECK_EQ_U64(r.phys, 0x400000 + 0x1234);
	CHECK_EQ_U64(*r.entry & ~PHYSICAL_PMD_PAGE_MASK, pgprot_val(PAGE_SHARED) | _PAGE_PSE);
	pmd_t *pmd = pmd_offset(pud_offset(p4d_offset(pgd_offset_pgd(root, uva), uva), uva), uva);
	CHECK(pte_alloc(NULL, pmd) == -EEXIST);             /* the 2M leaf is not a table */
	CHECK(pte_offset_map(pmd, uva) == NULL);
	CHECK(pte_alloc_map(NULL, pmd, uva) == NULL);
	CHECK_EQ_U64(unmap_range(root, uva, 2 * PMD_SIZE + 2 * PAGE_SIZE), levels == 5 ? 4 : 3);
	CHECK_EQ_U64(live_tables(), 1);

	/* PAT in a large leaf goes to bit 12, and is not taken for address. */
	CHECK_EQ_U64(map_range(root, kva, pa, PMD_SIZE, __pgprot(__PAGE_KERNEL | _PAGE_PAT), PG_LEVEL_2M), 0);
	CHECK_EQ_U64(follow_addr(root, kva + 0x10, &r), 0);
	CHECK_EQ_U64(*r.entry, pa | __PAGE_KERNEL | _PAGE_PSE | _PAGE_PAT_LARGE);
	CHECK_EQ_U64(r.phys, pa + 0x10);
	CHECK_EQ_U64(pmd_pfn(__pmd(*r.entry)), pa >> PAGE_SHIFT);
	CHECK_EQ_U64(unmap_range(root, kva, PMD_SIZE), levels == 5 ? 3 : 2);

	/* Leaf size capped at 2M: a 1 GiB aligned range becomes 512 pmd leaves in one pmd table. */
	CHECK_EQ_U64(map_range(root, kva, pa, PUD_SIZE, PAGE_KERNEL, PG_LEVEL_2M), 0);
	CHECK_EQ_U64(live_tables() - 1, levels == 5 ? 3 : 2);
	memset(counts, 0, sizeof(counts));
	CHECK_EQ_U64(walk_leaves(root, kva, kva + PUD_SIZE, count_leaf, counts), 0);
	CHECK_EQ_U64(counts[PG_LEVEL_2M], 512);
	CHECK_EQ_U64(counts[0], 512);

	/* Capped at 4K: 2 MiB of 4K pages. */
	CHECK_EQ_U64(map_range(root, kva + PUD_SIZE, pa, PMD_SIZE, PAGE_KERNEL, PG_LEVEL_4K), 0);
	memset(counts, 0, sizeof(counts));
	CHECK_EQ_U64(walk_leaves(root, kva + PUD_SIZE, kva + PUD_SIZE + PMD_SIZE, count_leaf, counts), 0);
	CHECK_EQ_U64(counts[PG_LEVEL_4K], 512);
	CHECK_EQ_U64(counts[0], 512);
	memset(counts, 0, sizeof(counts));   /* 512 2M leaves and 512 4K ones: only the 2M seen */
	CHECK_EQ_U64(walk_large_leaves(root, kva, kva + PUD_SIZE + PMD_SIZE, count_leaf, counts), 0);
	CHECK_EQ_U64(counts[PG_LEVEL_2M], 512);
	CHECK_EQ_U64(counts[PG_LEVEL_4K], 0);
	CHECK_EQ_U64(counts[0], 512);
	check_tree(root);

	/* An (empty) pte table already in a slot where a 2M leaf would fit: 4K leaves inside it. */
	root = sim_reset(levels);
	p4d_t *up4d = p4d_alloc(NULL, pgd_offset_pgd(root, uva), uva);
	pud_t *upud = up4d ? pud_alloc(NULL, up4d, uva) : NULL;
	pmd_t *upmd = upud ? pmd_alloc(NULL, upud, uva) : NULL;
	CHECK(upmd && pte_alloc(NULL, upmd) == 0);
	CHECK_EQ_U64(map_range(root, uva, 0x200000, 2 * PMD_SIZE, PAGE_SHARED, PG_LEVEL_2M), 0);
	memset(counts, 0, sizeof(counts));
	CHECK_EQ_U64(walk_leaves(root, uva, uva + 2 * PMD_SIZE, count_leaf, counts), 0);
	CHECK_EQ_U64(counts[PG_LEVEL_4K], 512);
	CHECK_EQ_U64(counts[PG_LEVEL_2M], 1);
	CHECK_EQ_U64(follow_addr(root, uva + PMD_SIZE - 1, &r), 0);
	CHECK_EQ_U64(r.level, PG_LEVEL_4K);
	CHECK_EQ_U64(r.phys, 0x200000 + PMD_SIZE - 1);
	check_tree(root);
}

TEST(large_leaves_4level) { large_leaves(4, 0xffff888000000000ull); }
TEST(large_leaves_5level) { large_leaves(5, 0xff11000000000000ull); }

/* ---- Allocation failure ------------------------------------------------- */

static void failure_at_every_depth(int levels, uint64_t va)
{
	/* On an empty tree: every depth fails cleanly, nothing left behind. */
	for (int budget = 0; budget < levels - 1; budget++) {
		pgd_t *root = sim_reset(levels);
		sim.budget = budget;
		CHECK(walk_pte(root, va, true, NULL) == NULL);
		CHECK_EQ_U64(live_tables(), 1);
		CHECK_EQ_U64(sim.allocated - 1, budget);       /* it did get that far */
		CHECK_EQ_U64(nonzero_entries((uint64_t *)root), 0);
		check_tree(root);
		sim.budget = -1;
		CHECK(walk_pte(root, va, true, NULL) != NULL);
		CHECK_EQ_U64(live_tables() - 1, levels - 1);
		check_tree(root);
	}

	/* With a neighbour sharing the upper tables: it survives untouched. */
	pgd_t *root = sim_reset(levels);
	CHECK_EQ_U64(map_range(root, va, 0x7000, PAGE_SIZE, PAGE_SHARED, PG_LEVEL_4K), 0);
	int before = live_tables();
	uint64_t other = va ^ PUD_SIZE;                     /* needs a pmd and a pte table */
	sim.budget = 1;
	CHECK(walk_pte(root, other, true, NULL) == NULL);
	CHECK_EQ_U64(live_tables(), before);
	struct walk_result r;
	CHECK_EQ_U64(follow_addr(root, va, &r), 0);
	CHECK_EQ_U64(r.phys, 0x7000);
	check_tree(root);

	/* map_range running dry half-way unmaps what it did, keeps what was there. */
	uint64_t b = va & PMD_MASK;                         /* va's pte table covers [b, b + 2M) */
	sim.budget = 0;
	CHECK_EQ_U64(map_range(root, b + 100 * PAGE_SIZE, 0x8000, 2 * PAGE_SIZE, PAGE_SHARED, PG_LEVEL_4K), 0);
	CHECK_EQ_U64(map_range(root, b + PMD_SIZE - PAGE_SIZE, 0x9000, 2 * PAGE_SIZE, PAGE_SHARED, PG_LEVEL_4K),
		     -ENOMEM);
	CHECK_EQ_U64(follow_addr(root, b + PMD_SIZE - PAGE_SIZE, &r), -1);
	CHECK_EQ_U64(live_tables(), before);
	CHECK_EQ_U64(follow_addr(root, b + 100 * PAGE_SIZE, &r), 0);
	CHECK_EQ_U64(r.phys, 0x8000);
	CHECK_EQ_U64(follow_addr(root, va, &r), 0);
	check_tree(root);

	/* -EEXIST half-way: the first page is unmapped again, the old one keeps its frame. */
	sim.budget = -1;
	CHECK_EQ_U64(map_range(root, va - PAGE_SIZE, 0xa000, 2 * PAGE_SIZE, PAGE_SHARED, PG_LEVEL_4K), -EEXIST);
	CHECK_EQ_U64(follow_addr(root, va, &r), 0);
	CHECK_EQ_U64(r.phys, 0x7000);
	CHECK_EQ_U64(follow_addr(root, va - PAGE_SIZE, &r), -1);
	check_tree(root);

	/* Linux's steps: a failing step returns NULL; tables of earlier steps stay linked, not leaked. */
	root = sim_reset(levels);
	sim.budget = levels - 3;                            /* everything but the pmd table */
	pgd_t *pgd = pgd_offset_pgd(root, va);
	p4d_t *p4d = p4d_alloc(NULL, pgd, va);
	pud_t *pud = p4d ? pud_alloc(NULL, p4d, va) : NULL;
	CHECK(pud != NULL);
	CHECK(pud && pmd_alloc(NULL, pud, va) == NULL);
	CHECK_EQ_U64(live_tables() - 1, levels - 3);
	check_tree(root);
	sim.budget = 0;
	pmd_t pmd_slot = { 0 };
	CHECK_EQ_U64(pte_alloc(NULL, &pmd_slot), -ENOMEM);
	CHECK_EQ_U64(pmd_val(pmd_slot), 0);
	CHECK_EQ_U64(unmap_range(root, va, PAGE_SIZE), levels - 3);
	CHECK_EQ_U64(live_tables(), 1);
}

TEST(allocation_failure_4level)
{
	failure_at_every_depth(4, 0x00007f0000001000ull);
	failure_at_every_depth(4, 0xffff888000001000ull);
}

TEST(allocation_failure_5level)
{
	failure_at_every_depth(5, 0x00f0000000001000ull);
	failure_at_every_depth(5, 0xff11000000003000ull);
}

/* An allocator handing out an unaligned address gets it back, and nothing is linked. */
static uint64_t returned_phys;
static uint64_t bad_alloc(void *ctx) { (void)ctx; return SIM_PHYS_BASE + 8; }
static void bad_free(void *ctx, uint64_t phys) { (void)ctx; returned_phys = phys; }

TEST(allocator_misbehaving)
{
	pgd_t *root = sim_reset(4);
	struct pt_ops bad = { bad_alloc, bad_free, NULL };
	CHECK(walk_pte(root, 0x400000, true, &bad) == NULL);
	CHECK_EQ_U64(returned_phys, SIM_PHYS_BASE + 8);
	CHECK_EQ_U64(nonzero_entries((uint64_t *)root), 0);

	struct pt_ops nothing = { NULL, NULL, NULL };
	CHECK(walk_pte(root, 0x400000, true, &nothing) == NULL);
	CHECK_EQ_U64(nonzero_entries((uint64_t *)root), 0);
}

/* ---- Unmapping and teardown --------------------------------------------- */

static void unmap_frees(int levels, uint64_t kva, uint64_t high_user)
{
	pgd_t *root = sim_reset(levels);
	int per_page = levels - 1;

	CHECK_EQ_U64(map_range(root, 0x400000, 0x1000, 2 * PAGE_SIZE, PAGE_SHARED, PG_LEVEL_4K), 0);
	CHECK_EQ_U64(map_range(root, high_user, 0x3000, PAGE_SIZE, PAGE_SHARED, PG_LEVEL_4K), 0);
	CHECK_EQ_U64(map_range(root, kva, 0x4000, PAGE_SIZE, PAGE_KERNEL, PG_LEVEL_4K), 0);
	CHECK_EQ_U64(live_tables() - 1, 3 * per_page);
	check_tree(root);

	/* One of two pages in a pte table: nothing freed. The other: its whole path. */
	CHECK_EQ_U64(unmap_range(root, 0x400000, PAGE_SIZE), 0);
	CHECK_EQ_U64(unmap_range(root, 0x401000, PAGE_SIZE), per_page);
	CHECK_EQ_U64(live_tables() - 1, 2 * per_page);
	CHECK_EQ_U64(unmap_range(root, 0x400000, PAGE_SIZE), 0);        /* already gone */
	check_tree(root);

	/* The user half goes, the kernel half stays. */
	CHECK_EQ_U64(free_pgtables(root, 0, TASK_SIZE_MAX + PAGE_SIZE), per_page);
	CHECK_EQ_U64(live_tables() - 1, per_page);
	struct walk_result r;
	CHECK_EQ_U64(follow_addr(root, kva, &r), 0);
	CHECK_EQ_U64(free_pgtables(root, 0, kva + PAGE_SIZE), -EINVAL);
	CHECK_EQ_U64(free_pgtables(root, PAGE_SIZE, 0), -EINVAL);
	CHECK_EQ_U64(follow_addr(root, kva, &r), 0);

	/* A range over the non-canonical hole, to near the top: everything, root only left. */
	CHECK_EQ_U64(map_range(root, high_user, 0x3000, PAGE_SIZE, PAGE_SHARED, PG_LEVEL_4K), 0);
	CHECK_EQ_U64(unmap_range(root, 0, 0xfffffffffffff000ull), 2 * per_page);
	CHECK_EQ_U64(live_tables(), 1);
	CHECK_EQ_U64(nonzero_entries((uint64_t *)root), 0);
	check_tree(root);

	/* Hostile arguments change nothing. */
	CHECK_EQ_U64(map_range(root, kva, 0x4000, PAGE_SIZE, PAGE_KERNEL, PG_LEVEL_4K), 0);
	int before = live_tables();
	CHECK_EQ_U64(unmap_range(root, kva + 1, PAGE_SIZE), -EINVAL);
	CHECK_EQ_U64(unmap_range(root, kva, 100), -EINVAL);
	CHECK_EQ_U64(unmap_range(root, 0xfffffffffffff000ull, 2 * PAGE_SIZE), -EINVAL);   /* wraps */
	CHECK_EQ_U64(unmap_range(root, 1ull << 57, PAGE_SIZE), -EINVAL);                  /* not canonical */
	CHECK_EQ_U64(unmap_range(root, kva, 0), 0);
	CHECK_EQ_U64(live_tables(), before);
	CHECK_EQ_U64(follow_addr(root, kva, &r), 0);
}

TEST(unmap_frees_tables_4level) { unmap_frees(4, 0xffff888000001000ull, 0x00007fffffffe000ull); }
TEST(unmap_frees_tables_5level) { unmap_frees(5, 0xff11000000003000ull, 0x00ffffffffffe000ull); }

TEST(map_range_rejects_bad_arguments)
{
	pgd_t *root = sim_reset(4);
	CHECK_EQ_U64(map_range(root, 0x1001, 0x1000, PAGE_SIZE, PAGE_KERNEL, 1), -EINVAL);
	CHECK_EQ_U64(map_range(root, 0x1000, 0x1001, PAGE_SIZE, PAGE_KERNEL, 1), -EINVAL);
	CHECK_EQ_U64(map_range(root, 0x1000, 0x1000, 123, PAGE_KERNEL, 1), -EINVAL);
	CHECK_EQ_U64(map_range(root, 0x1000, 0x1000, PAGE_SIZE, PAGE_KERNEL, 0), -EINVAL);
	CHECK_EQ_U64(map_range(root, 0x1000, 0x1000, PAGE_SIZE, PAGE_KERNEL, 4), -EINVAL);
	CHECK_EQ_U64(map_range(root, 0x1000, 0x1000, PAGE_SIZE, __pgprot(_PAGE_RW), 1), -EINVAL);
	CHECK_EQ_U64(map_range(root, 0x0000800000000000ull, 0x1000, PAGE_SIZE, PAGE_KERNEL, 1), -EINVAL);
	CHECK_EQ_U64(map_range(root, 0x00007ffffffff000ull, 0x1000, 2 * PAGE_SIZE, PAGE_KERNEL, 1), -EINVAL);
	CHECK_EQ_U64(map_range(root, 0xfffffffffffff000ull, 0x1000, 2 * PAGE_SIZE, PAGE_KERNEL, 1), -EINVAL);
	CHECK_EQ_U64(map_range(root, 0x1000, 0xffffffffffffe000ull, 2 * PAGE_SIZE, PAGE_KERNEL, 1), -EINVAL);
	pgtable_set_phys_bits(39);
	CHECK_EQ_U64(map_range(root, 0x1000, 1ull << 39, PAGE_SIZE, PAGE_KERNEL, 1), -EINVAL);
	CHECK_EQ_U64(map_range(root, 0x1000, (1ull << 39) - PAGE_SIZE, 2 * PAGE_SIZE, PAGE_KERNEL, 1), -EINVAL);
	pgtable_set_phys_bits(52);
	CHECK_EQ_U64(map_range(root, 0x1000, 0x1000, 0, PAGE_KERNEL, 1), 0);
	CHECK_EQ_U64(live_tables(), 1);

	/* Mapping twice: -EEXIST, the first mapping unchanged. */
	CHECK_EQ_U64(map_range(root, 0x1000, 0x5000, PAGE_SIZE, PAGE_SHARED, 1), 0);
	CHECK_EQ_U64(map_range(root, 0x1000, 0x6000, PAGE_SIZE, PAGE_SHARED, 1), -EEXIST);
	struct walk_result r;
	CHECK_EQ_U64(follow_addr(root, 0x1000, &r), 0);
	CHECK_EQ_U64(r.phys, 0x5000);

	/* PROT_NONE: an entry the mm sees, the CPU does not; unmap clears it. */
	CHECK_EQ_U64(map_range(root, 0x2000, 0x6000, PAGE_SIZE, PAGE_NONE, 1), 0);
	CHECK_EQ_U64(follow_addr(root, 0x2000, &r), -1);
	pte_t *pte = walk_pte(root, 0x2000, false, NULL);
	CHECK(pte && pte_protnone(*pte) && pte_pfn(*pte) == 6);
	CHECK_EQ_U64(unmap_range(root, 0x1000, 2 * PAGE_SIZE), 3);
	CHECK_EQ_U64(live_tables(), 1);

	/* No NX on this CPU: large leaves lose it too. */
	__supported_pte_mask = ~_PAGE_NX;
	CHECK_EQ_U64(map_range(root, 0x200000, 0x200000, PMD_SIZE, PAGE_KERNEL, PG_LEVEL_2M), 0);
	CHECK_EQ_U64(follow_addr(root, 0x200000, &r), 0);
	CHECK_EQ_U64(*r.entry, 0x200000 | (__PAGE_KERNEL & ~_PAGE_NX) | _PAGE_PSE);
	__supported_pte_mask = ~0ull;
}

/* walk_leaves: addresses and levels in order, fn may edit, a nonzero return stops. */
static int wrprotect_leaf(void *ctx, uint64_t va, int level, uint64_t *entry)
{
	int *n = ctx;
	(void)va;
	(void)level;
	*entry &= ~_PAGE_RW;
	return ++*n == 3 ? 42 : 0;
}

TEST(walk_leaves_visits_and_stops)
{
	for (int levels = 4; levels <= 5; levels++) {
		pgd_t *root = sim_reset(levels);
		uint64_t counts[5] = { 0 };
		CHECK_EQ_U64(map_range(root, 0x10000, 0x10000, 5 * PAGE_SIZE, PAGE_SHARED, PG_LEVEL_4K), 0);
		CHECK_EQ_U64(walk_leaves(root, 0x11000, 0x13000, count_leaf, counts), 0);
		CHECK_EQ_U64(counts[0], 2);
		CHECK_EQ_U64(counts[4], 0x12000);
		int n = 0;
		CHECK_EQ_U64(walk_leaves(root, 0, TASK_SIZE_MAX, wrprotect_leaf, &n), 42);
		CHECK_EQ_U64(n, 3);
		CHECK(!pte_write(*walk_pte(root, 0x12000, false, NULL)));
		CHECK(pte_write(*walk_pte(root, 0x13000, false, NULL)));
		CHECK_EQ_U64(walk_leaves(root, 0x2000, 0x1000, count_leaf, counts), -EINVAL);
		CHECK_EQ_U64(walk_leaves(root, 0x1000, 0x1000, count_leaf, counts), 0);
		CHECK_EQ_U64(live_tables() - 1, levels - 1);

		/* Across the non-canonical hole: kernel leaves reported at their canonical address. */
		uint64_t kva = levels == 5 ? 0xff11000000003000ull : 0xffff888000001000ull;
		CHECK_EQ_U64(map_range(root, kva, 0x3000, PAGE_SIZE, PAGE_KERNEL, PG_LEVEL_4K), 0);
		memset(counts, 0, sizeof(counts));
		CHECK_EQ_U64(walk_leaves(root, 0x13000, 0xfffffffffffff000ull, count_leaf, counts), 0);
		CHECK_EQ_U64(counts[0], 3);
		CHECK_EQ_U64(counts[4], kva);

		/* A walk never frees tables, not even empty ones. */
		pmd_t *pmd = pmd_alloc(NULL, pud_alloc(NULL, p4d_alloc(NULL, pgd_offset_pgd(root, 0x40000000), 0x40000000),
						 0x40000000), 0x40000000);
		CHECK(pmd && pte_alloc(NULL, pmd) == 0);
		int before = live_tables();
		memset(counts, 0, sizeof(counts));
		CHECK_EQ_U64(walk_leaves(root, 0, TASK_SIZE_MAX, count_leaf, counts), 0);
		CHECK_EQ_U64(counts[0], 5);
		CHECK_EQ_U64(live_tables(), before);
		CHECK(pmd && !pmd_none(*pmd));
	}
	pgtable_l5_enabled_flag = false;
}


/* ---- One vocabulary: level helpers, walk_path, errors, leaf_pte ---------- */

/* page_level_* agree with the per-level names and with hand-computed values. */
TEST(page_level_helpers)
{
	uint64_t va = 0x00fedcba98765000ull;
	CHECK_EQ_U64(page_level_shift(PG_LEVEL_4K), PAGE_SHIFT);
	CHECK_EQ_U64(page_level_shift(PG_LEVEL_2M), PMD_SHIFT);
	CHECK_EQ_U64(page_level_shift(PG_LEVEL_1G), PUD_SHIFT);
	CHECK_EQ_U64(page_level_shift(PG_LEVEL_512G), P4D_SHIFT);
	CHECK_EQ_U64(page_level_shift(PG_LEVEL_256T), 48);
	CHECK_EQ_U64(page_level_size(PG_LEVEL_2M), PMD_SIZE);
	CHECK_EQ_U64(page_level_mask(PG_LEVEL_1G), PUD_MASK);
	for (int levels = 4; levels <= 5; levels++) {
		pgtable_l5_enabled_flag = levels == 5;
		CHECK_EQ_U64(page_level_index(va, PG_LEVEL_4K), pte_index(va));
		CHECK_EQ_U64(page_level_index(va, PG_LEVEL_2M), pmd_index(va));
		CHECK_EQ_U64(page_level_index(va, PG_LEVEL_1G), pud_index(va));
		if (levels == 5)                                      /* folded: p4d_index is 0 */
			CHECK_EQ_U64(page_level_index(va, PG_LEVEL_512G), p4d_index(va));
		CHECK_EQ_U64(page_level_index(va, levels), pgd_index(va));
	}
	pgtable_l5_enabled_flag = false;
	CHECK_EQ_U64(page_level_index(va, PG_LEVEL_4K), (va >> 12) & 511);
	CHECK_EQ_U64(page_level_index(va, PG_LEVEL_256T), (va >> 48) & 511);
	CHECK(entry_is_leaf(0, PG_LEVEL_4K) && entry_is_leaf(_PAGE_PSE, PG_LEVEL_2M) &&
	      entry_is_leaf(_PAGE_PSE, PG_LEVEL_1G));
	CHECK(!entry_is_leaf(_PAGE_PRESENT, PG_LEVEL_2M) && !entry_is_leaf(_PAGE_PSE, PG_LEVEL_512G));
}

/* walk_path: every entry on the way, top first, ending at the first non-table. */
static void walk_path_levels(int levels, uint64_t va)
{
	pgd_t *root = sim_reset(levels);
	uint64_t *path[PG_LEVEL_256T];

	CHECK_EQ_U64(walk_path(root, va, path), 1);                   /* the root's entry is none */
	CHECK(path[0] == &root[pgd_index(va)].pgd);
	CHECK_EQ_U64(map_range(root, va, 0x5000, PAGE_SIZE, PAGE_SHARED, PG_LEVEL_4K), 0);
	CHECK_EQ_U64(walk_path(root, va, path), levels);
	CHECK(path[levels - 1] == &walk_pte(root, va, false, NULL)->pte);
	CHECK_EQ_U64(*path[levels - 1], pte_val(pfn_pte(5, PAGE_SHARED)));
	for (int i = 0; i < levels - 1; i++)
		CHECK(entry_is_table(*path[i]));
	/* The pte none: still all levels (the pte slot is the last entry). */
	CHECK_EQ_U64(walk_path(root, va + PAGE_SIZE, path), levels);
	CHECK_EQ_U64(*path[levels - 1], 0);
	/* A 2M leaf stops the path one level early; not canonical: nothing. */
	uint64_t big = (va & PUD_MASK) + PUD_SIZE;
	CHECK_EQ_U64(map_range(root, big, 0x200000, PMD_SIZE, PAGE_SHARED, PG_LEVEL_2M), 0);
	CHECK_EQ_U64(walk_path(root, big + 0x3000, path), levels - 1);
	CHECK(*path[levels - 2] & _PAGE_PSE);
	CHECK_EQ_U64(walk_path(root, levels == 5 ? 0x0100000000000000ull : 0x0000800000000000ull, path), 0);
	check_tree(root);
}
TEST(walk_path_4level) { walk_path_levels(4, 0x00007f1234567000ull); }
TEST(walk_path_5level) { walk_path_levels(5, 0x00fe001234567000ull); }

/* A huge leaf in the way is PT_ERR_LEAF everywhere, never taken for lack of memory. */
static void huge_leaf_in_the_way(int levels, uint64_t va)
{
	pgd_t *root = sim_reset(levels);
	pte_t *pte = (pte_t *)1;

	CHECK_EQ_U64(walk_pte_err(root, va, false, NULL, &pte), -ENOENT);
	CHECK(pte == NULL);
	CHECK_EQ_U64(walk_pte_err(root, 0x0100000000000000ull, true, NULL, &pte), -EINVAL);
	if (levels == 5)
		CHECK_EQ_U64(walk_pte_err(root, 0x0080000000000000ull, true, NULL, &pte), 0);  /* canonical in 5-level */

	/* 2 MiB leaf at va: walk_pte_err, pte_alloc and pmd entry all say "leaf". */
	root = sim_reset(levels);
	CHECK_EQ_U64(map_range(root, va, 0x400000, PMD_SIZE, PAGE_SHARED, PG_LEVEL_2M), 0);
	int before = live_tables();
	CHECK_EQ_U64(walk_pte_err(root, va + 0x5000, true, NULL, &pte), PT_ERR_LEAF);
	CHECK(pte == NULL);
	CHECK_EQ_U64(walk_pte_err(root, va + 0x5000, false, NULL, &pte), PT_ERR_LEAF);
	CHECK(walk_pte(root, va + 0x5000, true, NULL) == NULL);
	CHECK_EQ_U64(live_tables(), before);                          /* nothing allocated, nothing freed */
	pmd_t *pmd = pmd_alloc(NULL, pud_alloc(NULL, p4d_alloc(NULL, pgd_offset_pgd(root, va), va), va), va);
	CHECK(pmd != NULL);
	CHECK_EQ_U64(pte_alloc(NULL, pmd), PT_ERR_LEAF);
	CHECK(pmd_leaf(*pmd));                                        /* never overwritten */

	/* Even with no memory at all, a leaf in the way is PT_ERR_LEAF, and no memory is -ENOMEM. */
	sim.budget = 0;
	CHECK_EQ_U64(walk_pte_err(root, va + 0x5000, true, NULL, &pte), PT_ERR_LEAF);
	CHECK_EQ_U64(walk_pte_err(root, va + PMD_SIZE, true, NULL, &pte), -ENOMEM);
	sim.budget = -1;

	/* 1 GiB leaf: the pmd step refuses; the pud entry is the non-zero leaf. */
	uint64_t g = (va & PUD_MASK) + 4 * PUD_SIZE;
	CHECK_EQ_U64(map_range(root, g, 0x40000000, PUD_SIZE, PAGE_SHARED, PG_LEVEL_1G), 0);
	pud_t *pud = pud_alloc(NULL, p4d_alloc(NULL, pgd_offset_pgd(root, g), g), g);
	CHECK(pud && pud_leaf(*pud));
	CHECK(pmd_alloc(NULL, pud, g) == NULL);
	CHECK(pud_val(*pud) != 0);
	CHECK_EQ_U64(walk_pte_err(root, g + 0x1000, true, NULL, &pte), PT_ERR_LEAF);

	/* walk_leaves hands each leaf's level; leaf_pte only types a 4 KiB one. */
	uint64_t counts[PG_LEVEL_256T + 1] = { 0 };
	CHECK_EQ_U64(walk_leaves(root, va, va + PMD_SIZE, count_leaf, counts), 0);
	CHECK_EQ_U64(counts[PG_LEVEL_2M], 1);
	uint64_t word = 7;
	CHECK(leaf_pte(&word, PG_LEVEL_2M) == NULL && leaf_pte(&word, PG_LEVEL_1G) == NULL);
	CHECK(leaf_pte(&word, PG_LEVEL_4K) == (pte_t *)&word);
	pte_clear(NULL, 0, leaf_pte(&word, PG_LEVEL_4K));
	CHECK_EQ_U64(word, 0);
	check_tree(root);
}
TEST(huge_leaf_in_the_way_4level) { huge_leaf_in_the_way(4, 0x0000000040000000ull); }
TEST(huge_leaf_in_the_way_5level) { huge_leaf_in_the_way(5, 0x00f0000040000000ull); }

static bool refuse_table(void *ctx, uint64_t phys) { (void)ctx; (void)phys; return false; }

/* free_empty_tables: the tables under a range that hold nothing go, deepest
 * first, if the predicate lets them; leaves and tables still holding
 * something stay. */
TEST(free_empty_tables_keeps_leaves)
{
	for (int levels = 4; levels <= 5; levels++) {
		pgd_t *root = sim_reset(levels);
		CHECK_EQ_U64(map_range(root, 0x10000, 0x10000, 2 * PAGE_SIZE, PAGE_SHARED, PG_LEVEL_4K), 0);
		int with_leaf = live_tables();
		/* An empty pte table (and its pmd, pud, p4d path) at 1 GiB, as a prepared mremap leaves. */
		CHECK(walk_pte(root, 0x40000000, true, NULL) != NULL);
		CHECK(walk_pte(root, 0x40200000, true, NULL) != NULL);
		CHECK_EQ_U64(live_tables(), with_leaf + 3);     /* pmd table and two pte tables */
		CHECK_EQ_U64(free_empty_tables(root, 0, TASK_SIZE_MAX, refuse_table, NULL), 0);   /* none may go */
		CHECK_EQ_U64(live_tables(), with_leaf + 3);
		CHECK_EQ_U64(free_empty_tables(root, 0x40000000, 0x40200000, NULL, NULL), 1);   /* one pte table */
		CHECK_EQ_U64(free_empty_tables(root, 0, TASK_SIZE_MAX, NULL, NULL), 2);         /* the other and the pmd */
		CHECK_EQ_U64(live_tables(), with_leaf);
		struct walk_result r;
		CHECK_EQ_U64(follow_addr(root, 0x10000, &r), 0);
		CHECK_EQ_U64(follow_addr(root, 0x11000, &r), 0);
		CHECK_EQ_U64(free_empty_tables(root, 0x2000, 0x1000, NULL, NULL), -EINVAL);
		CHECK_EQ_U64(free_empty_tables(root, 0x1000, 0x1000, NULL, NULL), 0);
		check_tree(root);
	}
	pgtable_l5_enabled_flag = false;
}

UNIT_MAIN(
	UNIT(entry_bit_layout),
	UNIT(pte_helpers_bit_exact),
	UNIT(protections),
	UNIT(pfn_roundtrip_52_and_39_bits),
	UNIT(canonical_both_modes),
	UNIT(indices_hand_computed),
	UNIT(p4d_folding),
	UNIT(single_pages_4level),
	UNIT(single_pages_5level),
	UNIT(linux_alloc_chain),
	UNIT(large_leaves_4level),
	UNIT(large_leaves_5level),
	UNIT(allocation_failure_4level),
	UNIT(allocation_failure_5level),
	UNIT(allocator_misbehaving),
	UNIT(unmap_frees_tables_4level),
	UNIT(unmap_frees_tables_5level),
	UNIT(map_range_rejects_bad_arguments),
	UNIT(walk_leaves_visits_and_stops),
	UNIT(page_level_helpers),
	UNIT(walk_path_4level),
	UNIT(walk_path_5level),
	UNIT(huge_leaf_in_the_way_4level),
	UNIT(huge_leaf_in_the_way_5level),
	UNIT(free_empty_tables_keeps_leaves),
)
