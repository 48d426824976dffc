/*
 * Host tests of the generic fault path (paging/memory.c): handle_mm_fault in
 * each case of the table at the top of that file - zero page, new anonymous
 * page, CoW of the zero page, reuse, copy of a page mapped twice, spurious,
 * out of memory (an allocator that fails), an entry or leaf it cannot
 * handle - what it returns, what vmf->done / pgtables say, and the entries
 * and map counts it leaves; stack growth (expand_stack) followed by a fault;
 * MAP_POPULATE's minor-fault counting; install_anon_page; and the page-table
 * verifier (paging/verify.c) on good and corrupted trees. Each runs in 4-
 * and 5-level mode, and every test ends with all frames given back.
 */
#include "tests/unit/mm_sim.h"

#define BASE   0x40000000ull     /* 1 GiB: a 2 MiB-aligned place for mappings */
#define RW     (PROT_READ | PROT_WRITE)
#define ANON   (MAP_PRIVATE | MAP_ANONYMOUS)

/* Maps n pages of anonymous memory at BASE + off (MAP_FIXED); 1 if it worked. */
static int map_at(struct mm_struct *mm, uint64_t va, uint64_t n, uint64_t prot, uint64_t flags)
{
	return do_mmap(mm, va, n * PG, prot, flags | MAP_FIXED, (uint64_t)-1, 0) == (int64_t)va;
}

/* handle_mm_fault at va as a read (write = 0) or write, in va's VMA. */
static vm_fault_t fault(struct mm_struct *mm, uint64_t va, int write, struct vm_fault *vmf)
{
	struct vm_area_struct *vma = find_vma(mm, va);
	if (!vma || vma->vm_start > va) {
		printf("  no VMA at 0x%llx\n", (unsigned long long)va);
		return VM_FAULT_SIGSEGV;
	}
	return handle_mm_fault(vma, va, FAULT_FLAG_USER | (write ? FAULT_FLAG_WRITE : 0), vmf);
}

static int levels_of(int i) { return i ? 5 : 4; }

TEST(read_of_untouched_memory_maps_the_zero_page)
{
	for (int i = 0; i < 2; i++) {
		uint64_t before;
		struct mm_struct *mm = sim_mm(levels_of(i), &before);
		struct vm_fault vmf;
		CHECK(map_at(mm, BASE, 4, RW, ANON));
		CHECK_EQ_U64(fault(mm, BASE + 100, 0, &vmf), 0);
		CHECK_EQ_U64(vmf.done, VMF_DONE_ZERO_PAGE);
		CHECK(vmf.pgtables >= 1);                /* a fresh mm: the tables below the pgd */
		pte_t pte = __pte(pte_of(mm, BASE));
		CHECK(pte_present(pte) && !pte_write(pte) && pte_special(pte));
		CHECK_EQ_U64(pte_pfn(pte), zero_pfn);
		CHECK_EQ_U64(get_mm_rss(mm), 0);         /* the zero page is nobody's */
		/* The next page of the same 2 MiB: no table allocated. */
		CHECK_EQ_U64(fault(mm, BASE + PG, 0, &vmf), 0);
		CHECK_EQ_U64(vmf.done, VMF_DONE_ZERO_PAGE);
		CHECK_EQ_U64(vmf.pgtables, 0);
		CHECK_EQ_U64(vmf.clear_cycles, 0);
		CHECK(tables_ok(mm));
		CHECK(sim_done(mm, before));
	}
}

TEST(first_write_maps_a_new_zeroed_page)
{
	for (int i = 0; i < 2; i++) {
		uint64_t before;
		struct mm_struct *mm = sim_mm(levels_of(i), &before);
		struct vm_fault vmf;
		CHECK(map_at(mm, BASE, 4, RW, ANON));
		CHECK_EQ_U64(fault(mm, BASE + 2 * PG + 8, 1, &vmf), 0);
		CHECK_EQ_U64(vmf.done, VMF_DONE_NEW_ANON);
		CHECK(vmf.clear_cycles > 0);
		pte_t pte = __pte(pte_of(mm, BASE + 2 * PG));
		CHECK(pte_present(pte) && pte_write(pte) && pte_dirty(pte) && pte_young(pte) && !pte_special(pte));
		struct page *page = pfn_to_page(pte_pfn(pte));
		CHECK(PageAnon(page));
		CHECK_EQ_U64(page_mapcount(page), 1);
		CHECK_EQ_U64(mm->rss_stat[MM_ANONPAGES], 1);
		int zero = 1;
		for (uint64_t b = 0; b < PG; b++)
			zero &= user_byte(mm, BASE + 2 * PG + b)[0] == 0;
		CHECK(zero);
		CHECK(tables_ok(mm));
		CHECK(sim_done(mm, before));
	}
}

