/*
 * madvise_dontneed: MADV_DONTNEED on private anonymous memory throws the
 * pages away: they read as zero afterwards, each costing a fresh fault,
 * while the pages around the range keep their data. On shared anonymous
 * memory the data lives in the shared object, so after MADV_DONTNEED it
 * reads back unchanged. MADV_HUGEPAGE and MADV_NOHUGEPAGE are accepted;
 * a misaligned start and an unknown advice are -EINVAL.
 */
#include "user/rt/rt.h"

RT_PROGRAM(madvise_dontneed);

#define PAGES 16u
#define SEED  21u

/* Reads the first word of each page; returns the minor faults it cost, ORs what it read into *seen. */
static int64_t read_pages(uintptr_t base, uint32_t pages, uint64_t *seen)
{
	uint64_t acc = 0;
	int64_t before = rt_minflt();

	for (uint32_t i = 0; i < pages; i++)
		acc |= peek64(base + i * PAGE_SIZE);

	int64_t after = rt_minflt();
	*seen = acc;
	return before < 0 ? before : after < 0 ? after : after - before;
}

/* Private anonymous: pages 4..11 dropped. */
static void private_pages(void)
{
	uint64_t seen;
	long addr = rt_map_small_pages(PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE);

	if (addr < 0) {
		rt_test("private", RT_FAIL, "mmap of %u pages failed: %ld", PAGES, addr);
		return;
	}
	uintptr_t base = (uintptr_t)addr;
	rt_fill_pages(base, 0, PAGES, SEED);
	read_pages(base, 1, &seen);  /* warm-up of the measuring code, page 0 is present */

	long r = sys_madvise((void *)(base + 4 * PAGE_SIZE), 8 * PAGE_SIZE, MADV_DONTNEED);
	int64_t refaults = read_pages(base + 4 * PAGE_SIZE, 8, &seen);
	uint64_t nonzero = rt_count_nonzero(base, 4, 8);
	uint64_t damaged = rt_count_unpatterned(base, 0, 4, SEED) +
			   rt_count_unpatterned(base, 12, 4, SEED);

	rt_check("private_zeroed", r == 0 && nonzero == 0 && seen == 0,
		 "MADV_DONTNEED on 8 private pages returned %ld; %lu of them not zero afterwards", r, nonzero);
	rt_check("private_refault", refaults == 8,
		 "reading the 8 dropped pages cost %ld minor faults (expected 8)", refaults);
	rt_check("private_neighbours_kept", damaged == 0,
		 "%lu of the 8 pages around the dropped range lost their data", damaged);
	sys_munmap((void *)base, PAGES * PAGE_SIZE);
}

/* Shared anonymous: the data survives. */
static void shared_pages(void)
{
	long addr = sys_mmap(0, PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (addr < 0) {
		rt_test("shared_kept", RT_FAIL, "shared mmap of %u pages failed: %ld", PAGES, addr);
		return;
	}
	uintptr_t base = (uintptr_t)addr;
	rt_fill_pages(base, 0, PAGES, SEED);
	long r = sys_madvise((void *)base, PAGES * PAGE_SIZE, MADV_DONTNEED);
	uint64_t damaged = rt_count_unpatterned(base, 0, PAGES, SEED);
	rt_check("shared_kept", r == 0 && damaged == 0,
		 "MADV_DONTNEED on %u shared pages returned %ld; %lu lost their data (expected none)",
		 PAGES, r, damaged);
	sys_munmap((void *)base, PAGES * PAGE_SIZE);
}

/* Advice that is only a hint, and advice that is wrong. */
static void advice_values(void)
{
	long addr = sys_mmap(0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (addr < 0) {
		rt_test("hints_accepted", RT_FAIL, "mmap of 4 pages failed: %ld", addr);
		return;
	}
	uintptr_t base = (uintptr_t)addr;
	rt_fill_pages(base, 0, 4, SEED);
	long huge = sys_madvise((void *)base, 4 * PAGE_SIZE, MADV_HUGEPAGE);
	long nohuge = sys_madvise((void *)base, 4 * PAGE_SIZE, MADV_NOHUGEPAGE);
	long normal = sys_madvise((void *)base, 4 * PAGE_SIZE, MADV_NORMAL);
	uint64_t damaged = rt_count_unpatterned(base, 0, 4, SEED);
	rt_check("hints_accepted", huge == 0 && nohuge == 0 && normal == 0 && damaged == 0,
		 "MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_NORMAL returned %ld %ld %ld; %lu pages changed",
		 huge, nohuge, normal, damaged);

	long misaligned = sys_madvise((void *)(base + 64), PAGE_SIZE, MADV_DONTNEED);
	long unknown = sys_madvise((void *)base, PAGE_SIZE, 12345);
	damaged = rt_count_unpatterned(base, 0, 4, SEED);
	rt_check("bad_advice", misaligned == -EINVAL && unknown == -EINVAL && damaged == 0,
		 "madvise at a misaligned address returned %ld, advice 12345 returned %ld (expected %d); "
		 "%lu pages changed",
		 misaligned, unknown, -EINVAL, damaged);
	sys_munmap((void *)base, 4 * PAGE_SIZE);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	private_pages();
	shared_pages();
	advice_values();
	return 0;
}
