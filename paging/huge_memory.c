/*
 * Transparent huge pages for private anonymous memory (paging/huge_memory.h,
 * which opens with the table of cases), after Linux 6.1's mm/huge_memory.c.
 */
#include "paging/huge_memory.h"
#include "paging/vmscan.h"
#include "paging/lru.h"
#include "paging/buddy.h"
#include "paging/init.h"
#include "paging/page.h"
#include "paging/mmu_gather.h"
#include "paging/tlb.h"
#include "base/compiler.h"
#include "base/errno.h"
#include "base/panic.h"
#include "base/string.h"
#include "cpu/spinlock.h"
#include "cpu/x86.h"

enum thp_mode transparent_hugepage_mode;
uint64_t pgtable_deposited;
uint64_t huge_zero_pfn;

/* See paging/huge_memory.h. */
int huge_zero_page_init(void)
{
	if (huge_zero_pfn)
		return 0;
	struct page *page = alloc_pages(HPAGE_PMD_ORDER);
	if (!page)
		return -1;
	uint8_t *p = page_address(page);
	for (uint32_t i = 0; i < HPAGE_PMD_NR; i++)
		clear_page(p + (uint64_t)i * PAGE_SIZE);
	SetPageZero(page);
	huge_zero_pfn = page_to_pfn(page);
	count_thp_event(zero_page_alloc);
	return 0;
}

/* See paging/huge_memory.h. */
void pgtable_trans_huge_deposit(struct mm_struct *mm, uint64_t table_phys)
{
	phys_to_page(table_phys)->private = mm->pmd_huge_pte;
	mm->pmd_huge_pte = table_phys;
	mm->nr_deposited++;
	__atomic_fetch_add(&pgtable_deposited, 1, __ATOMIC_RELAXED);   /* every mm's: THP faults and zaps on several CPUs */
}

/* See paging/huge_memory.h. */
uint64_t pgtable_trans_huge_withdraw(struct mm_struct *mm)
{
	uint64_t table = mm->pmd_huge_pte;
	if (!table)
		panic("pgtable_trans_huge_withdraw: no page table deposited in the mm (%llu counted)",
		      mm->nr_deposited);
	struct page *page = phys_to_page(table);
	mm->pmd_huge_pte = page->private;
	page->private = 0;
	mm->nr_deposited--;
	__atomic_fetch_sub(&pgtable_deposited, 1, __ATOMIC_RELAXED);
	return table;
}

/* An order-9 block for a THP of mm; NULL if none (or the mm asked for none:
 * MMF_THP_FAIL_ALLOC, the thp-fallback benchmark's fault injection). */
static struct page *alloc_thp(struct mm_struct *mm)
{
	if (mm->flags & (1ull << MMF_THP_FAIL_ALLOC))
		return NULL;
	struct page *page = alloc_pages(HPAGE_PMD_ORDER);
	if (page && mem_cgroup_charge_thp(page)) {
		__free_pages(page, HPAGE_PMD_ORDER);
		return NULL;   /* under mem_limit: 4 KiB pages, which reclaim can take */
	}
	return page;
}

/*
 * The two states of an anonymous THP's frames (see "fork" in the header):
 * compound, one order-9 block whose head counts the pmd leaves mapping it
 * (one map count and one reference each); or split frames, 512 order-0
 * frames each counting every entry that maps it, a pmd leaf as one: what a
 * THP shared by several mms becomes when one of them splits its leaf.
 */
static bool thp_compound(const struct page *head) { return head->order == HPAGE_PMD_ORDER; }

/*
 * thp_share_lock: the counts of an anonymous THP that several mms' pmd
 * leaves share after fork (the head's while compound, all 512 frames' once
 * split) and which of the two states it is in. Each mm changes its own
 * leaves under its own page_table_lock, so two mms on two CPUs can change
 * one THP's counts at once: a split copying the head's counts into 512
 * frames while another mm's zap or fork changes them would lose the change
 * (a frame freed while mapped, or never freed), and a leaf taken or dropped
 * frame by frame must not meet a block half split. So every pmd-level
 * change or test of a shared THP's counts - copy_huge_pmd, zap_huge_pmd,
 * the reuse test of do_huge_pmd_wp_page and thp_make_compound,
 * change_huge_pmd's, and split_huge_pmd's copy - holds it, inside the mm's
 * page_table_lock. Under it only the allocator frees (the last put of a
 * frame). Linux freezes the reference count and holds the anon_vma lock
 * for a split; one lock suffices here: its holders run once per 2 MiB, and
 * a THP never shared (the fault path's) never takes it. The 4 KiB paths
 * need it not: they reach only split frames, whose counts they change
 * atomically, and a frame mapped by a pte is never made compound again
 * (thp_exclusive).
 */
