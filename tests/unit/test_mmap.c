/*
 * Host tests of the memory calls of paging/ (paging/mm.h: do_mmap,
 * do_munmap, do_mprotect, do_mremap, do_brk, do_madvise) on an mm from
 * mm_alloc, in simulated memory (tests/unit/mm_sim.h): their results and
 * errnos, the VMAs they leave, the page-table entries (present, writable,
 * which frame), user data kept across a move, all-or-nothing under an
 * allocation that fails, the verifier's verdict, and every frame back after
 * mmput. The argument checks' full matrix is the ring-3 differential test's
 * (user/tests); here a few cases each show the do_* work on their own.
 */
#include "tests/unit/mm_sim.h"

#define BASE   0x40000000ull
#define RW     (PROT_READ | PROT_WRITE)
#define ANON   (MAP_PRIVATE | MAP_ANONYMOUS)
#define NOFD   ((uint64_t)-1)
#define MAYS   (VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define F_RW   (VM_READ | VM_WRITE | MAYS)
#define F_R    (VM_READ | MAYS)

/* Returns 1 if mm's VMAs are exactly want[i] = {start, end, flags}, in order. */
static int layout_is(struct mm_struct *mm, uint32_t n, const uint64_t (*want)[3])
{
	struct vm_area_struct *vma;
	uint32_t i = 0;
	for_each_vma(mm, vma) {
		if (i >= n || vma->vm_start != want[i][0] || vma->vm_end != want[i][1] || vma->vm_flags != want[i][2]) {
			printf("  VMA %u: [%llx, %llx) flags %llx\n", i, (unsigned long long)vma->vm_start,
			       (unsigned long long)vma->vm_end, (unsigned long long)vma->vm_flags);
			return 0;
		}
		i++;
	}
	if (i != n)
		printf("  %u VMAs, want %u\n", i, n);
	return i == n;
}

/* Writes a pattern naming each page into n populated pages at va. */
static void fill(struct mm_struct *mm, uint64_t va, uint64_t n, uint8_t seed)
{
	for (uint64_t p = 0; p < n; p++)
		memset(user_byte(mm, va + p * PG), (int)(seed + p), PG);
}

/* 1 if the n pages at va hold fill(seed)'s pattern. */
static int holds(struct mm_struct *mm, uint64_t va, uint64_t n, uint8_t seed)
{
	for (uint64_t p = 0; p < n; p++) {
		uint8_t *b = user_byte(mm, va + p * PG);
		if (!b || b[0] != (uint8_t)(seed + p) || b[PG - 1] != (uint8_t)(seed + p)) {
			printf("  page %llu at 0x%llx: %s\n", (unsigned long long)p,
			       (unsigned long long)(va + p * PG), b ? "wrong data" : "not mapped");
			return 0;
		}
	}
	return 1;
}

TEST(mmap_places_validates_and_populates)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	int64_t a = do_mmap(mm, 0, 3 * PG, RW, ANON, NOFD, 0);
	CHECK(a > 0 && (a & (PG - 1)) == 0 && (uint64_t)a + 3 * PG <= DEFAULT_MAP_WINDOW);
	struct vm_area_struct *vma = find_vma(mm, (uint64_t)a);
	CHECK(vma && vma->vm_start == (uint64_t)a && vma->vm_end == (uint64_t)a + 3 * PG && vma->vm_flags == F_RW);
	CHECK_EQ_U64(pte_of(mm, (uint64_t)a), 0);   /* demand-paged */
	/* Errors, Linux's. */
	CHECK_EQ_U64(do_mmap(mm, 0, 0, RW, ANON, NOFD, 0), -EINVAL);
	CHECK_EQ_U64(do_mmap(mm, 0, PG, RW, MAP_PRIVATE, 3, 0), -EBADF);
	CHECK_EQ_U64(do_mmap(mm, 0, PG, 0x10, ANON, NOFD, 0), -EINVAL);
	CHECK_EQ_U64(do_mmap(mm, BASE + 1, PG, RW, ANON | MAP_FIXED, NOFD, 0), -EINVAL);
	CHECK_EQ_U64(do_mmap(mm, 0x1000, PG, RW, ANON | MAP_FIXED, NOFD, 0), -EPERM);
	CHECK_EQ_U64(do_mmap(mm, (uint64_t)a, PG, RW, ANON | MAP_FIXED_NOREPLACE, NOFD, 0), -EEXIST);
	CHECK_EQ_U64(do_mmap(mm, 0, ~0ull - PG, RW, ANON, NOFD, 0), -ENOMEM);
	/* MAP_POPULATE: every page present and writable. */
	CHECK_EQ_U64(do_mmap(mm, BASE, 4 * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0), BASE);
	for (uint64_t p = 0; p < 4; p++)
		CHECK(pte_write(__pte(pte_of(mm, BASE + p * PG))));
	CHECK_EQ_U64(mm->rss_stat[MM_ANONPAGES], 4);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

