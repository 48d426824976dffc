/*
 * The life of an address space (paging/mm.h), after Linux's kernel/fork.c
 * (mm_alloc, mmput, dup_mm) and mm/mmap.c (exit_mmap).
 */
#include "paging/mm.h"
#include "paging/huge_memory.h"
#include "paging/hugetlb.h"
#include "paging/init.h"
#include "paging/memory.h"
#include "paging/slab.h"
#include "paging/vma.h"
#include "paging/tlb.h"
#include "paging/page.h"
#include "paging/pgtable.h"
#include "base/compiler.h"
#include "paging/rmap.h"
#include "paging/swap.h"
#include "base/errno.h"
#include "base/panic.h"
#include "base/string.h"

static struct kmem_cache *mm_cachep;
struct mm_struct *mm_list;
DEFINE_SPINLOCK(mmlist_lock);

/* See paging/mm.h. */
struct mm_struct *mm_alloc(void)
{
	if (!mm_cachep)
		mm_cachep = kmem_cache_create("mm_struct", sizeof(struct mm_struct), 64);
	if (!mm_cachep)
		return NULL;
	struct mm_struct *mm = kmem_cache_alloc(mm_cachep);   /* mm_init clears it */
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
	memset(mm->pgd, 0, PAGE_SIZE / 2);   /* the user half; the kernel half is copied */
	pgd_copy_kernel_half(mm->pgd);
	mm->mmap_base = STACK_TOP - STACK_LIMIT_BYTES - MMAP_MIN_GAP;
	mm->mm_users = 1;
	spin_lock(&mmlist_lock);
	mm->mmlist_next = mm_list;
	if (mm_list)
		mm_list->mmlist_prev = mm;
	mm_list = mm;
	spin_unlock(&mmlist_lock);
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
	/* For writing, as Linux 6.1: reclaim (rmap_walk's read_trylock) must
	 * not walk the tables while they go. */
	mmap_write_lock(mm);
	mm_release_vmas(mm, unmap_pages, mm);
	mmap_write_unlock(mm);
}