TEST(shared_anonymous_memory_gets_a_page_on_read)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, 2, RW, MAP_SHARED | MAP_ANONYMOUS));
	CHECK_EQ_U64(fault(mm, BASE, 0, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_NEW_SHARED);
	CHECK(pte_pfn(__pte(pte_of(mm, BASE))) != zero_pfn);
	CHECK_EQ_U64(mm->rss_stat[MM_SHMEMPAGES], 1);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

TEST(write_after_read_replaces_the_zero_page)
{
	for (int i = 0; i < 2; i++) {
		uint64_t before;
		struct mm_struct *mm = sim_mm(levels_of(i), &before);
		struct vm_fault vmf;
		CHECK(map_at(mm, BASE, 1, RW, ANON));
		CHECK_EQ_U64(fault(mm, BASE, 0, &vmf), 0);
		uint64_t flushes = tlb_page_flushes;
		CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
		CHECK_EQ_U64(vmf.done, VMF_DONE_COW_ZERO);
		CHECK(vmf.clear_cycles > 0);
		CHECK(tlb_page_flushes > flushes);       /* the read-only entry was cached */
		pte_t pte = __pte(pte_of(mm, BASE));
		CHECK(pte_write(pte) && pte_pfn(pte) != zero_pfn);
		CHECK_EQ_U64(mm->rss_stat[MM_ANONPAGES], 1);
		CHECK(tables_ok(mm));
		CHECK(sim_done(mm, before));
	}
}

/* Write-protects the entry of va, as fork will for a private page. */
static void wrprotect(struct mm_struct *mm, uint64_t va)
{
	pte_t *pte = walk_pte(mm->pgd, va, false, NULL);
	set_pte(pte, pte_wrprotect(ptep_get(pte)));
}

TEST(write_to_a_read_only_page_mapped_once_reuses_it)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, 1, RW, ANON));
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	uint64_t pfn = pte_pfn(__pte(pte_of(mm, BASE)));
	user_byte(mm, BASE)[5] = 0x5a;
	wrprotect(mm, BASE);
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_REUSE);
	CHECK_EQ_U64(vmf.clear_cycles, 0);
	pte_t pte = __pte(pte_of(mm, BASE));
	CHECK(pte_write(pte) && pte_dirty(pte));
	CHECK_EQ_U64(pte_pfn(pte), pfn);
	CHECK_EQ_U64(user_byte(mm, BASE)[5], 0x5a);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

TEST(write_to_a_page_mapped_twice_copies_it)
{
	for (int i = 0; i < 2; i++) {
		uint64_t before;
		struct mm_struct *mm = sim_mm(levels_of(i), &before);
		struct vm_fault vmf;
		uint64_t a = BASE, b = BASE + 64 * PG;
		CHECK(map_at(mm, a, 1, RW, ANON));
		CHECK(map_at(mm, b, 1, RW, ANON));
		CHECK_EQ_U64(fault(mm, a, 1, &vmf), 0);
		memset(user_byte(mm, a), 0x77, PG);
		/* Map a's page read-only at b too, counted as fork's copy will count it. */
		wrprotect(mm, a);
		uint64_t pfn = pte_pfn(__pte(pte_of(mm, a)));
		struct page *old = pfn_to_page(pfn);
		pte_t *pb = walk_pte(mm->pgd, b, true, NULL);
		set_pte_at(mm, b, pb, ptep_get(walk_pte(mm->pgd, a, false, NULL)));
		page_mapcount_inc(old);
		get_page(old);
		inc_mm_counter(mm, MM_ANONPAGES);
		CHECK(tables_ok(mm));

		CHECK_EQ_U64(fault(mm, a, 1, &vmf), 0);
		CHECK_EQ_U64(vmf.done, VMF_DONE_COPY);
		pte_t pa = __pte(pte_of(mm, a));
		CHECK(pte_write(pa) && pte_pfn(pa) != pfn);
		CHECK_EQ_U64(user_byte(mm, a)[0], 0x77);
		CHECK_EQ_U64(user_byte(mm, a)[PG - 1], 0x77);
		CHECK_EQ_U64(page_mapcount(old), 1);
		/* b's reference and the LRU batch's: the page still waits there
		 * (paging/lru.h), off the lists. */
		CHECK_EQ_U64(page_ref_count(old), 2);
		CHECK(!PageLRU(old));
		/* The copy is a's own: b still sees the old page, now mapped once. */
		user_byte(mm, a)[0] = 1;
		CHECK_EQ_U64(user_byte(mm, b)[0], 0x77);
		/* A write at b reuses it: do_wp_page drains the batch first. */
		CHECK_EQ_U64(fault(mm, b, 1, &vmf), 0);
		CHECK_EQ_U64(vmf.done, VMF_DONE_REUSE);
		CHECK_EQ_U64(pte_pfn(__pte(pte_of(mm, b))), pfn);
		CHECK(PageLRU(old) && page_ref_count(old) == 1);
		CHECK_EQ_U64(mm->rss_stat[MM_ANONPAGES], 2);
		CHECK(tables_ok(mm));
		CHECK(sim_done(mm, before));
	}
}

