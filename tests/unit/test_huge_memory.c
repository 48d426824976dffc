/*
 * Host tests of huge pages (paging/huge_memory.c, paging/hugetlb.c) over the
 * simulated memory of mm_sim.h: the THP fault cases (new THP, huge zero
 * page, its CoW, fallback, spurious), which VMAs may have THPs, splitting
 * with the data kept (partial munmap, mprotect, MADV_DONTNEED, mremap), the
 * deposited tables and RSS, the verifier on THP trees; hugetlb pools,
 * reservations (ENOMEM), the size flag (EINVAL), faults and returning pages;
 * fork of both (copy_huge_pmd, split frames, reuse, hugetlb CoW, shared
 * pages, the owner taking its page back, out of memory half-way).
 * Each test ends with every frame given back and the verifier clean.
 */
#include "tests/unit/mm_sim.h"

#define BASE   0x40000000ull     /* 1 GiB: 2 MiB- and 1 GiB-aligned */
#define RW     (PROT_READ | PROT_WRITE)
#define ANON   (MAP_PRIVATE | MAP_ANONYMOUS)
#define HPG    (2 * MiB)

/* The THP events of every CPU together (paging/vmstat.h). */
static struct thp_events host_thp_events(void)
{
	struct thp_events e;
	all_thp_events(&e);
	return e;
}

static vm_fault_t fault(struct mm_struct *mm, uint64_t va, int write, struct vm_fault *vmf)
{
	struct vm_area_struct *vma = find_vma(mm, va);
	if (!vma || vma->vm_start > va)
		return VM_FAULT_SIGSEGV;
	return handle_mm_fault(vma, va, FAULT_FLAG_USER | (write ? FAULT_FLAG_WRITE : 0), vmf);
}

static int map_at(struct mm_struct *mm, uint64_t va, uint64_t len, uint64_t prot, uint64_t flags)
{
	return do_mmap(mm, va, len, prot, flags | MAP_FIXED, (uint64_t)-1, 0) == (int64_t)va;
}

/* The pmd entry of va in mm (0 if the walk does not reach one). */
static uint64_t pmd_of(struct mm_struct *mm, uint64_t va)
{
	uint64_t *e;
	return walk_to_entry(mm->pgd, va, PG_LEVEL_2M, false, NULL, &e) ? 0 : *e;
}

/* The byte at va as the kernel sees it, through whatever leaf maps it. */
static uint8_t *byte_at(struct mm_struct *mm, uint64_t va)
{
	struct walk_result w;
	return follow_addr(mm->pgd, va, &w) ? NULL : (uint8_t *)__va(w.phys);
}

/* THP mode `always` with its huge zero page, in the given paging mode. */
static struct mm_struct *thp_mm(int levels, uint64_t *before)
{
	sim_ready(levels);
	transparent_hugepage_mode = THP_ALWAYS;
	huge_zero_page_init();
	return sim_mm(levels, before);
}

/* Writes the byte (va >> 12) at every page of [va, va + len). */
static void fill(struct mm_struct *mm, uint64_t va, uint64_t len)
{
	for (uint64_t a = va; a < va + len; a += PG)
		*byte_at(mm, a) = (uint8_t)(a >> 12);
}

/* How many pages of [va, va + len) hold what fill wrote (unmapped: no). */
static uint64_t intact(struct mm_struct *mm, uint64_t va, uint64_t len, uint64_t from)
{
	uint64_t n = 0;
	for (uint64_t a = va; a < va + len; a += PG) {
		uint8_t *b = byte_at(mm, a);
		n += b && *b == (uint8_t)((a - va + from) >> 12);
	}
	return n;
}

TEST(thp_write_maps_one_pmd_leaf)
{
	(void)user_byte;   /* mm_sim.h's 4 KiB view; byte_at sees huge leaves too */
	for (int i = 0; i < 2; i++) {
		uint64_t before;
		struct mm_struct *mm = thp_mm(i ? 5 : 4, &before);
		struct vm_fault vmf;
		CHECK(map_at(mm, BASE, 2 * HPG, RW, ANON));
		uint64_t allocs = host_thp_events().fault_alloc;
		CHECK_EQ_U64(fault(mm, BASE + 12345, 1, &vmf), 0);
		CHECK_EQ_U64(vmf.done, VMF_DONE_THP_NEW);
		CHECK(vmf.clear_cycles > 0);
		CHECK_EQ_U64(host_thp_events().fault_alloc, allocs + 1);
		pmd_t pmd = __pmd(pmd_of(mm, BASE));
		CHECK(pmd_trans_huge(pmd) && pmd_write(pmd) && pmd_dirty(pmd) && !pmd_special(pmd));
		struct page *head = pfn_to_page(pmd_pfn(pmd));
		CHECK(PageAnon(head) && page_mapcount(head) == 1 && head->order == HPAGE_PMD_ORDER);
		CHECK_EQ_U64(mm->rss_stat[MM_ANONPAGES], HPAGE_PMD_NR);
		CHECK_EQ_U64(mm->nr_deposited, 1);
		CHECK_EQ_U64(*byte_at(mm, BASE + HPG - 1), 0);
		/* A fault anywhere else in it: spurious (the leaf allows it). */
		CHECK_EQ_U64(fault(mm, BASE + HPG - 1, 1, &vmf), 0);
		CHECK_EQ_U64(vmf.done, VMF_DONE_SPURIOUS);
		CHECK(tables_ok(mm));
		CHECK(sim_done(mm, before));
		CHECK_EQ_U64(pgtable_deposited, 0);
	}
}