static DEFINE_SPINLOCK(thp_share_lock);

/* One more pmd leaf maps the THP at head (copy_huge_pmd). */
static void thp_get_pmd_mapping(struct page *head)
{
	spin_lock(&thp_share_lock);
	uint32_t n = thp_compound(head) ? 1 : HPAGE_PMD_NR;
	for (uint32_t i = 0; i < n; i++) {
		get_page(head + i);
		page_mapcount_inc(head + i);
	}
	spin_unlock(&thp_share_lock);
}

/* One pmd leaf fewer maps the THP at head; the last mapping frees it. */
static void thp_put_pmd_mapping(struct page *head)
{
	spin_lock(&thp_share_lock);
	uint32_t n = thp_compound(head) ? 1 : HPAGE_PMD_NR;
	for (uint32_t i = 0; i < n; i++) {
		page_mapcount_dec(head + i);
		put_page(head + i);
	}
	spin_unlock(&thp_share_lock);
}

/* True if the one pmd leaf being asked about is all that maps the THP at
 * head (Linux's page_count(page) == 1 of do_huge_pmd_wp_page). Caller holds
 * thp_share_lock. */
static bool thp_exclusive(const struct page *head)
{
	uint32_t n = thp_compound(head) ? 1 : HPAGE_PMD_NR;
	for (uint32_t i = 0; i < n; i++)
		if (page_mapcount(head + i) != 1 || page_ref_count(head + i) != 1)
			return false;
	return true;
}

/* Makes the split frames at head, mapped by one pmd leaf alone
 * (thp_exclusive), one compound THP again: the state a THP never shared has.
 * Caller holds thp_share_lock. */
static void thp_make_compound(struct page *head)
{
	if (thp_compound(head))
		return;
	for (uint32_t i = 1; i < HPAGE_PMD_NR; i++) {
		struct page *p = head + i;
		p->flags = 0;
		p->_refcount = 0;
		p->_mapcount = -1;
		p->private = 0;
	}
	head->order = HPAGE_PMD_ORDER;
}

/* Clears the 2 MiB of a new THP; the time goes to vmf->clear_cycles (as
 * 4 KiB clearing, so the report can show the fault without it). */
static void clear_huge_page(struct page *page, struct vm_fault *vmf)
{
	uint8_t *p = page_address(page);
	uint64_t t0 = rdtsc_ordered();
	for (uint32_t i = 0; i < HPAGE_PMD_NR; i++)
		clear_page(p + (uint64_t)i * PAGE_SIZE);
	vmf->clear_cycles += rdtsc_ordered() - t0;
}

/* Maps the new THP page at pmd: young, dirty, writable if the VMA is; map
 * count and rss (512 pages) counted. The pmd's deposit is the caller's. */
static void set_huge_anon_pmd(struct vm_area_struct *vma, pmd_t *pmd, struct page *page)
{
	pmd_t entry = pmd_mkdirty(pmd_mkyoung(pfn_pmd(page_to_pfn(page), huge_prot(vma->vm_page_prot))));
	if (vma->vm_flags & VM_WRITE)
		entry = pmd_mkwrite(entry);
	SetPageAnon(page);
	page_mapcount_inc(page);
	add_mm_counter(vma->vm_mm, MM_ANONPAGES, HPAGE_PMD_NR);   /* atomic: 4 KiB faults count at once */
	set_pmd(pmd, entry);
}

/* See paging/huge_memory.h. Linux: the table is allocated after the page, and
 * its failure is VM_FAULT_OOM, not a fallback. */