TEST(mmap_fixed_replaces_what_was_there)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(5, &before);
	CHECK_EQ_U64(do_mmap(mm, BASE, 8 * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0), BASE);
	fill(mm, BASE, 8, 0x10);
	CHECK_EQ_U64(do_mmap(mm, BASE + 2 * PG, 3 * PG, PROT_READ, ANON | MAP_FIXED, NOFD, 0), BASE + 2 * PG);
	const uint64_t want[][3] = {
		{ BASE, BASE + 2 * PG, F_RW }, { BASE + 2 * PG, BASE + 5 * PG, F_R }, { BASE + 5 * PG, BASE + 8 * PG, F_RW },
	};
	CHECK(layout_is(mm, 3, want));
	for (uint64_t p = 2; p < 5; p++)
		CHECK_EQ_U64(pte_of(mm, BASE + p * PG), 0);   /* the old pages are gone */
	CHECK(holds(mm, BASE, 2, 0x10));
	CHECK(holds(mm, BASE + 5 * PG, 3, 0x15));
	CHECK_EQ_U64(mm->rss_stat[MM_ANONPAGES], 5);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

TEST(mmap_write_downgrade_turns_the_writer_into_a_reader)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	mmap_write_lock(mm);
	CHECK(!read_trylock(&mm->mmap_lock));
	mmap_write_downgrade(mm);
	CHECK(!mmap_write_locked(mm));
	CHECK(rwlock_is_locked(&mm->mmap_lock));
	CHECK(!write_trylock(&mm->mmap_lock));   /* a reader holds it */
	CHECK(read_trylock(&mm->mmap_lock));     /* other readers get in */
	read_unlock(&mm->mmap_lock);
	/* A writer waiting keeps its bit: new readers stay out until it has been. */
	__atomic_fetch_or(&mm->mmap_lock.cnts, _QW_WAITING, __ATOMIC_RELAXED);
	CHECK(!read_trylock(&mm->mmap_lock));
	__atomic_fetch_and(&mm->mmap_lock.cnts, ~_QW_WAITING, __ATOMIC_RELAXED);
	mmap_read_unlock(mm);
	CHECK(!rwlock_is_locked(&mm->mmap_lock));
	CHECK(write_trylock(&mm->mmap_lock));
	write_unlock(&mm->mmap_lock);
	CHECK(sim_done(mm, before));
}

/* munmap of [addr, addr + len) in mm: do_munmap, or (unlocked) the
 * several-CPU form, entered with the write hold, which must be gone after. */
static int64_t munmap_as(struct mm_struct *mm, uint64_t addr, uint64_t len, bool unlocked)
{
	if (!unlocked)
		return do_munmap(mm, addr, len);
	mmap_write_lock(mm);
	int64_t r = do_munmap_unlock(mm, addr, len);
	CHECK(!rwlock_is_locked(&mm->mmap_lock));
	return r;
}

/* Cuts two pages out of eight, then unmaps the rest, through either form of
 * munmap: the VMAs cut, the pages and their tables gone, the lock dropped. */
