/*
 * Page-table helpers with Linux's names and meanings: build and take apart
 * entries (pfn_pte, pte_mkdirty, pmd_leaf, ...), find the entry for an
 * address at each level (pgd_offset_pgd .. pte_offset_map), store entries
 * (set_pte_at, ptep_get_and_clear), the protection constants (PAGE_KERNEL,
 * PAGE_READONLY, ...), canonical addresses, and the walker of
 * paging/pgtable.c (walk_pte, p4d_alloc .. pte_alloc, follow_addr,
 * map_range, unmap_range, free_pgtables, walk_leaves).
 *
 * One code path serves 4- and 5-level paging: in 4-level mode the p4d is
 * folded into the pgd at run time exactly as Linux does it. pgd_none() is
 * always false, p4d_offset() returns the pgd entry itself, and the real
 * emptiness test happens one step later in p4d_none() on the same word.
 *
 * Table memory is always reached through __va() (base/page_types.h).
 */
#ifndef FAULTLINE_PGTABLE_H
#define FAULTLINE_PGTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/compiler.h"
#include "paging/pgtable_types.h"
#include "base/errno.h"      /* for the negative returns below */

/* Owned by the mm layer; here only a name carried for Linux's signatures. */
struct mm_struct;

/* ---- Values and constructors ------------------------------------------- */

static inline pteval_t pte_val(pte_t pte) { return pte.pte; }
static inline pmdval_t pmd_val(pmd_t pmd) { return pmd.pmd; }
static inline pudval_t pud_val(pud_t pud) { return pud.pud; }
static inline p4dval_t p4d_val(p4d_t p4d) { return p4d.p4d; }
static inline pgdval_t pgd_val(pgd_t pgd) { return pgd.pgd; }
static inline pgprotval_t pgprot_val(pgprot_t prot) { return prot.pgprot; }

#define __pte(x)    ((pte_t){ (pteval_t)(x) })
#define __pmd(x)    ((pmd_t){ (pmdval_t)(x) })
#define __pud(x)    ((pud_t){ (pudval_t)(x) })
#define __p4d(x)    ((p4d_t){ (p4dval_t)(x) })
#define __pgd(x)    ((pgd_t){ (pgdval_t)(x) })
#define __pgprot(x) ((pgprot_t){ (pgprotval_t)(x) })

/* ---- Protections (4 KiB format: bit 7 is PAT) -------------------------- */

#define __PAGE_KERNEL       (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL | _PAGE_NX)
#define __PAGE_KERNEL_EXEC  (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL)
#define __PAGE_KERNEL_RO    (_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL | _PAGE_NX)

/* User mappings. PAGE_NONE is a PROT_NONE page: not present to the CPU, present to us. */
#define PAGE_NONE           __pgprot(_PAGE_PROTNONE | _PAGE_ACCESSED)
#define PAGE_SHARED         __pgprot(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX)
#define PAGE_SHARED_EXEC    __pgprot(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED)
#define PAGE_COPY           __pgprot(_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX)
#define PAGE_COPY_EXEC      __pgprot(_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)
#define PAGE_READONLY       __pgprot(_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX)
#define PAGE_READONLY_EXEC  __pgprot(_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)

/* Kernel mappings: global, pre-set A/D so the CPU never writes them. */
#define PAGE_KERNEL         __pgprot(__PAGE_KERNEL)
#define PAGE_KERNEL_RO      __pgprot(__PAGE_KERNEL_RO)
#define PAGE_KERNEL_EXEC    __pgprot(__PAGE_KERNEL_EXEC)
#define PAGE_KERNEL_LARGE   __pgprot(__PAGE_KERNEL | _PAGE_PSE)   /* for pfn_pmd / pfn_pud */

/* A 4 KiB protection as a 2 MiB / 1 GiB leaf wants it: PAT moves from bit 7 to 12 (PSE not added). */
static inline pgprot_t pgprot_4k_2_large(pgprot_t prot)
{
	pgprotval_t v = pgprot_val(prot);
	return __pgprot((v & ~(_PAGE_PAT | _PAGE_PAT_LARGE)) | ((v & _PAGE_PAT) ? _PAGE_PAT_LARGE : 0));
}

