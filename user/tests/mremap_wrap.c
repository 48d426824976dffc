/*
 * mremap_wrap: mremap with an old range whose end wraps past 2^64 must be
 * refused. The bug this guards against: addr + old_len wrapped to 0, passed
 * the "old range inside its VMA" test, and the mapping "grew in place" at
 * the wrapped end, mapping page 0 read-write. Linux refuses every variant:
 * growing from a wrapping old range is -EFAULT in Linux 6.1 (the old range
 * is not inside its VMA; faultline gives this answer) and -EINVAL from 6.17
 * on (a new length beyond user space is refused first), so off faultline
 * either is right; a shrink whose tail munmap refuses, a length whose page
 * rounding wraps to 0 and a wrapping new range are -EINVAL everywhere. After
 * all of them page 0 is still unmapped (madvise(0, 4096) is -ENOMEM, as on
 * any address no VMA covers) and the mapping still holds its data.
 */
#include "user/rt/rt.h"

RT_PROGRAM(mremap_wrap);

#define PG 4096ul

/* The answer for growing from a wrapping old range: Linux 6.1's -EFAULT on
 * faultline; on Linux also 6.17+'s -EINVAL. */
static bool refused_grow(long r)
{
	return r == -EFAULT || (r == -EINVAL && !fl_on_faultline());
}

/* 0 if page 0 is in no VMA (madvise: -ENOMEM), else what madvise said. */
static long page0_state(void)
{
	long r = sys_madvise((void *)0, PG, MADV_NORMAL);
	return r == -ENOMEM ? 0 : (r == 0 ? 1 : r);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	long p = sys_mmap(0, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!rt_check("setup", p > 0, "mmap of 2 pages returned %ld", p))
		return 0;
	uintptr_t a = (uintptr_t)p;
	poke64(a, 0x1111);
	poke64(a + PG, 0x2222);
	uint64_t to_zero = (uint64_t)0 - a;   /* a + to_zero == 2^64: wraps to 0 */

	/* The call: grow "in place" from the wrapped end (page 0) by one page. */
	long grow = sys_mremap((void *)a, to_zero, to_zero + PG, 0, 0);
	long grow_mv = sys_mremap((void *)a, to_zero, to_zero + PG, MREMAP_MAYMOVE, 0);
	long grow_1 = sys_mremap((void *)a, to_zero + PG, to_zero + 2 * PG, 0, 0);
	/* Shrinking a wrapping old range: the tail's munmap refuses it. */
	long shrink = sys_mremap((void *)a, to_zero, PG, 0, 0);
	long shrink_top = sys_mremap((void *)a, 1ul << 57, PG, 0, 0);   /* past user space in both paging modes */
	/* Lengths whose page rounding wraps to 0. */
	long old_round = sys_mremap((void *)a, ~0ul, 2 * PG, 0, 0);
	long new_round = sys_mremap((void *)a, PG, ~0ul, MREMAP_MAYMOVE, 0);
	/* A new range that wraps. */
	long fixed_wrap = sys_mremap((void *)a, PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)(0ul - PG));
	long page0 = page0_state();

	rt_check("grow_from_wrapped_end", refused_grow(grow),
		 "mremap(0x%lx, 2^64 - 0x%lx, +4096, 0) returned %ld (expected -EFAULT; -EINVAL on Linux 6.17+)", p, p, grow);
	rt_check("grow_from_wrapped_end_maymove", refused_grow(grow_mv),
		 "the same with MREMAP_MAYMOVE returned %ld (expected -EFAULT; -EINVAL on Linux 6.17+)", grow_mv);
	rt_check("grow_from_wrapped_page1", refused_grow(grow_1),
		 "old range ending at (wrapped) 0x1000 returned %ld (expected -EFAULT; -EINVAL on Linux 6.17+)", grow_1);
	rt_check("shrink_wrapping_old_range", shrink == -EINVAL,
		 "shrinking a wrapping old range to one page returned %ld (expected -EINVAL)", shrink);
	rt_check("shrink_old_range_past_user_space", shrink_top == -EINVAL,
		 "shrinking an old range of 2^57 bytes returned %ld (expected -EINVAL)", shrink_top);
	rt_check("old_len_rounds_to_zero", old_round == -EINVAL,
		 "old_len 2^64 - 1 returned %ld (expected -EINVAL)", old_round);
	rt_check("new_len_rounds_to_zero", new_round == -EINVAL,
		 "new_len 2^64 - 1 returned %ld (expected -EINVAL)", new_round);
	rt_check("fixed_new_range_wraps", fixed_wrap == -EINVAL,
		 "MREMAP_FIXED to 2^64 - 4096 (2 pages) returned %ld (expected -EINVAL)", fixed_wrap);
	rt_check("page0_unmapped", page0 == 0,
		 "after the wrapping calls madvise(0, 4096) says page 0 is %s (%ld)",
		 page0 == 0 ? "unmapped" : "mapped", page0);

	/* The mapping itself is untouched. */
	uint64_t v0 = peek64(a), v1 = peek64(a + PG);
	long unmap = sys_munmap((void *)a, 2 * PG);
	rt_check("mapping_intact", v0 == 0x1111 && v1 == 0x2222 && unmap == 0,
		 "the 2 pages hold 0x%lx, 0x%lx (expected 0x1111, 0x2222); munmap %ld", v0, v1, unmap);
	return 0;
}