static void munmap_cut_then_all(bool unlocked)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	CHECK_EQ_U64(do_mmap(mm, BASE, 8 * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0), BASE);
	fill(mm, BASE, 8, 0x20);
	CHECK_EQ_U64(munmap_as(mm, BASE + 3 * PG, 2 * PG, unlocked), 0);
	const uint64_t want[][3] = { { BASE, BASE + 3 * PG, F_RW }, { BASE + 5 * PG, BASE + 8 * PG, F_RW } };
	CHECK(layout_is(mm, 2, want));
	CHECK_EQ_U64(pte_of(mm, BASE + 3 * PG), 0);
	CHECK_EQ_U64(pte_of(mm, BASE + 4 * PG), 0);
	CHECK(holds(mm, BASE, 3, 0x20));
	CHECK(holds(mm, BASE + 5 * PG, 3, 0x25));
	CHECK_EQ_U64(mm->rss_stat[MM_ANONPAGES], 6);
	CHECK_EQ_U64(munmap_as(mm, BASE + 1, PG, unlocked), -EINVAL);
	CHECK_EQ_U64(munmap_as(mm, BASE, 0, unlocked), -EINVAL);
	CHECK_EQ_U64(munmap_as(mm, BASE + 64 * PG, PG, unlocked), 0);   /* nothing mapped there */
	/* The rest, both pieces in one call: their pages, then the page-table
	 * pages under them. */
	uint64_t freed = pgtable_pages_freed;
	CHECK_EQ_U64(munmap_as(mm, BASE, 8 * PG, unlocked), 0);
	CHECK(pgtable_pages_freed > freed);
	CHECK_EQ_U64(walk_pte(mm->pgd, BASE, false, NULL) == NULL, 1);
	CHECK(layout_is(mm, 0, want));
	CHECK_EQ_U64(mm->rss_stat[MM_ANONPAGES], 0);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

TEST(munmap_unlock_tears_down_as_munmap_and_drops_the_lock)
{
	munmap_cut_then_all(true);
}

TEST(munmap_unlock_across_more_vmas_than_it_defers)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	/* 12 one-page VMAs with gaps between them: the first 8 pieces wait
	 * for the downgrade, the rest go at once. */
	for (uint64_t i = 0; i < 12; i++)
		CHECK_EQ_U64(do_mmap(mm, BASE + 2 * i * PG, PG, RW, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0),
			     BASE + 2 * i * PG);
	CHECK_EQ_U64(mm->map_count, 12);
	CHECK_EQ_U64(mm->rss_stat[MM_ANONPAGES], 12);
	uint64_t freed = pgtable_pages_freed;
	mmap_write_lock(mm);
	CHECK_EQ_U64(do_munmap_unlock(mm, BASE, 24 * PG), 0);
	CHECK(!rwlock_is_locked(&mm->mmap_lock));
	CHECK_EQ_U64(mm->map_count, 0);
	CHECK_EQ_U64(mm->rss_stat[MM_ANONPAGES], 0);
	CHECK(pgtable_pages_freed > freed);
	for (uint64_t i = 0; i < 12; i++)
		CHECK_EQ_U64(pte_of(mm, BASE + 2 * i * PG), 0);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

TEST(munmap_cuts_vmas_and_drops_pages_and_tables)
{
	munmap_cut_then_all(false);
}

TEST(mprotect_changes_vmas_and_entries)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(5, &before);
	CHECK_EQ_U64(do_mmap(mm, BASE, 6 * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0), BASE);
	CHECK_EQ_U64(do_mprotect(mm, BASE + 2 * PG, 2 * PG, PROT_READ), 0);
	const uint64_t want[][3] = {
		{ BASE, BASE + 2 * PG, F_RW }, { BASE + 2 * PG, BASE + 4 * PG, F_R }, { BASE + 4 * PG, BASE + 6 * PG, F_RW },
	};
	CHECK(layout_is(mm, 3, want));
	CHECK(!pte_write(__pte(pte_of(mm, BASE + 2 * PG))));
	CHECK(pte_present(__pte(pte_of(mm, BASE + 3 * PG))));
	CHECK(pte_write(__pte(pte_of(mm, BASE + 4 * PG))));
	/* Back to RW: the sole owner's pages are writable at once, the VMAs merge. */
	CHECK_EQ_U64(do_mprotect(mm, BASE + 2 * PG, 2 * PG, RW), 0);
	const uint64_t one[][3] = { { BASE, BASE + 6 * PG, F_RW } };
	CHECK(layout_is(mm, 1, one));
	CHECK(pte_write(__pte(pte_of(mm, BASE + 3 * PG))));
	/* PROT_NONE: the entry keeps its frame but the CPU no longer lets ring 3 in. */
	uint64_t pfn = pte_pfn(__pte(pte_of(mm, BASE)));
	CHECK_EQ_U64(do_mprotect(mm, BASE, PG, 0), 0);
	uint64_t e = pte_of(mm, BASE);
	CHECK(!(e & _PAGE_PRESENT) || !(e & _PAGE_USER));
	CHECK_EQ_U64(pte_pfn(__pte(e)), pfn);
	CHECK_EQ_U64(do_mprotect(mm, BASE, PG, 0x10), -EINVAL);
	CHECK_EQ_U64(do_mprotect(mm, BASE + 1, PG, PROT_READ), -EINVAL);
	CHECK_EQ_U64(do_mprotect(mm, BASE + 64 * PG, PG, PROT_READ), -ENOMEM);
	CHECK_EQ_U64(do_mprotect(mm, BASE, 0, PROT_READ), 0);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