TEST(a_fault_the_entry_allows_already_is_spurious)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(5, &before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, 1, RW, ANON));
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	pte_t *pte = walk_pte(mm->pgd, BASE, false, NULL);
	set_pte(pte, pte_mkold(pte_mkclean(ptep_get(pte))));
	uint64_t flushes = tlb_page_flushes, pfn = pte_pfn(ptep_get(pte));
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_SPURIOUS);
	CHECK_EQ_U64(tlb_page_flushes, flushes + 1);
	CHECK(pte_young(ptep_get(pte)) && pte_dirty(ptep_get(pte)));
	CHECK_EQ_U64(pte_pfn(ptep_get(pte)), pfn);
	CHECK(sim_done(mm, before));
}

TEST(out_of_memory_maps_nothing)
{
	for (int i = 0; i < 2; i++) {
		uint64_t before;
		struct mm_struct *mm = sim_mm(levels_of(i), &before);
		struct vm_fault vmf;
		CHECK(map_at(mm, BASE, 4, RW, ANON));
		CHECK(map_at(mm, BASE + 4 * MiB, 1, RW, ANON));
		CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
		/* The page itself: the table is there, the frame is not. */
		fail_alloc_arm(1);
		CHECK_EQ_U64(fault(mm, BASE + PG, 1, &vmf), VM_FAULT_OOM);
		CHECK(fail_alloc_disarm());              /* the failure was injected */
		CHECK_EQ_U64(pte_of(mm, BASE + PG), 0);
		/* A CoW of the zero page that gets no frame keeps the zero page. */
		CHECK_EQ_U64(fault(mm, BASE + 2 * PG, 0, &vmf), 0);
		fail_alloc_arm(1);
		CHECK_EQ_U64(fault(mm, BASE + 2 * PG, 1, &vmf), VM_FAULT_OOM);
		CHECK(fail_alloc_disarm());
		CHECK_EQ_U64(pte_pfn(__pte(pte_of(mm, BASE + 2 * PG))), zero_pfn);
		/* A new 2 MiB: the pte table cannot be had. */
		fail_alloc_arm(1);
		CHECK_EQ_U64(fault(mm, BASE + 4 * MiB, 0, &vmf), VM_FAULT_OOM);
		CHECK(fail_alloc_disarm());
		CHECK_EQ_U64(pte_of(mm, BASE + 4 * MiB), 0);
		CHECK_EQ_U64(mm->rss_stat[MM_ANONPAGES], 1);
		/* And once memory is back, the same faults work. */
		CHECK_EQ_U64(fault(mm, BASE + 4 * MiB, 1, &vmf), 0);
		CHECK_EQ_U64(vmf.done, VMF_DONE_NEW_ANON);
		CHECK(tables_ok(mm));
		CHECK(sim_done(mm, before));
	}
}

