/*
 * The hugetlb pools and their fault path (paging/hugetlb.h), after Linux's
 * mm/hugetlb.c.
 */
#include "paging/hugetlb.h"
#include "paging/buddy.h"
#include "paging/page.h"
#include "paging/tlb.h"
#include "paging/vma.h"
#include "base/compiler.h"
#include "base/string.h"
#include "cpu/x86.h"

struct hstate hstates[HUGE_MAX_HSTATE] = {
	[HSTATE_2M] = { .name = "2m", .order = 9, .supported = true, .free_head = PFN_NONE },
	[HSTATE_1G] = { .name = "1g", .order = 18, .supported = false, .free_head = PFN_NONE },
};

/* Puts the pool page page (mapped nowhere) on h's free list. */
static void enqueue_huge_page(struct hstate *h, struct page *page)
{
	page->lru_next = h->free_head;
	h->free_head = (uint32_t)page_to_pfn(page);
	h->free_huge_pages++;
}

/* Takes a page off h's free list; NULL if it is empty. */
static struct page *dequeue_huge_page(struct hstate *h)
{
	if (h->free_head == PFN_NONE)
		return NULL;
	struct page *page = pfn_to_page(h->free_head);
	h->free_head = page->lru_next;
	page->lru_next = PFN_NONE;
	h->free_huge_pages--;
	return page;
}

/* See paging/hugetlb.h. */
uint64_t hugetlb_init(uint64_t n2m, uint64_t n1g, bool has_gbpages)
{
	uint64_t want[HUGE_MAX_HSTATE] = { n2m, n1g }, missing = 0;
	hstates[HSTATE_1G].supported = has_gbpages;
	for (int i = 0; i < HUGE_MAX_HSTATE; i++) {
		struct hstate *h = &hstates[i];
		for (uint64_t n = 0; n < want[i]; n++) {
			struct page *page = h->supported ? alloc_pages(h->order) : NULL;
			if (!page) {
				missing += want[i] - n;
				break;
			}
			page->flags |= PG_hugetlb;
			h->nr_huge_pages++;
			enqueue_huge_page(h, page);
		}
	}
	return missing;
}

/* See paging/hugetlb.h. */
struct hstate *hstate_sizelog(uint32_t log)
{
	if (log == 0 || log == 21)
		return &hstates[HSTATE_2M];
	if (log == 30 && hstates[HSTATE_1G].supported)
		return &hstates[HSTATE_1G];
	return NULL;
}

/* See paging/hugetlb.h. */
bool hugetlb_may_reserve(const struct hstate *h, uint64_t bytes)
{
	uint64_t committed = vm_hugetlb_committed[h == &hstates[HSTATE_1G] ? 1 : 0] >> h->order;
	uint64_t pages = bytes >> (PAGE_SHIFT + h->order);
	return committed <= h->nr_huge_pages && pages <= h->nr_huge_pages - committed;
}

/* See paging/hugetlb.h. */
bool leaf_is_hugetlb(uint64_t e, int level)
{
	uint64_t mask = level == PG_LEVEL_1G ? PHYSICAL_PUD_PAGE_MASK : PHYSICAL_PMD_PAGE_MASK;
	uint64_t pfn = (e & mask) >> PAGE_SHIFT;
	return pfn_valid(pfn) && PageHuge(pfn_to_page(pfn));
}

/* The frame a 2 MiB / 1 GiB leaf maps. */
static uint64_t leaf_pfn(uint64_t e, int level)
{
	return (e & (level == PG_LEVEL_1G ? PHYSICAL_PUD_PAGE_MASK : PHYSICAL_PMD_PAGE_MASK)) >> PAGE_SHIFT;
}

