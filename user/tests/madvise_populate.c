/*
 * madvise_populate: MADV_POPULATE_READ faults every page of a fresh mapping
 * in for reading (one minor fault each; reading them afterwards costs none),
 * MADV_POPULATE_WRITE for writing (one more fault each to replace the zero
 * page; writes afterwards cost none) and keeps the data; a range with a
 * hole populates the mapped parts and returns -ENOMEM (Linux 6.1; later
 * kernels stop at the hole); a VMA without the
 * right for the access (PROT_NONE, or read-only for POPULATE_WRITE) is
 * -EINVAL, as Linux 6.1 reports permission problems; a misaligned address
 * is -EINVAL.
 */
#include "user/rt/rt.h"

RT_PROGRAM(madvise_populate);

#define MADV_POPULATE_READ  22
#define MADV_POPULATE_WRITE 23
#define N 16

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long warm = rt_map_small_pages(N * PAGE_SIZE, PROT_READ | PROT_WRITE);
	sys_madvise((void *)warm, N * PAGE_SIZE, MADV_POPULATE_WRITE);   /* warm-up: the code and stack */
	sys_munmap((void *)warm, N * PAGE_SIZE);

	long a = rt_map_small_pages(N * PAGE_SIZE, PROT_READ | PROT_WRITE);
	if (!rt_check("mmap", a > 0, "mmap returned %ld", a))
		return 0;
	int64_t f0 = rt_minflt();
	long r = sys_madvise((void *)a, N * PAGE_SIZE, MADV_POPULATE_READ);
	int64_t f1 = rt_minflt();
	uint64_t sum = 0;
	for (int i = 0; i < N; i++)
		sum += peek8(a + i * PAGE_SIZE);
	int64_t f2 = rt_minflt();
	rt_check("read", r == 0 && f1 - f0 == N && f2 - f1 == 0 && sum == 0,
		 "MADV_POPULATE_READ %ld: %ld faults (want %d); reading after it %ld faults (want 0), sum %lu", r,
		 f1 - f0, N, f2 - f1, sum);
	r = sys_madvise((void *)a, N * PAGE_SIZE, MADV_POPULATE_WRITE);
	int64_t f3 = rt_minflt();
	for (int i = 0; i < N; i++)
		poke8(a + i * PAGE_SIZE, (uint8_t)(i + 1));
	int64_t f4 = rt_minflt();
	long again = sys_madvise((void *)a, N * PAGE_SIZE, MADV_POPULATE_WRITE);
	int64_t f5 = rt_minflt();
	rt_check("write", r == 0 && f3 - f2 == N && f4 - f3 == 0 && again == 0 && f5 - f4 == 0 &&
		 peek8(a + 3 * PAGE_SIZE) == 4,
		 "MADV_POPULATE_WRITE %ld: %ld faults (want %d); writing after it %ld faults; again %ld: %ld faults "
		 "(want 0); data kept: %u", r, f3 - f2, N, f4 - f3, again, f5 - f4, peek8(a + 3 * PAGE_SIZE));

	long b = rt_map_small_pages(3 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	sys_munmap((void *)(b + PAGE_SIZE), PAGE_SIZE);
	int64_t g0 = rt_minflt();
	long hole = sys_madvise((void *)b, 3 * PAGE_SIZE, MADV_POPULATE_WRITE);
	int64_t g1 = rt_minflt();
	/* Linux 6.1 (madvise_walk_vmas) populates both ends; from 6.10 the walk stops at the hole. */
	bool ends_ok = fl_on_faultline() ? g1 - g0 == 2 : (g1 - g0 == 1 || g1 - g0 == 2);
	rt_check("hole", hole == -ENOMEM && ends_ok,
		 "over 3 pages with the middle one unmapped: %ld (want -ENOMEM), %ld faults (want 2: both ends, as "
		 "Linux 6.1; Linux 6.10 and later stop at the hole: 1)", hole, g1 - g0);

	long none = sys_mmap(0, PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long ro = sys_mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long e1 = sys_madvise((void *)none, PAGE_SIZE, MADV_POPULATE_READ);
	long e2 = sys_madvise((void *)ro, PAGE_SIZE, MADV_POPULATE_WRITE);
	long ok = sys_madvise((void *)ro, PAGE_SIZE, MADV_POPULATE_READ);
	long e3 = sys_madvise((void *)(a + 1), PAGE_SIZE, MADV_POPULATE_READ);
	rt_check("errors", e1 == -EINVAL && e2 == -EINVAL && ok == 0 && e3 == -EINVAL,
		 "PROT_NONE read %ld, read-only write %ld (want -EINVAL), read-only read %ld (want 0), misaligned %ld "
		 "(want -EINVAL)", e1, e2, ok, e3);

	long sh = sys_mmap(0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long sw = sys_madvise((void *)sh, 4 * PAGE_SIZE, MADV_POPULATE_WRITE);
	rt_check("shared", sw == 0, "MADV_POPULATE_WRITE of shared anonymous memory %ld", sw);
	return 0;
}
