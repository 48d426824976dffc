/*
 * The life of an address space (paging/mm.h), after Linux's kernel/fork.c
 * (mm_alloc, mmput, dup_mm) and mm/mmap.c (exit_mmap).
 */
#include "paging/mm.h"
#include "paging/init.h"
#include "paging/memory.h"
#include "paging/slab.h"
#include "paging/vma.h"
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
	exit_mmap(mm);
	if (mm->nr_deposited)
		panic("mmput: %llu page tables still deposited for THPs after exit_mmap", mm->nr_deposited);
	for (uint32_t i = 0; i < PTRS_PER_PGD / 2; i++)
		mm->pgd[i] = __pgd(0);
	pgtable_free_page(NULL, __pa(mm->pgd));
	kmem_cache_free(mm_cachep, mm);
}

/* dup_mmap (fork) goes here: see paging/mm.h. */
