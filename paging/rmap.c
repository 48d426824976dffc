/* The reverse map (paging/rmap.h). */
#include "paging/rmap.h"
#include "paging/filemap.h"
#include "paging/slab.h"
#include "paging/swap.h"
#include "paging/tlb.h"
#include "paging/vma.h"
#include "base/errno.h"
#ifndef HOST_TEST
#include "cpu/percpu.h"
#endif

static struct kmem_cache *anon_vma_cachep;

/* See paging/rmap.h. */
int anon_vma_attach(struct mm_struct *mm, struct mm_struct *parent)
{
	struct anon_vma *av = parent ? parent->anon_vma : NULL;
	if (!av) {
		if (!anon_vma_cachep)
			anon_vma_cachep = kmem_cache_create("anon_vma", sizeof(struct anon_vma), 8);
		av = anon_vma_cachep ? kmem_cache_zalloc(anon_vma_cachep) : NULL;
		if (!av)
			return -ENOMEM;
	}
	mm->anon_vma = av;
	mm->anon_prev = NULL;
	mm->anon_next = av->mms;
	if (av->mms)
		av->mms->anon_prev = mm;
	av->mms = mm;
	av->nr_mms++;
	return 0;
}

/* See paging/rmap.h. */
void anon_vma_detach(struct mm_struct *mm)
{
	struct anon_vma *av = mm->anon_vma;
	if (!av)
		return;
	if (mm->anon_prev)
		mm->anon_prev->anon_next = mm->anon_next;
	else
		av->mms = mm->anon_next;
	if (mm->anon_next)
		mm->anon_next->anon_prev = mm->anon_prev;
	mm->anon_vma = NULL;
	mm->anon_next = mm->anon_prev = NULL;
	if (--av->nr_mms == 0)
		kmem_cache_free(anon_vma_cachep, av);
}

/* See paging/rmap.h. */
void flush_tlb_mm_page(struct mm_struct *mm, uint64_t addr)
{
#ifndef HOST_TEST
	/* Every CPU that has mm loaded (reclaim and the OOM killer unmap pages
	 * of processes running on other CPUs: issue 16); none: nothing. */
	flush_tlb_mm_range(mm, addr, addr + PAGE_SIZE, PAGE_SHIFT, false);
#else
	(void)mm;
	flush_tlb_page(addr);
#endif
}

/* The present pte mapping page at addr of mm, or NULL. */
static pte_t *page_pte_at(struct mm_struct *mm, uint64_t addr, const struct page *page)
{
	pte_t *pte = walk_pte(mm->pgd, addr, false, NULL);
	if (!pte)
		return NULL;
	pte_t entry = ptep_get(pte);
	if (!pte_present(entry) || pte_special(entry) || pte_pfn(entry) != page_to_pfn(page))
		return NULL;
	return pte;
}

/* See paging/rmap.h. */
uint32_t rmap_walk(struct page *page, rmap_one_fn one, void *arg)
{
	uint32_t found = 0;
	if (page_mapcount(page) <= 0)
		return 0;
	if (PageAnon(page)) {
		struct anon_vma *av = page->anon_vma;
		if (!av)
			return 0;
		for (struct mm_struct *mm = av->mms; mm; mm = mm->anon_next) {
			pte_t *pte = page_pte_at(mm, page->anon_addr, page);
			if (!pte)
				continue;
			found++;
			if (!one(page, mm, page->anon_addr, pte, arg))
				break;
		}
		return found;
	}
	struct address_space *mapping = page->mapping;
	if (!mapping)
		return 0;
	struct vm_area_struct *next;
	for (struct vm_area_struct *vma = mapping->i_mmap; vma; vma = next) {
		next = vma->vm_mapping_next;
		if (page->index < vma->vm_pgoff || page->index - vma->vm_pgoff >= vma_pages(vma))
			continue;
		uint64_t addr = vma->vm_start + ((page->index - vma->vm_pgoff) << PAGE_SHIFT);
		pte_t *pte = page_pte_at(vma->vm_mm, addr, page);
		if (!pte)
			continue;
		found++;
		if (!one(page, vma->vm_mm, addr, pte, arg))
			break;
	}
	return found;
}

/* rmap_one_fn of page_referenced: ptep_test_and_clear_young. */
static bool referenced_one(struct page *page, struct mm_struct *mm, uint64_t addr, pte_t *pte, void *arg)
{
	(void)page;
	uint32_t *young = arg;
	pte_t entry = ptep_get(pte);
	if (pte_young(entry)) {
		set_pte(pte, pte_mkold(entry));
		flush_tlb_mm_page(mm, addr);   /* else the CPU would not set A again on the next access */
		(*young)++;
	}
	return true;
}

/* See paging/rmap.h. */
uint32_t page_referenced(struct page *page)
{
	uint32_t young = 0;
	rmap_walk(page, referenced_one, &young);
	return young;
}

/* rmap_one_fn of try_to_unmap. */
static bool unmap_one(struct page *page, struct mm_struct *mm, uint64_t addr, pte_t *pte, void *arg)
{
	bool *failed = arg;
	if (PageAnon(page)) {
		if (try_to_unmap_swap_pte(mm, addr, pte, page))
			*failed = true;
		return !*failed;
	}
	pte_t entry = ptep_get(pte);
	pte_clear(mm, addr, pte);
	flush_tlb_mm_page(mm, addr);
	if (pte_dirty(entry))
		set_page_dirty(page);
	page_mapcount_dec(page);
	dec_mm_counter(mm, MM_FILEPAGES);
	put_page(page);   /* the pte's; the caller holds its own */
	return true;
}

/* See paging/rmap.h. */
bool try_to_unmap(struct page *page)
{
	bool failed = false;
	if (PageAnon(page) && !PageSwapCache(page))
		return page_mapcount(page) == 0;
	rmap_walk(page, unmap_one, &failed);
	return page_mapcount(page) == 0;
}