/* The reverse: a large leaf's protection in 4 KiB format (PSE dropped, PAT to bit 7). */
static inline pgprot_t pgprot_large_2_4k(pgprot_t prot)
{
	pgprotval_t v = pgprot_val(prot);
	return __pgprot((v & ~(_PAGE_PSE | _PAGE_PAT_LARGE)) | ((v & _PAGE_PAT_LARGE) ? _PAGE_PAT : 0));
}

/* ---- PTE ---------------------------------------------------------------- */

static inline pteval_t pte_flags(pte_t pte) { return pte_val(pte) & PTE_FLAGS_MASK; }
static inline uint64_t pte_pfn(pte_t pte) { return (pte_val(pte) & PTE_PFN_MASK) >> PAGE_SHIFT; }

/*
 * prot without the bits this CPU lacks (__supported_pte_mask: NX, G). Only
 * for present protections: in a non-present one bit 8 is _PAGE_PROTNONE.
 */
static inline pgprotval_t massage_pgprot(pgprot_t prot)
{
	pgprotval_t v = pgprot_val(prot);
	return (v & _PAGE_PRESENT) ? v & __supported_pte_mask : v;
}

/* The entry mapping frame pfn with prot (massaged). */
static inline pte_t pfn_pte(uint64_t pfn, pgprot_t prot)
{
	return __pte(((pfn << PAGE_SHIFT) & PTE_PFN_MASK) | (massage_pgprot(prot) & PTE_FLAGS_MASK));
}

/* Needs page_to_pfn() from paging/page.h where it is used. */
#define mk_pte(page, prot) pfn_pte(page_to_pfn(page), (prot))

static inline int pte_none(pte_t pte) { return pte_val(pte) == 0; }
/* Present to the mm: mapped for the CPU, or a PROT_NONE mapping of a page. */
static inline int pte_present(pte_t pte) { return (pte_flags(pte) & (_PAGE_PRESENT | _PAGE_PROTNONE)) != 0; }
static inline int pte_protnone(pte_t pte)
{
	return (pte_flags(pte) & (_PAGE_PROTNONE | _PAGE_PRESENT)) == _PAGE_PROTNONE;
}
static inline int pte_write(pte_t pte)   { return (pte_flags(pte) & _PAGE_RW) != 0; }
static inline int pte_dirty(pte_t pte)   { return (pte_flags(pte) & _PAGE_DIRTY) != 0; }
static inline int pte_young(pte_t pte)   { return (pte_flags(pte) & _PAGE_ACCESSED) != 0; }
static inline int pte_exec(pte_t pte)    { return (pte_flags(pte) & _PAGE_NX) == 0; }
static inline int pte_user(pte_t pte)    { return (pte_flags(pte) & _PAGE_USER) != 0; }
static inline int pte_global(pte_t pte)  { return (pte_flags(pte) & (_PAGE_PRESENT | _PAGE_GLOBAL)) == (_PAGE_PRESENT | _PAGE_GLOBAL); }
static inline int pte_special(pte_t pte) { return (pte_flags(pte) & _PAGE_SPECIAL) != 0; }
static inline uint32_t pte_pkey(pte_t pte) { return (uint32_t)((pte_flags(pte) & _PAGE_PKEY_MASK) >> _PAGE_BIT_PKEY_BIT0); }

static inline pte_t pte_set_flags(pte_t pte, pteval_t set)   { return __pte(pte_val(pte) | set); }
static inline pte_t pte_clear_flags(pte_t pte, pteval_t clr) { return __pte(pte_val(pte) & ~clr); }

static inline pte_t pte_mkyoung(pte_t pte)   { return pte_set_flags(pte, _PAGE_ACCESSED); }
static inline pte_t pte_mkold(pte_t pte)     { return pte_clear_flags(pte, _PAGE_ACCESSED); }
static inline pte_t pte_mkdirty(pte_t pte)   { return pte_set_flags(pte, _PAGE_DIRTY); }
static inline pte_t pte_mkclean(pte_t pte)   { return pte_clear_flags(pte, _PAGE_DIRTY); }
static inline pte_t pte_mkwrite(pte_t pte)   { return pte_set_flags(pte, _PAGE_RW); }
static inline pte_t pte_wrprotect(pte_t pte) { return pte_clear_flags(pte, _PAGE_RW); }
static inline pte_t pte_mkexec(pte_t pte)    { return pte_clear_flags(pte, _PAGE_NX); }
static inline pte_t pte_mknexec(pte_t pte)   { return pte_set_flags(pte, _PAGE_NX & __supported_pte_mask); }
static inline pte_t pte_mkglobal(pte_t pte)  { return pte_set_flags(pte, _PAGE_GLOBAL); }
static inline pte_t pte_mkspecial(pte_t pte) { return pte_set_flags(pte, _PAGE_SPECIAL); }

