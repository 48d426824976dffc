/*
 * mremap_dontunmap: MREMAP_DONTUNMAP moves the pages of a private mapping to
 * a new place and leaves the old range mapped but empty: the data is all at
 * the new address, the old range reads zeros (fresh pages on touch) and is
 * still a mapping; with MREMAP_FIXED the data lands exactly at new_addr.
 * It needs MREMAP_MAYMOVE and equal lengths (-EINVAL otherwise), ranges
 * that do not overlap (-EINVAL), and an old range inside one mapping
 * (-EFAULT), as in Linux 6.1.
 */
#include "user/rt/rt.h"

RT_PROGRAM(mremap_dontunmap);

#define MREMAP_DONTUNMAP 4
#define N 8

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long a = rt_map_small_pages(N * PAGE_SIZE, PROT_READ | PROT_WRITE);
	if (!rt_check("mmap", a > 0, "mmap returned %ld", a))
		return 0;
	rt_fill_pages(a, 0, N, 7);
	long b = sys_mremap((void *)a, N * PAGE_SIZE, N * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	rt_check("moved", b > 0 && b != a && rt_count_unpatterned(b, 0, N, 7) == 0,
		 "mremap DONTUNMAP returned 0x%lx (from 0x%lx); %lu of %d pages at the new place lack their data", b, a,
		 b > 0 ? rt_count_unpatterned(b, 0, N, 7) : 0ul, N);
	int mapped = 0;
	for (int i = 0; i < N; i++)
		mapped += rt_page_is_mapped((void *)(a + i * PAGE_SIZE));
	int64_t f0 = rt_minflt();
	uint64_t nonzero = rt_count_nonzero(a, 0, N);
	int64_t f1 = rt_minflt();
	rt_check("old_empty", mapped == N && nonzero == 0 && f1 - f0 == N,
		 "old range: %d of %d pages still mapped, %lu nonzero pages, reading it took %ld faults (want %d: "
		 "no pages left there)", mapped, N, nonzero, f1 - f0, N);

	/* MREMAP_FIXED: back onto a free place chosen by a probe mapping. */
	long dst = sys_mmap(0, N * PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long c = sys_mremap((void *)b, N * PAGE_SIZE, N * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP,
			    (void *)dst);
	rt_check("fixed", c == dst && rt_count_unpatterned(dst, 0, N, 7) == 0 && rt_page_is_mapped((void *)b) &&
		 rt_count_nonzero(b, 0, N) == 0,
		 "MREMAP_FIXED onto 0x%lx returned 0x%lx; data there: %lu pages missing; old range mapped %d, "
		 "nonzero pages %lu", dst, c, c == dst ? rt_count_unpatterned(dst, 0, N, 7) : 0ul,
		 rt_page_is_mapped((void *)b), rt_count_nonzero(b, 0, N));

	long e1 = sys_mremap((void *)a, N * PAGE_SIZE, N * PAGE_SIZE, MREMAP_DONTUNMAP, 0);
	long e2 = sys_mremap((void *)a, N * PAGE_SIZE, 2 * N * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	long e3 = sys_mremap((void *)a, N * PAGE_SIZE, N * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP,
			     (void *)(a + PAGE_SIZE));
	long e4 = sys_mremap((void *)a, 2 * N * PAGE_SIZE, 2 * N * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	rt_check("errors", e1 == -EINVAL && e2 == -EINVAL && e3 == -EINVAL && e4 == -EFAULT,
		 "without MAYMOVE %ld, growing %ld, overlapping FIXED %ld (want -EINVAL); past the mapping %ld "
		 "(want -EFAULT)", e1, e2, e3, e4);
	return 0;
}