TEST(mremap_grows_shrinks_and_moves_with_the_data)
{
	for (int levels = 4; levels <= 5; levels++) {
		uint64_t before;
		struct mm_struct *mm = sim_mm(levels, &before);
		CHECK_EQ_U64(do_mmap(mm, BASE, 4 * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0), BASE);
		fill(mm, BASE, 4, 0x40);
		/* Grow in place (the pages above are free). */
		CHECK_EQ_U64(do_mremap(mm, BASE, 4 * PG, 6 * PG, 0, 0), BASE);
		const uint64_t grown[][3] = { { BASE, BASE + 6 * PG, F_RW } };
		CHECK(layout_is(mm, 1, grown));
		CHECK(holds(mm, BASE, 4, 0x40));
		/* Shrink: the tail's pages go. */
		CHECK_EQ_U64(do_mremap(mm, BASE, 6 * PG, 3 * PG, 0, 0), BASE);
		CHECK_EQ_U64(pte_of(mm, BASE + 3 * PG), 0);
		/* Blocked above: without MREMAP_MAYMOVE -ENOMEM, with it a move. */
		CHECK_EQ_U64(do_mmap(mm, BASE + 3 * PG, PG, PROT_READ, ANON | MAP_FIXED, NOFD, 0), BASE + 3 * PG);
		CHECK_EQ_U64(do_mremap(mm, BASE, 3 * PG, 8 * PG, 0, 0), -ENOMEM);
		int64_t to = do_mremap(mm, BASE, 3 * PG, 8 * PG, MREMAP_MAYMOVE, 0);
		CHECK(to > 0 && (uint64_t)to != BASE);
		CHECK(holds(mm, (uint64_t)to, 3, 0x40));
		CHECK_EQ_U64(pte_of(mm, (uint64_t)to + 3 * PG), 0);
		CHECK_EQ_U64(pte_of(mm, BASE), 0);
		CHECK(find_vma(mm, BASE) && find_vma(mm, BASE)->vm_start == BASE + 3 * PG);
		CHECK_EQ_U64(mm->rss_stat[MM_ANONPAGES], 3);
		/* MREMAP_FIXED onto a mapping across a 2 MiB line: it is replaced. */
		uint64_t dst = BASE + 2 * MiB - PG;
		CHECK_EQ_U64(do_mmap(mm, dst, 4 * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0), dst);
		CHECK_EQ_U64(do_mremap(mm, (uint64_t)to, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst), dst);
		CHECK(holds(mm, dst, 3, 0x40));
		CHECK(pte_present(__pte(pte_of(mm, dst + 3 * PG))));   /* the fourth page was not covered */
		CHECK_EQ_U64(mm->rss_stat[MM_ANONPAGES], 4);
		/* Errors. */
		CHECK_EQ_U64(do_mremap(mm, BASE + 64 * PG, PG, 2 * PG, MREMAP_MAYMOVE, 0), -EFAULT);
		CHECK_EQ_U64(do_mremap(mm, dst, PG, 2 * PG, 4, 0), -EINVAL);
		CHECK_EQ_U64(do_mremap(mm, dst, PG, 2 * PG, MREMAP_FIXED, BASE), -EINVAL);
		CHECK_EQ_U64(do_mremap(mm, dst, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst + PG), -EINVAL);
		CHECK(tables_ok(mm));
		CHECK(sim_done(mm, before));
	}
}

