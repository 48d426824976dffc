/*
 * The life of an address space (paging/mm.h), after Linux's kernel/fork.c
 * (mm_alloc, mmput, dup_mm) and mm/mmap.c (exit_mmap).
 */
#include "paging/mm.h"
#include "paging/huge_memory.h"
#include "paging/init.h"
#include "paging/memory.h"
#include "paging/slab.h"
#include "paging/vma.h"
#include "paging/tlb.h"
#include "paging/page.h"
#include "paging/pgtable.h"
#include "paging/rmap.h"
#include "paging/swap.h"
#include "base/errno.h"
#include "base/panic.h"
#include "base/string.h"

static struct kmem_cache *mm_cachep;

/* See paging/mm.h. */
struct mm_struct *mm_alloc(void)
{
	if (!mm_cachep)
		mm_cachep = kmem_cache_create("mm_struct", sizeof(struct mm_struct), 64);
	if (!mm_cachep)
		return NULL;
	struct mm_struct *mm = kmem_cache_zalloc(mm_cachep);
	if (!mm)
		return NULL;
	if (mm_init(mm)) {
		kmem_cache_free(mm_cachep, mm);
		return NULL;
	}
	uint64_t root = pgtable_alloc_page(NULL);
	if (!root) {
		kmem_cache_free(mm_cachep, mm);
		return NULL;
	}
	if (anon_vma_attach(mm, NULL)) {
		pgtable_free_page(NULL, root);
		kmem_cache_free(mm_cachep, mm);
		return NULL;
	}
	mm->pgd = (pgd_t *)__va(root);
	memset(mm->pgd, 0, PAGE_SIZE);
	pgd_copy_kernel_half(mm->pgd);
	mm->mmap_base = STACK_TOP - STACK_LIMIT_BYTES - MMAP_MIN_GAP;
	mm->mm_users = 1;
	return mm;
}

/* See paging/mm.h. */
void unmap_pages(void *ctx, uint64_t start, uint64_t end)
{
	zap_page_range((struct mm_struct *)ctx, start, end);
}

/* See paging/mm.h. */
void exit_mmap(struct mm_struct *mm)
{
	mm_release_vmas(mm, unmap_pages, mm);
}

/* See paging/mm.h. */
void mmput(struct mm_struct *mm)
{
	if (--mm->mm_users > 0)
		return;
	exit_mmap(mm);
	anon_vma_detach(mm);   /* its pages are unmapped: the family may go */
	if (mm->nr_deposited)
		panic("mmput: %llu page tables still deposited for THPs after exit_mmap", mm->nr_deposited);
	for (uint32_t i = 0; i < PTRS_PER_PGD / 2; i++)
		mm->pgd[i] = __pgd(0);
	pgtable_free_page(NULL, __pa(mm->pgd));
	kmem_cache_free(mm_cachep, mm);
}

/*
 * Copies a swap entry of the parent into the child (Linux's
 * copy_nonpresent_pte): the slot counted once more, the exclusive marker
 * cleared on both sides (the page is shared now). Returns 0, or the error
 * of swap_duplicate (-EINVAL: a corrupt entry; -ENOMEM: the slot's count
 * is full), the child's entry left none.
 */
static int copy_swap_pte(struct mm_struct *dst_mm, const struct vm_area_struct *vma, pte_t *src, pte_t *dst)
{
	pte_t pte = ptep_get(src);
	int err = swap_duplicate(pte_to_swp_entry(pte));
	if (err)
		return err;
	if (pte_swp_exclusive(pte)) {
		pte = pte_swp_clear_exclusive(pte);
		set_pte_at(vma->vm_mm, 0, src, pte);
	}
	inc_mm_counter(dst_mm, MM_SWAPENTS);
	set_pte_at(dst_mm, 0, dst, pte);
	return 0;
}

/*
 * Copies one entry of the parent into the child (Linux's copy_present_pte).
 * A private page the parent could write becomes read-only in both
 * (ptep_set_wrprotect): the first write on either side is do_wp_page's.
 * Shared pages stay writable; the zero page stays special; every other
 * page gains a map count and a reference.
 */