/* See paging/hugetlb.h. */
vm_fault_t hugetlb_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct hstate *h = hstate_vm_flags(vma->vm_flags);
	int level = h->order == 18 ? PG_LEVEL_1G : PG_LEVEL_2M;
	uint64_t haddr = vmf->address & page_level_mask(level);
	bool write = (vmf->flags & FAULT_FLAG_WRITE) != 0;
	uint64_t *entry;

	int err = walk_to_entry(vma->vm_mm->pgd, haddr, level, true, NULL, &entry);
	if (err)
		return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	uint64_t e = __atomic_load_n(entry, __ATOMIC_RELAXED);
	if (e == 0) {
		/* hugetlb_no_page: the reservation made at mmap guarantees a page. */
		struct page *page = dequeue_huge_page(h);
		if (!page)
			return VM_FAULT_SIGBUS;
		uint8_t *p = page_address(page);
		uint64_t t0 = rdtsc_ordered();
		for (uint64_t i = 0; i < ((uint64_t)1 << h->order); i++)
			clear_page(p + i * PAGE_SIZE);
		vmf->clear_cycles += rdtsc_ordered() - t0;
		pgprot_t prot = __pgprot(pgprot_val(pgprot_4k_2_large(vma->vm_page_prot)) | _PAGE_PSE);
		uint64_t leaf = pmd_val(pfn_pmd(page_to_pfn(page), prot)) | _PAGE_ACCESSED;
		if (level == PG_LEVEL_1G)
			leaf = pud_val(pfn_pud(page_to_pfn(page), prot)) | _PAGE_ACCESSED;
		if (vma->vm_flags & VM_SHARED)
			leaf |= _PAGE_DIRTY;   /* vm_page_prot is writable when the VMA is */
		else if (write)
			leaf |= _PAGE_RW | _PAGE_DIRTY;   /* the CoW of a private page, done at once */
		page_mapcount_inc(page);
		__atomic_store_n(entry, leaf, __ATOMIC_RELEASE);
		vmf->done = level == PG_LEVEL_1G ? VMF_DONE_HUGETLB_1G : VMF_DONE_HUGETLB_2M;
		return 0;
	}
	if (!(e & (_PAGE_PRESENT | _PAGE_PROTNONE)) || !(e & _PAGE_PSE))
		return VM_FAULT_SIGBUS;
	if (write && !(e & _PAGE_RW)) {
		/* hugetlb_wp: a private page we alone map becomes writable (FORK:
		 * mapped more than once, it is copied into a new pool page). */
		struct page *page = pfn_to_page(leaf_pfn(e, level));
		if (page_mapcount(page) != 1)
			return VM_FAULT_SIGBUS;
		__atomic_store_n(entry, e | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED, __ATOMIC_RELEASE);
		flush_tlb_page(haddr);
		vmf->done = VMF_DONE_REUSE;
		return 0;
	}
	__atomic_store_n(entry, e | _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0), __ATOMIC_RELEASE);
	flush_tlb_page(haddr);
	vmf->done = VMF_DONE_SPURIOUS;
	return 0;
}

/* See paging/hugetlb.h. */
void hugetlb_zap_leaf(struct mm_struct *mm, uint64_t *entry, int level, uint64_t va)
{
	(void)mm;
	(void)va;
	uint64_t e = __atomic_exchange_n(entry, 0, __ATOMIC_SEQ_CST);
	struct page *page = pfn_to_page(leaf_pfn(e, level));
	struct hstate *h = &hstates[level == PG_LEVEL_1G ? HSTATE_1G : HSTATE_2M];
	if (page_mapcount_dec(page) == 0)
		enqueue_huge_page(h, page);
}

/* See paging/hugetlb.h. */
void hugetlb_change_leaf(struct vm_area_struct *vma, uint64_t *entry, int level, uint64_t va)
{
	(void)level;
	uint64_t e = __atomic_load_n(entry, __ATOMIC_RELAXED);
	__atomic_store_n(entry, pmd_val(pmd_modify(__pmd(e), vma->vm_page_prot)), __ATOMIC_RELEASE);
	flush_tlb_page(va);
}