/* Bits pte_modify keeps: the frame, caching, what the CPU recorded, our software state. */
#define _PAGE_CHG_MASK (PTE_PFN_MASK | _PAGE_PCD | _PAGE_PWT | _PAGE_SPECIAL | _PAGE_ACCESSED | _PAGE_DIRTY)

/* The pte with its protection replaced by newprot (mprotect). */
static inline pte_t pte_modify(pte_t pte, pgprot_t newprot)
{
	return __pte((pte_val(pte) & _PAGE_CHG_MASK) | (massage_pgprot(newprot) & ~_PAGE_CHG_MASK));
}

/* ---- PMD, PUD, P4D, PGD -------------------------------------------------- */

static inline int pmd_none(pmd_t pmd)    { return pmd_val(pmd) == 0; }
static inline int pmd_leaf(pmd_t pmd)    { return (pmd_val(pmd) & _PAGE_PSE) != 0; }   /* 2 MiB page */
static inline uint64_t pmd_pfn_mask(pmd_t pmd) { return pmd_leaf(pmd) ? PHYSICAL_PMD_PAGE_MASK : PTE_PFN_MASK; }
static inline pmdval_t pmd_flags(pmd_t pmd)    { return pmd_val(pmd) & ~pmd_pfn_mask(pmd); }
static inline uint64_t pmd_pfn(pmd_t pmd)      { return (pmd_val(pmd) & pmd_pfn_mask(pmd)) >> PAGE_SHIFT; }
/* The pte table a (non-leaf) pmd points to. */
static inline pte_t *pmd_page_vaddr(pmd_t pmd) { return (pte_t *)__va(pmd_val(pmd) & pmd_pfn_mask(pmd)); }
/* A 2 MiB leaf for frame pfn (2 MiB aligned); prot in large format (with PSE). */
static inline pmd_t pfn_pmd(uint64_t pfn, pgprot_t prot)
{
	return __pmd(((pfn << PAGE_SHIFT) & PHYSICAL_PMD_PAGE_MASK) |
		     (massage_pgprot(prot) & (PTE_FLAGS_MASK | _PAGE_PAT_LARGE)));
}

/* Bits pmd_modify keeps in a 2 MiB leaf: as _PAGE_CHG_MASK, with the leaf's frame and PSE. */
#define _HPAGE_CHG_MASK (PHYSICAL_PMD_PAGE_MASK | _PAGE_PCD | _PAGE_PWT | _PAGE_SPECIAL | _PAGE_ACCESSED | \
			 _PAGE_DIRTY | _PAGE_PSE)

/* Present to the mm: mapped for the CPU, or a PROT_NONE mapping (as pte_present). */
static inline int pmd_present(pmd_t pmd) { return (pmd_val(pmd) & (_PAGE_PRESENT | _PAGE_PROTNONE)) != 0; }
/* A 2 MiB page of user memory (a THP or a hugetlb page): present to the mm and PSE. */
static inline int pmd_trans_huge(pmd_t pmd) { return pmd_present(pmd) && pmd_leaf(pmd); }
static inline int pmd_write(pmd_t pmd)   { return (pmd_val(pmd) & _PAGE_RW) != 0; }
static inline int pmd_dirty(pmd_t pmd)   { return (pmd_val(pmd) & _PAGE_DIRTY) != 0; }
static inline int pmd_young(pmd_t pmd)   { return (pmd_val(pmd) & _PAGE_ACCESSED) != 0; }
static inline int pmd_special(pmd_t pmd) { return (pmd_val(pmd) & _PAGE_SPECIAL) != 0; }
static inline pmd_t pmd_mkyoung(pmd_t pmd)   { return __pmd(pmd_val(pmd) | _PAGE_ACCESSED); }
static inline pmd_t pmd_mkold(pmd_t pmd)     { return __pmd(pmd_val(pmd) & ~_PAGE_ACCESSED); }
static inline pmd_t pmd_mkdirty(pmd_t pmd)   { return __pmd(pmd_val(pmd) | _PAGE_DIRTY); }
static inline pmd_t pmd_mkwrite(pmd_t pmd)   { return __pmd(pmd_val(pmd) | _PAGE_RW); }
static inline pmd_t pmd_wrprotect(pmd_t pmd) { return __pmd(pmd_val(pmd) & ~_PAGE_RW); }
static inline pmd_t pmd_mkspecial(pmd_t pmd) { return __pmd(pmd_val(pmd) | _PAGE_SPECIAL); }

