/*
 * munmap_neighbours: unmapping pages or whole mappings leaves the data of
 * their neighbours alone, and leaves exactly the asked-for pages unmapped.
 *
 * Part 1, holes in one mapping: 16 filled pages; unmap page 5, pages 8-9 and
 * the two end pages. Every other page keeps its pattern; the unmapped ones
 * are gone (probed without touching them, see rt_page_is_mapped).
 * Part 2, neighbouring mappings: A (private), B (shared), C (private), 4 pages
 * each, back to back. Unmap B; then one munmap from A's last page over the
 * hole to C's first page. What is left of A and C keeps its pattern.
 * Part 3, argument checks: a misaligned address and a zero length are -EINVAL.
 */
#include "user/rt/rt.h"

RT_PROGRAM(munmap_neighbours);

#define SEED 7u
#define MAP_ANON_PRIVATE (MAP_PRIVATE | MAP_ANONYMOUS)

/* Counts pages in [first, first+count) of base whose mapped state is not want (errors count too). */
static uint32_t count_mapped_state_wrong(uintptr_t base, uint32_t first, uint32_t count, int want)
{
	uint32_t wrong = 0;

	for (uint32_t i = first; i < first + count; i++)
		if (rt_page_is_mapped((const void *)(base + i * PAGE_SIZE)) != want)
			wrong++;
	return wrong;
}

