/*
 * Host tests of swap (paging/swap.c, paging/zram.c, do_swap_page in
 * paging/memory.c) over the simulated memory of mm_sim.h: the x86 swap-pte
 * layout; pages swapped out by hand the way reclaim does it (add_to_swap,
 * try_to_unmap_swap_pte, swap_writepage, delete_from_swap_cache) and
 * faulted back - major, data intact, read-only after a read and writable
 * after a write, the slot freed; same-filled, compressible and
 * incompressible pages stored as such; fork sharing a slot (swap_duplicate,
 * the swap cache giving the second fault as a minor one, copy-on-write
 * after); munmap, exit, mprotect and mremap of swap ptes; corrupt entries
 * and corrupt compressed data answered with SIGBUS and named by the
 * verifier; a full device. Every test ends with every frame, slot and
 * swap-cache page given back.
 */
#include "tests/unit/mm_sim.h"

#define BASE   0x40000000ull
#define RW     (PROT_READ | PROT_WRITE)
#define ANON   (MAP_PRIVATE | MAP_ANONYMOUS)
#define SWAP_BYTES (4 * MiB)

static int map_at(struct mm_struct *mm, uint64_t va, uint64_t n, uint64_t prot, uint64_t flags)
{
	return do_mmap(mm, va, n * PG, prot, flags | MAP_FIXED, (uint64_t)-1, 0) == (int64_t)va;
}

static vm_fault_t fault(struct mm_struct *mm, uint64_t va, int write, struct vm_fault *vmf)
{
	struct vm_area_struct *vma = find_vma(mm, va);
	if (!vma || vma->vm_start > va)
		return VM_FAULT_SIGSEGV;
	return handle_mm_fault(vma, va, FAULT_FLAG_USER | (write ? FAULT_FLAG_WRITE : 0), vmf);
}

/* The simulation plus a swap device, once, before any test takes its frame count. */
static struct mm_struct *swap_mm(uint64_t *before)
{
	sim_ready(4);
	if (!swap_enabled() && swap_setup(SWAP_BYTES) != 0)
		printf("swap_setup failed\n");
	return sim_mm(4, before);
}

/* Nothing left in swap: no slot, no cached page, no pool frame. */
static int swap_empty(void)
{
	struct zram_stats z;
	zram_get_stats(&z);
	if (swap_slots_in_use() || swap_cache_pages() || z.pages_stored || z.pool_frames) {
		printf("  swap not empty: %llu slots, %llu cached, %llu stored, %llu pool frames\n",
		       (unsigned long long)swap_slots_in_use(), (unsigned long long)swap_cache_pages(),
		       (unsigned long long)z.pages_stored, (unsigned long long)z.pool_frames);
		return 0;
	}
	return 1;
}

/*
 * Swaps out the page at va of mm as reclaim does, for one mm: 0 if done
 * (the frame freed), else which step failed.
 */
static int swap_out(struct mm_struct *mm, uint64_t va)
{
	pte_t *ptep = walk_pte(mm->pgd, va, false, NULL);
	if (!ptep || !pte_present(ptep_get(ptep)))
		return 1;
	struct page *page = pfn_to_page(pte_pfn(ptep_get(ptep)));
	lru_add_drain();  /* as reclaim: the LRU batch's reference is not a user's */
	get_page(page);   /* the reclaimer's own reference (isolation) */
	if (!PageSwapCache(page) && add_to_swap(page))
		return put_page(page), 2;
	if (try_to_unmap_swap_pte(mm, va, ptep, page))
		return put_page(page), 3;
	if (swap_writepage(page))
		return put_page(page), 4;
	if (page_mapcount(page) == 0 && page_ref_count(page) == 2)
		delete_from_swap_cache(page);
	put_page(page);
	return 0;
}

/* Fills a page with a pattern of kind k: 0 random, 1 text, 2 one word, 3 zeros. */
static void fill_kind(uint8_t *p, int k, uint32_t seed)
{
	static const char text[] = "a page of swapped text, compressed by lz4 into zram; ";
	for (uint32_t i = 0; i < PAGE_SIZE; i++) {
		switch (k) {
		case 0: seed = seed * 1103515245u + 12345u; p[i] = (uint8_t)(seed >> 16); break;
		case 1: p[i] = (uint8_t)text[(i + seed) % (sizeof(text) - 1)]; break;
		case 2: p[i] = (uint8_t)((0x0123456789abcdefull + seed) >> (8 * (i % 8))); break;
		default: p[i] = 0; break;
		}
	}
}