/* A 2 MiB leaf's protection replaced by newprot, a 4 KiB-format protection (mprotect). */
static inline pmd_t pmd_modify(pmd_t pmd, pgprot_t newprot)
{
	pgprotval_t prot = massage_pgprot(pgprot_4k_2_large(newprot));
	return __pmd((pmd_val(pmd) & _HPAGE_CHG_MASK) | (prot & ~_HPAGE_CHG_MASK));
}

/* The 4 KiB-format protection bits of a 2 MiB leaf, for the ptes it splits into
 * (PSE dropped, PAT back to bit 7; frame bits not included). */
static inline pgprotval_t pmd_pte_flags(pmd_t pmd)
{
	return pgprot_val(pgprot_large_2_4k(__pgprot(pmd_val(pmd) & ~PHYSICAL_PMD_PAGE_MASK)));
}

static inline int pud_present(pud_t pud) { return (pud_val(pud) & _PAGE_PRESENT) != 0; }
static inline int pud_leaf(pud_t pud)    { return (pud_val(pud) & _PAGE_PSE) != 0; }   /* 1 GiB page */
static inline uint64_t pud_pfn_mask(pud_t pud) { return pud_leaf(pud) ? PHYSICAL_PUD_PAGE_MASK : PTE_PFN_MASK; }
static inline uint64_t pud_pfn(pud_t pud)      { return (pud_val(pud) & pud_pfn_mask(pud)) >> PAGE_SHIFT; }
/* The pmd table a (non-leaf) pud points to. */
static inline pmd_t *pud_pgtable(pud_t pud)    { return (pmd_t *)__va(pud_val(pud) & pud_pfn_mask(pud)); }
/* A 1 GiB leaf for frame pfn (1 GiB aligned); prot in large format (with PSE). */
static inline pud_t pfn_pud(uint64_t pfn, pgprot_t prot)
{
	return __pud(((pfn << PAGE_SHIFT) & PHYSICAL_PUD_PAGE_MASK) |
		     (massage_pgprot(prot) & (PTE_FLAGS_MASK | _PAGE_PAT_LARGE)));
}

static inline int p4d_none(p4d_t p4d)    { return p4d_val(p4d) == 0; }
static inline pud_t *p4d_pgtable(p4d_t p4d) { return (pud_t *)__va(p4d_val(p4d) & PTE_PFN_MASK); }

/* Folded (4-level): a pgd entry is never "none" and always "present"; ask p4d_none(). */
static inline int pgd_none(pgd_t pgd)    { return pgtable_l5_enabled() ? pgd_val(pgd) == 0 : 0; }
static inline int pgd_present(pgd_t pgd) { return pgtable_l5_enabled() ? (pgd_val(pgd) & _PAGE_PRESENT) != 0 : 1; }
/* The p4d table a 5-level pgd entry points to. */
static inline p4d_t *pgd_page_vaddr(pgd_t pgd) { return (p4d_t *)__va(pgd_val(pgd) & PTE_PFN_MASK); }

/* ---- Indices and offsets ------------------------------------------------ */

/* Linux's names: what one entry at level (enum pg_level, 1..5) maps. */
static inline uint32_t page_level_shift(int level) { return PAGE_SHIFT + 9u * (uint32_t)(level - PG_LEVEL_4K); }
static inline uint64_t page_level_size(int level)  { return (uint64_t)1 << page_level_shift(level); }
static inline uint64_t page_level_mask(int level)  { return ~(page_level_size(level) - 1); }
/* Index of addr's entry in a table of level-`level` entries (pgd_index .. pte_index by number). */
static inline uint32_t page_level_index(uint64_t addr, int level)
{
	return (uint32_t)(addr >> page_level_shift(level)) & (PTRS_PER_PTE - 1);
}

