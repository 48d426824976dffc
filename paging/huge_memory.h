/*
 * Transparent huge pages for private anonymous memory (Linux 6.1's
 * mm/huge_memory.c): a fault on a none pmd whose 2 MiB lie inside a VMA
 * that may have them maps one 2 MiB leaf instead of 512 ptes, and every
 * walk of user memory takes such a leaf whole or splits it into 512 ptes
 * (split_huge_pmd) first. The cases (the fault path's table continues the
 * one at the top of paging/memory.c):
 *
 *   case                                   does                                  vmf->done
 *   pmd none, THP allowed (thp_vma_allowable)
 *       read                               the huge zero page, read-only,        VMF_DONE_THP_ZERO
 *                                          special (allocated once, at boot)
 *       write                              an order-9 frame, cleared (timed      VMF_DONE_THP_NEW
 *                                          apart), one writable dirty leaf
 *       no order-9 frame / no huge zero    fall back: 4 KiB pages as without     VMF_DONE_THP_FALLBACK
 *       page                               THP, thp_events.fault_fallback
 *       no frame for the deposit table     nothing mapped                        VM_FAULT_OOM
 *   pmd a THP leaf
 *       write to the huge zero page        do_huge_pmd_wp_page: a new cleared    VMF_DONE_THP_COW_ZERO
 *                                          THP; none: split, then 4 KiB CoW      VMF_DONE_THP_FALLBACK
 *       write to a THP this leaf alone     made writable in place (after fork:   VMF_DONE_REUSE
 *       maps, read-only                    the other side has gone)
 *       write to a THP mapped elsewhere    split, then the 4 KiB CoW (as 6.1:   (the 4 KiB path's)
 *       too (after fork)                   a CoW never copies 2 MiB)
 *       access it allows already           young/dirty set, TLB entry flushed    VMF_DONE_SPURIOUS
 *
 * "THP allowed" (Linux's hugepage_vma_check and transhuge_vma_suitable): a
 * private anonymous VMA (shared anonymous memory is shmem in Linux, whose
 * THP setting defaults to never), not VM_NOHUGEPAGE, not VM_HUGETLB, the mm
 * not under prctl(PR_SET_THP_DISABLE), the mode `always` (or `madvise` and
 * the VMA VM_HUGEPAGE), and the 2 MiB-aligned range around the address
 * wholly inside the VMA.
 *
 * Page-table pages: every THP leaf of a 2 MiB page has one pte table
 * deposited in its mm when it is made (pgtable_trans_huge_deposit), taken
 * back when it is split (into that table) or zapped (freed), so a split
 * never allocates and never fails, and no empty pte table is left behind.
 * pgtable_deposited counts them over all mms; the verifier
 * (paging/verify.c) checks it against the THP leaves it finds. A huge zero
 * page leaf has none (faultline's, so its read fault allocates nothing):
 * "splitting" it drops it, and its pages, which read as zeros either way,
 * refault to the small zero page when read again (Linux fills a deposited
 * table with the small zero page: no refault).
 *
 * A THP is one order-9 buddy block: the head frame carries PG_anon, the map
 * count (one per pmd mapping it) and the reference; split_page turns it into
 * 512 single frames when the leaf is split. RSS counts it as 512 pages.
 *
 * fork (copy_huge_pmd, as 6.1): the child gets the parent's leaf, both
 * write-protected, a reference and a map count more on the THP, 512 pages
 * more RSS, and a pte table of its own deposited (allocated now, so that a
 * later split cannot fail; its failure fails the fork, -ENOMEM); the huge
 * zero page leaf is copied as it is. The first write on either side finds
 * the THP mapped elsewhere: the leaf is split and the 4 KiB CoW copies the
 * page written; a side left alone with it (the other exited or unmapped)
 * reuses all 2 MiB in place. Linux keeps a shared THP compound and counts
 * the pte mappings of its subpages apart; here split_huge_pmd turns the
 * block into 512 order-0 frames (split_page) at the first split, and the
 * leaves other mms still have then map "split frames": each frame counts
 * every entry mapping it (a leaf as one), so the 4 KiB paths (CoW, zap)
 * need no compound pages, and a leaf over split frames is taken or dropped
 * frame by frame (512 steps, only after such a split). A leaf left the
 * only mapper of its split frames makes them one compound THP again when
 * it is reused. Two mms may do these steps to one THP on two CPUs at once:
 * every pmd-level change of a THP's counts holds thp_share_lock
 * (huge_memory.c) inside the mm's page_table_lock.
 */
#ifndef FAULTLINE_HUGE_MEMORY_H
#define FAULTLINE_HUGE_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include "paging/memory.h"
#include "paging/mm_types.h"
#include "paging/pgtable.h"
#include "paging/vmstat.h"

struct vm_area_struct;

#define HPAGE_PMD_ORDER 9
#define HPAGE_PMD_NR    (1u << HPAGE_PMD_ORDER)
#define HPAGE_PMD_SIZE  PMD_SIZE
#define HPAGE_PMD_MASK  PMD_MASK

/* The `thp` config key (Linux's /sys/kernel/mm/transparent_hugepage/enabled). */
enum thp_mode { THP_NEVER = 0, THP_MADVISE, THP_ALWAYS };
extern enum thp_mode transparent_hugepage_mode;   /* THP_NEVER until the kernel sets the config's */

/* The THP events (thp_*) are per CPU: paging/vmstat.h (count_thp_event, all_thp_events). */

/* Page-table pages deposited for THP leaves, in all mms together. */
extern uint64_t pgtable_deposited;