/* Part 1: holes punched into one 16-page mapping. */
static void holes_in_one_mapping(void)
{
	/* Pages unmapped: 0, 5, 8, 9, 15. Kept: 1-4, 6, 7, 10-14. */
	static const uint8_t kept[] = { 1, 2, 3, 4, 6, 7, 10, 11, 12, 13, 14 };
	static const uint8_t gone[] = { 0, 5, 8, 9, 15 };
	long addr = rt_map_small_pages(16 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	uint64_t damaged = 0;
	uint32_t wrong_kept = 0, wrong_gone = 0;
	long r[4];

	if (addr < 0) {
		rt_test("holes", RT_FAIL, "mmap of 16 pages failed: %ld", addr);
		return;
	}
	uintptr_t base = (uintptr_t)addr;
	rt_fill_pages(base, 0, 16, SEED);

	r[0] = sys_munmap((void *)(base + 5 * PAGE_SIZE), PAGE_SIZE);
	r[1] = sys_munmap((void *)(base + 8 * PAGE_SIZE), 2 * PAGE_SIZE);
	r[2] = sys_munmap((void *)base, PAGE_SIZE);
	r[3] = sys_munmap((void *)(base + 15 * PAGE_SIZE), PAGE_SIZE);

	for (uint32_t k = 0; k < sizeof(kept); k++) {
		damaged += rt_count_unpatterned(base, kept[k], 1, SEED);
		wrong_kept += count_mapped_state_wrong(base, kept[k], 1, 1);
	}
	for (uint32_t k = 0; k < sizeof(gone); k++)
		wrong_gone += count_mapped_state_wrong(base, gone[k], 1, 0);

	rt_check("holes_calls", r[0] == 0 && r[1] == 0 && r[2] == 0 && r[3] == 0,
		 "munmap of page 5, pages 8-9, page 0, page 15 returned %ld %ld %ld %ld (expected 0)",
		 r[0], r[1], r[2], r[3]);
	rt_check("holes_data", damaged == 0,
		 "%lu of 11 remaining pages lost their pattern after 4 holes were punched", damaged);
	rt_check("holes_mapped", wrong_kept == 0 && wrong_gone == 0,
		 "%u of 11 kept pages are not mapped, %u of 5 unmapped pages still are",
		 wrong_kept, wrong_gone);

	sys_munmap((void *)base, 16 * PAGE_SIZE);
}

/* Part 2: three neighbouring mappings A | B | C of 4 pages each. */
static void neighbouring_mappings(void)
{
	long region = sys_mmap(0, 12 * PAGE_SIZE, PROT_NONE, MAP_ANON_PRIVATE, -1, 0);
	long a, b, c, r_b, r_span;

	if (region < 0) {
		rt_test("neighbours", RT_FAIL, "mmap of a 12-page region failed: %ld", region);
		return;
	}
	uintptr_t base = (uintptr_t)region;
	a = sys_mmap((void *)base, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_ANON_PRIVATE | MAP_FIXED, -1, 0);
	b = sys_mmap((void *)(base + 4 * PAGE_SIZE), 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	c = sys_mmap((void *)(base + 8 * PAGE_SIZE), 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_ANON_PRIVATE | MAP_FIXED, -1, 0);
	if (!rt_check("neighbours_map", a == (long)base && b == (long)(base + 4 * PAGE_SIZE) &&
			  c == (long)(base + 8 * PAGE_SIZE),
		      "MAP_FIXED A, B (shared), C at 0x%lx +0/+4/+8 pages returned 0x%lx 0x%lx 0x%lx",
		      base, a, b, c)) {
		sys_munmap((void *)base, 12 * PAGE_SIZE);
		return;
	}
	rt_fill_pages(base, 0, 12, SEED);

	/* Unmap B whole: A and C keep everything. */
	r_b = sys_munmap((void *)(base + 4 * PAGE_SIZE), 4 * PAGE_SIZE);
	uint64_t damaged_a = rt_count_unpatterned(base, 0, 4, SEED);
	uint64_t damaged_c = rt_count_unpatterned(base, 8, 4, SEED);
	uint32_t b_left = count_mapped_state_wrong(base, 4, 4, 0);
	rt_check("unmap_middle_mapping", r_b == 0 && damaged_a == 0 && damaged_c == 0 && b_left == 0,
		 "munmap of shared B returned %ld; pages damaged: %lu of A, %lu of C; "
		 "%u of B's 4 pages still mapped",
		 r_b, damaged_a, damaged_c, b_left);

	/* One call from A's last page over the hole to C's first page. */
	r_span = sys_munmap((void *)(base + 3 * PAGE_SIZE), 6 * PAGE_SIZE);
	damaged_a = rt_count_unpatterned(base, 0, 3, SEED);
	damaged_c = rt_count_unpatterned(base, 9, 3, SEED);
	uint32_t wrong_left = count_mapped_state_wrong(base, 0, 3, 1) +
			      count_mapped_state_wrong(base, 9, 3, 1);
	uint32_t wrong_gone = count_mapped_state_wrong(base, 3, 6, 0);
	rt_check("unmap_across_hole", r_span == 0 && damaged_a == 0 && damaged_c == 0 &&
			 wrong_left == 0 && wrong_gone == 0,
		 "munmap of 6 pages from A's last page over the hole to C's first returned %ld; "
		 "damaged: %lu of A's 3 left, %lu of C's 3 left; %u left pages unmapped, "
		 "%u cut pages still mapped",
		 r_span, damaged_a, damaged_c, wrong_left, wrong_gone);

	sys_munmap((void *)base, 12 * PAGE_SIZE);
}

/* Part 3: munmap's argument checks. */
static void bad_arguments(void)
{
	long addr = rt_map_small_pages(2 * PAGE_SIZE, PROT_READ | PROT_WRITE);

	if (addr < 0) {
		rt_test("bad_arguments", RT_FAIL, "mmap of 2 pages failed: %ld", addr);
		return;
	}
	rt_fill_pages((uintptr_t)addr, 0, 2, SEED);
	long misaligned = sys_munmap((void *)(addr + 8), PAGE_SIZE);
	long zero_len = sys_munmap((void *)addr, 0);
	uint64_t damaged = rt_count_unpatterned((uintptr_t)addr, 0, 2, SEED);
	rt_check("bad_arguments", misaligned == -EINVAL && zero_len == -EINVAL && damaged == 0,
		 "munmap(addr+8) returned %ld, munmap(len 0) returned %ld (expected %d, %d); "
		 "%lu of 2 pages damaged",
		 misaligned, zero_len, -EINVAL, -EINVAL, damaged);
	sys_munmap((void *)addr, 2 * PAGE_SIZE);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	holes_in_one_mapping();
	neighbouring_mappings();
	bad_arguments();
	return 0;
}