vm_fault_t do_huge_pmd_anonymous_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;

	if (!(vmf->flags & FAULT_FLAG_WRITE)) {
		if (!huge_zero_pfn) {
			count_thp_event(fault_fallback);
			vmf->done = VMF_DONE_THP_FALLBACK;
			return VM_FAULT_FALLBACK;
		}
		set_huge_zero_pmd(vmf);
		return 0;
	}
	struct page *page = alloc_thp(mm);
	if (!page) {
		count_thp_event(fault_fallback);
		vmf->done = VMF_DONE_THP_FALLBACK;
		return VM_FAULT_FALLBACK;
	}
	uint64_t table = pgtable_alloc_page(NULL);
	if (!table) {
		__free_pages(page, HPAGE_PMD_ORDER);
		return VM_FAULT_OOM;
	}
	clear_huge_page(page, vmf);
	pgtable_trans_huge_deposit(mm, table);
	set_huge_anon_pmd(vma, vmf->pmd, page);
	count_thp_event(fault_alloc);
	vmf->done = VMF_DONE_THP_NEW;
	return 0;
}

/*
 * A write to the read-only THP leaf orig (Linux's do_huge_pmd_wp_page). The
 * huge zero page gets a new cleared THP in its place (its deposit stays);
 * without a 2 MiB frame the leaf is split and the 4 KiB CoW of the zero page
 * follows. A THP this leaf alone maps (never shared, or every other mapper
 * gone) is made writable in place; one mapped elsewhere too (after
 * copy_huge_pmd) is split, and the 4 KiB path copies the page written, as
 * 6.1 does: a CoW never copies 2 MiB.
 */
static vm_fault_t do_huge_pmd_wp_page(struct vm_fault *vmf, pmd_t orig)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	uint64_t haddr = vmf->address & HPAGE_PMD_MASK;

	if (is_huge_zero_pmd(orig)) {
		struct page *page = alloc_thp(mm);
		if (!page) {
			count_thp_event(fault_fallback);
			vmf->done = VMF_DONE_THP_FALLBACK;
			split_huge_pmd(mm, vmf->pmd, haddr);   /* the huge zero page's: dropped */
			return VM_FAULT_FALLBACK;
		}
		uint64_t table = pgtable_alloc_page(NULL);
		if (!table) {
			__free_pages(page, HPAGE_PMD_ORDER);
			return VM_FAULT_OOM;
		}
		clear_huge_page(page, vmf);
		pgtable_trans_huge_deposit(mm, table);
		set_huge_anon_pmd(vma, vmf->pmd, page);
		/* Another CPU may still read the huge zero page here (Linux's pmdp_huge_clear_flush). */
		flush_tlb_mm_range(mm, haddr, haddr + HPAGE_PMD_SIZE, PMD_SHIFT, false);
		count_thp_event(fault_alloc);
		vmf->done = VMF_DONE_THP_COW_ZERO;
		return 0;
	}
	struct page *page = pfn_to_page(pmd_pfn(orig));
	bool reuse = false;
	if (PageAnon(page)) {
		spin_lock(&thp_share_lock);
		reuse = thp_exclusive(page);
		if (reuse)
			thp_make_compound(page);
		spin_unlock(&thp_share_lock);
	}
	if (reuse) {
		set_pmd(vmf->pmd, pmd_mkyoung(pmd_mkdirty(pmd_mkwrite(orig))));
		flush_tlb_page(haddr);
		vmf->done = VMF_DONE_REUSE;
		return 0;
	}
	split_huge_pmd(mm, vmf->pmd, haddr);
	return VM_FAULT_FALLBACK;
}

/* True if orig can be a THP leaf of vma at haddr: its 2 MiB inside a private
 * VMA, mapping the huge zero page or an order-9 anonymous block. */
static bool thp_leaf_sane(const struct vm_area_struct *vma, uint64_t haddr, pmd_t orig)
{
	if ((vma->vm_flags & (VM_SHARED | VM_HUGETLB)) || haddr < vma->vm_start || vma->vm_end - haddr < HPAGE_PMD_SIZE)
		return false;
	uint64_t pfn = pmd_pfn(orig);
	if (is_huge_zero_pfn(pfn))
		return true;
	if (!pfn_valid(pfn))
		return false;
	const struct page *page = pfn_to_page(pfn);
	return PageAnon(page) && (thp_compound(page) || (page->order == 0 && !(pfn & (HPAGE_PMD_NR - 1))));
}