/* The huge zero page: 2 MiB of zeros, one order-9 block (PG_zero on its head), 0 if none. */
extern uint64_t huge_zero_pfn;
static inline bool is_huge_zero_pfn(uint64_t pfn) { return huge_zero_pfn && pfn == huge_zero_pfn; }
static inline bool is_huge_zero_pmd(pmd_t pmd) { return is_huge_zero_pfn(pmd_pfn(pmd)); }

/* Allocates the huge zero page (Linux's get_huge_zero_page; here once, at
 * boot, so no program's frame accounting sees it). Returns 0, or -1 if no
 * order-9 block: read faults then fall back to 4 KiB. */
int huge_zero_page_init(void);

/* True if a fault at addr in vma may map a THP (see "THP allowed" above).
 * Inline: the read of a none pmd asks it on the fault path's inline half. */
static inline bool thp_vma_allowable(const struct vm_area_struct *vma, uint64_t addr)
{
	uint64_t f = vma->vm_flags;
	if (transparent_hugepage_mode == THP_NEVER || (f & (VM_SHARED | VM_NOHUGEPAGE | VM_HUGETLB)) ||
	    vma->vm_mapping)
		return false;   /* anonymous memory only (file THPs are Linux's READ_ONLY_THP, not here) */
	if (transparent_hugepage_mode == THP_MADVISE && !(f & VM_HUGEPAGE))
		return false;
	if (vma->vm_mm->flags & (1ull << MMF_DISABLE_THP))
		return false;
	uint64_t haddr = addr & HPAGE_PMD_MASK;
	return haddr >= vma->vm_start && vma->vm_end - haddr >= HPAGE_PMD_SIZE;
}

/* A 4 KiB-format protection as a 2 MiB leaf wants it: PAT moved, PSE set. */
static inline pgprot_t huge_prot(pgprot_t prot)
{
	return __pgprot(pgprot_val(pgprot_4k_2_large(prot)) | _PAGE_PSE);
}

/* Maps the huge zero page read-only at the none pmd vmf->pmd (a read where a
 * THP is allowed and the huge zero page exists): nothing allocated, no
 * deposit (splitting it drops it: its pages read as zeros either way). */
static inline void set_huge_zero_pmd(struct vm_fault *vmf)
{
	pmd_t entry = pmd_wrprotect(pmd_mkspecial(pfn_pmd(huge_zero_pfn, huge_prot(vmf->vma->vm_page_prot))));
	set_pmd(vmf->pmd, entry);
	vmf->done = VMF_DONE_THP_ZERO;
}

/* The none pmd at vmf->pmd, in a VMA where thp_vma_allowable said yes: maps
 * the huge zero page (read) or a new THP (write). Returns 0 (vmf->done set),
 * VM_FAULT_FALLBACK (nothing changed: map 4 KiB pages), or VM_FAULT_OOM. */
vm_fault_t do_huge_pmd_anonymous_page(struct vm_fault *vmf);

/* A fault on the THP leaf orig at vmf->pmd (the table at the top). Returns 0,
 * VM_FAULT_FALLBACK (the leaf was split: handle the pte), or VM_FAULT_SIGBUS
 * for a leaf that cannot be a THP of this VMA (not wholly inside a private
 * VMA, or not mapping the huge zero page or an anonymous 2 MiB block). */
vm_fault_t huge_pmd_fault(struct vm_fault *vmf, pmd_t orig);

/* Splits the THP leaf at pmd (mapping [haddr, haddr + 2 MiB) of mm) into a
 * pte table of 512 entries with the same rights, bits and data: the
 * deposited table, so it cannot fail. Panics on anything but a THP leaf. */
void split_huge_pmd(struct mm_struct *mm, pmd_t *pmd, uint64_t haddr);

/* If a THP leaf of mm covers addr and does not begin there, splits it (what
 * an operation on a range starting or ending at addr does first). */
void split_huge_pmd_address(struct mm_struct *mm, uint64_t addr);

/* Splits every THP leaf of mm that meets [start, end) (mremap's move). */
void split_huge_pmd_range(struct mm_struct *mm, uint64_t start, uint64_t end);

/* Removes the THP leaf at pmd (mapping haddr of mm): the page's map count,
 * reference and rss go, the deposit is freed, after a flush of tlb's range
 * (paging/mmu_gather.h; tlb->mm is the mm). Linux's zap_huge_pmd. */
struct mmu_gather;
void zap_huge_pmd(struct mmu_gather *tlb, pmd_t *pmd, uint64_t haddr);

/* Re-applies vma's protection to the THP leaf at pmd (haddr): Linux's
 * change_huge_pmd; writable at once when the VMA is and we alone map it.
 * The caller flushes (change_protection's gather). */
void change_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd, uint64_t haddr);

/* fork's copy of the THP leaf at src_pmd (the parent's) into the none pmd
 * dst_pmd of dst_mm (Linux's copy_huge_pmd, see "fork" above). Returns 0, or
 * -ENOMEM (nothing changed) if no page-table page for the deposit. */
int copy_huge_pmd(struct mm_struct *dst_mm, pmd_t *dst_pmd, pmd_t *src_pmd);

/* The pte table kept for a THP leaf of mm (Linux's pgtable_trans_huge_deposit
 * / _withdraw); withdraw panics if mm has none. */
void pgtable_trans_huge_deposit(struct mm_struct *mm, uint64_t table_phys);
uint64_t pgtable_trans_huge_withdraw(struct mm_struct *mm);

#endif