TEST(thp_read_maps_the_huge_zero_page_and_a_write_replaces_it)
{
	uint64_t before;
	struct mm_struct *mm = thp_mm(4, &before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, HPG, RW, ANON));
	CHECK_EQ_U64(fault(mm, BASE + 5 * PG, 0, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_THP_ZERO);
	pmd_t pmd = __pmd(pmd_of(mm, BASE));
	CHECK(pmd_trans_huge(pmd) && !pmd_write(pmd) && pmd_special(pmd) && is_huge_zero_pmd(pmd));
	CHECK_EQ_U64(get_mm_rss(mm), 0);
	CHECK_EQ_U64(mm->nr_deposited, 0);   /* the huge zero page needs no deposit */
	CHECK(tables_ok(mm));
	CHECK_EQ_U64(fault(mm, BASE + 7 * PG, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_THP_COW_ZERO);
	pmd = __pmd(pmd_of(mm, BASE));
	CHECK(pmd_trans_huge(pmd) && pmd_write(pmd) && !is_huge_zero_pmd(pmd));
	CHECK_EQ_U64(get_mm_rss(mm), HPAGE_PMD_NR);
	CHECK_EQ_U64(mm->nr_deposited, 1);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

TEST(thp_only_where_allowed)
{
	uint64_t before;
	struct mm_struct *mm = thp_mm(4, &before);
	struct vm_fault vmf;
	/* A VMA that holds no aligned 2 MiB: 4 KiB pages. */
	CHECK(map_at(mm, BASE + PG, HPG, RW, ANON));
	CHECK_EQ_U64(fault(mm, BASE + 3 * PG, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_NEW_ANON);
	/* Shared anonymous memory: shmem in Linux, no THP by default. */
	CHECK(map_at(mm, BASE + 4 * HPG, HPG, RW, MAP_SHARED | MAP_ANONYMOUS));
	CHECK_EQ_U64(fault(mm, BASE + 4 * HPG, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_NEW_SHARED);
	/* MADV_NOHUGEPAGE; and `madvise` mode without MADV_HUGEPAGE. */
	CHECK(map_at(mm, BASE + 6 * HPG, 2 * HPG, RW, ANON));
	CHECK_EQ_U64(do_madvise(mm, BASE + 6 * HPG, HPG, MADV_NOHUGEPAGE), 0);
	CHECK_EQ_U64(fault(mm, BASE + 6 * HPG, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_NEW_ANON);
	transparent_hugepage_mode = THP_MADVISE;
	CHECK_EQ_U64(fault(mm, BASE + 7 * HPG, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_NEW_ANON);
	CHECK_EQ_U64(do_madvise(mm, BASE + 7 * HPG + HPG / 2, HPG / 2, MADV_HUGEPAGE), 0);
	CHECK_EQ_U64(fault(mm, BASE + 7 * HPG + HPG / 2, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_NEW_ANON);   /* the VMA holds only half of that 2 MiB */
	CHECK_EQ_U64(do_madvise(mm, BASE + 6 * HPG, HPG, MADV_HUGEPAGE), 0);
	CHECK_EQ_U64(fault(mm, BASE + 6 * HPG + 8 * PG, 0, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_ZERO_PAGE);  /* a pte table is there already */
	/* PR_SET_THP_DISABLE's flag. */
	transparent_hugepage_mode = THP_ALWAYS;
	CHECK(map_at(mm, BASE + 10 * HPG, HPG, RW, ANON));
	mm->flags |= 1ull << MMF_DISABLE_THP;
	CHECK_EQ_U64(fault(mm, BASE + 10 * HPG, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_NEW_ANON);
	mm->flags = 0;
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

/* A fallback counted on another CPU lands in that CPU's set and in the sum;
 * the fault's own class comes from the fault, not from the counter. */
TEST(thp_events_counted_per_cpu)
{
	uint64_t before;
	struct mm_struct *mm = thp_mm(4, &before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, 2 * HPG, RW, ANON));
	mm->flags |= 1ull << MMF_THP_FAIL_ALLOC;
	uint64_t fb = host_thp_events().fault_fallback, on5 = vm_event_states[5].thp.fault_fallback;
	host_pcpu.cpu = 5;
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	host_pcpu.cpu = 0;
	CHECK_EQ_U64(vmf.done, VMF_DONE_THP_FALLBACK);
	CHECK_EQ_U64(vm_event_states[5].thp.fault_fallback, on5 + 1);
	CHECK_EQ_U64(host_thp_events().fault_fallback, fb + 1);
	/* Another CPU's count moving does not make this CPU's fault a fallback. */
	mm->flags = 0;
	vm_event_states[7].thp.fault_fallback++;
	CHECK_EQ_U64(fault(mm, BASE + HPG + PG, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_THP_NEW);
	CHECK_EQ_U64(host_thp_events().fault_fallback, fb + 2);
	vm_event_states[7].thp.fault_fallback--;
	CHECK(sim_done(mm, before));
}

TEST(thp_fallback_maps_4k_and_counts)
{
	uint64_t before;
	struct mm_struct *mm = thp_mm(4, &before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, 2 * HPG, RW, ANON));
	mm->flags |= 1ull << MMF_THP_FAIL_ALLOC;
	uint64_t fb = host_thp_events().fault_fallback;
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_THP_FALLBACK);
	CHECK_EQ_U64(host_thp_events().fault_fallback, fb + 1);
	CHECK(entry_is_table(pmd_of(mm, BASE)));
	/* The next page of that 2 MiB: an ordinary 4 KiB fault. */
	CHECK_EQ_U64(fault(mm, BASE + PG, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_NEW_ANON);
	/* A write to the huge zero page with no 2 MiB frame: split, then 4 KiB CoW. */
	mm->flags = 0;
	CHECK_EQ_U64(fault(mm, BASE + HPG, 0, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_THP_ZERO);
	mm->flags |= 1ull << MMF_THP_FAIL_ALLOC;
	CHECK_EQ_U64(fault(mm, BASE + HPG + 3 * PG, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_THP_FALLBACK);
	CHECK_EQ_U64(pte_of(mm, BASE + HPG), 0);   /* the huge zero page was dropped, not split */
	CHECK(pte_of(mm, BASE + HPG + 3 * PG) & _PAGE_RW);
	CHECK_EQ_U64(mm->nr_deposited, 0);
	CHECK_EQ_U64(get_mm_rss(mm), 3);
	mm->flags = 0;
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

TEST(partial_munmap_mprotect_dontneed_split_and_keep_data)
{
	for (int i = 0; i < 2; i++) {
		uint64_t before;
		struct mm_struct *mm = thp_mm(i ? 5 : 4, &before);
		struct vm_fault vmf;
		CHECK(map_at(mm, BASE, 3 * HPG, RW, ANON | MAP_POPULATE));
		for (uint64_t h = 0; h < 3; h++)
			CHECK(pmd_trans_huge(__pmd(pmd_of(mm, BASE + h * HPG))));
		fill(mm, BASE, 3 * HPG);
		uint64_t splits = host_thp_events().split_pmd;
		/* munmap of 4 pages in the middle of the first THP. */
		CHECK_EQ_U64(do_munmap(mm, BASE + 100 * PG, 4 * PG), 0);
		CHECK_EQ_U64(host_thp_events().split_pmd, splits + 1);
		CHECK_EQ_U64(intact(mm, BASE, 100 * PG, 0), 100);
		CHECK_EQ_U64(intact(mm, BASE + 104 * PG, HPG - 104 * PG, 104 * PG), 408);
		CHECK(byte_at(mm, BASE + 101 * PG) == NULL);
		CHECK_EQ_U64(get_mm_rss(mm), 3 * HPAGE_PMD_NR - 4);
		/* mprotect read-only of the second THP's middle: split, rights per page. */
		CHECK_EQ_U64(do_mprotect(mm, BASE + HPG + 8 * PG, 8 * PG, PROT_READ), 0);
		CHECK(!(pte_of(mm, BASE + HPG + 9 * PG) & _PAGE_RW));
		CHECK(pte_of(mm, BASE + HPG + 7 * PG) & _PAGE_RW);
		CHECK_EQ_U64(intact(mm, BASE + HPG, HPG, HPG), HPAGE_PMD_NR);
		CHECK_EQ_U64(fault(mm, BASE + HPG + 9 * PG, 0, &vmf), 0);
		/* mprotect of a whole THP changes the leaf in place. */
		CHECK_EQ_U64(do_mprotect(mm, BASE + 2 * HPG, HPG, PROT_READ), 0);
		pmd_t pmd = __pmd(pmd_of(mm, BASE + 2 * HPG));
		CHECK(pmd_trans_huge(pmd) && !pmd_write(pmd));
		CHECK_EQ_U64(do_mprotect(mm, BASE + 2 * HPG, HPG, RW), 0);
		CHECK(pmd_write(__pmd(pmd_of(mm, BASE + 2 * HPG))));   /* mapped once: writable at once */
		/* MADV_DONTNEED of the third THP's middle: zeros there, data around. */
		CHECK_EQ_U64(do_madvise(mm, BASE + 2 * HPG + 16 * PG, 16 * PG, MADV_DONTNEED), 0);
		CHECK_EQ_U64(intact(mm, BASE + 2 * HPG, 16 * PG, 2 * HPG), 16);
		CHECK(byte_at(mm, BASE + 2 * HPG + 20 * PG) == NULL);
		CHECK_EQ_U64(intact(mm, BASE + 2 * HPG + 32 * PG, HPG - 32 * PG, 2 * HPG + 32 * PG), 480);
		CHECK_EQ_U64(mm->nr_deposited, 0);
		CHECK(tables_ok(mm));
		CHECK(sim_done(mm, before));
	}
}

TEST(whole_thp_unmap_and_mremap_keep_accounts)
{
	uint64_t before;
	struct mm_struct *mm = thp_mm(4, &before);
	CHECK(map_at(mm, BASE, 2 * HPG, RW, ANON | MAP_POPULATE));
	fill(mm, BASE, 2 * HPG);
	uint64_t splits = host_thp_events().split_pmd;
	CHECK_EQ_U64(do_munmap(mm, BASE + HPG, HPG), 0);   /* a whole leaf: no split */
	CHECK_EQ_U64(host_thp_events().split_pmd, splits);
	CHECK_EQ_U64(get_mm_rss(mm), HPAGE_PMD_NR);
	CHECK_EQ_U64(mm->nr_deposited, 1);
	CHECK(tables_ok(mm));
	/* mremap of the THP elsewhere: the data moves with it. */
	int64_t to = do_mremap(mm, BASE, HPG, HPG, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + 8 * HPG + 4 * PG);
	CHECK_EQ_U64(to, BASE + 8 * HPG + 4 * PG);
	CHECK_EQ_U64(intact(mm, BASE + 8 * HPG + 4 * PG, HPG, 0), HPAGE_PMD_NR);
	CHECK_EQ_U64(get_mm_rss(mm), HPAGE_PMD_NR);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

TEST(verifier_counts_thp_leaves_against_deposits)
{
	uint64_t before;
	struct mm_struct *mm = thp_mm(4, &before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, HPG, RW, ANON));
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	CHECK(tables_ok(mm));
	/* A lost deposit is caught. */
	uint64_t t = pgtable_trans_huge_withdraw(mm);
	struct pgtable_verify v;
	pgd_t *roots[1] = { mm->pgd };
	CHECK(verify_page_tables(roots, 1, &v) > 0);
	CHECK(strstr(v.first_problem, "deposited") != NULL);
	pgtable_trans_huge_deposit(mm, t);
	/* So is a THP's map count that is off. */
	struct page *head = pfn_to_page(pmd_pfn(__pmd(pmd_of(mm, BASE))));
	page_mapcount_inc(head);
	CHECK(verify_page_tables(roots, 1, &v) > 0 && v.mapcount_mismatch == 1);
	page_mapcount_dec(head);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

/* The verifier's verdict on the tables of mms a, b and c (if not NULL)
 * together: fork's parent and children, whose map counts add up. */
static int tables_ok3(struct mm_struct *a, struct mm_struct *b, struct mm_struct *c)
{
	struct pgtable_verify v;
	pgd_t *roots[3] = { a->pgd, b->pgd, c ? c->pgd : NULL };
	if (verify_page_tables(roots, c ? 3 : 2, &v)) {
		printf("  verifier: %s\n", v.first_problem);
		return 0;
	}
	return 1;
}

static int tables_ok2(struct mm_struct *a, struct mm_struct *b) { return tables_ok3(a, b, NULL); }

TEST(thp_fork_shares_the_leaf_and_a_write_splits_and_copies_4k)
{
	uint64_t before;
	struct mm_struct *mm = thp_mm(4, &before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, 3 * HPG, RW, ANON));
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	CHECK_EQ_U64(fault(mm, BASE + HPG, 1, &vmf), 0);
	CHECK_EQ_U64(fault(mm, BASE + 2 * HPG, 0, &vmf), 0);   /* the huge zero page */
	fill(mm, BASE, 2 * HPG);
	uint64_t tables = pgtable_pages_allocated - pgtable_pages_freed;
	struct mm_struct *child = dup_mm(mm);
	CHECK(child != NULL);
	/* One leaf each, write-protected in both; one deposit each; RSS both. */
	for (int i = 0; i < 2; i++) {
		pmd_t p = __pmd(pmd_of(mm, BASE + i * HPG)), c = __pmd(pmd_of(child, BASE + i * HPG));
		CHECK(pmd_trans_huge(p) && pmd_trans_huge(c) && !pmd_write(p) && !pmd_write(c) && pmd_pfn(p) == pmd_pfn(c));
		struct page *head = pfn_to_page(pmd_pfn(p));
		CHECK(head->order == HPAGE_PMD_ORDER && page_mapcount(head) == 2 && page_ref_count(head) == 2);
	}
	CHECK(is_huge_zero_pmd(__pmd(pmd_of(child, BASE + 2 * HPG))));
	CHECK_EQ_U64(child->nr_deposited, 2);
	CHECK_EQ_U64(child->rss_stat[MM_ANONPAGES], 2 * HPAGE_PMD_NR);
	/* The child's tables: its pgd, pud, pmd tables and the two deposits (no pte tables). */
	CHECK_EQ_U64(pgtable_pages_allocated - pgtable_pages_freed - tables, 5);
	CHECK(tables_ok2(mm, child));
	CHECK_EQ_U64(intact(child, BASE, 2 * HPG, BASE), 1024);
	/* The parent writes a page: its leaf splits, that page is copied. */
	CHECK_EQ_U64(fault(mm, BASE + 3 * PG, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_COPY);
	CHECK(!pmd_trans_huge(__pmd(pmd_of(mm, BASE))) && pmd_trans_huge(__pmd(pmd_of(child, BASE))));
	*byte_at(mm, BASE + 3 * PG) = 0xaa;
	CHECK(tables_ok2(mm, child));
	CHECK_EQ_U64(intact(child, BASE, 2 * HPG, BASE), 1024);
	/* The child's leaf maps split frames now; its write splits and copies too. */
	CHECK_EQ_U64(fault(child, BASE + 5 * PG, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_COPY);
	*byte_at(child, BASE + 5 * PG) = 0xbb;
	CHECK_EQ_U64(*byte_at(mm, BASE + 5 * PG), (uint8_t)((BASE + 5 * PG) >> 12));
	CHECK_EQ_U64(*byte_at(child, BASE + 3 * PG), (uint8_t)((BASE + 3 * PG) >> 12));
	/* Page 3: the parent copied it away, the child alone maps the frame: reuse. */
	CHECK_EQ_U64(fault(child, BASE + 3 * PG, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_REUSE);
	CHECK(tables_ok2(mm, child));
	/* The huge zero page: a write makes the child its own THP. */
	CHECK_EQ_U64(fault(child, BASE + 2 * HPG, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_THP_COW_ZERO);
	CHECK(is_huge_zero_pmd(__pmd(pmd_of(mm, BASE + 2 * HPG))));
	/* The child goes: the second THP is the parent's alone, reused whole. */
	mmput(child);
	CHECK_EQ_U64(fault(mm, BASE + HPG + 9 * PG, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_REUSE);
	CHECK(pmd_write(__pmd(pmd_of(mm, BASE + HPG))));
	CHECK_EQ_U64(fault(mm, BASE + 7 * PG, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_REUSE);
	CHECK_EQ_U64(intact(mm, BASE + HPG, HPG, BASE + HPG), 512);
	CHECK_EQ_U64(intact(mm, BASE, HPG, BASE), 511);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
	CHECK_EQ_U64(pgtable_deposited, 0);
}

TEST(thp_fork_split_frames_zap_mprotect_and_reuse_whole)
{
	uint64_t before;
	struct mm_struct *mm = thp_mm(5, &before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, HPG, RW, ANON));
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	fill(mm, BASE, HPG);
	struct mm_struct *child = dup_mm(mm);
	struct mm_struct *grandchild = dup_mm(child);
	CHECK(child && grandchild);
	CHECK_EQ_U64(page_mapcount(pfn_to_page(pmd_pfn(__pmd(pmd_of(mm, BASE))))), 3);
	/* The child splits (partial mprotect): split frames, mapped three times each. */
	CHECK_EQ_U64(do_mprotect(child, BASE + PG, PG, PROT_READ), 0);
	struct page *head = pfn_to_page(pmd_pfn(__pmd(pmd_of(mm, BASE))));
	CHECK(head->order == 0 && page_mapcount(head + 100) == 3 && page_ref_count(head + 100) == 3);
	CHECK(tables_ok3(mm, child, grandchild));
	/* The grandchild's leaf over split frames: mprotect of it whole, then gone. */
	CHECK_EQ_U64(do_mprotect(grandchild, BASE, HPG, PROT_READ), 0);
	CHECK(pmd_trans_huge(__pmd(pmd_of(grandchild, BASE))) && !pmd_write(__pmd(pmd_of(grandchild, BASE))));
	CHECK_EQ_U64(do_munmap(grandchild, BASE, HPG), 0);
	CHECK_EQ_U64(page_mapcount(head + 100), 2);
	CHECK_EQ_U64(grandchild->nr_deposited, 0);
	CHECK(tables_ok3(mm, child, grandchild));
	mmput(grandchild);
	/* The child goes too: the parent's leaf alone maps the split frames. */
	mmput(child);
	CHECK(tables_ok(mm));
	/* Alone with split frames: the write reuses all 2 MiB and makes them a THP again. */
	CHECK_EQ_U64(fault(mm, BASE + 11 * PG, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_REUSE);
	CHECK(head->order == HPAGE_PMD_ORDER && page_mapcount(head) == 1 && page_ref_count(head) == 1);
	CHECK(pmd_write(__pmd(pmd_of(mm, BASE))));
	CHECK_EQ_U64(intact(mm, BASE, HPG, BASE), 512);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

TEST(thp_fork_out_of_memory_gives_everything_back)
{
	uint64_t before;
	struct mm_struct *mm = thp_mm(4, &before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, 4 * HPG, RW, ANON));
	for (int i = 0; i < 4; i++)
		CHECK_EQ_U64(fault(mm, BASE + i * HPG, 1, &vmf), 0);
	fill(mm, BASE, 4 * HPG);
	drain_local_pages();
	uint64_t free_before = nr_free_pages();
	int failed = 0;
	for (uint64_t nth = 1; nth < 40; nth++) {
		fail_alloc_arm(nth);
		struct mm_struct *child = dup_mm(mm);
		bool hit = fail_alloc_disarm();
		if (child)
			mmput(child);
		else
			failed++;
		CHECK(hit || child);
		kmem_cache_shrink_all();
		drain_local_pages();
		CHECK_EQ_U64(nr_free_pages(), free_before);
		CHECK_EQ_U64(pgtable_deposited, 4);
		struct page *head = pfn_to_page(pmd_pfn(__pmd(pmd_of(mm, BASE + 3 * HPG))));
		CHECK(page_mapcount(head) == 1 && page_ref_count(head) == 1);
		if (!hit)
			break;
	}
	CHECK(failed > 4);
	CHECK_EQ_U64(intact(mm, BASE, 4 * HPG, BASE), 2048);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

/* The 2 MiB pool of two pages the hugetlb tests share (made once). */
static int hugetlb_pool(void)
{
	sim_ready(4);
	transparent_hugepage_mode = THP_NEVER;
	static bool pooled;
	if (!pooled) {
		if (hugetlb_init(2, 1, false) != 1)   /* no 1 GiB pages without pdpe1gb */
			return 0;
		pooled = true;
	}
	return hstates[HSTATE_2M].nr_huge_pages == 2;
}

TEST(hugetlb_fork_private_cow_and_shared_pages)
{
	CHECK(hugetlb_pool());
	struct hstate *h = &hstates[HSTATE_2M];
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, HPG, RW, ANON | MAP_HUGETLB));
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	*byte_at(mm, BASE + 5) = 0x11;
	struct mm_struct *child = dup_mm(mm);
	CHECK(child != NULL);
	struct vm_area_struct *cv = find_vma(child, BASE);
	CHECK(cv && (cv->vm_flags & VM_NORESERVE) && vm_hugetlb_committed[0] == HPG / PG);
	CHECK(!(pmd_of(mm, BASE) & _PAGE_RW) && pmd_of(mm, BASE) == pmd_of(child, BASE));
	CHECK_EQ_U64(page_mapcount(pfn_to_page(pmd_pfn(__pmd(pmd_of(mm, BASE))))), 2);
	CHECK(tables_ok2(mm, child));
	/* The last free page is reserved by another mapping: the child's CoW gets SIGBUS. */
	CHECK(map_at(mm, BASE + 2 * HPG, HPG, RW, ANON | MAP_HUGETLB));
	CHECK_EQ_U64(fault(child, BASE, 1, &vmf), VM_FAULT_SIGBUS);
	CHECK_EQ_U64(do_munmap(mm, BASE + 2 * HPG, HPG), 0);
	/* Now it copies; each side keeps its own data. */
	CHECK_EQ_U64(fault(child, BASE, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_COPY);
	CHECK_EQ_U64(h->free_huge_pages, 0);
	CHECK_EQ_U64(*byte_at(child, BASE + 5), 0x11);
	*byte_at(child, BASE + 5) = 0x22;
	CHECK_EQ_U64(*byte_at(mm, BASE + 5), 0x11);
	/* No page left beyond the parent's reservation: nothing more may be reserved. */
	CHECK_EQ_U64(do_mmap(mm, 0, HPG, RW, ANON | MAP_HUGETLB, -1, 0), -ENOMEM);
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_REUSE);
	CHECK(tables_ok2(mm, child));
	mmput(child);
	CHECK_EQ_U64(h->free_huge_pages, 1);
	CHECK_EQ_U64(do_munmap(mm, BASE, HPG), 0);
	CHECK_EQ_U64(h->free_huge_pages, 2);
	CHECK_EQ_U64(h->resv_consumed, 0);
	/* Shared: fork faults in the page the parent has not touched; both map both. */
	CHECK(map_at(mm, BASE, 2 * HPG, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB));
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	child = dup_mm(mm);
	CHECK(child != NULL);
	CHECK_EQ_U64(h->free_huge_pages, 0);
	CHECK(pmd_of(mm, BASE + HPG) && pmd_of(mm, BASE + HPG) == pmd_of(child, BASE + HPG) &&
	      (pmd_of(child, BASE + HPG) & _PAGE_RW));
	*byte_at(child, BASE + HPG + 3) = 0x33;
	CHECK_EQ_U64(*byte_at(mm, BASE + HPG + 3), 0x33);
	CHECK(tables_ok2(mm, child));
	/* The parent goes first: the pages stay the child's until it goes too. */
	CHECK_EQ_U64(do_munmap(mm, BASE, 2 * HPG), 0);
	CHECK_EQ_U64(h->free_huge_pages, 0);
	CHECK_EQ_U64(*byte_at(child, BASE + HPG + 3), 0x33);
	mmput(child);
	CHECK_EQ_U64(h->free_huge_pages, 2);
	CHECK(sim_done(mm, before));
	CHECK_EQ_U64(vm_hugetlb_committed[0], 0);
	CHECK_EQ_U64(h->resv_consumed, 0);
}

TEST(hugetlb_fork_owner_takes_its_page_back_when_the_pool_is_empty)
{
	CHECK(hugetlb_pool());
	struct hstate *h = &hstates[HSTATE_2M];
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, HPG, RW, ANON | MAP_HUGETLB));
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	*byte_at(mm, BASE + 9) = 0x44;
	struct mm_struct *child = dup_mm(mm);
	CHECK(child != NULL);
	CHECK(map_at(mm, BASE + 2 * HPG, HPG, RW, ANON | MAP_HUGETLB));   /* the last free page: reserved */
	/* The owner's CoW: no page, so the child loses its leaf and the owner reuses the page. */
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_REUSE);
	CHECK_EQ_U64(pmd_of(child, BASE), 0);
	CHECK(find_vma(child, BASE)->vm_flags & VM_HUGETLB_UNMAPPED);
	CHECK_EQ_U64(*byte_at(mm, BASE + 9), 0x44);
	CHECK(tables_ok2(mm, child));
	/* The child's next touch there is SIGBUS, read or write. */
	CHECK_EQ_U64(fault(child, BASE, 0, &vmf), VM_FAULT_SIGBUS);
	CHECK_EQ_U64(fault(child, BASE + PG, 1, &vmf), VM_FAULT_SIGBUS);
	CHECK_EQ_U64(h->free_huge_pages, 1);
	mmput(child);
	CHECK(sim_done(mm, before));
	CHECK_EQ_U64(h->free_huge_pages, 2);
	CHECK_EQ_U64(h->resv_consumed, 0);
	CHECK_EQ_U64(vm_hugetlb_committed[0], 0);
}

TEST(hugetlb_fork_out_of_memory_gives_everything_back)
{
	CHECK(hugetlb_pool());
	struct hstate *h = &hstates[HSTATE_2M];
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, HPG, RW, ANON | MAP_HUGETLB));
	CHECK(map_at(mm, BASE + 4 * HPG, HPG, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB));
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	*byte_at(mm, BASE + 1) = 0x55;
	drain_local_pages();
	int failed = 0;
	for (uint64_t nth = 1; nth < 40; nth++) {
		uint64_t free_before = nr_free_pages();
		fail_alloc_arm(nth);
		struct mm_struct *child = dup_mm(mm);
		bool hit = fail_alloc_disarm();
		if (child)
			mmput(child);
		else
			failed++;
		kmem_cache_shrink_all();
		drain_local_pages();
		CHECK_EQ_U64(nr_free_pages(), free_before);   /* the shared page faulted in is a pool page */
		CHECK_EQ_U64(page_mapcount(pfn_to_page(pmd_pfn(__pmd(pmd_of(mm, BASE))))), 1);
		CHECK_EQ_U64(vm_hugetlb_committed[0], 2 * HPG / PG);
		CHECK(tables_ok(mm));
		if (!hit)
			break;
	}
	CHECK(failed > 2);
	CHECK_EQ_U64(*byte_at(mm, BASE + 1), 0x55);
	CHECK(sim_done(mm, before));
	CHECK_EQ_U64(h->free_huge_pages, 2);
	CHECK_EQ_U64(h->resv_consumed, 0);
}

TEST(hugetlb_pool_reserve_fault_and_return)
{
	CHECK(hugetlb_pool());
	struct hstate *h = &hstates[HSTATE_2M];
	CHECK_EQ_U64(h->nr_huge_pages, 2);
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	struct vm_fault vmf;
	/* The size flag: 2 MiB and the default work, 1 GiB (no pdpe1gb) and 64 KiB are EINVAL. */
	CHECK_EQ_U64(do_mmap(mm, 0, PG, RW, ANON | MAP_HUGETLB | MAP_HUGE_1GB, -1, 0), -EINVAL);
	CHECK_EQ_U64(do_mmap(mm, 0, PG, RW, ANON | MAP_HUGETLB | (16u << MAP_HUGE_SHIFT), -1, 0), -EINVAL);
	CHECK_EQ_U64(do_mmap(mm, BASE + PG, HPG, RW, ANON | MAP_HUGETLB | MAP_FIXED, -1, 0), -EINVAL);
	/* One page (length rounded up), then two more than the pool holds: ENOMEM. */
	int64_t a = do_mmap(mm, 0, 100, RW, ANON | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
	CHECK(a > 0 && (a & (HPG - 1)) == 0);
	struct vm_area_struct *vma = find_vma(mm, (uint64_t)a);
	CHECK(vma && vma->vm_end - vma->vm_start == HPG && (vma->vm_flags & VM_HUGETLB));
	CHECK_EQ_U64(do_mmap(mm, 0, 2 * HPG, RW, ANON | MAP_HUGETLB, -1, 0), -ENOMEM);
	CHECK(map_at(mm, BASE, HPG, RW, ANON | MAP_HUGETLB));
	CHECK_EQ_U64(do_mmap(mm, 0, HPG, RW, ANON | MAP_HUGETLB, -1, 0), -ENOMEM);
	/* Faults: a read maps read-only (private), the write makes it writable in place. */
	CHECK_EQ_U64(fault(mm, BASE + 77, 0, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_HUGETLB_2M);
	CHECK(vmf.clear_cycles > 0);
	CHECK(!(pmd_of(mm, BASE) & _PAGE_RW));
	CHECK_EQ_U64(fault(mm, BASE + 77, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_REUSE);
	CHECK_EQ_U64(fault(mm, (uint64_t)a, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_HUGETLB_2M);
	CHECK(pmd_of(mm, (uint64_t)a) & _PAGE_RW);
	CHECK_EQ_U64(h->free_huge_pages, 0);
	CHECK_EQ_U64(get_mm_rss(mm), 0);
	CHECK(tables_ok(mm));
	/* Cutting a huge page: EINVAL; a whole one goes back to the pool. */
	CHECK_EQ_U64(do_munmap(mm, BASE, PG), -EINVAL);
	CHECK_EQ_U64(do_mprotect(mm, BASE, PG, PROT_READ), -EINVAL);
	CHECK_EQ_U64(do_madvise(mm, BASE + PG, PG, MADV_DONTNEED), -EINVAL);
	CHECK_EQ_U64(do_madvise(mm, BASE, HPG, MADV_FREE), -EINVAL);
	CHECK_EQ_U64(do_mprotect(mm, BASE, HPG, PROT_READ), 0);
	CHECK(!(pmd_of(mm, BASE) & _PAGE_RW) && pmd_trans_huge(__pmd(pmd_of(mm, BASE))));
	CHECK_EQ_U64(do_madvise(mm, BASE, HPG, MADV_DONTNEED), 0);
	CHECK_EQ_U64(h->free_huge_pages, 1);
	CHECK_EQ_U64(do_mmap(mm, 0, HPG, RW, ANON | MAP_HUGETLB, -1, 0), -ENOMEM);   /* still reserved */
	CHECK_EQ_U64(do_munmap(mm, BASE, HPG), 0);
	CHECK(do_mmap(mm, 0, HPG, RW, ANON | MAP_HUGETLB, -1, 0) > 0);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
	CHECK_EQ_U64(h->free_huge_pages, 2);
	CHECK_EQ_U64(vm_hugetlb_committed[0], 0);
}

UNIT_MAIN(
	UNIT(thp_write_maps_one_pmd_leaf),
	UNIT(thp_read_maps_the_huge_zero_page_and_a_write_replaces_it),
	UNIT(thp_only_where_allowed),
	UNIT(thp_events_counted_per_cpu),
	UNIT(thp_fallback_maps_4k_and_counts),
	UNIT(partial_munmap_mprotect_dontneed_split_and_keep_data),
	UNIT(whole_thp_unmap_and_mremap_keep_accounts),
	UNIT(verifier_counts_thp_leaves_against_deposits),
	UNIT(thp_fork_shares_the_leaf_and_a_write_splits_and_copies_4k),
	UNIT(thp_fork_split_frames_zap_mprotect_and_reuse_whole),
	UNIT(thp_fork_out_of_memory_gives_everything_back),
	UNIT(hugetlb_pool_reserve_fault_and_return),
	UNIT(hugetlb_fork_private_cow_and_shared_pages),
	UNIT(hugetlb_fork_owner_takes_its_page_back_when_the_pool_is_empty),
	UNIT(hugetlb_fork_out_of_memory_gives_everything_back)
)
