/*
 * threadrace_anon: TR_THREADS threads of one process first-touch anonymous
 * memory at the same moment (a spinning barrier releases them together), so
 * that on a kernel whose page faults run in parallel (mmap_lock
 * for read, split page-table locks) their faults overlap in one mm, in one
 * page table. What must hold on any correct kernel:
 *
 *   disjoint_contents  threads write interleaved pages of one mapping (page
 *                      p is thread p % N's): every word of every page ends
 *                      as its writer wrote it. A fault that installs its
 *                      pte over a neighbour's (a lost pte-table race, a
 *                      stale pte read) loses a page: caught here.
 *   disjoint_faults    those first writes cost exactly one minor fault per
 *                      page, counted over all threads (getrusage
 *                      RUSAGE_SELF sums the live threads, as Linux's).
 *   same_counters      all threads touch the SAME pages in the same order,
 *                      some reading first (the zero page), all adding 1 to
 *                      a counter in the page with a locked add: every
 *                      counter ends at N each round. Two faults that each
 *                      install a fresh frame for one page (the loser's
 *                      pte_same check missing) lose the increments made in
 *                      the overwritten frame.
 *   same_words         each thread's own word in each page holds its value,
 *                      the rest of the page is zero.
 *   same_rss           smaps Rss and Anonymous of the mapping are exactly
 *                      the pages touched (no page mapped twice or left out).
 *   same_mapped_once   pagemap: every page present and mapped once.
 *   same_faults        faults between one per page and 2 N per page (each
 *                      thread at most a read fault and a write fault per
 *                      page: how many threads lose a race is not
 *                      deterministic, on Linux either).
 *   thp_contents       interleaved 4 KiB writes by all threads into a
 *                      MADV_HUGEPAGE region: every page holds its writer's
 *                      pattern.
 *   thp_huge           where one thread alone gets a THP for such a region
 *                      (smaps AnonHugePages), the racing threads leave the
 *                      whole region in huge pages (no 4 KiB fallback by a
 *                      loser) with at most one fault per thread and 2 MiB;
 *                      where THP is off, a skip record says so.
 */
#define TR_PROGRAM "threadrace_anon"
#include "threadrace.h"

#define DISJOINT_PAGES (TR_THREADS * 64)
#define SAME_PAGES 64
#define SAME_ROUNDS 8
#define HPAGE (2ul << 20)
#define THP_REGIONS 2

static struct tr_barrier bar;
static unsigned char *region;            /* what the threads work on this phase */
static int phase;                        /* PHASE_* */
static int round_no;

enum { PHASE_DISJOINT, PHASE_SAME, PHASE_THP, PHASE_END };

static uint64_t pattern(int page, int word, int writer)
{
	return ((uint64_t)writer << 56) | ((uint64_t)page << 16) | (uint64_t)word;
}

/* Fills page p of r with its writer's pattern. */
static void fill_page(unsigned char *r, int p, int writer)
{
	uint64_t *w = (uint64_t *)(r + (size_t)p * TR_PAGE);
	for (int i = 0; i < (int)(TR_PAGE / 8); i++)
		w[i] = pattern(p, i, writer);
}

/* Pages of r (pages pages, page p written by p % TR_THREADS) with a wrong word. */
static int wrong_pages(unsigned char *r, int pages)
{
	int bad = 0;
	for (int p = 0; p < pages; p++) {
		const uint64_t *w = (const uint64_t *)(r + (size_t)p * TR_PAGE);
		for (int i = 0; i < (int)(TR_PAGE / 8); i++)
			if (w[i] != pattern(p, i, p % TR_THREADS)) {
				bad++;
				break;
			}
	}
	return bad;
}

/* The same-pages work of thread id on round r: by page, in the same order
 * as every other thread, a read first for some, then a locked add to the
 * page's counter (word 0) and the thread's own word (1 + id). */
static void same_pages(int id)
{
	for (int p = 0; p < SAME_PAGES; p++) {
		volatile uint64_t *w = (volatile uint64_t *)(region + (size_t)p * TR_PAGE);
		if ((p + id + round_no) % 3 == 0)
			(void)w[1 + TR_THREADS + id];            /* a read fault first: the zero page */
		atomic_fetch_add((_Atomic uint64_t *)&w[0], 1);
		w[1 + id] = pattern(p, round_no, id);
	}
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	for (;;) {
		tr_barrier_wait(&bar);           /* B0: ready (main reads the fault count) */
		tr_barrier_wait(&bar);           /* B1: go */
		if (phase == PHASE_END)
			return NULL;
		if (phase == PHASE_SAME) {
			same_pages(id);
		} else {
			int pages = phase == PHASE_DISJOINT ? DISJOINT_PAGES : (int)(THP_REGIONS * HPAGE / TR_PAGE);
			for (int p = id; p < pages; p += TR_THREADS)
				fill_page(region, p, id);
		}
		tr_barrier_wait(&bar);           /* B2: done (main reads the fault count) */
	}
}

/* Runs one phase on r with every worker; returns the minor faults it cost. */
static long run_phase(int which, unsigned char *r)
{
	phase = which;
	region = r;
	tr_barrier_wait(&bar);
	long before = tr_minflt();
	tr_barrier_wait(&bar);
	tr_barrier_wait(&bar);
	return tr_minflt() - before;
}