/* MREMAP_FIXED over zero-page entries (read faults, then PROT_NONE) past the
 * moved length: they go, not reappear in the new VMA with their old rights
 * (the fuzzer's livelock: a PROT_NONE zero page read forever in a readable
 * VMA, and page tables left behind at exit). */
TEST(mremap_fixed_drops_zero_page_entries)
{
	for (int levels = 4; levels <= 5; levels++) {
		uint64_t before;
		struct mm_struct *mm = sim_mm(levels, &before);
		uint64_t dst = BASE + 4 * MiB, src = BASE;
		CHECK_EQ_U64(do_mmap(mm, dst, 8 * PG, PROT_READ, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0), dst);
		CHECK(pte_special(__pte(pte_of(mm, dst + 5 * PG))));   /* the zero page */
		CHECK_EQ_U64(do_mprotect(mm, dst, 8 * PG, 0), 0);
		CHECK(pte_of(mm, dst + 5 * PG) != 0);
		CHECK_EQ_U64(do_mmap(mm, src, 2 * PG, PROT_READ, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0), src);
		CHECK_EQ_U64(do_mremap(mm, src, 2 * PG, 8 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst), dst);
		for (uint64_t p = 2; p < 8; p++)
			CHECK_EQ_U64(pte_of(mm, dst + p * PG), 0);
		/* munmap of zero-page entries takes their tables too. */
		CHECK_EQ_U64(do_munmap(mm, dst, 8 * PG), 0);
		CHECK(walk_pte(mm->pgd, dst, false, NULL) == NULL);
		CHECK(tables_ok(mm));
		CHECK(sim_done(mm, before));
	}
}

