/*
 * The hugetlb pools and their fault path (paging/hugetlb.h), after Linux's
 * mm/hugetlb.c.
 */
#include "paging/hugetlb.h"
#include "paging/buddy.h"
#include "paging/mm.h"
#include "paging/page.h"
#include "paging/mmu_gather.h"
#include "paging/tlb.h"
#include "paging/vma.h"
#include "base/compiler.h"
#include "base/errno.h"
#include "base/string.h"
#include "cpu/spinlock.h"
#include "cpu/x86.h"

struct hstate hstates[HUGE_MAX_HSTATE] = {
	[HSTATE_2M] = { .name = "2m", .order = 9, .supported = true, .free_head = PFN_NONE },
	[HSTATE_1G] = { .name = "1g", .order = 18, .supported = false, .free_head = PFN_NONE },
};

/*
 * hugetlb_lock (Linux's): the pools' free lists and counts (free pages,
 * consumed reservations) and the decision whether a fault may take a page.
 * Faults and zaps of different mms run on several CPUs at once, each under
 * its own mm's page_table_lock only. Nothing is taken under it.
 */
static DEFINE_SPINLOCK(hugetlb_lock);

/* Puts the pool page page (mapped nowhere) on h's free list. Caller holds
 * hugetlb_lock (or is alone: hugetlb_init). */
static void enqueue_huge_page(struct hstate *h, struct page *page)
{
	page->lru_next = h->free_head;
	h->free_head = (uint32_t)page_to_pfn(page);
	h->free_huge_pages++;
}

/* Takes a page off h's free list; NULL if it is empty. Caller holds hugetlb_lock. */
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

/* Huge pages reserved by owner VMAs (paging/vma.c's count) and not yet
 * backed by a page: what the pool must keep free for their faults. Caller
 * holds hugetlb_lock. */
static uint64_t unconsumed_reservations(const struct hstate *h)
{
	uint64_t committed = vm_hugetlb_committed[h == &hstates[HSTATE_1G] ? 1 : 0] >> h->order;
	return committed > h->resv_consumed ? committed - h->resv_consumed : 0;
}

