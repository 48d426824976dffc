/*
 * madvise_hugepage_split: advice that changes a VMA's flags applies to the
 * advised range only. Linux's madvise_update_vma splits the VMA at the
 * range's ends, sets the flag on the inside part and re-merges pieces whose
 * flags become equal again. The bug this guards against: MADV_HUGEPAGE on
 * the middle page of a 3-page mapping marked the whole VMA.
 *
 * Observable the same way on Linux and faultline: an mremap that grows a
 * range in place without MREMAP_MAYMOVE needs the old range inside one VMA,
 * else -EFAULT. The mapping is 3 pages with a free page above it, so:
 *   - before any advice, growing all 3 pages by one works (then shrinks back);
 *   - after MADV_HUGEPAGE on the middle page, growing all 3 is -EFAULT (two
 *     VMA boundaries inside), growing only the last page works;
 *   - after MADV_NOHUGEPAGE on all 3 (equal flags again: one VMA), it works;
 *   - the same for MADV_RANDOM and MADV_SEQUENTIAL on the middle page
 *     (Linux's VM_RAND_READ / VM_SEQ_READ), undone with MADV_NORMAL;
 *   - a flag advice over a range with a hole is -ENOMEM, yet applied to the
 *     mapped part (the range stays one VMA after re-merging).
 * The data of the 3 pages survives every step.
 */
#include "user/rt/rt.h"

RT_PROGRAM(madvise_hugepage_split);

#define PG 4096ul

static uintptr_t a;

/* Grows [a, a + 3 pages) by one page in place and shrinks it back:
 * returns what the grow returned (0 for success, relative to a). */
static long grow_all(void)
{
	long r = sys_mremap((void *)a, 3 * PG, 4 * PG, 0, 0);
	if (r == (long)a)
		return sys_mremap((void *)a, 4 * PG, 3 * PG, 0, 0) == (long)a ? 0 : -1000;
	return r;
}

/* The same for the last page alone. */
static long grow_last(void)
{
	long r = sys_mremap((void *)(a + 2 * PG), PG, 2 * PG, 0, 0);
	if (r == (long)(a + 2 * PG))
		return sys_mremap((void *)(a + 2 * PG), 2 * PG, PG, 0, 0) == (long)(a + 2 * PG) ? 0 : -1000;
	return r;
}

static bool data_intact(void)
{
	return peek64(a) == 0xa0 && peek64(a + PG) == 0xa1 && peek64(a + 2 * PG) == 0xa2;
}

/* One advice on the middle page, checked, then undone over all 3 pages. */
static void split_and_merge(const char *name, int advice, int undo)
{
	char check[64];
	long adv = sys_madvise((void *)(a + PG), PG, advice);
	long whole = grow_all(), last = grow_last();
	format(check, sizeof(check), "%s_splits", name);
	rt_check(check, adv == 0 && whole == -EFAULT && last == 0,
		 "madvise(middle page, %d) returned %ld; then growing all 3 pages in place returned %ld "
		 "(expected -EFAULT: the range spans 3 VMAs), growing the last page %ld (expected 0)",
		 advice, adv, whole, last);
	long und = sys_madvise((void *)a, 3 * PG, undo);
	long merged = grow_all();
	format(check, sizeof(check), "%s_merges_back", name);
	rt_check(check, und == 0 && merged == 0 && data_intact(),
		 "madvise(all 3 pages, %d) returned %ld; growing all 3 pages then returned %ld (expected 0: "
		 "one VMA again); data %s", undo, und, merged, data_intact() ? "intact" : "changed");
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	/* 5 pages, the top 2 unmapped again: [a, a+3) mapped, [a+3, a+5) free. */
	long p = sys_mmap(0, 5 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long u = p > 0 ? sys_munmap((void *)(p + 3 * PG), 2 * PG) : -1;
	if (!rt_check("setup", p > 0 && u == 0, "mmap of 5 pages returned %ld, munmap of the top 2 %ld", p, u))
		return 0;
	a = (uintptr_t)p;
	poke64(a, 0xa0);
	poke64(a + PG, 0xa1);
	poke64(a + 2 * PG, 0xa2);

	long before = grow_all();
	rt_check("one_vma_before", before == 0, "growing the fresh 3 pages in place returned %ld (expected 0)",
		 before);
	split_and_merge("hugepage", MADV_HUGEPAGE, MADV_NOHUGEPAGE);
	split_and_merge("random", MADV_RANDOM, MADV_NORMAL);
	split_and_merge("sequential", MADV_SEQUENTIAL, MADV_NORMAL);

	/* A hole in the range: -ENOMEM, but the mapped part is advised (and re-merged). */
	long hole = sys_madvise((void *)a, 5 * PG, MADV_HUGEPAGE);
	long after_hole = grow_all();
	rt_check("hole_is_enomem_but_applied", hole == -ENOMEM && after_hole == 0 && data_intact(),
		 "madvise(HUGEPAGE) over 3 mapped pages and a 2-page hole returned %ld (expected -ENOMEM); "
		 "growing the 3 pages then returned %ld (expected 0)", hole, after_hole);
	long wrap = sys_madvise((void *)a, (uint64_t)0 - a, MADV_HUGEPAGE);
	rt_check("wrapping_range", wrap == -EINVAL, "madvise(HUGEPAGE) over a range ending at 2^64 returned %ld "
		 "(expected -EINVAL)", wrap);
	return 0;
}