TEST(entries_it_cannot_handle_are_sigbus)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, 1, RW, ANON));
	CHECK(map_at(mm, BASE + 2 * MiB, 1, RW, ANON));
	/* Not present but not none (a swap entry's shape). */
	pte_t *pte = walk_pte(mm->pgd, BASE, true, NULL);
	set_pte(pte, __pte(0x1000ull << 12));
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), VM_FAULT_SIGBUS);
	set_pte(pte, __pte(0));
	/* A 2 MiB leaf where the pte table would be: never OOM, SIGBUS. */
	uint64_t va = BASE + 2 * MiB;
	pgd_t *pgd = pgd_offset(mm, va);
	p4d_t *p4d = p4d_alloc(mm, pgd, va);
	pud_t *pud = p4d ? pud_alloc(mm, p4d, va) : NULL;
	pmd_t *pmd = pud ? pmd_alloc(mm, pud, va) : NULL;
	CHECK(pmd != NULL);
	CHECK(pmd_none(*pmd));
	*pmd = __pmd((64 * MiB) | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_PSE);
	CHECK_EQ_U64(fault(mm, va, 0, &vmf), VM_FAULT_SIGBUS);
	CHECK_EQ_U64(fault(mm, va, 1, &vmf), VM_FAULT_SIGBUS);
	*pmd = __pmd(0);
	CHECK_EQ_U64(fault(mm, va, 1, &vmf), 0);   /* once it is gone, an ordinary fault */
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

TEST(stack_growth_then_fault)
{
	for (int i = 0; i < 2; i++) {
		uint64_t before;
		struct mm_struct *mm = sim_mm(levels_of(i), &before);
		struct vm_fault vmf;
		uint64_t top = STACK_TOP, low = top - 4 * PG;
		CHECK_EQ_U64(vma_map_range(mm, low, top - low, VM_STACK_FLAGS), 0);
		struct vm_area_struct *vma = find_vma(mm, low - 3 * PG);
		CHECK(vma && vma->vm_start == low);
		CHECK_EQ_U64(expand_stack(mm, vma, low - 3 * PG + 16, STACK_LIMIT_BYTES, STACK_GUARD_GAP), 0);
		CHECK_EQ_U64(vma->vm_start, low - 3 * PG);
		CHECK_EQ_U64(fault(mm, low - 3 * PG + 16, 1, &vmf), 0);
		CHECK_EQ_U64(vmf.done, VMF_DONE_NEW_ANON);
		/* Past the limit it does not grow (fault/fault.c: SIGSEGV). */
		CHECK_EQ_U64(expand_stack(mm, vma, top - STACK_LIMIT_BYTES - PG, STACK_LIMIT_BYTES, STACK_GUARD_GAP),
			     -ENOMEM);
		CHECK_EQ_U64(vma->vm_start, low - 3 * PG);
		/* Nor into the guard gap above another mapping. */
		uint64_t below = low - 3 * PG - STACK_GUARD_GAP - 2 * PG;
		CHECK(map_at(mm, below, 1, RW, ANON));
		CHECK_EQ_U64(expand_stack(mm, vma, below + 2 * PG, STACK_LIMIT_BYTES, STACK_GUARD_GAP), -ENOMEM);
		CHECK(tables_ok(mm));
		CHECK(sim_done(mm, before));
	}
}

TEST(populate_counts_minor_faults)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	uint64_t flt = sim_task.min_flt;
	CHECK(map_at(mm, BASE, 5, RW, ANON | MAP_POPULATE));
	CHECK_EQ_U64(sim_task.min_flt, flt + 5);
	for (uint64_t p = 0; p < 5; p++)
		CHECK(pte_write(__pte(pte_of(mm, BASE + p * PG))));
	/* A read-only mapping is populated with the zero page. */
	CHECK(map_at(mm, BASE + 8 * PG, 2, PROT_READ, ANON | MAP_POPULATE));
	CHECK_EQ_U64(pte_pfn(__pte(pte_of(mm, BASE + 9 * PG))), zero_pfn);
	CHECK_EQ_U64(sim_task.min_flt, flt + 7);
	/* Faults through handle_mm_fault alone count nothing: the arch side does. */
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE + 16 * PG, 1, RW, ANON));
	CHECK_EQ_U64(fault(mm, BASE + 16 * PG, 1, &vmf), 0);
	CHECK_EQ_U64(sim_task.min_flt, flt + 7);
	CHECK(sim_done(mm, before));
}