TEST(mremap_move_out_of_memory_changes_nothing)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	CHECK_EQ_U64(do_mmap(mm, BASE, 8 * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0), BASE);
	fill(mm, BASE, 8, 0x60);
	uint64_t dst = BASE + 64 * MiB;   /* no tables there yet */
	int failed = 0, done = 0;
	for (uint64_t nth = 1; nth < 16 && !done; nth++) {
		uint64_t frames = (drain_local_pages(), nr_free_pages());
		fail_alloc_arm(nth);
		int64_t r = do_mremap(mm, BASE, 8 * PG, 8 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
		bool injected = fail_alloc_disarm();
		if (r == -ENOMEM) {
			failed++;
			CHECK(injected);
			const uint64_t same[][3] = { { BASE, BASE + 8 * PG, F_RW } };
			CHECK(layout_is(mm, 1, same));
			CHECK(holds(mm, BASE, 8, 0x60));
			drain_local_pages();
			CHECK_EQ_U64(nr_free_pages(), frames);
			CHECK(tables_ok(mm));
		} else {
			CHECK_EQ_U64(r, dst);
			done = 1;
		}
	}
	CHECK(failed >= 1);
	CHECK(done);
	CHECK(holds(mm, dst, 8, 0x60));
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

TEST(brk_and_madvise)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	mm->start_brk = mm->brk = BASE;
	CHECK_EQ_U64(do_brk(mm, BASE + 3 * PG + 5), BASE + 3 * PG + 5);
	CHECK(find_vma(mm, BASE) && find_vma(mm, BASE)->vm_end == BASE + 4 * PG);
	CHECK_EQ_U64(do_brk(mm, BASE - PG), BASE + 3 * PG + 5);   /* below start_brk: unchanged */
	CHECK_EQ_U64(do_brk(mm, BASE + PG), BASE + PG);
	CHECK(find_vma(mm, BASE)->vm_end == BASE + PG);
	/* MADV_DONTNEED drops private pages: they read back as zero. */
	CHECK_EQ_U64(do_mmap(mm, BASE + MiB, 4 * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, NOFD, 0), BASE + MiB);
	fill(mm, BASE + MiB, 4, 0x70);
	CHECK_EQ_U64(do_madvise(mm, BASE + MiB + PG, 2 * PG, MADV_DONTNEED), 0);
	CHECK_EQ_U64(pte_of(mm, BASE + MiB + PG), 0);
	CHECK(holds(mm, BASE + MiB, 1, 0x70));
	CHECK(holds(mm, BASE + MiB + 3 * PG, 1, 0x73));
	CHECK_EQ_U64(do_madvise(mm, BASE + MiB, PG, 99), -EINVAL);
	CHECK_EQ_U64(do_madvise(mm, BASE + MiB + 8 * PG, PG, MADV_DONTNEED), -ENOMEM);
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

/* Linux's OVERCOMMIT_GUESS: one commitment above all of RAM is -ENOMEM;
 * MAP_NORESERVE and read-only private memory are not commitments. RLIMIT_AS
 * and RLIMIT_DATA (the task's) bound mmap, brk and mremap. */
TEST(overcommit_and_address_space_limits)
{
	uint64_t before;
	struct mm_struct *mm = sim_mm(4, &before);
	uint64_t too_big = (totalram_pages() + 1) * PG;
	CHECK_EQ_U64(do_mmap(mm, 0, too_big, RW, ANON, NOFD, 0), -ENOMEM);
	CHECK_EQ_U64(do_mmap(mm, 0, too_big, RW, MAP_SHARED | MAP_ANONYMOUS, NOFD, 0), -ENOMEM);
	int64_t nores = do_mmap(mm, 0, too_big, RW, ANON | MAP_NORESERVE, NOFD, 0);
	int64_t ro = do_mmap(mm, 0, too_big, PROT_READ, ANON, NOFD, 0);
	CHECK(nores > 0 && ro > 0);
	CHECK_EQ_U64(do_munmap(mm, (uint64_t)nores, too_big), 0);
	CHECK_EQ_U64(do_munmap(mm, (uint64_t)ro, too_big), 0);
	mm->start_brk = mm->brk = BASE;
	CHECK_EQ_U64(do_brk(mm, BASE + too_big), BASE);
	CHECK_EQ_U64(do_mmap(mm, BASE + MiB, PG, RW, ANON | MAP_FIXED, NOFD, 0), BASE + MiB);
	CHECK_EQ_U64(do_mremap(mm, BASE + MiB, PG, too_big + PG, MREMAP_MAYMOVE, 0), -ENOMEM);   /* grows by too_big */

	/* RLIMIT_AS: total_vm plus the request. */
	current->rlim[RLIMIT_AS].rlim_cur = (mm->total_vm + 8) * PG;
	CHECK_EQ_U64(do_mmap(mm, 0, 9 * PG, RW, ANON | MAP_NORESERVE, NOFD, 0), -ENOMEM);
	int64_t fits = do_mmap(mm, 0, 8 * PG, RW, ANON, NOFD, 0);
	CHECK(fits > 0);
	CHECK_EQ_U64(do_brk(mm, BASE + PG), BASE);                                   /* at the limit */
	CHECK_EQ_U64(do_mmap(mm, (uint64_t)fits, 8 * PG, PROT_READ, ANON | MAP_FIXED, NOFD, 0), fits);  /* replaces */
	current->rlim[RLIMIT_AS].rlim_cur = RLIM_INFINITY;
	/* RLIMIT_DATA: private writable only. */
	current->rlim[RLIMIT_DATA].rlim_cur = (mm->data_vm + 4) * PG;
	CHECK_EQ_U64(do_mmap(mm, 0, 5 * PG, RW, ANON, NOFD, 0), -ENOMEM);
	int64_t rd = do_mmap(mm, 0, 5 * PG, PROT_READ, ANON, NOFD, 0);
	CHECK(rd > 0);
	current->rlim[RLIMIT_DATA].rlim_cur = RLIM_INFINITY;
	CHECK(tables_ok(mm));
	CHECK(sim_done(mm, before));
}

UNIT_MAIN(
	UNIT(overcommit_and_address_space_limits),
	UNIT(mmap_places_validates_and_populates),
	UNIT(mmap_write_downgrade_turns_the_writer_into_a_reader),
	UNIT(munmap_unlock_tears_down_as_munmap_and_drops_the_lock),
	UNIT(munmap_unlock_across_more_vmas_than_it_defers),
	UNIT(mmap_fixed_replaces_what_was_there),
	UNIT(munmap_cuts_vmas_and_drops_pages_and_tables),
	UNIT(mprotect_changes_vmas_and_entries),
	UNIT(mremap_grows_shrinks_and_moves_with_the_data),
	UNIT(mremap_fixed_drops_zero_page_entries),
	UNIT(mremap_move_out_of_memory_changes_nothing),
	UNIT(brk_and_madvise)
)