TEST(swap_ptes_have_the_x86_layout)
{
	/* Offset 1, type 0: ~1 in bits 9..58 (bit 9 clear), type bits 59..63 clear. */
	pte_t p = swp_entry_to_pte(swp_entry(0, 1));
	CHECK_EQ_U64(pte_val(p), 0x07fffffffffffc00ull);
	CHECK(!pte_present(p) && !pte_none(p) && is_swap_pte(p));
	CHECK_EQ_U64(pte_val(p) & 0x1ff, 0);   /* P, PROTNONE and the flag bits clear */
	/* Type in the top five bits, offset inverted: round trips. */
	static const uint64_t offs[] = { 1, 2, 511, 4096, 0x123456, ((uint64_t)1 << 50) - 1 };
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
		for (uint64_t type = 0; type < 32; type += 31) {
			pte_t q = __pte(__swp_entry_val(type, offs[i]));
			CHECK_EQ_U64(__swp_offset_val(pte_val(q)), offs[i]);
			CHECK_EQ_U64(__swp_type_val(pte_val(q)), type);
			CHECK(!pte_present(q));
		}
	/* The exclusive marker (PWT, bit 3) is not part of the entry. */
	pte_t e = pte_swp_mkexclusive(swp_entry_to_pte(swp_entry(0, 77)));
	CHECK(pte_swp_exclusive(e));
	CHECK_EQ_U64(pte_val(e) & _PAGE_PWT, _PAGE_PWT);
	CHECK_EQ_U64(swp_offset(pte_to_swp_entry(e)), 77);
	CHECK(!pte_swp_exclusive(pte_swp_clear_exclusive(e)));
	/* L1TF: a small offset's "frame bits" point near the top of the physical space. */
	CHECK((pte_val(p) & PTE_PFN_MASK) >> PAGE_SHIFT > ((uint64_t)1 << 30));
}

TEST(swapped_out_pages_fault_back_intact_one_major_fault_each)
{
	uint64_t before;
	struct mm_struct *mm = swap_mm(&before);
	struct vm_fault vmf;
	enum { N = 8 };
	CHECK(map_at(mm, BASE, N, RW, ANON));
	uint8_t want[N][PAGE_SIZE];
	for (int i = 0; i < N; i++) {
		CHECK_EQ_U64(fault(mm, BASE + i * PG, 1, &vmf), 0);
		fill_kind(want[i], i % 4, (uint32_t)i);
		memcpy(user_byte(mm, BASE + i * PG), want[i], PAGE_SIZE);
	}
	struct zram_stats z0, z1;
	zram_get_stats(&z0);
	uint64_t pswpout0 = swap_stats.pswpout, pswpin0 = swap_stats.pswpin;
	for (int i = 0; i < N; i++)
		CHECK_EQ_U64(swap_out(mm, BASE + i * PG), 0);
	zram_get_stats(&z1);
	CHECK_EQ_U64(swap_stats.pswpout - pswpout0, N);
	CHECK_EQ_U64(z1.same_writes - z0.same_writes, 4);   /* kinds 2 and 3: one word, zeros */
	CHECK_EQ_U64(z1.huge_writes - z0.huge_writes, 2);   /* kind 0: random, stored raw */
	CHECK_EQ_U64(z1.pages_stored, N);
	CHECK(z1.compr_data_size > 2 * PAGE_SIZE && z1.compr_data_size < 3 * PAGE_SIZE);   /* 2 raw + 2 small */
	CHECK(zram_ratio_x100() > 100);
	CHECK_EQ_U64(mm->rss_stat[MM_ANONPAGES], 0);
	CHECK_EQ_U64(mm->rss_stat[MM_SWAPENTS], N);
	CHECK_EQ_U64(swap_slots_in_use(), N);
	CHECK_EQ_U64(swap_cache_pages(), 0);
	for (int i = 0; i < N; i++) {
		uint64_t e = pte_of(mm, BASE + i * PG);
		CHECK(is_swap_pte(__pte(e)) && pte_swp_exclusive(__pte(e)));
	}
	CHECK(tables_ok(mm));
	/* Read faults for the even pages, write faults for the odd ones. */
	for (int i = 0; i < N; i++) {
		int write = i % 2;
		CHECK_EQ_U64(fault(mm, BASE + i * PG, write, &vmf), VM_FAULT_MAJOR);
		CHECK_EQ_U64(vmf.done, (i % 4 >= 2) ? VMF_DONE_SWAP_IN_SAME : VMF_DONE_SWAP_IN);
		uint64_t e = pte_of(mm, BASE + i * PG);
		CHECK((e & _PAGE_PRESENT) && !!(e & _PAGE_RW) == write);
		CHECK(memcmp(user_byte(mm, BASE + i * PG), want[i], PAGE_SIZE) == 0);
	}
	CHECK_EQ_U64(swap_stats.pswpin - pswpin0, N);
	CHECK_EQ_U64(swap_slots_in_use(), 0);   /* each slot freed as its one pte came back */
	CHECK_EQ_U64(mm->rss_stat[MM_ANONPAGES], N);
	CHECK_EQ_U64(mm->rss_stat[MM_SWAPENTS], 0);
	/* A write to a page read back: we alone map it, reused in place (minor). */
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_REUSE);
	CHECK(tables_ok(mm));
	CHECK(swap_empty());
	CHECK(sim_done(mm, before));
}

