/*
 * mmap_fixed: MAP_FIXED puts a new mapping exactly where asked and replaces
 * whatever was there (the replaced pages read as zero again, their old data
 * is gone, the pages around keep theirs); MAP_FIXED_NOREPLACE refuses with
 * -EEXIST when any page of the range is mapped and leaves it untouched, and
 * succeeds at exactly the address on a free range.
 */
#include "user/rt/rt.h"

RT_PROGRAM(mmap_fixed);

#define SEED 3u
#define RW (PROT_READ | PROT_WRITE)
#define ANON_PRIVATE (MAP_PRIVATE | MAP_ANONYMOUS)

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	/* 8 filled pages, then a free 8-page gap above them (reserved, then released). */
	long addr = sys_mmap(0, 16 * PAGE_SIZE, RW, ANON_PRIVATE, -1, 0);
	if (addr < 0) {
		rt_test("setup", RT_FAIL, "mmap of 16 pages failed: %ld", addr);
		return 0;
	}
	uintptr_t base = (uintptr_t)addr;
	uintptr_t gap = base + 8 * PAGE_SIZE;
	sys_munmap((void *)gap, 8 * PAGE_SIZE);
	rt_fill_pages(base, 0, 8, SEED);

	/* MAP_FIXED over pages 2..5 of the filled mapping. */
	long fixed = sys_mmap((void *)(base + 2 * PAGE_SIZE), 4 * PAGE_SIZE, RW,
			      ANON_PRIVATE | MAP_FIXED, -1, 0);
	uint64_t replaced_nonzero = rt_count_nonzero(base, 2, 4);
	uint64_t kept_damaged = rt_count_unpatterned(base, 0, 2, SEED) +
				rt_count_unpatterned(base, 6, 2, SEED);
	rt_fill_pages(base, 2, 4, SEED + 1);  /* the new pages are writable and hold data */
	uint64_t new_unpatterned = rt_count_unpatterned(base, 2, 4, SEED + 1);

	/* MAP_FIXED_NOREPLACE: on a mapped page, across the end of the mapping, on free pages. */
	long over_page = sys_mmap((void *)base, PAGE_SIZE, RW, ANON_PRIVATE | MAP_FIXED_NOREPLACE, -1, 0);
	long over_end = sys_mmap((void *)(base + 7 * PAGE_SIZE), 2 * PAGE_SIZE, RW,
				 ANON_PRIVATE | MAP_FIXED_NOREPLACE, -1, 0);
	uint64_t after_refusal = rt_count_unpatterned(base, 0, 2, SEED) +
				 rt_count_unpatterned(base, 2, 4, SEED + 1) +
				 rt_count_unpatterned(base, 6, 2, SEED);
	long on_free = sys_mmap((void *)(gap + 2 * PAGE_SIZE), 2 * PAGE_SIZE, RW,
				ANON_PRIVATE | MAP_FIXED_NOREPLACE, -1, 0);
	uint64_t free_nonzero = on_free == (long)(gap + 2 * PAGE_SIZE) ?
		rt_count_nonzero(gap, 2, 2) : 2;

	/* MAP_FIXED needs a page-aligned address. */
	long misaligned = sys_mmap((void *)(gap + 16), PAGE_SIZE, RW, ANON_PRIVATE | MAP_FIXED, -1, 0);

	rt_check("fixed_address", fixed == (long)(base + 2 * PAGE_SIZE),
		 "MAP_FIXED at 0x%lx returned 0x%lx", base + 2 * PAGE_SIZE, fixed);
	rt_check("fixed_replaces_with_zero", replaced_nonzero == 0,
		 "%lu of 4 pages replaced by MAP_FIXED still hold old data (expected all zero)",
		 replaced_nonzero);
	rt_check("fixed_keeps_neighbours", kept_damaged == 0,
		 "%lu of the 4 pages around the MAP_FIXED range lost their data", kept_damaged);
	rt_check("fixed_new_pages_usable", new_unpatterned == 0,
		 "%lu of 4 MAP_FIXED pages did not keep what was written", new_unpatterned);
	rt_check("noreplace_existing", over_page == -EEXIST,
		 "MAP_FIXED_NOREPLACE on a mapped page returned %ld (expected %d)", over_page, -EEXIST);
	rt_check("noreplace_partial_overlap", over_end == -EEXIST,
		 "MAP_FIXED_NOREPLACE over the last mapped page and a free one returned %ld (expected %d)",
		 over_end, -EEXIST);
	rt_check("noreplace_leaves_data", after_refusal == 0,
		 "%lu of 8 pages changed after the refused MAP_FIXED_NOREPLACE calls", after_refusal);
	rt_check("noreplace_free_range", on_free == (long)(gap + 2 * PAGE_SIZE) && free_nonzero == 0,
		 "MAP_FIXED_NOREPLACE on free 0x%lx returned 0x%lx; %lu of its 2 pages not zero",
		 gap + 2 * PAGE_SIZE, on_free, free_nonzero);
	rt_check("fixed_misaligned", misaligned == -EINVAL,
		 "MAP_FIXED at a misaligned address returned %ld (expected %d)", misaligned, -EINVAL);

	sys_munmap((void *)base, 16 * PAGE_SIZE);
	return 0;
}
