/*
 * Host tests of the TLB flush policy of paging/ (paging/mmu_gather.h,
 * paging/tlb.h): the INVLPG-versus-full-flush ceiling, one flush per
 * teardown over the entries actually cleared, and the order a shootdown
 * needs - no frame and no page-table page goes back to the allocator before
 * the flush that drops every translation of it. mm_sim.h's
 * flush_tlb_mm_range counts flushes as one CPU would do them; here it also
 * photographs the allocator at each flush.
 */
#include <stdbool.h>
#include <stdint.h>

/* Seen by mm_sim.h's flush_tlb_mm_range through this hook. */
static void (*at_flush)(uint64_t start, uint64_t end, bool freed_tables);
#define MM_SIM_FLUSH_HOOK(start, end, freed) do { if (at_flush) at_flush(start, end, freed); } while (0)

#include "tests/unit/mm_sim.h"

#define BASE 0x40000000ull
#define RW   (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define NOFD ((uint64_t)-1)

/* What the allocator looked like at the first flush after snap(). */
static uint64_t free_at_flush, tables_freed_at_flush, flushes_seen;
static bool freed_tables_at_flush;

static void photograph(uint64_t start, uint64_t end, bool freed_tables)
{
	(void)start, (void)end;
	if (flushes_seen++ == 0) {
		drain_local_pages();
		free_at_flush = nr_free_pages();
		tables_freed_at_flush = pgtable_pages_freed;
		freed_tables_at_flush = freed_tables;
	}
}

struct flush_counts { uint64_t range, page, full; };

static struct flush_counts counts_now(void)
{
	return (struct flush_counts){ tlb_range_flushes, tlb_page_flushes, tlb_full_flushes };
}

/* Flushes since c: shootdowns, INVLPGs, full flushes. */
static bool flushed(struct flush_counts c, uint64_t range, uint64_t page, uint64_t full)
{
	struct flush_counts n = counts_now();
	if (n.range - c.range == range && n.page - c.page == page && n.full - c.full == full)
		return true;
	printf("  flushes: %llu shootdowns, %llu INVLPG, %llu full; want %llu, %llu, %llu\n",
	       (unsigned long long)(n.range - c.range), (unsigned long long)(n.page - c.page),
	       (unsigned long long)(n.full - c.full), (unsigned long long)range, (unsigned long long)page,
	       (unsigned long long)full);
	return false;
}

TEST(the_ceiling_is_linuxs_33_pages)
{
	CHECK_EQ_U64(TLB_SINGLE_PAGE_FLUSH_CEILING, 33);
	CHECK(!tlb_flush_is_full(BASE, BASE + 33 * PG, PAGE_SHIFT));
	CHECK(tlb_flush_is_full(BASE, BASE + 34 * PG, PAGE_SHIFT));
	CHECK(!tlb_flush_is_full(BASE, BASE + 33 * PMD_SIZE, PMD_SHIFT));   /* counted in strides */
	CHECK(tlb_flush_is_full(BASE, BASE + 34 * PMD_SIZE, PMD_SHIFT));
	CHECK(tlb_flush_is_full(0, TLB_FLUSH_ALL, PAGE_SHIFT));
}

TEST(munmap_flushes_once_over_the_pages_mapped_then_frees)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	/* 100 pages mapped, 5 of them populated in the middle: one shootdown,
	 * 5 INVLPGs (the range is the entries cleared, not the VMA). */
	CHECK_EQ_U64(do_mmap(mm, BASE, 100 * PG, RW, ANON | MAP_FIXED, NOFD, 0), BASE);
	CHECK_EQ_U64(faultin_page_range(find_vma(mm, BASE), BASE + 40 * PG, BASE + 45 * PG, true), 0);
	drain_local_pages();
	uint64_t free_before = nr_free_pages(), tables_before = pgtable_pages_freed;
	struct flush_counts c = counts_now();
	flushes_seen = 0;
	at_flush = photograph;
	CHECK_EQ_U64(do_munmap(mm, BASE, 100 * PG), 0);
	at_flush = NULL;
	CHECK(flushed(c, 1, 5, 0));
	/* At the flush nothing had gone back yet; the tables went with it. */
	CHECK_EQ_U64(free_at_flush, free_before);
	CHECK_EQ_U64(tables_freed_at_flush, tables_before);
	CHECK(freed_tables_at_flush);
	CHECK(pgtable_pages_freed > tables_before);
	drain_local_pages();
	CHECK(nr_free_pages() >= free_before + 5);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

