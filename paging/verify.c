/*
 * The page-table verifier (paging/verify.h). One recursive walk per root,
 * level by level from the top (5 or 4) to the ptes; the kernel half of every
 * root after the first is skipped because it is the same tables.
 */
#include "paging/verify.h"
#include "paging/huge_memory.h"
#include "paging/page.h"
#include "paging/swap.h"
#include "base/format.h"

struct verify_walk {
	struct pgtable_verify *out;
	int pass;                      /* 0: reset scratch counters, 1: count, 2: compare */
};

static void problem3(struct pgtable_verify *out, const char *fmt, uint64_t a, uint64_t b, uint64_t c)
{
	if (out->problems++ == 0)
		format(out->first_problem, sizeof(out->first_problem), fmt, a, b, c);
}

static void problem(struct pgtable_verify *out, const char *fmt, uint64_t a, uint64_t b)
{
	problem3(out, fmt, a, b, 0);
}

/* Sign-extends a virtual address built from table indices. */
static uint64_t canonical(uint64_t va)
{
	uint32_t shift = 63 - __VIRTUAL_MASK_SHIFT;
	return (uint64_t)((int64_t)(va << shift) >> shift);
}

static void check_table_page(struct verify_walk *w, uint64_t phys)
{
	uint64_t pfn = phys >> PAGE_SHIFT;
	if (w->pass != 1)
		return;
	w->out->tables++;
	if (!pfn_valid(pfn) || !PageTable(pfn_to_page(pfn))) {
		w->out->unaccounted_tables++;
		problem(w->out, "table page 0x%llx is not a PG_pgtable page (%llu)", phys, 0);
	}
}

/* The frame bits of a leaf at level (bit 12 of a large leaf is PAT). */
static uint64_t leaf_frame(uint64_t e, int level)
{
	if (level == PG_LEVEL_2M)
		return e & PHYSICAL_PMD_PAGE_MASK;
	if (level == PG_LEVEL_1G)
		return e & PHYSICAL_PUD_PAGE_MASK;
	return e & PTE_PFN_MASK;
}

/* A user-half 2 MiB leaf, present or PROT_NONE: a THP has a deposited
 * table, the huge zero page and a hugetlb page have none. */
static void count_user_pmd_leaf(struct verify_walk *w, uint64_t e)
{
	uint64_t pfn = leaf_frame(e, PG_LEVEL_2M) >> PAGE_SHIFT;
	if (w->pass == 1 && !is_huge_zero_pfn(pfn) && !(pfn_valid(pfn) && PageHuge(pfn_to_page(pfn))))
		w->out->thp_leaves++;
}

/* Counts, compares or resets (by pass) one mapping of the frame pfn in its scratch word. */
static void visit_user_frame(struct verify_walk *w, uint64_t pfn)
{
	struct page *page = pfn_to_page(pfn);
	if (w->pass == 0) {
		page->lru_prev = 0;
	} else if (w->pass == 1) {
		page->lru_prev++;
	} else if (page->lru_prev) {
		if ((int64_t)page->lru_prev != page_mapcount(page)) {
			w->out->mapcount_mismatch++;
			problem3(w->out, "pfn 0x%llx is mapped %llu times, page_mapcount differs (%lld)", pfn,
				 (uint64_t)page->lru_prev, (uint64_t)(int64_t)page_mapcount(page));
		}
		page->lru_prev = 0; /* compared once; the scratch word is left clear */
	}
}

/* A user-half leaf at level: the map count of its page (the head frame of a
 * 2 MiB / 1 GiB page) is counted in the scratch word; a THP leaf over split
 * frames (a THP shared at fork, split in another mm: paging/huge_memory.h)
 * counts once on each of its 512 frames. */
static void visit_user_leaf(struct verify_walk *w, uint64_t e, int level)
{
	if (level == PG_LEVEL_2M)
		count_user_pmd_leaf(w, e);
	if (e & _PAGE_SPECIAL)
		return;
	uint64_t pfn = leaf_frame(e, level) >> PAGE_SHIFT;
	if (!pfn_valid(pfn))
		return;
	const struct page *page = pfn_to_page(pfn);
	uint32_t frames = 1;
	if (level == PG_LEVEL_2M && PageAnon(page) && !PageHuge(page) && page->order == 0 && pfn_valid(pfn + HPAGE_PMD_NR - 1))
		frames = HPAGE_PMD_NR;
	for (uint32_t i = 0; i < frames; i++)
		visit_user_frame(w, pfn + i);
}

