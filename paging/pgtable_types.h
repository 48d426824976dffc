/*
 * The x86-64 paging-entry layout: the bits of a page-table entry at every
 * level, the page-fault (#PF) error-code bits, the entry types (pte_t ...
 * pgd_t, pgprot_t) and the address split into table indices.
 *
 * This is the one header that knows where the hardware puts things. The
 * helpers that give the bits meaning (pte_mkdirty, pmd_leaf, ...) are in
 * paging/pgtable.h.
 *
 * 4-level or 5-level paging is chosen at boot, as Linux does with
 * pgtable_l5_enabled(): PGDIR_SHIFT, PTRS_PER_P4D and __VIRTUAL_MASK_SHIFT
 * follow pgtable_l5_enabled_flag at run time. In 4-level mode the p4d level
 * is folded into the pgd (PTRS_PER_P4D == 1), so code written for five
 * levels runs unchanged on four.
 */
#ifndef FAULTLINE_PGTABLE_TYPES_H
#define FAULTLINE_PGTABLE_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "base/page_types.h"   /* PAGE_SHIFT, PAGE_SIZE, PAGE_MASK, __va */

/* ---- Bits of an entry (all levels unless noted) ------------------------ */

#define _PAGE_BIT_PRESENT    0   /* P: the entry translates */
#define _PAGE_BIT_RW         1   /* R/W: writes allowed */
#define _PAGE_BIT_USER       2   /* U/S: ring 3 may access */
#define _PAGE_BIT_PWT        3   /* write-through */
#define _PAGE_BIT_PCD        4   /* cache disable */
#define _PAGE_BIT_ACCESSED   5   /* A: set by the CPU on use */
#define _PAGE_BIT_DIRTY      6   /* D: set by the CPU on write (leaves only) */
#define _PAGE_BIT_PSE        7   /* PS: leaf at PMD (2 MiB) or PUD (1 GiB) */
#define _PAGE_BIT_PAT        7   /* PAT index bit in a 4 KiB PTE */
#define _PAGE_BIT_GLOBAL     8   /* G: survives CR3 loads (leaves only) */
#define _PAGE_BIT_SOFTW1     9   /* ignored by the CPU: ours */
#define _PAGE_BIT_SOFTW2     10
#define _PAGE_BIT_SOFTW3     11
#define _PAGE_BIT_PAT_LARGE  12  /* PAT index bit in a 2 MiB / 1 GiB leaf */
#define _PAGE_BIT_SOFTW5     57  /* bits 52..58 are ignored by the CPU too */
#define _PAGE_BIT_SOFTW4     58
#define _PAGE_BIT_PKEY_BIT0  59  /* protection key, bits 59..62 (CR4.PKE) */
#define _PAGE_BIT_PKEY_BIT1  60
#define _PAGE_BIT_PKEY_BIT2  61
#define _PAGE_BIT_PKEY_BIT3  62
#define _PAGE_BIT_NX         63  /* XD: no instruction fetch (EFER.NXE) */

/* Software meanings, named once here (Linux's names where Linux has them). */
#define _PAGE_BIT_SPECIAL    _PAGE_BIT_SOFTW1  /* no struct page behind it (zero page, MMIO) */
#define _PAGE_BIT_PROTNONE   _PAGE_BIT_GLOBAL  /* only when !PRESENT: a PROT_NONE mapping */

#define _PAGE_PRESENT    ((uint64_t)1 << _PAGE_BIT_PRESENT)
#define _PAGE_RW         ((uint64_t)1 << _PAGE_BIT_RW)
#define _PAGE_USER       ((uint64_t)1 << _PAGE_BIT_USER)
#define _PAGE_PWT        ((uint64_t)1 << _PAGE_BIT_PWT)
#define _PAGE_PCD        ((uint64_t)1 << _PAGE_BIT_PCD)
#define _PAGE_ACCESSED   ((uint64_t)1 << _PAGE_BIT_ACCESSED)
#define _PAGE_DIRTY      ((uint64_t)1 << _PAGE_BIT_DIRTY)
#define _PAGE_PSE        ((uint64_t)1 << _PAGE_BIT_PSE)
#define _PAGE_PAT        ((uint64_t)1 << _PAGE_BIT_PAT)
#define _PAGE_GLOBAL     ((uint64_t)1 << _PAGE_BIT_GLOBAL)
#define _PAGE_SOFTW1     ((uint64_t)1 << _PAGE_BIT_SOFTW1)
#define _PAGE_SOFTW2     ((uint64_t)1 << _PAGE_BIT_SOFTW2)
#define _PAGE_SOFTW3     ((uint64_t)1 << _PAGE_BIT_SOFTW3)
#define _PAGE_PAT_LARGE  ((uint64_t)1 << _PAGE_BIT_PAT_LARGE)
#define _PAGE_SOFTW4     ((uint64_t)1 << _PAGE_BIT_SOFTW4)
#define _PAGE_SOFTW5     ((uint64_t)1 << _PAGE_BIT_SOFTW5)
#define _PAGE_PKEY_BIT0  ((uint64_t)1 << _PAGE_BIT_PKEY_BIT0)
#define _PAGE_PKEY_BIT1  ((uint64_t)1 << _PAGE_BIT_PKEY_BIT1)
#define _PAGE_PKEY_BIT2  ((uint64_t)1 << _PAGE_BIT_PKEY_BIT2)
#define _PAGE_PKEY_BIT3  ((uint64_t)1 << _PAGE_BIT_PKEY_BIT3)
#define _PAGE_PKEY_MASK  (_PAGE_PKEY_BIT0 | _PAGE_PKEY_BIT1 | _PAGE_PKEY_BIT2 | _PAGE_PKEY_BIT3)
#define _PAGE_NX         ((uint64_t)1 << _PAGE_BIT_NX)