/* See paging/huge_memory.h. */
vm_fault_t huge_pmd_fault(struct vm_fault *vmf, pmd_t orig)
{
	if (!thp_leaf_sane(vmf->vma, vmf->address & HPAGE_PMD_MASK, orig))
		return VM_FAULT_SIGBUS;
	bool write = (vmf->flags & FAULT_FLAG_WRITE) != 0;
	if (write && !pmd_write(orig))
		return do_huge_pmd_wp_page(vmf, orig);
	/* huge_pmd_set_accessed: the leaf allows the access already (a stale TLB entry). */
	pmd_t entry = pmd_mkyoung(orig);
	if (write)
		entry = pmd_mkdirty(entry);
	set_pmd(vmf->pmd, entry);
	flush_tlb_page(vmf->address & HPAGE_PMD_MASK);
	vmf->done = VMF_DONE_SPURIOUS;
	return 0;
}

/* True if the 2 MiB leaf value e maps a hugetlb pool page (not a THP). */
static bool pmd_is_hugetlb(pmd_t pmd)
{
	uint64_t pfn = pmd_pfn(pmd);
	return !is_huge_zero_pfn(pfn) && PageHuge(pfn_to_page(pfn));
}

/* See paging/huge_memory.h. */
void split_huge_pmd(struct mm_struct *mm, pmd_t *pmd, uint64_t haddr)
{
	pmd_t old = pmdp_get(pmd);
	if (!pmd_trans_huge(old) || pmd_is_hugetlb(old))
		panic("split_huge_pmd: 0x%llx at 0x%llx is not a THP leaf", pmd_val(old), haddr);
	uint64_t pfn = pmd_pfn(old);
	if (is_huge_zero_pfn(pfn)) {
		/* Reads of it see zeros, and so do reads of a none entry: it is
		 * dropped, and the pages refault (the small zero page) when read
		 * again. Linux fills a deposited table with the small zero page. */
		pmdp_get_and_clear(pmd);
		flush_tlb_mm_range(mm, haddr, haddr + HPAGE_PMD_SIZE, PMD_SHIFT, false);
		count_thp_event(split_pmd);
		return;
	}
	uint64_t table = pgtable_trans_huge_withdraw(mm);
	pte_t *ptes = (pte_t *)__va(table);
	pgprotval_t flags = pmd_pte_flags(old);
	struct page *head = pfn_to_page(pfn);
	bool alone = false;   /* this leaf was the THP's only mapping */
	spin_lock(&thp_share_lock);
	if (thp_compound(head)) {
		/* Split frames: each is mapped (and referenced) by this leaf's pte
		 * and by every other mm's leaf, as often as the block was. */
		int32_t mapcount = head->_mapcount, refcount = head->_refcount;
		head->_refcount = 1;
		split_page(head, HPAGE_PMD_ORDER);
		for (uint32_t i = 0; i < HPAGE_PMD_NR; i++) {
			head[i]._mapcount = mapcount;
			head[i]._refcount = refcount;
		}
		alone = mapcount == 0;
	}
	spin_unlock(&thp_share_lock);
	/* A THP this leaf alone mapped: reclaimable as 4 KiB pages from now on
	 * (paging/lru.h, rmap.h); no other mm can reach its frames, so this
	 * needs the share lock no more. Frames still mapped by other mms'
	 * leaves stay off the LRU lists (thp_make_compound may make them one
	 * THP again), so reclaim never sees them. */
	for (uint32_t i = 0; alone && i < HPAGE_PMD_NR; i++) {
		if (PageAnon(&head[i]) && !PageLRU(&head[i])) {
			head[i].anon_vma = mm->anon_vma;
			head[i].anon_addr = haddr + (uint64_t)i * PAGE_SIZE;
			/* Straight onto the inactive list, not through the batch
			 * (Linux's lru_add_page_tail): a zap that split the leaf
			 * frees them at once. */
			head[i].flags &= ~(PG_active | PG_referenced);
			add_page_to_lru_list(&head[i]);
		}
	}
	for (uint32_t i = 0; i < HPAGE_PMD_NR; i++)
		ptes[i] = pfn_pte(pfn + i, __pgprot(flags));
	set_pmd(pmd, __pmd(table | _PAGE_TABLE));
	/* The 2 MiB translation goes on every CPU of the mm (Linux's pmdp_invalidate). */
	flush_tlb_mm_range(mm, haddr, haddr + HPAGE_PMD_SIZE, PMD_SHIFT, false);
	count_thp_event(split_pmd);
}

