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
	if (mm->nr_deposited)
		panic("mmput: %llu page tables still deposited for THPs after exit_mmap", mm->nr_deposited);
	for (uint32_t i = 0; i < PTRS_PER_PGD / 2; i++)
		mm->pgd[i] = __pgd(0);
	pgtable_free_page(NULL, __pa(mm->pgd));
	kmem_cache_free(mm_cachep, mm);
}

struct copy_ctx {
	struct mm_struct *dst, *src;
	const struct vm_area_struct *vma;
	int err;
};

/*
 * walk_leaves callback of dup_mmap: copies one entry of the parent into the
 * child (Linux's copy_present_pte). A private page the parent could write
 * becomes read-only in both (ptep_set_wrprotect): the first write on either
 * side is do_wp_page's. Shared pages stay writable; the zero page stays
 * special; every other page gains a map count and a reference.
 */
static int copy_one_pte(void *ctx, uint64_t va, int level, uint64_t *entry)
{
	struct copy_ctx *c = ctx;
	if (level != PG_LEVEL_4K) {
		c->err = -EINVAL;   /* huge leaves are copied by copy_huge_pmd when they exist */
		return 1;
	}
	pte_t pte = __pte(*entry);
	if (pte_none(pte))
		return 0;
	pte_t *dst = walk_pte(c->dst->pgd, va, true, NULL);
	if (!dst) {
		c->err = -ENOMEM;
		return 1;
	}
	if (pte_present(pte) && !pte_special(pte)) {
		struct page *page = pfn_to_page(pte_pfn(pte));
		if (!(c->vma->vm_flags & VM_SHARED) && pte_write(pte)) {
			ptep_set_wrprotect(c->src, va, (pte_t *)entry);
			pte = pte_wrprotect(pte);
		}
		get_page(page);
		page_mapcount_inc(page);
		inc_mm_counter(c->dst, PageAnon(page) ? MM_ANONPAGES : MM_FILEPAGES);
		pte = pte_mkold(pte);
	}
	set_pte_at(c->dst, va, dst, pte);
	return 0;
}

/* See paging/mm.h. */
struct mm_struct *dup_mm(struct mm_struct *old)
{
	struct mm_struct *mm = mm_alloc();
	if (!mm)
		return NULL;
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
		struct copy_ctx c = { .dst = mm, .src = old, .vma = v, .err = 0 };
		if (walk_leaves(old->pgd, v->vm_start, v->vm_end, copy_one_pte, &c) || c.err)
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