int main(void)
{
	pthread_t t[TR_THREADS];
	tr_barrier_init(&bar, TR_THREADS + 1);
	if (!tr_test("threads", tr_start(t, TR_THREADS, worker) == TR_THREADS, "%d threads started", TR_THREADS))
		return 1;

	/* Warm-up: every thread runs the phase's code and stack once. */
	unsigned char *warm = tr_map_isolated(DISJOINT_PAGES * TR_PAGE, TR_PAGE, MADV_NOHUGEPAGE);
	unsigned char *dis = tr_map_isolated(DISJOINT_PAGES * TR_PAGE, TR_PAGE, MADV_NOHUGEPAGE);
	if (!tr_test("map", warm && dis, "mmap of 2 x %d pages", DISJOINT_PAGES))
		return 1;
	run_phase(PHASE_DISJOINT, warm);
	long faults = run_phase(PHASE_DISJOINT, dis);
	int bad = wrong_pages(dis, DISJOINT_PAGES);
	tr_test("disjoint_contents", bad == 0, "%d pages written by %d threads interleaved at once: %d wrong",
		DISJOINT_PAGES, TR_THREADS, bad);
	tr_test("disjoint_faults", faults == DISJOINT_PAGES,
		"%d pages first written by %d threads at once: %ld minor faults (expected %d)", DISJOINT_PAGES,
		TR_THREADS, faults, DISJOINT_PAGES);

	/* The same pages, SAME_ROUNDS times on fresh memory. */
	long min_faults = 1L << 40, max_faults = 0;
	int bad_counters = 0, bad_words = 0, bad_rss = 0, bad_once = 0;
	long rss = 0, anon = 0;
	for (round_no = 0; round_no < SAME_ROUNDS; round_no++) {
		unsigned char *r = tr_map_isolated(SAME_PAGES * TR_PAGE, TR_PAGE, MADV_NOHUGEPAGE);
		if (!r) {
			tr_test("same_map", 0, "mmap of %d pages failed in round %d", SAME_PAGES, round_no);
			break;
		}
		long f = run_phase(PHASE_SAME, r);
		min_faults = f < min_faults ? f : min_faults;
		max_faults = f > max_faults ? f : max_faults;
		for (int p = 0; p < SAME_PAGES; p++) {
			const uint64_t *w = (const uint64_t *)(r + (size_t)p * TR_PAGE);
			bad_counters += w[0] != TR_THREADS;
			for (int i = 1; i < (int)(TR_PAGE / 8); i++)
				if (w[i] != (i <= TR_THREADS ? pattern(p, round_no, i - 1) : 0)) {
					bad_words++;
					break;
				}
			uint64_t pm = tr_pagemap(r + (size_t)p * TR_PAGE);
			bad_once += (pm & (TR_PM_PRESENT | TR_PM_EXCLUSIVE)) != (TR_PM_PRESENT | TR_PM_EXCLUSIVE);
		}
		rss = tr_smaps_kb(r, "Rss");
		anon = tr_smaps_kb(r, "Anonymous");
		bad_rss += rss != (long)(SAME_PAGES * TR_PAGE / 1024) || anon != rss;
		munmap(r, SAME_PAGES * TR_PAGE);
	}
	tr_test("same_counters", bad_counters == 0,
		"%d rounds of %d threads adding 1 to each of %d fresh pages at once: %d counters not %d",
		SAME_ROUNDS, TR_THREADS, SAME_PAGES, bad_counters, TR_THREADS);
	tr_test("same_words", bad_words == 0, "%d pages with a thread's word lost or a stray write", bad_words);
	tr_test("same_rss", bad_rss == 0, "%d rounds with smaps Rss/Anonymous not %lu kB (last: Rss %ld, Anonymous %ld)",
		bad_rss, SAME_PAGES * TR_PAGE / 1024, rss, anon);
	tr_test("same_mapped_once", bad_once == 0, "%d pages not present or not mapped once (pagemap)", bad_once);
	tr_test("same_faults", min_faults >= SAME_PAGES && max_faults <= 2L * TR_THREADS * SAME_PAGES,
		"minor faults per round %ld..%ld (bounds %d..%d)", min_faults, max_faults, SAME_PAGES,
		2 * TR_THREADS * SAME_PAGES);

	/* THP: a control region touched by one thread says whether THP is on here. */
	unsigned char *ctl = tr_map_isolated(HPAGE, HPAGE, MADV_HUGEPAGE);
	unsigned char *thp = tr_map_isolated(THP_REGIONS * HPAGE, HPAGE, MADV_HUGEPAGE);
	if (!tr_test("thp_map", ctl && thp, "mmap of 2 MiB-aligned regions"))
		return 1;
	memset(ctl, 1, HPAGE);
	long ctl_huge = tr_smaps_kb(ctl, "AnonHugePages");
	faults = run_phase(PHASE_THP, thp);
	bad = wrong_pages(thp, (int)(THP_REGIONS * HPAGE / TR_PAGE));
	tr_test("thp_contents", bad == 0, "%lu pages of a MADV_HUGEPAGE region written by %d threads interleaved: %d wrong",
		THP_REGIONS * HPAGE / TR_PAGE, TR_THREADS, bad);
	long huge = tr_smaps_kb(thp, "AnonHugePages");
	if (ctl_huge == (long)(HPAGE >> 10))
		tr_test("thp_huge", huge == (long)(THP_REGIONS * HPAGE >> 10) && faults >= THP_REGIONS &&
			faults <= THP_REGIONS * TR_THREADS,
			"racing threads left AnonHugePages %ld kB of %lu kB, %ld minor faults (bounds %d..%d)", huge,
			THP_REGIONS * HPAGE >> 10, faults, THP_REGIONS, THP_REGIONS * TR_THREADS);
	else
		tr_skip("thp_huge", "no THP here: one thread's MADV_HUGEPAGE region has AnonHugePages %ld kB", ctl_huge);

	phase = PHASE_END;
	tr_barrier_wait(&bar);
	tr_barrier_wait(&bar);
	tr_join(t, TR_THREADS);
	return 0;
}