/* See paging/mm.h. */
void mmput(struct mm_struct *mm)
{
	if (__atomic_sub_fetch(&mm->mm_users, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	exit_mmap(mm);
	/* A CPU that still borrows mm in lazy TLB mode (a kernel thread ran
	 * after it) leaves it before its root goes: a flush that frees tables
	 * reaches lazy CPUs, and they switch to the kernel's tables. */
	if (!cpumask_empty(mm_cpumask(mm)))
		flush_tlb_mm_range(mm, 0, PAGE_SIZE, PAGE_SHIFT, true);
	anon_vma_detach(mm);   /* its pages are unmapped: the family may go */
	if (mm->nr_deposited)
		panic("mmput: %llu page tables still deposited for THPs after exit_mmap", mm->nr_deposited);
	spin_lock(&mmlist_lock);   /* off the list before its root goes */
	if (mm->mmlist_prev)
		mm->mmlist_prev->mmlist_next = mm->mmlist_next;
	else
		mm_list = mm->mmlist_next;
	if (mm->mmlist_next)
		mm->mmlist_next->mmlist_prev = mm->mmlist_prev;
	spin_unlock(&mmlist_lock);
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
static __attribute__((noinline, cold)) int copy_swap_pte(struct mm_struct *dst_mm, const struct vm_area_struct *vma, pte_t *src, pte_t *dst)
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
 * The child's pte for addr, where fork will write the entries [first, last)
 * of its pte table (first = addr's index): the table is made if the child
 * has none there yet (with the upper levels, which the walk clears), and
 * then only its entries outside [first, last) are cleared - the copy writes
 * every one inside. NULL if a table cannot be allocated (the child's tree is
 * left valid: walk_to_entry gives back what it made).
 */
static pte_t *child_pte_table(struct mm_struct *mm, uint64_t addr, uint32_t first, uint32_t last)
{
	uint64_t *pmd;
	if (walk_to_entry(mm->pgd, addr, PG_LEVEL_2M, true, NULL, &pmd))
		return NULL;
	uint64_t v = pmd_val(pmdp_get((pmd_t *)pmd));
	if (v) {   /* another VMA of this 2 MiB was copied first */
		if (!entry_is_table(v))
			panic("fork: a leaf in the child's pmd at %llx", addr);
		return (pte_t *)__va(v & PTE_PFN_MASK) + first;
	}
	uint64_t phys = pgtable_alloc_page(NULL);
	if (!phys)
		return NULL;
	pte_t *table = (pte_t *)__va(phys);
	memset(table, 0, first * sizeof(pte_t));
	memset(table + last, 0, (PTRS_PER_PTE - last) * sizeof(pte_t));
	set_pmd((pmd_t *)pmd, __pmd(phys | _PAGE_TABLE));
	return table + first;
}

/* Reports (bad_page) each page among the entries [lo, hi) of src that is
 * free: copy_ptes found one and took no reference on it, as get_page. */
static __attribute__((noinline, cold)) void report_free_pages(pte_t *src, uint32_t lo, uint32_t hi)
{
	for (uint32_t i = lo; i < hi; i++) {
		pte_t pte = ptep_get(src + i);
		if (pte_present(pte) && !pte_special(pte) && page_ref_count(pfn_to_page(pte_pfn(pte))) <= 0)
			bad_page(pfn_to_page(pte_pfn(pte)), "get_page on a free page");
	}
}

/*
 * The loop of copy_pte_range over the parent's entries [lo, hi) of src into
 * dst (Linux 6.1's copy_present_pte for each page), adding the pages copied
 * to the child's counters. all_anon (a constant at each call): the VMA is
 * private anonymous memory, so every page is anonymous and none needs
 * looking at for its kind. Inlined twice, so each loop has that test folded.
 * The loop calls nothing for pages (a free page is reported after it, with
 * the same effect as get_page's check), so its values stay in registers;
 * swap entries are copy_swap_pte's, out of line. Returns 0 or its error.
 */
static __attribute__((always_inline)) inline int copy_ptes(struct mm_struct *dst_mm,
							    const struct vm_area_struct *vma, pte_t *src,
							    pte_t *dst, uint32_t lo, uint32_t hi, bool all_anon)
{
	struct page *mem_map = mem_map_base();
	const pteval_t pfn_mask = PTE_PFN_MASK;
	const pteval_t cow = (vma->vm_flags & VM_SHARED) ? 0 : _PAGE_RW;   /* the bit a private page loses */
	int64_t pages = 0, anon = 0;
	bool free_page = false;
	int err = 0;
	for (uint32_t i = lo; i < hi; i++) {
		pteval_t v = pte_val(ptep_get(src + i));
		if ((v & (_PAGE_PRESENT | _PAGE_PROTNONE)) && !(v & _PAGE_SPECIAL)) {
			struct page *page = mem_map + ((v & pfn_mask) >> PAGE_SHIFT);
			if (v & cow) {
				ptep_set_wrprotect(vma->vm_mm, 0, src + i);
				v &= ~_PAGE_RW;
			}
			/* get_page, its report deferred. Atomic: the page may be
			 * shared with an mm that drops or takes a reference on
			 * another CPU right now (its fault, munmap, own fork). */
			if (likely(page->_refcount > 0))
				__atomic_fetch_add(&page->_refcount, 1, __ATOMIC_RELAXED);
			else
				free_page = true;
			page_mapcount_inc(page);
			if (!all_anon)
				anon += PageAnon(page);
			pages++;
			v &= ~_PAGE_ACCESSED;
		} else if (unlikely(v && !(v & (_PAGE_PRESENT | _PAGE_PROTNONE)))) {   /* a swap entry (is_swap_pte) */
			err = copy_swap_pte(dst_mm, vma, src + i, dst + i);
			if (unlikely(err)) {
				/* The rest of the child's entries are none: its teardown walks them. */
				memset(dst + i, 0, (hi - i) * sizeof(pte_t));
				hi = i;
				break;
			}
			continue;
		}
		set_pte(dst + i, __pte(v));
	}
	if (unlikely(free_page))
		report_free_pages(src, lo, hi);
	if (all_anon)
		anon = pages;
	dst_mm->rss_stat[MM_ANONPAGES] += anon;
	dst_mm->rss_stat[MM_FILEPAGES] += pages - anon;
	return err;
}

/*
 * Copies the entries of vma in [addr, end), inside one pte table, from the
 * parent's table (src: the entry for addr) into dst_mm: Linux 6.1's
 * copy_pte_range with copy_present_pte, as one loop over the table.
 *
 *   none                    stays none (a child with nothing in this table
 *                           gets no table)
 *   a page (not special)    one more reference and map count; a private
 *                           page the parent could write becomes read-only
 *                           in both (ptep_set_wrprotect): the first write
 *                           on either side is do_wp_page's. Shared pages
 *                           stay writable. Old in the child.
 *   the zero page           copied as it is (special: no page behind it)
 *   a swap entry            copy_swap_pte: the slot counted once more
 *
 * The child's RSS counters are added once per table. Returns 0, -ENOMEM (no
 * table for the child, or a slot's count full) or -EIO (a corrupt swap
 * entry); on failure the child's entries from the failing one on are none.
 * Out of line: its loop gets the registers to itself.
 */
static __attribute__((noinline)) int copy_pte_range(struct mm_struct *dst_mm, const struct vm_area_struct *vma,
						    pte_t *src, uint64_t addr, uint64_t end)
{
	uint32_t n = (uint32_t)((end - addr) >> PAGE_SHIFT), lo = 0, hi = n;
	while (lo < hi && pte_none(ptep_get(src + lo)))
		lo++;
	if (lo == hi)
		return 0;
	while (pte_none(ptep_get(src + hi - 1)))
		hi--;
	uint32_t first = pte_index(addr);
	pte_t *dst = child_pte_table(dst_mm, addr, first + lo, first + hi);
	if (!dst)
		return -ENOMEM;
	dst -= lo;   /* dst + i is the child's entry for src + i */
	int err;
	if (!vma->vm_file && !vma->vm_mapping && !(vma->vm_flags & VM_SHARED))
		err = copy_ptes(dst_mm, vma, src, dst, lo, hi, true);
	else
		err = copy_ptes(dst_mm, vma, src, dst, lo, hi, false);
	return err == 0 || err == -ENOMEM ? err : -EIO;
}

/*
 * copy_pmd_range's branch for a pmd that is no pte table: a THP leaf (the
 * huge zero page's too) at addr's 2 MiB of src_mm is shared with dst_mm
 * (copy_huge_pmd); none is nothing to copy. Returns 0 or -ENOMEM.
 */
static int copy_pmd_leaf(struct mm_struct *dst_mm, struct mm_struct *src_mm, uint64_t addr)
{
	uint64_t *src, *dst;
	if (walk_to_entry(src_mm->pgd, addr, PG_LEVEL_2M, false, NULL, &src) || !pmd_trans_huge(__pmd(*src)))
		return 0;
	if (walk_to_entry(dst_mm->pgd, addr, PG_LEVEL_2M, true, NULL, &dst))
		return -ENOMEM;
	return copy_huge_pmd(dst_mm, (pmd_t *)dst, (pmd_t *)src);
}

/*
 * Copies the entries of [start, end) of vma into dst_mm (Linux's
 * copy_page_range): a pte table of the parent at a time (copy_pte_range);
 * a THP leaf is shared whole (copy_pmd_leaf; it covers the VMA's 2 MiB,
 * thp_vma_allowable). hugetlb VMAs are copy_hugetlb_page_range's. Returns 0,
 * -ENOMEM, or -EIO for a corrupt swap entry (Linux's copy_nonpresent_pte
 * fails the fork the same way).
 */
static int copy_page_range(struct mm_struct *dst_mm, const struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	struct mm_struct *src_mm = vma->vm_mm;
	for (uint64_t addr = start; addr < end;) {
		uint64_t next = (addr & PMD_MASK) + PMD_SIZE;
		if (next > end || next < addr)
			next = end;
		pte_t *src = walk_pte(src_mm->pgd, addr, false, NULL);
		if (!src) {
			int err = copy_pmd_leaf(dst_mm, src_mm, addr);
			if (err)
				return err;
		} else {
			int err = copy_pte_range(dst_mm, vma, src, addr, next);
			if (err)
				return err;
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
	/* Linux's dup_mmap: the parent's lock for writing (no fault of its
	 * threads changes what is copied), the child's too (reclaim may find it
	 * in the family before its tables are complete; nobody else can wait
	 * for it, so the order parent -> child cannot deadlock). */
	mmap_write_lock(old);
	mmap_write_lock(mm);
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
		if (v->vm_flags & VM_HUGETLB)   /* the child reserves nothing (paging/hugetlb.h) */
			n->vm_flags = (n->vm_flags | VM_NORESERVE) & ~VM_HUGETLB_UNMAPPED;
		n->vm_file = v->vm_file;
		n->vm_pgoff = v->vm_pgoff;
		n->vm_ops = v->vm_ops;
		n->vm_mapping = v->vm_mapping;
		if (insert_vm_struct(mm, n)) {
			vm_area_free(n);
			goto fail;
		}
		vma_copied(n);   /* a file VMA: on the mapping's list, its own file reference */
		/* THP leaves are shared whole (copy_huge_pmd), write-protected in
		 * both; the first write splits (paging/huge_memory.h). hugetlb
		 * pages are shared, private ones copy-on-write (paging/hugetlb.h). */
		if (v->vm_flags & VM_HUGETLB) {
			if (copy_hugetlb_page_range(mm, v))
				goto fail;
		} else if (copy_page_range(mm, v, v->vm_start, v->vm_end)) {
			goto fail;
		}
	}
	mm->hiwater_rss = get_mm_rss(mm);
	/* The parent's entries just made read-only, on every CPU that runs it
	 * (Linux's flush_tlb_mm(oldmm) in dup_mmap). */
	flush_tlb_mm_range(old, 0, TLB_FLUSH_ALL, PAGE_SHIFT, false);
	mmap_write_unlock(mm);
	mmap_write_unlock(old);
	return mm;
fail:
	flush_tlb_mm_range(old, 0, TLB_FLUSH_ALL, PAGE_SHIFT, false);
	mmap_write_unlock(mm);
	mmap_write_unlock(old);
	mmput(mm);
	return NULL;
}