TEST(a_large_munmap_takes_one_full_flush_with_a_frame_of_slots)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(5, &before);
	/* 300 pages: past the stack's 128 the gather takes a frame for 512
	 * more, so one shootdown of more than 33 pages (full) for all of them;
	 * every page (and the frame) back afterwards. */
	CHECK_EQ_U64(do_mmap(mm, BASE, 300 * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0), BASE);
	drain_local_pages();
	uint64_t free_before = nr_free_pages();
	struct flush_counts c = counts_now();
	flushes_seen = 0;
	at_flush = photograph;
	CHECK_EQ_U64(do_munmap(mm, BASE, 300 * PG), 0);
	at_flush = NULL;
	CHECK(flushed(c, 1, 0, 1));
	CHECK_EQ_U64(free_at_flush, free_before - 1);   /* every page waited for it; the frame of slots taken */
	drain_local_pages();
	CHECK(nr_free_pages() >= free_before + 300);
	CHECK(sim_done(mm, before));
}

TEST(a_large_munmap_without_a_free_frame_flushes_per_batch)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(5, &before);
	/* The first frame for more slots cannot be had: the 128 gathered go
	 * with a shootdown; the next try gets one, so the other 172 go with a
	 * second: 2 shootdowns, each full. */
	CHECK_EQ_U64(do_mmap(mm, BASE, 300 * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0), BASE);
	drain_local_pages();
	uint64_t free_before = nr_free_pages();
	struct flush_counts c = counts_now();
	flushes_seen = 0;
	at_flush = photograph;
	fail_alloc_arm(1);
	CHECK_EQ_U64(do_munmap(mm, BASE, 300 * PG), 0);
	CHECK(fail_alloc_disarm());
	at_flush = NULL;
	CHECK(flushed(c, 2, 0, 2));
	CHECK_EQ_U64(free_at_flush, free_before);   /* the first batch's pages waited for it, no frame taken */
	drain_local_pages();
	CHECK(nr_free_pages() >= free_before + 300);
	CHECK(sim_done(mm, before));
}

TEST(a_small_munmap_flushes_page_by_page)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	CHECK_EQ_U64(do_mmap(mm, BASE, 33 * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0), BASE);
	CHECK_EQ_U64(do_mmap(mm, BASE + 64 * PG, 34 * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0), BASE + 64 * PG);
	struct flush_counts c = counts_now();
	CHECK_EQ_U64(do_munmap(mm, BASE, 33 * PG), 0);
	CHECK(flushed(c, 1, 33, 0));   /* at the ceiling: INVLPGs */
	c = counts_now();
	CHECK_EQ_U64(do_munmap(mm, BASE + 64 * PG, 34 * PG), 0);
	CHECK(flushed(c, 1, 0, 1));    /* above it: one full flush */
	CHECK(sim_done(mm, before));
}

TEST(mprotect_flushes_once_for_the_entries_it_changed)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	CHECK_EQ_U64(do_mmap(mm, BASE, 16 * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0), BASE);
	struct flush_counts c = counts_now();
	CHECK_EQ_U64(do_mprotect(mm, BASE, 16 * PG, PROT_READ), 0);
	CHECK(flushed(c, 1, 16, 0));   /* one shootdown, not 16 */
	c = counts_now();
	CHECK_EQ_U64(do_mprotect(mm, BASE, 16 * PG, PROT_READ), 0);
	CHECK(flushed(c, 0, 0, 0));    /* nothing changed, nothing to flush */
	CHECK(sim_done(mm, before));
}

