/* The reverse map (paging/rmap.h). */
#include "paging/rmap.h"
#include "paging/filemap.h"
#include "paging/slab.h"
#include "paging/ptlock.h"
#include "paging/swap.h"
#include "paging/tlb.h"
#include "paging/vma.h"
#include "base/errno.h"

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
	spin_lock(&rmap_lock);
	mm->anon_vma = av;
	mm->anon_prev = NULL;
	mm->anon_next = av->mms;
	if (av->mms)
		av->mms->anon_prev = mm;
	av->mms = mm;
	av->nr_mms++;
	spin_unlock(&rmap_lock);
	return 0;
}

/* See paging/rmap.h. */
void anon_vma_detach(struct mm_struct *mm)
{
	struct anon_vma *av = mm->anon_vma;
	if (!av)
		return;
	spin_lock(&rmap_lock);
	if (mm->anon_prev)
		mm->anon_prev->anon_next = mm->anon_next;
	else
		av->mms = mm->anon_next;
	if (mm->anon_next)
		mm->anon_next->anon_prev = mm->anon_prev;
	mm->anon_vma = NULL;
	mm->anon_next = mm->anon_prev = NULL;
	bool last = --av->nr_mms == 0;
	spin_unlock(&rmap_lock);
	if (last)
		kmem_cache_free(anon_vma_cachep, av);
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

/*
 * one() on the pte of page at addr of mm, if mm can be looked at now (its
 * mmap_lock free of writers: its tables stay) and the pte maps the page,
 * under the pte's lock. Returns 0 (not mapped there, or skipped), 1 and
 * *go = one's verdict.
 */
static uint32_t rmap_one_locked(struct page *page, struct mm_struct *mm, uint64_t addr, rmap_one_fn one, void *arg,
				bool *go)
{
	if (!read_trylock(&mm->mmap_lock))
		return 0;
	uint32_t found = 0;
	pte_t *pte = page_pte_at(mm, addr, page);
	if (pte) {
		spinlock_t *ptl = pte_lock(pte);
		if (page_pte_at(mm, addr, page) == pte) {   /* still, now that it cannot change */
			found = 1;
			*go = one(page, mm, addr, pte, arg);
		}
		pte_unmap_unlock(ptl);
	}
	read_unlock(&mm->mmap_lock);
	return found;
}

/* See paging/rmap.h. */
uint32_t rmap_walk(struct page *page, rmap_one_fn one, void *arg)
{
	uint32_t found = 0;
	bool go = true;
	spin_lock(&rmap_lock);
	if (page_mapcount(page) <= 0) {
		spin_unlock(&rmap_lock);
		return 0;
	}
	if (PageAnon(page)) {
		struct anon_vma *av = page->anon_vma;
		for (struct mm_struct *mm = av ? av->mms : NULL; mm && go; mm = mm->anon_next)
			found += rmap_one_locked(page, mm, page->anon_addr, one, arg, &go);
		spin_unlock(&rmap_lock);
		return found;
	}
	struct address_space *mapping = page->mapping;
	struct vm_area_struct *next;
	for (struct vm_area_struct *vma = mapping ? mapping->i_mmap : NULL; vma && go; vma = next) {
		next = vma->vm_mapping_next;
		if (page->index < vma->vm_pgoff || page->index - vma->vm_pgoff >= vma_pages(vma))
			continue;
		uint64_t addr = vma->vm_start + ((page->index - vma->vm_pgoff) << PAGE_SHIFT);
		found += rmap_one_locked(page, vma->vm_mm, addr, one, arg, &go);
	}
	spin_unlock(&rmap_lock);
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