TEST(fork_shares_the_slot_and_the_swap_cache_serves_the_second_fault)
{
	uint64_t before;
	struct mm_struct *mm = swap_mm(&before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, 3, RW, ANON));
	for (int i = 0; i < 2; i++) {
		CHECK_EQ_U64(fault(mm, BASE + i * PG, 1, &vmf), 0);
		fill_kind(user_byte(mm, BASE + i * PG), 1, (uint32_t)i);
	}
	/* A read: the zero page (present and special) beside the swap entries,
	 * which fork copies as it is. */
	CHECK_EQ_U64(fault(mm, BASE + 2 * PG, 0, &vmf), 0);
	uint8_t want[PAGE_SIZE];
	memcpy(want, user_byte(mm, BASE), PAGE_SIZE);
	CHECK_EQ_U64(swap_out(mm, BASE), 0);
	CHECK_EQ_U64(swap_out(mm, BASE + PG), 0);
	struct mm_struct *child = dup_mm(mm);
	CHECK(child != NULL);
	if (!child)
		return;
	CHECK(pte_of(child, BASE + 2 * PG) != 0);
	CHECK_EQ_U64(pte_of(child, BASE + 2 * PG), pte_of(mm, BASE + 2 * PG));
	swp_entry_t entry = pte_to_swp_entry(__pte(pte_of(mm, BASE)));
	CHECK_EQ_U64(swap_count(entry), 2);
	CHECK(!pte_swp_exclusive(__pte(pte_of(mm, BASE))));    /* copy_nonpresent_pte cleared it */
	CHECK(!pte_swp_exclusive(__pte(pte_of(child, BASE))));
	CHECK_EQ_U64(child->rss_stat[MM_SWAPENTS], 2);
	{
		struct pgtable_verify v;
		pgd_t *roots[2] = { mm->pgd, child->pgd };
		CHECK_EQ_U64(verify_page_tables(roots, 2, &v), 0);
		CHECK_EQ_U64(v.swap_ptes, 4);
	}
	/* The child reads first: major, and the page stays cached for the parent. */
	CHECK_EQ_U64(fault(child, BASE, 0, &vmf), VM_FAULT_MAJOR);
	CHECK_EQ_U64(swap_cache_pages(), 1);
	CHECK_EQ_U64(swap_count(entry), 1);
	/* The parent finds it in the swap cache: a minor fault, the same frame. */
	uint64_t hits = swap_stats.swapcache_hits;
	CHECK_EQ_U64(fault(mm, BASE, 0, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_SWAP_CACHE);
	CHECK_EQ_U64(swap_stats.swapcache_hits - hits, 1);
	CHECK_EQ_U64(pte_pfn(__pte(pte_of(mm, BASE))), pte_pfn(__pte(pte_of(child, BASE))));
	CHECK(!(pte_of(mm, BASE) & _PAGE_RW) && !(pte_of(child, BASE) & _PAGE_RW));
	/* The parent writes: the page is mapped twice, so it copies; the child keeps its data. */
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_COPY);
	uint8_t flipped = (uint8_t)(want[0] ^ 0xffu);
	user_byte(mm, BASE)[0] = flipped;
	CHECK(memcmp(user_byte(child, BASE), want, PAGE_SIZE) == 0);
	CHECK_EQ_U64(user_byte(mm, BASE)[0], flipped);
	/* The child writes its page, now mapped once: out of the swap cache, reused. */
	CHECK_EQ_U64(fault(child, BASE, 1, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_REUSE);
	CHECK_EQ_U64(swap_cache_pages(), 0);
	/* The second page: the parent writes first (page not exclusive: a copy
	 * of the cached page after the swap-in); then the child exits. */
	CHECK_EQ_U64(fault(mm, BASE + PG, 1, &vmf) & VM_FAULT_MAJOR, VM_FAULT_MAJOR);
	CHECK(pte_of(mm, BASE + PG) & _PAGE_RW);
	CHECK_EQ_U64(swap_slots_in_use(), 1);   /* the child's pte still holds the slot */
	mmput(child);
	CHECK(tables_ok(mm));
	CHECK(swap_empty());
	CHECK(sim_done(mm, before));
}