TEST(fork_flushes_the_parent_once)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	CHECK_EQ_U64(do_mmap(mm, BASE, 8 * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0), BASE);
	user_byte(mm, BASE)[0] = 0x42;
	struct flush_counts c = counts_now();
	struct mm_struct *child = dup_mm(mm);
	CHECK(child != NULL);
	CHECK(flushed(c, 1, 0, 1));   /* its entries write-protected: the whole mm, on every CPU */
	/* The child's write breaks the CoW: one page's shootdown (one INVLPG here). */
	c = counts_now();
	struct vm_fault vmf;
	CHECK_EQ_U64(handle_mm_fault(find_vma(child, BASE), BASE, FAULT_FLAG_WRITE, &vmf), 0);
	CHECK_EQ_U64(vmf.done, VMF_DONE_COPY);
	CHECK(flushed(c, 1, 1, 0));
	CHECK_EQ_U64(user_byte(child, BASE)[0], 0x42);
	mmput(child);
	CHECK(sim_done(mm, before));
}

TEST(gather_batches_and_flushes_in_order)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	struct mmu_gather tlb;
	tlb_gather_mmu(&tlb, mm);
	struct flush_counts c = counts_now();
	tlb_finish_mmu(&tlb);
	CHECK(flushed(c, 0, 0, 0));   /* nothing cleared: no flush */
	CHECK_EQ_U64(tlb.flushes, 0);
	/* Two 4 KiB entries far apart and one 2 MiB: the stride is the smallest. */
	tlb_gather_mmu(&tlb, mm);
	tlb_remove_tlb_entry(&tlb, BASE + 4 * PG, PG_LEVEL_4K);
	tlb_remove_tlb_entry(&tlb, BASE, PG_LEVEL_4K);
	CHECK_EQ_U64(tlb.start, BASE);
	CHECK_EQ_U64(tlb.end, BASE + 5 * PG);
	c = counts_now();
	tlb_finish_mmu(&tlb);
	CHECK(flushed(c, 1, 5, 0));
	tlb_gather_mmu(&tlb, mm);
	tlb_remove_tlb_entry(&tlb, BASE, PG_LEVEL_2M);
	c = counts_now();
	tlb_finish_mmu(&tlb);
	CHECK(flushed(c, 1, 1, 0));   /* one 2 MiB stride: one INVLPG */
	/* A table alone: one page's flush (INVLPG drops the paging-structure caches). */
	uint64_t table = pgtable_alloc_page(NULL);
	tlb_gather_mmu(&tlb, mm);
	tlb_remove_table(&tlb, table);
	uint64_t freed = pgtable_pages_freed;
	c = counts_now();
	flushes_seen = 0;
	at_flush = photograph;
	tlb_finish_mmu(&tlb);
	at_flush = NULL;
	CHECK(flushed(c, 1, 1, 0));
	CHECK(freed_tables_at_flush);
	CHECK_EQ_U64(tables_freed_at_flush, freed);
	CHECK_EQ_U64(pgtable_pages_freed, freed + 1);
	CHECK(sim_done(mm, before));
}

UNIT_MAIN(
	UNIT(the_ceiling_is_linuxs_33_pages),
	UNIT(munmap_flushes_once_over_the_pages_mapped_then_frees),
	UNIT(a_large_munmap_takes_one_full_flush_with_a_frame_of_slots),
	UNIT(a_large_munmap_without_a_free_frame_flushes_per_batch),
	UNIT(a_small_munmap_flushes_page_by_page),
	UNIT(mprotect_flushes_once_for_the_entries_it_changed),
	UNIT(fork_flushes_the_parent_once),
	UNIT(gather_batches_and_flushes_in_order)
)