/* See paging/huge_memory.h. */
void split_huge_pmd_address(struct mm_struct *mm, uint64_t addr)
{
	uint64_t *entry;
	if (!(addr & ~HPAGE_PMD_MASK) || walk_to_entry(mm->pgd, addr, PG_LEVEL_2M, false, NULL, &entry))
		return;
	pmd_t pmd = __pmd(*entry);
	if (pmd_trans_huge(pmd) && !pmd_is_hugetlb(pmd))
		split_huge_pmd(mm, (pmd_t *)entry, addr & HPAGE_PMD_MASK);
}

/* See paging/huge_memory.h. */
void zap_huge_pmd(struct mmu_gather *tlb, pmd_t *pmd, uint64_t haddr)
{
	struct mm_struct *mm = tlb->mm;
	pmd_t old = pmdp_get_and_clear(pmd);
	tlb_remove_tlb_entry(tlb, haddr, PG_LEVEL_2M);
	uint64_t pfn = pmd_pfn(old);
	if (is_huge_zero_pfn(pfn))
		return;   /* nobody's page, no deposit */
	/* The THP may be freed now: no CPU may reach it any more. (Flushed
	 * here rather than gathered: the batch holds 4 KiB pages.) */
	tlb_flush_mmu_tlbonly(tlb);
	thp_put_pmd_mapping(pfn_to_page(pfn));
	add_mm_counter(mm, MM_ANONPAGES, -(int64_t)HPAGE_PMD_NR);
	pgtable_free_page(NULL, pgtable_trans_huge_withdraw(mm));
}

/* See paging/huge_memory.h. */
void change_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd, uint64_t haddr)
{
	pmd_t old = pmdp_get(pmd);
	pmd_t entry = pmd_modify(old, vma->vm_page_prot);
	if ((vma->vm_flags & VM_WRITE) && !is_huge_zero_pmd(old)) {
		struct page *page = pfn_to_page(pmd_pfn(old));
		spin_lock(&thp_share_lock);
		if (PageAnon(page) && thp_compound(page) && page_mapcount(page) == 1 && page_ref_count(page) == 1)
			entry = pmd_mkwrite(entry);
		spin_unlock(&thp_share_lock);
	}
	set_pmd(pmd, entry);   /* the caller's gather flushes (change_protection) */
	(void)haddr;
}

/* walk_leaves callback: splits a THP pmd leaf (one beginning below the range too). */
static int split_one(void *ctx, uint64_t va, int level, uint64_t *entry)
{
	pmd_t pmd = __pmd(*entry);
	if (level == PG_LEVEL_2M && pmd_trans_huge(pmd) && !pmd_is_hugetlb(pmd))
		split_huge_pmd((struct mm_struct *)ctx, (pmd_t *)entry, va);
	return 0;
}

/* See paging/huge_memory.h. */
void split_huge_pmd_range(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	if (start < end)
		walk_large_leaves(mm->pgd, start & PAGE_MASK, (end + PAGE_SIZE - 1) & PAGE_MASK, split_one, mm);
}

/* See paging/huge_memory.h. */
int copy_huge_pmd(struct mm_struct *dst_mm, pmd_t *dst_pmd, pmd_t *src_pmd)
{
	pmd_t pmd = pmdp_get(src_pmd);
	if (is_huge_zero_pmd(pmd)) {
		set_pmd(dst_pmd, pmd);   /* read-only and special already; no deposit */
		return 0;
	}
	uint64_t table = pgtable_alloc_page(NULL);
	if (!table)
		return -ENOMEM;
	thp_get_pmd_mapping(pfn_to_page(pmd_pfn(pmd)));
	dst_mm->rss_stat[MM_ANONPAGES] += HPAGE_PMD_NR;
	pgtable_trans_huge_deposit(dst_mm, table);
	if (pmd_write(pmd)) {
		pmd = pmd_wrprotect(pmd);
		set_pmd(src_pmd, pmd);   /* the parent's TLB: dup_mm flushes it */
	}
	set_pmd(dst_pmd, pmd_mkold(pmd));
	return 0;
}