static inline uint32_t pgd_index(uint64_t addr) { return (uint32_t)((addr >> PGDIR_SHIFT) & (PTRS_PER_PGD - 1)); }
static inline uint32_t p4d_index(uint64_t addr) { return (uint32_t)((addr >> P4D_SHIFT) & (PTRS_PER_P4D - 1)); }
static inline uint32_t pud_index(uint64_t addr) { return (uint32_t)((addr >> PUD_SHIFT) & (PTRS_PER_PUD - 1)); }
static inline uint32_t pmd_index(uint64_t addr) { return (uint32_t)((addr >> PMD_SHIFT) & (PTRS_PER_PMD - 1)); }
static inline uint32_t pte_index(uint64_t addr) { return (uint32_t)((addr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1)); }

/* The entry for addr in the top-level table root. */
static inline pgd_t *pgd_offset_pgd(pgd_t *root, uint64_t addr) { return root + pgd_index(addr); }
/* Needs a complete struct mm_struct with a `pgd_t *pgd` member where it is used. */
#define pgd_offset(mm, addr) pgd_offset_pgd((mm)->pgd, (addr))

/* 5-level: the entry in the p4d table. 4-level: the pgd entry itself (folded). */
static inline p4d_t *p4d_offset(pgd_t *pgd, uint64_t addr)
{
	if (!pgtable_l5_enabled())
		return (p4d_t *)pgd;
	return pgd_page_vaddr(*pgd) + p4d_index(addr);
}
static inline pud_t *pud_offset(p4d_t *p4d, uint64_t addr) { return p4d_pgtable(*p4d) + pud_index(addr); }
static inline pmd_t *pmd_offset(pud_t *pud, uint64_t addr) { return pud_pgtable(*pud) + pmd_index(addr); }
/* No checks: pmd must point to a pte table (kernel mappings, known layout). */
static inline pte_t *pte_offset_kernel(pmd_t *pmd, uint64_t addr) { return pmd_page_vaddr(*pmd) + pte_index(addr); }

/* ---- Reading and storing entries (single 64-bit accesses) --------------- */

static inline pte_t ptep_get(pte_t *ptep) { return __pte(__atomic_load_n(&ptep->pte, __ATOMIC_RELAXED)); }
static inline pmd_t pmdp_get(pmd_t *pmdp) { return __pmd(__atomic_load_n(&pmdp->pmd, __ATOMIC_RELAXED)); }
static inline pud_t pudp_get(pud_t *pudp) { return __pud(__atomic_load_n(&pudp->pud, __ATOMIC_RELAXED)); }
static inline p4d_t p4dp_get(p4d_t *p4dp) { return __p4d(__atomic_load_n(&p4dp->p4d, __ATOMIC_RELAXED)); }
static inline pgd_t pgdp_get(pgd_t *pgdp) { return __pgd(__atomic_load_n(&pgdp->pgd, __ATOMIC_RELAXED)); }

/* Release stores: whatever was written before (a zeroed table) is visible first. */
static inline void set_pte(pte_t *ptep, pte_t pte) { __atomic_store_n(&ptep->pte, pte_val(pte), __ATOMIC_RELEASE); }
static inline void set_pmd(pmd_t *pmdp, pmd_t pmd) { __atomic_store_n(&pmdp->pmd, pmd_val(pmd), __ATOMIC_RELEASE); }
static inline void set_pud(pud_t *pudp, pud_t pud) { __atomic_store_n(&pudp->pud, pud_val(pud), __ATOMIC_RELEASE); }

/* Clears *pmdp and returns what it held, atomically against the CPU setting A/D. */
static inline pmd_t pmdp_get_and_clear(pmd_t *pmdp) { return __pmd(__atomic_exchange_n(&pmdp->pmd, 0, __ATOMIC_SEQ_CST)); }

static inline void set_pte_at(struct mm_struct *mm, uint64_t addr, pte_t *ptep, pte_t pte)
{
	(void)mm;
	(void)addr;
	set_pte(ptep, pte);
}

static inline void pte_clear(struct mm_struct *mm, uint64_t addr, pte_t *ptep)
{
	set_pte_at(mm, addr, ptep, __pte(0));
}

/* Clears *ptep and returns what it held, atomically against the CPU setting A/D. */
static inline pte_t ptep_get_and_clear(struct mm_struct *mm, uint64_t addr, pte_t *ptep)
{
	(void)mm;
	(void)addr;
	return __pte(__atomic_exchange_n(&ptep->pte, 0, __ATOMIC_SEQ_CST));
}