static inline void copy_one_pte(struct mm_struct *dst_mm, const struct vm_area_struct *vma, pte_t *src,
				pte_t *dst)
{
	pte_t pte = ptep_get(src);
	if (pte_present(pte) && !pte_special(pte)) {
		struct page *page = pfn_to_page(pte_pfn(pte));
		if (!(vma->vm_flags & VM_SHARED) && pte_write(pte)) {
			ptep_set_wrprotect(vma->vm_mm, 0, src);
			pte = pte_wrprotect(pte);
		}
		get_page(page);
		page_mapcount_inc(page);
		inc_mm_counter(dst_mm, PageAnon(page) ? MM_ANONPAGES : MM_FILEPAGES);
		pte = pte_mkold(pte);
	}
	set_pte_at(dst_mm, 0, dst, pte);
}

/*
 * Copies the entries of [start, end) of vma into dst_mm (Linux's
 * copy_page_range): a pte table of the parent at a time, the child's made
 * for it once, then a plain loop over its entries. Huge leaves were split
 * before. Returns 0, -ENOMEM, or -EIO for a corrupt swap entry (Linux's
 * copy_nonpresent_pte fails the fork the same way).
 */
static int copy_page_range(struct mm_struct *dst_mm, const struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	struct mm_struct *src_mm = vma->vm_mm;
	for (uint64_t addr = start; addr < end;) {
		uint64_t next = (addr & PMD_MASK) + PMD_SIZE;
		if (next > end || next < addr)
			next = end;
		pte_t *src = walk_pte(src_mm->pgd, addr, false, NULL);
		pte_t *dst = NULL;
		uint32_t n = src ? (uint32_t)((next - addr) >> PAGE_SHIFT) : 0;
		for (uint32_t i = 0; i < n; i++) {
			if (pte_none(ptep_get(src + i)))
				continue;
			if (!dst) {
				dst = walk_pte(dst_mm->pgd, addr, true, NULL);   /* addr's entry: dst + i is a + i pages */
				if (!dst)
					return -ENOMEM;
			}
			if (unlikely(is_swap_pte(ptep_get(src + i)))) {
				int err = copy_swap_pte(dst_mm, vma, src + i, dst + i);
				if (err)
					return err == -ENOMEM ? -ENOMEM : -EIO;
				continue;
			}
			copy_one_pte(dst_mm, vma, src + i, dst + i);
		}
		addr = next;
	}
	return 0;
}

/* See paging/mm.h. */
struct mm_struct *dup_mm(struct mm_struct *old)
{
	struct mm_struct *mm = mm_alloc();
	if (!mm)
		return NULL;
	anon_vma_detach(mm);   /* the child's anonymous pages are the parent's family's */
	anon_vma_attach(mm, old);
	mm->task_size = old->task_size;
	mm->mmap_base = old->mmap_base;
	mm->stack_guard_gap = old->stack_guard_gap;
	mm->start_code = old->start_code, mm->end_code = old->end_code;
	mm->start_data = old->start_data, mm->end_data = old->end_data;
	mm->start_brk = old->start_brk, mm->brk = old->brk;
	mm->start_stack = old->start_stack;
	mm->flags = old->flags & (1ull << MMF_DISABLE_THP);   /* Linux's MMF_INIT_MASK: prctl's THP setting */
	for (struct vm_area_struct *v = vma_first(old); v; v = vma_next(v)) {
		if (v->vm_flags & VM_DONTCOPY)
			continue;
		struct vm_area_struct *n = vm_area_alloc(mm);
		if (!n)
			goto fail;
		n->vm_start = v->vm_start;
		n->vm_end = v->vm_end;
		n->vm_flags = v->vm_flags;
		n->vm_file = v->vm_file;
		n->vm_pgoff = v->vm_pgoff;
		n->vm_ops = v->vm_ops;
		n->vm_mapping = v->vm_mapping;
		if (insert_vm_struct(mm, n)) {
			vm_area_free(n);
			goto fail;
		}
		vma_copied(n);   /* a file VMA: on the mapping's list, its own file reference */
		/* THPs are split in the parent first (their deposited tables make
		 * that allocation-free), so both sides share 4 KiB pages that
		 * copy-on-write one by one; Linux 6.1 instead shares the 2 MiB leaf
		 * (copy_huge_pmd) and splits at the first write. hugetlb leaves are
		 * not copied yet: such a fork fails (-ENOMEM) rather than corrupt. */
		if (v->vm_flags & VM_HUGETLB)
			goto fail;
		split_huge_pmd_range(old, v->vm_start, v->vm_end);
		if (copy_page_range(mm, v, v->vm_start, v->vm_end))
			goto fail;
	}
	mm->hiwater_rss = get_mm_rss(mm);
	flush_tlb_local();   /* the parent's entries just made read-only */
	return mm;
fail:
	flush_tlb_local();
	mmput(mm);
	return NULL;
}
