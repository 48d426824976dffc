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
#include "paging/tlb.h"
#include "base/compiler.h"
#include "base/panic.h"
#include "base/string.h"
#include "cpu/x86.h"

enum thp_mode transparent_hugepage_mode;
struct thp_events thp_events;
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
	thp_events.zero_page_alloc++;
	return 0;
}

/* See paging/huge_memory.h. */
void pgtable_trans_huge_deposit(struct mm_struct *mm, uint64_t table_phys)
{
	phys_to_page(table_phys)->private = mm->pmd_huge_pte;
	mm->pmd_huge_pte = table_phys;
	mm->nr_deposited++;
	pgtable_deposited++;
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
	pgtable_deposited--;
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
	vma->vm_mm->rss_stat[MM_ANONPAGES] += HPAGE_PMD_NR;
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
			thp_events.fault_fallback++;
			return VM_FAULT_FALLBACK;
		}
		set_huge_zero_pmd(vmf);
		return 0;
	}
	struct page *page = alloc_thp(mm);
	if (!page) {
		thp_events.fault_fallback++;
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
	thp_events.fault_alloc++;
	vmf->done = VMF_DONE_THP_NEW;
	return 0;
}

/*
 * A write to the read-only THP leaf orig (Linux's do_huge_pmd_wp_page). The
 * huge zero page gets a new cleared THP in its place (its deposit stays);
 * without a 2 MiB frame the leaf is split and the 4 KiB CoW of the zero page
 * follows. A THP mapped once is made writable; one mapped more than once
 * (FORK: after copy_huge_pmd) is split, and the 4 KiB path copies the page
 * written, as 6.1 does.
 */
static vm_fault_t do_huge_pmd_wp_page(struct vm_fault *vmf, pmd_t orig)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	uint64_t haddr = vmf->address & HPAGE_PMD_MASK;

	if (is_huge_zero_pmd(orig)) {
		struct page *page = alloc_thp(mm);
		if (!page) {
			thp_events.fault_fallback++;
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
		flush_tlb_page(haddr);
		thp_events.fault_alloc++;
		vmf->done = VMF_DONE_THP_COW_ZERO;
		return 0;
	}
	struct page *page = pfn_to_page(pmd_pfn(orig));
	if (PageAnon(page) && page_mapcount(page) == 1 && page_ref_count(page) == 1) {
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
	return PageAnon(page) && page->order == HPAGE_PMD_ORDER;
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
		flush_tlb_page(haddr);
		thp_events.split_pmd++;
		return;
	}
	uint64_t table = pgtable_trans_huge_withdraw(mm);
	pte_t *ptes = (pte_t *)__va(table);
	pgprotval_t flags = pmd_pte_flags(old);
	struct page *head = pfn_to_page(pfn);
	/* Each 4 KiB frame is mapped as often as the 2 MiB one was. */
	int32_t mapcount = head->_mapcount;
	split_page(head, HPAGE_PMD_ORDER);
	for (uint32_t i = 0; i < HPAGE_PMD_NR; i++) {
		head[i]._mapcount = mapcount;
		ptes[i] = pfn_pte(pfn + i, __pgprot(flags));
		if (PageAnon(&head[i]) && !PageLRU(&head[i])) {
			/* Reclaimable as 4 KiB pages from now on (paging/lru.h, rmap.h). */
			head[i].anon_vma = mm->anon_vma;
			head[i].anon_addr = haddr + (uint64_t)i * PAGE_SIZE;
			lru_cache_add(&head[i]);
		}
	}
	set_pmd(pmd, __pmd(table | _PAGE_TABLE));
	flush_tlb_page(haddr);
	thp_events.split_pmd++;
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
void zap_huge_pmd(struct mm_struct *mm, pmd_t *pmd, uint64_t haddr)
{
	(void)haddr;
	pmd_t old = pmdp_get_and_clear(pmd);
	uint64_t pfn = pmd_pfn(old);
	if (is_huge_zero_pfn(pfn))
		return;   /* nobody's page, no deposit */
	struct page *page = pfn_to_page(pfn);
	page_mapcount_dec(page);
	mm->rss_stat[MM_ANONPAGES] -= HPAGE_PMD_NR;
	put_page(page);
	pgtable_free_page(NULL, pgtable_trans_huge_withdraw(mm));
}

/* See paging/huge_memory.h. */
void change_huge_pmd(struct vm_area_struct *vma, pmd_t *pmd, uint64_t haddr)
{
	pmd_t old = pmdp_get(pmd);
	pmd_t entry = pmd_modify(old, vma->vm_page_prot);
	if ((vma->vm_flags & VM_WRITE) && !is_huge_zero_pmd(old)) {
		struct page *page = pfn_to_page(pmd_pfn(old));
		if (PageAnon(page) && page_mapcount(page) == 1)
			entry = pmd_mkwrite(entry);
	}
	set_pmd(pmd, entry);
	flush_tlb_page(haddr);
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
		walk_leaves(mm->pgd, start & PAGE_MASK, (end + PAGE_SIZE - 1) & PAGE_MASK, split_one, mm);
}