TEST(install_anon_page_maps_and_counts)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(5, &before);
	CHECK_EQ_U64(vma_map_range(mm, BASE, 2 * PG, VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC), 0);
	struct page *page = alloc_zeroed_page();
	((uint8_t *)page_address(page))[3] = 9;
	CHECK_EQ_U64(install_anon_page(find_vma(mm, BASE), BASE + PG, page), 0);
	pte_t pte = __pte(pte_of(mm, BASE + PG));
	CHECK(pte_present(pte) && !pte_write(pte) && pte_young(pte));
	CHECK_EQ_U64(pte_pfn(pte), page_to_pfn(page));
	CHECK(PageAnon(page));
	CHECK_EQ_U64(page_mapcount(page), 1);
	CHECK_EQ_U64(mm->rss_stat[MM_ANONPAGES], 1);
	CHECK_EQ_U64(user_byte(mm, BASE + PG + 3)[0], 9);
	/* No table for it: -ENOMEM, nothing mapped, the page still the caller's. */
	struct page *p2 = alloc_zeroed_page();
	CHECK_EQ_U64(vma_map_range(mm, BASE + 8 * MiB, PG, VM_READ | VM_MAYREAD), 0);
	fail_alloc_arm(1);
	CHECK_EQ_U64(install_anon_page(find_vma(mm, BASE + 8 * MiB), BASE + 8 * MiB, p2), -ENOMEM);
	CHECK(fail_alloc_disarm());
	CHECK_EQ_U64(page_mapcount(p2), 0);
	__free_page(p2);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

/* The verifier's first problem for mm, "" if none. */
static const char *verdict_of(struct mm_struct *mm, struct pgtable_verify *v)
{
	pgd_t *roots[1] = { mm->pgd };
	return verify_page_tables(roots, 1, v) ? v->first_problem : "";
}

TEST(verifier_passes_good_trees_and_names_what_broke)
{
	for (int i = 0; i < 2; i++) {
		uint64_t before;
		struct mm_struct *mm = sim_mm(levels_of(i), &before);
		struct pgtable_verify v;
		CHECK(map_at(mm, BASE, 8, RW, ANON | MAP_POPULATE));
		CHECK_STR(verdict_of(mm, &v), "");
		CHECK_EQ_U64(v.leaves, 8);
		CHECK_EQ_U64(v.tables, (uint64_t)levels_of(i));

		/* A map count that disagrees with the entries. */
		struct page *page = pfn_to_page(pte_pfn(__pte(pte_of(mm, BASE + 3 * PG))));
		page_mapcount_inc(page);
		CHECK(strstr(verdict_of(mm, &v), "page_mapcount differs") != NULL);
		CHECK_EQ_U64(v.mapcount_mismatch, 1);
		page_mapcount_dec(page);

		/* A table that is not a PG_pgtable page. */
		struct walk_result w;
		CHECK_EQ_U64(follow_addr(mm->pgd, BASE, &w), 0);
		struct page *pt = virt_to_page((void *)((uintptr_t)w.entry & ~(uintptr_t)(PG - 1)));
		__ClearPageTable(pt);
		CHECK(strstr(verdict_of(mm, &v), "is not a PG_pgtable page") != NULL);
		__SetPageTable(pt);

		/* A user-accessible entry in the kernel half. */
		uint64_t kt = pgtable_alloc_page(NULL);
		memset(__va(kt), 0, PG);
		mm->pgd[PTRS_PER_PGD - 1] = __pgd(kt | _PAGE_PRESENT | _PAGE_RW | _PAGE_USER);
		CHECK(strstr(verdict_of(mm, &v), "user-accessible") != NULL);
		CHECK_EQ_U64(v.user_in_kernel_half, 1);
		mm->pgd[PTRS_PER_PGD - 1] = __pgd(0);
		pgtable_free_page(NULL, kt);

		/* A table page nobody reaches (leaked). */
		uint64_t leaked = pgtable_alloc_page(NULL);
		CHECK(strstr(verdict_of(mm, &v), "tables reached") != NULL);
		pgtable_free_page(NULL, leaked);

		CHECK_STR(verdict_of(mm, &v), "");
		CHECK(sim_done(mm, before));
	}
}