/* Clears RW in *ptep atomically (a D bit the CPU sets meanwhile is kept). */
static inline void ptep_set_wrprotect(struct mm_struct *mm, uint64_t addr, pte_t *ptep)
{
	(void)mm;
	(void)addr;
	__atomic_fetch_and(&ptep->pte, ~_PAGE_RW, __ATOMIC_SEQ_CST);
}

/* ---- Canonical addresses ------------------------------------------------ */

/* True if bits 63..47 (4-level) or 63..56 (5-level) are all equal. */
static inline bool is_canonical(uint64_t addr)
{
	uint64_t upper = addr >> __VIRTUAL_MASK_SHIFT;
	return upper == 0 || upper == (~(uint64_t)0 >> __VIRTUAL_MASK_SHIFT);
}

/* Highest user page + 1 less a guard page: 0x00007ffffffff000 / 0x00fffffffffff000. */
#define TASK_SIZE_MAX (((uint64_t)1 << __VIRTUAL_MASK_SHIFT) - PAGE_SIZE)

/* The lower (user) half of the canonical space; only meaningful for canonical addr. */
static inline bool addr_in_user_half(uint64_t addr) { return (addr >> 63) == 0; }

/* ---- The walker (paging/pgtable.c) -------------------------------------- */

/*
 * Where page-table pages come from. alloc_table returns the physical address
 * of a 4 KiB-aligned page (any contents: the walker zeroes it), 0 on failure;
 * it must never return 0 for a real page. free_table takes one back. If
 * free_table is NULL, tables that become empty are left in place.
 */
struct pt_ops {
	uint64_t (*alloc_table)(void *ctx);
	void (*free_table)(void *ctx, uint64_t phys);
	void *ctx;
};

/* Used by everything below that takes no ops; filled in at boot. */
extern struct pt_ops pt_default_ops;

/* Sets __PHYSICAL_MASK from CPUID's MAXPHYADDR (clamped to 36..52). */
void pgtable_set_phys_bits(uint32_t maxphyaddr);

/*
 * What the walker returns when it needs a table where a leaf is: a 2 MiB /
 * 1 GiB page (or a non-present or corrupt non-table entry) lies on the path.
 * The walker never goes through nor overwrites a leaf; splitting huge pages
 * is the caller's business (user mms have none yet, so the fault path turns
 * this into VM_FAULT_SIGBUS, see paging/memory.h).
 */
#define PT_ERR_LEAF (-EEXIST)

/*
 * The level-1 entry for addr under root pgd, in *ptep. With alloc, missing
 * tables are created (user-half: _PAGE_TABLE, kernel-half: _KERNPG_TABLE)
 * from ops (NULL: pt_default_ops). Returns 0, or (with *ptep NULL) -EINVAL
 * if addr is not canonical, -ENOENT if a table is missing and !alloc,
 * -ENOMEM if allocation fails, PT_ERR_LEAF if a leaf lies on the path. A
 * failed call leaves the tree exactly as it found it: tables it created are
 * freed again.
 */
int walk_pte_err(pgd_t *pgd, uint64_t addr, bool alloc, const struct pt_ops *ops, pte_t **ptep);

/*
 * walk_pte_err() stopping at level (PG_LEVEL_4K .. PG_LEVEL_1G): the entry
 * for addr at that level (a pmd for PG_LEVEL_2M, a pud for PG_LEVEL_1G), as
 * a raw word, in *entryp; the same returns. For callers that place a 2 MiB /
 * 1 GiB leaf (hugetlb, a moved THP) or look at one.
 */
int walk_to_entry(pgd_t *pgd, uint64_t addr, int level, bool alloc, const struct pt_ops *ops, uint64_t **entryp);

/* walk_pte_err() for callers that need no reason: the pte, or NULL on any failure. */
pte_t *walk_pte(pgd_t *pgd, uint64_t addr, bool alloc, const struct pt_ops *ops);

/*
 * The entries on va's path, from the root's (path[0], at level
 * pgtable_levels()) down to the first that is not a table (none, not
 * present, or a leaf at any level, the pte included). Changes nothing.
 * Returns how many entries were stored (1..pgtable_levels()), 0 if va is
 * not canonical; path[i] is at level pgtable_levels() - i.
 */
int walk_path(pgd_t *pgd, uint64_t va, uint64_t *path[PG_LEVEL_256T]);