#define _PAGE_SPECIAL    ((uint64_t)1 << _PAGE_BIT_SPECIAL)
#define _PAGE_PROTNONE   ((uint64_t)1 << _PAGE_BIT_PROTNONE)

/* What an entry pointing to a lower table carries: user half, kernel half. */
#define _PAGE_TABLE    (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define _KERNPG_TABLE  (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)

/* ---- Physical address field -------------------------------------------- */

/*
 * MAXPHYADDR is learnt at boot (CPUID 0x80000008); until then 52 bits, the
 * architectural maximum. Set through pgtable_set_phys_bits() (paging/pgtable.h).
 */
extern uint64_t physical_mask;
#define __PHYSICAL_MASK_SHIFT  52
#define __PHYSICAL_MASK        physical_mask

/* Frame bits of an entry: 12..MAXPHYADDR-1. Everything else is a flag. */
#define PTE_PFN_MASK    (PAGE_MASK & __PHYSICAL_MASK)
#define PTE_FLAGS_MASK  (~PTE_PFN_MASK)

/*
 * Bits the CPU accepts in a leaf. Boot clears _PAGE_NX when EFER.NXE cannot
 * be set (it is a reserved bit then) and _PAGE_GLOBAL without CR4.PGE;
 * pfn_pte() and friends apply the mask to present protections only.
 */
extern uint64_t __supported_pte_mask;

/* ---- #PF error code (pushed by the CPU, see Intel SDM 4.7) ------------- */

#define X86_PF_PROT   ((uint64_t)1 << 0)   /* P: 0 = page not present, 1 = protection violation */
#define X86_PF_WRITE  ((uint64_t)1 << 1)   /* W/R: the access was a write */
#define X86_PF_USER   ((uint64_t)1 << 2)   /* U/S: the access came from ring 3 */
#define X86_PF_RSVD   ((uint64_t)1 << 3)   /* a reserved bit was set in some entry */
#define X86_PF_INSTR  ((uint64_t)1 << 4)   /* I/D: instruction fetch */
#define X86_PF_PK     ((uint64_t)1 << 5)   /* protection-key violation */
#define X86_PF_SHSTK  ((uint64_t)1 << 6)   /* SS: shadow-stack access */
#define X86_PF_SGX    ((uint64_t)1 << 15)  /* SGX EPCM violation */

/* ---- Entry types ------------------------------------------------------- */

typedef uint64_t pteval_t;
typedef uint64_t pmdval_t;
typedef uint64_t pudval_t;
typedef uint64_t p4dval_t;
typedef uint64_t pgdval_t;
typedef uint64_t pgprotval_t;

/* Structs, not integers, so a pmd cannot be stored where a pte belongs. */
typedef struct { pteval_t pte; } pte_t;
typedef struct { pmdval_t pmd; } pmd_t;
typedef struct { pudval_t pud; } pud_t;
typedef struct { p4dval_t p4d; } p4d_t;
typedef struct { pgdval_t pgd; } pgd_t;
typedef struct { pgprotval_t pgprot; } pgprot_t;

/* ---- Levels and the address split -------------------------------------- */

/*
 * Set once at boot, before the first page-table walk, to whether CR4.LA57
 * is (about to be) on. Never changed while any page table is in use.
 */
extern bool pgtable_l5_enabled_flag;

static inline bool pgtable_l5_enabled(void) { return pgtable_l5_enabled_flag; }

/* 4 or 5. */
static inline int pgtable_levels(void) { return pgtable_l5_enabled() ? 5 : 4; }