TEST(new_pages_reach_the_lru_lists_through_the_per_cpu_batch)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	struct vm_fault vmf;
	struct check_result cr;
	CHECK(map_at(mm, BASE, 40, RW, ANON));
	uint64_t inactive0 = lruvec.nr[LRU_INACTIVE_ANON];
	CHECK_EQ_U64(this_cpu_read(lru_add.nr), 0);
	/* 14 new pages wait in the batch: off the lists, one reference more. */
	for (uint64_t i = 0; i < LRU_ADD_BATCH - 1; i++)
		CHECK_EQ_U64(fault(mm, BASE + i * PG, 1, &vmf), 0);
	CHECK_EQ_U64(this_cpu_read(lru_add.nr), LRU_ADD_BATCH - 1);
	CHECK_EQ_U64(lruvec.nr[LRU_INACTIVE_ANON], inactive0);
	struct page *first = pfn_to_page(pte_pfn(__pte(pte_of(mm, BASE))));
	CHECK(!PageLRU(first) && page_ref_count(first) == 2);
	CHECK_EQ_U64(lru_check(&cr), 0);
	/* The 15th drains all of them onto the inactive anonymous list. */
	CHECK_EQ_U64(fault(mm, BASE + (LRU_ADD_BATCH - 1) * PG, 1, &vmf), 0);
	CHECK_EQ_U64(this_cpu_read(lru_add.nr), 0);
	CHECK_EQ_U64(lruvec.nr[LRU_INACTIVE_ANON], inactive0 + LRU_ADD_BATCH);
	CHECK(PageLRU(first) && !PageActive(first) && page_ref_count(first) == 1);
	CHECK_EQ_U64(lru_check(&cr), 0);

	/* A page accessed twice while it waits goes to the active list. */
	CHECK_EQ_U64(fault(mm, BASE + 20 * PG, 1, &vmf), 0);
	struct page *hot = pfn_to_page(pte_pfn(__pte(pte_of(mm, BASE + 20 * PG))));
	mark_page_accessed(hot);
	mark_page_accessed(hot);
	CHECK(PageActive(hot) && !PageLRU(hot));
	lru_add_drain();
	CHECK(PageLRU(hot) && PageActive(hot));
	CHECK_EQ_U64(lruvec.nr[LRU_ACTIVE_ANON], 1);

	/* A page whose last user went while it waited is freed by the drain. */
	uint64_t free0 = nr_free_pages();
	struct page *gone = alloc_page();
	CHECK(gone != NULL);
	lru_cache_add(gone);
	put_page(gone);
	CHECK_EQ_U64(page_ref_count(gone), 1);
	lru_add_drain();
	drain_local_pages();
	CHECK_EQ_U64(nr_free_pages(), free0);
	CHECK_EQ_U64(lru_check(&cr), 0);

	/* The check sees a batch slot holding a free page. */
	struct page *freed = alloc_page();
	put_page(freed);
	host_pcpu.lru_add.pages[0] = freed;
	host_pcpu.lru_add.nr = 1;
	CHECK(lru_check(&cr) > 0 && strstr(cr.first, "batch") != NULL);
	host_pcpu.lru_add.nr = 0;

	/* Pages still waiting when the mapping goes: munmap drains first, so
	 * every frame is back at once. */
	CHECK_EQ_U64(fault(mm, BASE + 30 * PG, 1, &vmf), 0);
	CHECK_EQ_U64(this_cpu_read(lru_add.nr), 1);
	CHECK(sim_done(mm, before));
	CHECK_EQ_U64(this_cpu_read(lru_add.nr), 0);
	CHECK_EQ_U64(lru_check(&cr), 0);
}

UNIT_MAIN(
	UNIT(read_of_untouched_memory_maps_the_zero_page),
	UNIT(first_write_maps_a_new_zeroed_page),
	UNIT(shared_anonymous_memory_gets_a_page_on_read),
	UNIT(write_after_read_replaces_the_zero_page),
	UNIT(write_to_a_read_only_page_mapped_once_reuses_it),
	UNIT(write_to_a_page_mapped_twice_copies_it),
	UNIT(a_fault_the_entry_allows_already_is_spurious),
	UNIT(out_of_memory_maps_nothing),
	UNIT(entries_it_cannot_handle_are_sigbus),
	UNIT(stack_growth_then_fault),
	UNIT(populate_counts_minor_faults),
	UNIT(install_anon_page_maps_and_counts),
	UNIT(verifier_passes_good_trees_and_names_what_broke),
	UNIT(new_pages_reach_the_lru_lists_through_the_per_cpu_batch)
)