TEST(munmap_exit_and_dontneed_free_the_slots)
{
	uint64_t before;
	struct mm_struct *mm = swap_mm(&before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, 6, RW, ANON));
	for (int i = 0; i < 6; i++) {
		CHECK_EQ_U64(fault(mm, BASE + i * PG, 1, &vmf), 0);
		fill_kind(user_byte(mm, BASE + i * PG), 1, (uint32_t)i);
		CHECK_EQ_U64(swap_out(mm, BASE + i * PG), 0);
	}
	CHECK_EQ_U64(swap_slots_in_use(), 6);
	CHECK_EQ_U64(do_munmap(mm, BASE, 2 * PG), 0);
	CHECK_EQ_U64(swap_slots_in_use(), 4);
	CHECK_EQ_U64(do_madvise(mm, BASE + 2 * PG, 2 * PG, MADV_DONTNEED), 0);
	CHECK_EQ_U64(swap_slots_in_use(), 2);
	CHECK_EQ_U64(mm->rss_stat[MM_SWAPENTS], 2);
	/* A page left in the swap cache by a partial swap-out goes with its last pte. */
	CHECK_EQ_U64(fault(mm, BASE + 4 * PG, 1, &vmf), VM_FAULT_MAJOR);
	struct page *page = pfn_to_page(pte_pfn(__pte(pte_of(mm, BASE + 4 * PG))));
	CHECK_EQ_U64(add_to_swap(page), 0);
	CHECK_EQ_U64(swap_cache_pages(), 1);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));   /* exit: the remaining slot and the cached page go */
	CHECK(swap_empty());
}

TEST(mprotect_keeps_and_mremap_moves_swap_entries)
{
	uint64_t before;
	struct mm_struct *mm = swap_mm(&before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, 2, RW, ANON));
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	fill_kind(user_byte(mm, BASE), 1, 5);
	uint8_t want[PAGE_SIZE];
	memcpy(want, user_byte(mm, BASE), PAGE_SIZE);
	CHECK_EQ_U64(swap_out(mm, BASE), 0);
	uint64_t e = pte_of(mm, BASE);
	CHECK_EQ_U64(do_mprotect(mm, BASE, 2 * PG, PROT_READ), 0);
	CHECK_EQ_U64(pte_of(mm, BASE), e);
	CHECK_EQ_U64(do_mprotect(mm, BASE, 2 * PG, RW), 0);
	uint64_t to = BASE + 64 * MiB;
	CHECK_EQ_U64(do_mremap(mm, BASE, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, to), (int64_t)to);
	CHECK_EQ_U64(pte_of(mm, to), e);
	CHECK_EQ_U64(pte_of(mm, BASE), 0);
	CHECK(tables_ok(mm));
	CHECK_EQ_U64(fault(mm, to, 0, &vmf), VM_FAULT_MAJOR);
	CHECK(memcmp(user_byte(mm, to), want, PAGE_SIZE) == 0);
	CHECK(swap_empty());
	CHECK(sim_done(mm, before));
}