/* A user entry neither none nor present nor PROT_NONE: a swap entry, which
 * only a pte may hold, naming a slot in use. */
static void visit_swap_entry(struct verify_walk *w, uint64_t e, int level, uint64_t va)
{
	if (w->pass != 1)
		return;
	w->out->swap_ptes++;
	swp_entry_t entry = pte_to_swp_entry(__pte(e));
	if (level != PG_LEVEL_4K || swap_count(entry) == 0) {
		w->out->bad_swap_ptes++;
		problem(w->out, "the swap entry for 0x%llx names no swap slot in use (offset %llu)", va, swp_offset(entry));
	}
}

static void walk_table(struct verify_walk *w, uint64_t table_phys, int level, uint64_t va_base, bool skip_kernel)
{
	const uint64_t *t = (const uint64_t *)__va(table_phys);
	check_table_page(w, table_phys);
	for (uint32_t i = 0; i < PTRS_PER_PTE; i++) {
		uint64_t e = t[i];
		uint64_t va = canonical(va_base + i * page_level_size(level));
		bool kernel_half = (va >> 63) != 0;
		if (!(e & _PAGE_PRESENT)) {
			/* A PROT_NONE page still maps its frame (and a PROT_NONE THP
			 * keeps its deposit): after fork, another mm may map it too. */
			if (!kernel_half && (e & _PAGE_PROTNONE) &&
			    (level == PG_LEVEL_4K || (level == PG_LEVEL_2M && (e & _PAGE_PSE))))
				visit_user_leaf(w, e, level);
			else if (e && !(e & _PAGE_PROTNONE) && !kernel_half)
				visit_swap_entry(w, e, level, va);
			continue;
		}
		if (kernel_half && skip_kernel)
			continue;
		if (w->pass == 1 && kernel_half && (e & _PAGE_USER)) {
			w->out->user_in_kernel_half++;
			problem(w->out, "kernel-half entry for 0x%llx is user-accessible (level %llu)", va, (uint64_t)level);
		}
		if (entry_is_leaf(e, level)) {
			if (w->pass == 1) {
				w->out->leaves++;
				if (kernel_half && (e & _PAGE_RW) && !(e & _PAGE_NX) && (__supported_pte_mask & _PAGE_NX)) {
					w->out->writable_exec++;
					problem(w->out, "kernel page 0x%llx is writable and executable (level %llu)", va, (uint64_t)level);
				}
			}
			if (!kernel_half)
				visit_user_leaf(w, e, level);
			continue;
		}
		walk_table(w, e & PTE_PFN_MASK, level - 1, va, skip_kernel);
	}
}

/* See paging/verify.h. */
uint64_t verify_page_tables(pgd_t *const *roots, uint32_t n, struct pgtable_verify *out)
{
	*out = (struct pgtable_verify){ 0 };
	int top = pgtable_levels();
	for (int pass = 0; pass < 3; pass++) {
		struct verify_walk w = { out, pass };
		for (uint32_t r = 0; r < n; r++)
			walk_table(&w, __pa(roots[r]), top, 0, r > 0);
	}
	for (uint64_t pfn = 0; pfn < max_mapnr; pfn++)
		if (PageTable(pfn_to_page(pfn)))
			out->pgtable_pages++;
	out->deposited = pgtable_deposited;
	if (out->pgtable_pages != out->tables + out->deposited)
		problem(out, "%llu PG_pgtable pages in mem_map but %llu tables reached and deposited",
			out->pgtable_pages, out->tables + out->deposited);
	out->swap_counts = swap_count_total();
	if (out->swap_counts != out->swap_ptes)
		problem(out, "the swap slots are counted for %llu ptes but %llu swap ptes were found", out->swap_counts,
			out->swap_ptes);
	if (out->thp_leaves != out->deposited)
		problem(out, "%llu THP pmd leaves but %llu page tables deposited for them", out->thp_leaves,
			out->deposited);
	return out->problems;
}