/*
 * Linux's allocating steps, with pt_default_ops: if the entry is none,
 * create the next-level table; return the entry for addr in it. NULL if the
 * allocation fails (the entry is still none) or the entry is a leaf / not a
 * table (never overwritten; the entry is then non-zero: PT_ERR_LEAF's case).
 * p4d_alloc() allocates nothing in 4-level mode: it returns the pgd entry.
 * mm is not used yet (kept for Linux's signatures).
 *
 * As in Linux, the inline part only steps down through a table that is
 * there (the page-fault path's common case); __p4d_alloc() .. __pmd_alloc()
 * (paging/pgtable.c) do the rest: allocate, or refuse a leaf.
 */
p4d_t *__p4d_alloc(struct mm_struct *mm, pgd_t *pgd, uint64_t addr);
pud_t *__pud_alloc(struct mm_struct *mm, p4d_t *p4d, uint64_t addr);
pmd_t *__pmd_alloc(struct mm_struct *mm, pud_t *pud, uint64_t addr);

/* True if an upper-level entry (not a pte) points to a next-level table. */
static inline bool entry_is_table(uint64_t e) { return (e & (_PAGE_PRESENT | _PAGE_PSE)) == _PAGE_PRESENT; }

/* True if the present entry e at level maps a page: any pte; a pmd or pud with PSE. */
static inline bool entry_is_leaf(uint64_t e, int level)
{
	return level == PG_LEVEL_4K || ((level == PG_LEVEL_2M || level == PG_LEVEL_1G) && (e & _PAGE_PSE));
}

static inline p4d_t *p4d_alloc(struct mm_struct *mm, pgd_t *pgd, uint64_t addr)
{
	if (!pgtable_l5_enabled())
		return (p4d_t *)pgd;    /* folded: the pgd entry is the p4d entry */
	uint64_t e = pgd_val(pgdp_get(pgd));
	if (likely(entry_is_table(e)))
		return (p4d_t *)__va(e & PTE_PFN_MASK) + p4d_index(addr);
	return __p4d_alloc(mm, pgd, addr);
}

static inline pud_t *pud_alloc(struct mm_struct *mm, p4d_t *p4d, uint64_t addr)
{
	uint64_t e = p4d_val(p4dp_get(p4d));
	if (likely(entry_is_table(e)))
		return (pud_t *)__va(e & PTE_PFN_MASK) + pud_index(addr);
	return __pud_alloc(mm, p4d, addr);
}

static inline pmd_t *pmd_alloc(struct mm_struct *mm, pud_t *pud, uint64_t addr)
{
	uint64_t e = pud_val(pudp_get(pud));
	if (likely(entry_is_table(e)))
		return (pmd_t *)__va(e & PTE_PFN_MASK) + pmd_index(addr);
	return __pmd_alloc(mm, pud, addr);
}

/*
 * As Linux: gives pmd a (user) pte table if it has none. Returns 0 when pmd
 * points to a pte table, -ENOMEM if allocation failed, PT_ERR_LEAF if pmd is
 * a 2 MiB leaf or otherwise not a table. Note: nonzero means failure.
 */
int pte_alloc(struct mm_struct *mm, pmd_t *pmd);

/* pte_alloc for the kernel half (_KERNPG_TABLE); returns the pte for addr, NULL on failure. */
pte_t *pte_alloc_kernel(pmd_t *pmd, uint64_t addr);

/* The pte for addr in the table pmd points to; NULL if pmd is none, not present or a leaf. */
static inline pte_t *pte_offset_map(pmd_t *pmd, uint64_t addr)
{
	uint64_t v = pmd_val(pmdp_get(pmd));
	if (!entry_is_table(v))
		return NULL;
	return (pte_t *)__va(v & PTE_PFN_MASK) + pte_index(addr);
}

/* pte_alloc() then pte_offset_map(): the pte for addr, or NULL on failure. */
static inline pte_t *pte_alloc_map(struct mm_struct *mm, pmd_t *pmd, uint64_t addr)
{
	return pte_alloc(mm, pmd) ? NULL : pte_offset_map(pmd, addr);
}

/*
 * What maps va. On 0: level is PG_LEVEL_4K/2M/1G, entry the leaf, phys the
 * physical address of va itself (leaf frame + offset). On -1 (no present
 * leaf, or va not canonical): level and entry tell where the walk stopped
 * (entry NULL if va is not canonical), phys is 0.
 */