TEST(corrupt_entries_and_data_are_sigbus_and_named)
{
	uint64_t before;
	struct mm_struct *mm = swap_mm(&before);
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, 2, RW, ANON));
	pte_t *pte = walk_pte(mm->pgd, BASE, true, NULL);
	/* A slot not in use, a slot past the device, another type. */
	static const uint64_t bad[][2] = { { 0, 5 }, { 0, SWAP_BYTES / PG + 9 }, { 3, 1 }, { 0, 0 } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t bad_before = swap_stats.bad_entries;
		set_pte(pte, __pte(__swp_entry_val(bad[i][0], bad[i][1])));
		vmf.why = NULL;
		CHECK_EQ_U64(fault(mm, BASE, 0, &vmf), VM_FAULT_SIGBUS);
		CHECK(vmf.why != NULL && strstr(vmf.why, "swap") != NULL);
		CHECK_EQ_U64(swap_stats.bad_entries - bad_before, 1);
		struct pgtable_verify v;
		pgd_t *roots[1] = { mm->pgd };
		CHECK(verify_page_tables(roots, 1, &v) > 0 && v.bad_swap_ptes == 1);
	}
	set_pte(pte, __pte(0));
	/* Corrupt compressed data: refused by the decompressor, SIGBUS, the pte kept. */
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	fill_kind(user_byte(mm, BASE), 1, 9);
	CHECK_EQ_U64(swap_out(mm, BASE), 0);
	uint64_t slot = swp_offset(pte_to_swp_entry(ptep_get(pte)));
	CHECK_EQ_U64(zram_table[slot].state, ZS_COMP);
	memset(__va(zram_table[slot].value), 0xff, zram_table[slot].size);   /* endless lengths */
	uint64_t failed = 0;
	struct zram_stats z;
	zram_get_stats(&z);
	failed = z.failed_reads;
	CHECK_EQ_U64(fault(mm, BASE, 0, &vmf), VM_FAULT_SIGBUS);
	zram_get_stats(&z);
	CHECK_EQ_U64(z.failed_reads - failed, 1);
	CHECK(is_swap_pte(ptep_get(pte)));
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));   /* the corrupt slot still goes with the pte */
	CHECK(swap_empty());
}

TEST(a_full_device_refuses_and_an_empty_one_holds_no_frames)
{
	uint64_t before;
	struct mm_struct *mm = swap_mm(&before);
	uint64_t n = swap_total_slots() - 1, got = 0;
	swp_entry_t *e = malloc(n * sizeof(*e));
	for (;;) {
		swp_entry_t x = get_swap_page();
		if (!x.val)
			break;
		e[got++] = x;
	}
	CHECK_EQ_U64(got, n);   /* every slot but 0 */
	struct vm_fault vmf;
	CHECK(map_at(mm, BASE, 1, RW, ANON));
	CHECK_EQ_U64(fault(mm, BASE, 1, &vmf), 0);
	CHECK_EQ_U64(add_to_swap(pfn_to_page(pte_pfn(__pte(pte_of(mm, BASE))))), (uint64_t)(int64_t)-ENOSPC);
	for (uint64_t i = 0; i < got; i++)
		put_swap_page(e[i]);
	free(e);
	CHECK(swap_empty());
	/* Many pages of every size class in and out: the pool returns every frame. */
	uint8_t pg[PAGE_SIZE] __attribute__((aligned(8)));
	struct page *page = alloc_page();
	for (uint32_t s = 1; s < 600; s++) {
		for (uint32_t i = 0; i < PAGE_SIZE; i++)   /* about s*6 bytes of noise in text */
			pg[i] = (i % 683) < (s % 100) * 6 ? (uint8_t)(i * 2654435761u >> 13) : (uint8_t)"zram"[i % 4];
		memcpy(page_address(page), pg, PAGE_SIZE);
		CHECK_EQ_U64(zram_write(s, page), 0);
	}
	for (uint32_t s = 1; s < 600; s += 2) {
		uint64_t cycles = 0;
		CHECK(zram_read(s, page, &cycles) >= 0);
		zram_free(s);
	}
	for (uint32_t s = 2; s < 600; s += 2)
		zram_free(s);
	__free_page(page);
	CHECK(swap_empty());
	CHECK(sim_done(mm, before));
}

UNIT_MAIN(UNIT(swap_ptes_have_the_x86_layout), UNIT(swapped_out_pages_fault_back_intact_one_major_fault_each),
	  UNIT(fork_shares_the_slot_and_the_swap_cache_serves_the_second_fault),
	  UNIT(munmap_exit_and_dontneed_free_the_slots), UNIT(mprotect_keeps_and_mremap_moves_swap_entries),
	  UNIT(corrupt_entries_and_data_are_sigbus_and_named),
	  UNIT(a_full_device_refuses_and_an_empty_one_holds_no_frames))