/* See paging/hugetlb.h. */
bool hugetlb_may_reserve(const struct hstate *h, uint64_t bytes)
{
	spin_lock(&hugetlb_lock);
	uint64_t pages = bytes >> (PAGE_SHIFT + h->order), resv = unconsumed_reservations(h);
	bool ok = resv <= h->free_huge_pages && pages <= h->free_huge_pages - resv;
	spin_unlock(&hugetlb_lock);
	return ok;
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

/* Which pool a leaf at level is from. */
static struct hstate *hstate_level(int level)
{
	return &hstates[level == PG_LEVEL_1G ? HSTATE_1G : HSTATE_2M];
}

/*
 * A pool page for a fault of vma in mm (Linux's alloc_huge_page): owner
 * says the slot's own reservation pays for it (an owner VMA's first fault
 * there), else it must come from the pages no reservation holds (a forked
 * copy, MAP_NORESERVE, an owner's CoW: its reservation went to the page it
 * copies). The page records the mm whose reservation it consumes. NULL if
 * none may be had (the fault's SIGBUS).
 */
static struct page *alloc_huge_page(struct hstate *h, struct mm_struct *mm, bool owner)
{
	struct page *page = NULL;
	spin_lock(&hugetlb_lock);
	if (owner || h->free_huge_pages > unconsumed_reservations(h))
		page = dequeue_huge_page(h);
	if (page && owner) {
		page->private = (uint64_t)(uintptr_t)mm;
		h->resv_consumed++;
	}
	spin_unlock(&hugetlb_lock);
	return page;
}

/* True if vma's faults are paid by its own reservation (Linux's
 * HPAGE_RESV_OWNER): a mapping mmap made without MAP_NORESERVE. */
static bool vma_resv_owner(const struct vm_area_struct *vma)
{
	return !(vma->vm_flags & VM_NORESERVE);
}

/* One leaf of mm fewer maps the pool page page of h: the reservation mm
 * consumed with it is given back (the slot may fault again), and a page
 * mapped nowhere goes back to the pool. */
static void put_huge_page_mapping(struct hstate *h, struct mm_struct *mm, struct page *page)
{
	spin_lock(&hugetlb_lock);
	if (page->private == (uint64_t)(uintptr_t)mm) {
		page->private = 0;
		h->resv_consumed--;
	}
	if (page_mapcount_dec(page) == 0)
		enqueue_huge_page(h, page);
	spin_unlock(&hugetlb_lock);
}

/* Copies the size bytes of huge page from into to; the time to vmf->clear_cycles. */
static void copy_huge_page(struct page *to, struct page *from, const struct hstate *h, struct vm_fault *vmf)
{
	uint8_t *d = page_address(to);
	const uint8_t *s = page_address(from);
	uint64_t t0 = rdtsc_ordered();
	for (uint64_t i = 0; i < ((uint64_t)1 << h->order); i++)
		copy_page(d + i * PAGE_SIZE, s + i * PAGE_SIZE);
	vmf->clear_cycles += rdtsc_ordered() - t0;
}

/*
 * Linux's unmap_ref_private: owner's copy-on-write of page (a leaf at level,
 * at haddr) found no free page, so the page is taken from every other mm
 * that maps it there through a hugetlb VMA fork made (no reservation of its
 * own); those VMAs are marked VM_HUGETLB_UNMAPPED: their faults on a none
 * entry are SIGBUS from now on, as Linux kills such a child. Their TLB
 * entries go on every CPU that runs them (hugetlb_zap_leaf's flush).
 * The other mms run on other CPUs meanwhile: the walk holds mmlist_lock (no
 * mm goes while it looks), each mm's mmap_lock for reading (its VMAs hold
 * still) and its page_table_lock (its hugetlb leaves), the last two only
 * tried: the caller holds its own page_table_lock, and Linux's order puts
 * mmap_lock first. Returns false if an mm could not be locked (a munmap or
 * fault of it in progress): the caller lets the fault be retried.
 */
static bool unmap_ref_private(struct mm_struct *owner, int level, struct page *page, uint64_t haddr)
{
	bool all = true;
	spin_lock(&mmlist_lock);
	for (struct mm_struct *m = mm_list; m; m = m->mmlist_next) {
		if (m == owner)
			continue;
		if (!read_trylock(&m->mmap_lock)) {
			all = false;
			continue;
		}
		struct vm_area_struct *v = vma_lookup(m, haddr);
		uint64_t *entry;
		if (!v || (v->vm_flags & (VM_HUGETLB | VM_SHARED | VM_NORESERVE)) != (VM_HUGETLB | VM_NORESERVE) ||
		    walk_to_entry(m->pgd, haddr, level, false, NULL, &entry)) {
			read_unlock(&m->mmap_lock);
			continue;
		}
		if (!spin_trylock(&m->page_table_lock)) {
			read_unlock(&m->mmap_lock);
			all = false;
			continue;
		}
		uint64_t e = __atomic_load_n(entry, __ATOMIC_RELAXED);
		if ((e & (_PAGE_PRESENT | _PAGE_PROTNONE)) && (e & _PAGE_PSE) && leaf_pfn(e, level) == page_to_pfn(page)) {
			struct mmu_gather tlb;
			tlb_gather_mmu(&tlb, m);
			hugetlb_zap_leaf(&tlb, entry, level, haddr);
			tlb_finish_mmu(&tlb);
			__atomic_fetch_or(&v->vm_flags, VM_HUGETLB_UNMAPPED, __ATOMIC_RELAXED);
		}
		spin_unlock(&m->page_table_lock);
		read_unlock(&m->mmap_lock);
	}
	spin_unlock(&mmlist_lock);
	return all;
}

/*
 * hugetlb_wp: a write to the read-only leaf e (at entry) of a private VMA.
 * Mapped by this leaf alone: made writable. Mapped elsewhere too (after
 * fork): a copy from the pool (alloc_huge_page, not owner: the slot's
 * reservation went to the page being copied). With none, a child gets
 * SIGBUS; the owner (the VMA mmap made) takes the page back from the
 * children instead (unmap_ref_private) and, alone with it, reuses it.
 */
static vm_fault_t hugetlb_wp(struct vm_fault *vmf, struct hstate *h, int level, uint64_t *entry, uint64_t e,
			     uint64_t haddr)
{
	struct mm_struct *mm = vmf->vma->vm_mm;
	struct page *old = pfn_to_page(leaf_pfn(e, level));
	if (page_mapcount(old) == 1) {
		__atomic_store_n(entry, e | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED, __ATOMIC_RELEASE);
		flush_tlb_page(haddr);
		vmf->done = VMF_DONE_REUSE;
		return 0;
	}
	struct page *page = alloc_huge_page(h, mm, false);
	if (!page && vma_resv_owner(vmf->vma)) {
		if (!unmap_ref_private(mm, level, old, haddr) && page_mapcount(old) != 1) {
			vmf->done = VMF_DONE_SPURIOUS;   /* another mm was busy: the access is retried */
			return 0;
		}
		if (page_mapcount(old) == 1)
			return hugetlb_wp(vmf, h, level, entry, e, haddr);
	}
	if (!page) {
		vmf->why = "no hugetlb page for the copy-on-write of a page shared at fork";
		return VM_FAULT_SIGBUS;
	}
	copy_huge_page(page, old, h, vmf);
	uint64_t frame_mask = level == PG_LEVEL_1G ? PHYSICAL_PUD_PAGE_MASK : PHYSICAL_PMD_PAGE_MASK;
	uint64_t leaf = (e & ~frame_mask) | (page_to_pfn(page) << PAGE_SHIFT) | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED;
	page_mapcount_inc(page);
	__atomic_store_n(entry, leaf, __ATOMIC_RELEASE);
	flush_tlb_mm_range(mm, haddr, haddr + page_level_size(level), page_level_shift(level), false);
	spin_lock(&hugetlb_lock);
	if (old->private == (uint64_t)(uintptr_t)mm) {
		/* The owner's reservation moves with its slot to the copy. */
		old->private = 0;
		page->private = (uint64_t)(uintptr_t)mm;
	}
	/* Mapped elsewhere when the copy began; the other mapper may have
	 * gone on another CPU meanwhile, and then the last drop is this one. */
	if (page_mapcount_dec(old) == 0)
		enqueue_huge_page(h, old);
	spin_unlock(&hugetlb_lock);
	vmf->done = VMF_DONE_COPY;
	return 0;
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
		if (vma->vm_flags & VM_HUGETLB_UNMAPPED) {
			vmf->why = "the hugetlb page was taken back by its owner for its copy-on-write "
				   "(the pool had no page for it)";
			return VM_FAULT_SIGBUS;
		}
		/* hugetlb_no_page: an owner's reservation made at mmap guarantees
		 * a page; a forked copy takes one no reservation holds, if any. */
		struct page *page = alloc_huge_page(h, vma->vm_mm, vma_resv_owner(vma));
		if (!page) {
			vmf->why = "no hugetlb page for a mapping without a reservation";
			return VM_FAULT_SIGBUS;
		}
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
		if (vma->vm_flags & VM_SHARED)
			return VM_FAULT_SIGBUS;   /* a shared leaf is writable when its VMA is */
		return hugetlb_wp(vmf, h, level, entry, e, haddr);
	}
	__atomic_store_n(entry, e | _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0), __ATOMIC_RELEASE);
	flush_tlb_page(haddr);
	vmf->done = VMF_DONE_SPURIOUS;
	return 0;
}