struct walk_result {
	int level;
	uint64_t *entry;
	uint64_t phys;
};
int follow_addr(pgd_t *pgd, uint64_t va, struct walk_result *out);

/*
 * Maps [va, va+size) to [pa, pa+size) with prot (4 KiB format), using the
 * largest leaf up to leaf_level_max (PG_LEVEL_4K, _2M or _1G) that va, pa and
 * the remaining size allow, and smaller leaves inside a table that already
 * exists there. Returns 0; -EINVAL for unaligned/non-canonical/out-of-range
 * arguments or a prot that is neither present nor PROT_NONE; -EEXIST if some
 * page is already mapped; -ENOMEM. On failure everything this call mapped is
 * unmapped again (and tables emptied by that freed).
 */
int map_range(pgd_t *pgd, uint64_t va, uint64_t pa, uint64_t size, pgprot_t prot, int leaf_level_max);

/*
 * Clears every leaf in [va, va+size) and frees the page-table pages left
 * empty (never the root). The frames the leaves mapped are the caller's.
 * Returns the number of tables freed, or -EINVAL (unaligned, not canonical,
 * wraps, or would cut a 2 MiB / 1 GiB leaf in two; nothing is changed then).
 * The caller flushes the TLB before the freed pages can be reused.
 */
int unmap_range(pgd_t *pgd, uint64_t va, uint64_t size);

/* unmap_range() handing each freed table to ops->free_table (NULL: the
 * default ops), as a teardown that frees them after its TLB flush does
 * (paging/mmu_gather.h). */
int unmap_range_ops(pgd_t *pgd, uint64_t va, uint64_t size, const struct pt_ops *ops);

/*
 * Tears down the user half [start, end) of an address space: as
 * unmap_range(), but refuses (-EINVAL) any range reaching into the kernel
 * half, whose tables are shared between address spaces.
 */
int free_pgtables(pgd_t *pgd, uint64_t start, uint64_t end);

/*
 * Calls fn(ctx, va, level, entry) for each non-none leaf entry (present or
 * not, 4 KiB or large) meeting [start, end), in address order; va is where
 * the leaf begins (below start for a large leaf that starts earlier). fn may
 * change *entry (never frees a table). A nonzero return from fn stops the
 * walk and is returned. Returns 0 (also for start == end), or -EINVAL for
 * an unaligned, non-canonical or backwards range or a NULL fn.
 */
typedef int (*pt_leaf_fn)(void *ctx, uint64_t va, int level, uint64_t *entry);
int walk_leaves(pgd_t *pgd, uint64_t start, uint64_t end, pt_leaf_fn fn, void *ctx);

/*
 * walk_leaves() for the 2 MiB and 1 GiB leaves only: pte tables are not
 * entered, so a range costs a step per 2 MiB, not per 4 KiB page (splitting
 * the THPs of a range). Same returns.
 */
int walk_large_leaves(pgd_t *pgd, uint64_t start, uint64_t end, pt_leaf_fn fn, void *ctx);

/*
 * A pt_leaf_fn's entry as the pte it is, for ptep_get / set_pte / pte_clear;
 * NULL when the leaf is above 4 KiB (level > PG_LEVEL_4K: a 2 MiB / 1 GiB
 * page, which the caller must handle or refuse explicitly).
 */
static inline pte_t *leaf_pte(uint64_t *entry, int level)
{
	return level == PG_LEVEL_4K ? (pte_t *)entry : NULL;
}

/*
 * Releases the page-table pages under [start, end) left with no entry at
 * all, deepest first, touching no leaf - only those for which may_free(ctx,
 * their physical address) is true, when may_free is not NULL: what an
 * operation that allocated tables ahead (mremap) and then did not use them
 * gives back. Returns how many were freed, or -EINVAL as walk_leaves().
 */
typedef bool (*pt_table_pred)(void *ctx, uint64_t phys);
int free_empty_tables(pgd_t *pgd, uint64_t start, uint64_t end, pt_table_pred may_free, void *ctx);

/* free_empty_tables() handing each freed table to ops->free_table (NULL:
 * the default ops), as unmap_range_ops(). */
int free_empty_tables_ops(pgd_t *pgd, uint64_t start, uint64_t end, pt_table_pred may_free, void *ctx,
			  const struct pt_ops *ops);

#endif