/*
 * Level of a table or of a leaf, numbered as Linux's enum pg_level: an entry
 * at level L maps 1 << (12 + 9 * (L - 1)) bytes. PG_LEVEL_256T is the 5-level
 * pgd; in 4-level mode the pgd is at PG_LEVEL_512G.
 */
enum pg_level {
	PG_LEVEL_NONE = 0,
	PG_LEVEL_4K   = 1,   /* pte */
	PG_LEVEL_2M   = 2,   /* pmd */
	PG_LEVEL_1G   = 3,   /* pud */
	PG_LEVEL_512G = 4,   /* p4d (the pgd itself in 4-level mode) */
	PG_LEVEL_256T = 5,   /* pgd in 5-level mode */
};

#define PMD_SHIFT    21
#define PUD_SHIFT    30
#define P4D_SHIFT    39
#define PGDIR_SHIFT  (pgtable_l5_enabled() ? 48 : 39)

#define PTRS_PER_PTE      512
#define PTRS_PER_PMD      512
#define PTRS_PER_PUD      512
#define MAX_PTRS_PER_P4D  512
#define PTRS_PER_P4D      (pgtable_l5_enabled() ? 512 : 1)
#define PTRS_PER_PGD      512

#define PMD_SIZE    ((uint64_t)1 << PMD_SHIFT)
#define PMD_MASK    (~(PMD_SIZE - 1))
#define PUD_SIZE    ((uint64_t)1 << PUD_SHIFT)
#define PUD_MASK    (~(PUD_SIZE - 1))
#define P4D_SIZE    ((uint64_t)1 << P4D_SHIFT)
#define P4D_MASK    (~(P4D_SIZE - 1))
#define PGDIR_SIZE  ((uint64_t)1 << PGDIR_SHIFT)
#define PGDIR_MASK  (~(PGDIR_SIZE - 1))

/* Frame bits of a 2 MiB / 1 GiB leaf (bit 12 there is PAT, not address). */
#define PHYSICAL_PMD_PAGE_MASK  (PMD_MASK & __PHYSICAL_MASK)
#define PHYSICAL_PUD_PAGE_MASK  (PUD_MASK & __PHYSICAL_MASK)

/*
 * Highest implemented virtual-address bit below the sign extension: 47 in
 * 4-level (48-bit addresses), 56 in 5-level (57-bit addresses).
 */
#define __VIRTUAL_MASK_SHIFT  (pgtable_l5_enabled() ? 56 : 47)

/* ---- Swap entries in non-present ptes (x86-64 Linux's layout) ----------- */

/*
 * A pte that is neither none nor present names a swap slot, as
 * arch/x86/include/asm/pgtable_64.h lays it out:
 *
 *   bit  63..59   58 ....... 9   8   7   6   5   4   3   2   1   0
 *        TYPE     ~OFFSET        0   0   x   x   x   E   x   SD  0
 *
 * P (bit 0) and PROTNONE (bit 8, G) are clear, so pte_present() is false;
 * the offset is stored inverted (L1TF: a not-present entry whose "frame"
 * bits are mostly ones points above any real memory, so a speculative load
 * through it reads nothing). E (bit 3, PWT) marks an entry whose page was
 * exclusive to this mm when it was swapped out (do_swap_page may map it
 * writable at once); SD (bit 1) is soft-dirty, kept for the layout only.
 * Neither is part of the entry itself: pte_to_swp_entry clears them.
 */
#define SWP_TYPE_BITS         5
#define SWP_OFFSET_FIRST_BIT  (_PAGE_BIT_PROTNONE + 1)           /* 9 */
#define SWP_OFFSET_SHIFT      (SWP_OFFSET_FIRST_BIT + SWP_TYPE_BITS)
#define SWP_OFFSET_BITS       (64 - SWP_OFFSET_SHIFT)            /* 50 */

#define _PAGE_SWP_EXCLUSIVE   _PAGE_PWT
#define _PAGE_SWP_SOFT_DIRTY  _PAGE_RW

/* The architecture's swap pte of (type, offset): Linux's __swp_entry. */
static inline pteval_t __swp_entry_val(uint64_t type, uint64_t offset)
{
	return (~offset << SWP_OFFSET_SHIFT >> SWP_TYPE_BITS) | (type << (64 - SWP_TYPE_BITS));
}
/* The type and offset back from such a pte value (flag bits ignored). */
static inline uint64_t __swp_type_val(pteval_t v)   { return v >> (64 - SWP_TYPE_BITS); }
static inline uint64_t __swp_offset_val(pteval_t v) { return ~v << SWP_TYPE_BITS >> SWP_OFFSET_SHIFT; }

#endif