/* See paging/hugetlb.h. */
void hugetlb_zap_leaf(struct mmu_gather *tlb, uint64_t *entry, int level, uint64_t va)
{
	uint64_t e = __atomic_exchange_n(entry, 0, __ATOMIC_SEQ_CST);
	tlb_remove_tlb_entry(tlb, va, level);
	tlb_flush_mmu_tlbonly(tlb);   /* the page may go back to the pool now */
	put_huge_page_mapping(hstate_level(level), tlb->mm, pfn_to_page(leaf_pfn(e, level)));
}

/* See paging/hugetlb.h. */
void hugetlb_change_leaf(struct vm_area_struct *vma, uint64_t *entry, int level, uint64_t va)
{
	(void)level;
	uint64_t e = __atomic_load_n(entry, __ATOMIC_RELAXED);
	__atomic_store_n(entry, pmd_val(pmd_modify(__pmd(e), vma->vm_page_prot)), __ATOMIC_RELEASE);
	(void)va;   /* the caller's gather flushes (change_protection) */
}

/* walk_leaves callback of copy_hugetlb_page_range. */
struct hugetlb_copy {
	struct mm_struct *dst_mm;
	struct vm_area_struct *src_vma;
};

static int copy_hugetlb_one(void *ctx, uint64_t va, int level, uint64_t *entry)
{
	struct hugetlb_copy *c = ctx;
	uint64_t e = __atomic_load_n(entry, __ATOMIC_RELAXED);
	if (level == PG_LEVEL_4K || !(e & (_PAGE_PRESENT | _PAGE_PROTNONE)) || !(e & _PAGE_PSE))
		return 0;
	uint64_t *dst;
	if (walk_to_entry(c->dst_mm->pgd, va, level, true, NULL, &dst))
		return -ENOMEM;
	if (!(c->src_vma->vm_flags & VM_SHARED) && (e & _PAGE_RW)) {
		e &= ~(uint64_t)_PAGE_RW;   /* huge_ptep_set_wrprotect: CoW on both sides */
		__atomic_store_n(entry, e, __ATOMIC_RELEASE);
	}
	page_mapcount_inc(pfn_to_page(leaf_pfn(e, level)));
	__atomic_store_n(dst, e, __ATOMIC_RELEASE);
	return 0;
}

/* See paging/hugetlb.h. */
int copy_hugetlb_page_range(struct mm_struct *dst_mm, struct vm_area_struct *src_vma)
{
	struct mm_struct *src_mm = src_vma->vm_mm;
	uint64_t size = huge_page_size(hstate_vm_flags(src_vma->vm_flags));
	if (src_vma->vm_flags & VM_SHARED) {
		/* Every page the child may share, there now (see the header); an
		 * owner's reservation pays for them, so only a page table can be
		 * missing (or, MAP_NORESERVE, a pool page: the fork fails). */
		for (uint64_t a = src_vma->vm_start; a < src_vma->vm_end; a += size) {
			uint64_t *entry;
			if (walk_to_entry(src_mm->pgd, a, size == PMD_SIZE ? PG_LEVEL_2M : PG_LEVEL_1G, false, NULL, &entry) == 0 &&
			    *entry)
				continue;
			struct vm_fault vmf;
			vm_fault_t ret = handle_mm_fault(src_vma, a, 0, &vmf);
			if (ret & VM_FAULT_ERROR)
				return -ENOMEM;
		}
	}
	struct hugetlb_copy c = { dst_mm, src_vma };
	int err = walk_leaves(src_mm->pgd, src_vma->vm_start, src_vma->vm_end, copy_hugetlb_one, &c);
	return err ? -ENOMEM : 0;
}
