/*
 * thp_fault_count: transparent huge pages as a program sees them. In a
 * 2 MiB-aligned region advised MADV_HUGEPAGE, writing every 4 KiB page of
 * 4 MiB costs 2 minor faults (one per 2 MiB) where THP is on, and the
 * neighbour pages of a THP never fault; the same region advised
 * MADV_NOHUGEPAGE costs one fault per 4 KiB page. Reading first maps the
 * huge zero page (all zeros, one fault per 2 MiB); writing then gives each
 * page its own data. On faultline, introspection also shows the 2 MiB leaf
 * (one TLB entry's worth: FL_PTE_HUGE, the pmd the last entry of the walk)
 * with A and D set, and that the read mapped the huge zero page.
 *
 * The fault counts need THP on: on a Linux whose THP is "never" they are
 * recorded as skipped, with why.
 */
#include "user/rt/rt.h"

RT_PROGRAM(thp_fault_count);

#define MB (1ul << 20)

/* Writes one byte into each 4 KiB page of [a, a + len): the faults it took. */
static int64_t write_each_page(uintptr_t a, size_t len, uint8_t seed)
{
	int64_t before = rt_minflt();
	for (uintptr_t p = a; p < a + len; p += PAGE_SIZE)
		poke8(p, (uint8_t)(seed + (p >> 12)));
	return rt_minflt() - before;
}

/* Pages of [a, a + len) whose first byte is what write_each_page(seed) wrote. */
static uint64_t pages_holding(uintptr_t a, size_t len, uint8_t seed)
{
	uint64_t n = 0;
	for (uintptr_t p = a; p < a + len; p += PAGE_SIZE)
		n += peek8(p) == (uint8_t)(seed + (p >> 12));
	return n;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	int thp = rt_thp_enabled();
	long a = rt_map_thp_region(4 * MB);
	if (!rt_check("map", a > 0, "mmap + MADV_HUGEPAGE of 4 MiB at a 2 MiB boundary returned %ld", a))
		return 0;
	/* Warm-up: the code and stack the measurement uses. */
	long warm = rt_map_small_pages(2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	write_each_page((uintptr_t)warm, 2 * PAGE_SIZE, 1);

	int64_t faults = write_each_page((uintptr_t)a, 4 * MB, 3);
	uint64_t kept = pages_holding((uintptr_t)a, 4 * MB, 3);
	if (thp == 1)
		rt_check("one_fault_per_2mib", faults == 2 && kept == 1024,
			 "1024 pages of a MADV_HUGEPAGE region written: %ld minor faults (expected 2), %lu pages hold "
			 "their byte", (long)faults, (unsigned long)kept);
	else
		rt_test("one_fault_per_2mib", RT_SKIP, "THP is off here (%d): %ld faults for 1024 pages", thp,
			(long)faults);

	struct fl_pte_info info;
	if (fl_describe_va((void *)(a + 3 * MB + 5 * PAGE_SIZE), &info) == 0) {
		uint64_t pmd = info.entry[info.levels - 2];
		rt_check("pmd_leaf", (info.flags & FL_PTE_HUGE) && !(info.flags & FL_PTE_HUGE_1G) &&
			 info.entry[info.levels - 1] == 0 && (pmd & 0x80) && (pmd & 0x20) && (pmd & 0x40),
			 "the page 3 MiB + 20 KiB into the region: flags 0x%lx, pmd 0x%lx (expected a 2 MiB leaf, "
			 "PS, A and D set, no pte)", (unsigned long)info.flags, (unsigned long)pmd);
	} else {
		rt_test("pmd_leaf", RT_SKIP, "no introspection off faultline");
	}

	/* Read first: the huge zero page, then a write gives pages their own data. */
	long b = rt_map_thp_region(2 * MB);
	int64_t before = rt_minflt();
	uint64_t zeros = 0;
	for (uintptr_t p = (uintptr_t)b; p < (uintptr_t)b + 2 * MB; p += PAGE_SIZE)
		zeros += peek64(p) == 0;
	int64_t read_faults = rt_minflt() - before;
	if (thp == 1)
		rt_check("read_maps_huge_zero_page", zeros == 512 && read_faults == 1,
			 "512 pages read: %lu zero, %ld minor faults (expected 1)", (unsigned long)zeros,
			 (long)read_faults);
	else
		rt_test("read_maps_huge_zero_page", RT_SKIP, "THP is off here (%d)", thp);
	if (fl_describe_va((void *)b, &info) == 0)
		rt_check("huge_zero_page_read_only", (info.flags & FL_PTE_ZERO_PAGE) && (info.flags & FL_PTE_HUGE) &&
			 !(info.flags & FL_PTE_WRITE), "after reads: flags 0x%lx", (unsigned long)info.flags);
	else
		rt_test("huge_zero_page_read_only", RT_SKIP, "no introspection off faultline");
	write_each_page((uintptr_t)b, 2 * MB, 7);
	rt_check("write_after_read", pages_holding((uintptr_t)b, 2 * MB, 7) == 512 &&
		 pages_holding((uintptr_t)a, 4 * MB, 3) == 1024,
		 "after writing the read region: its pages and the first region's hold their bytes");

	/* MADV_NOHUGEPAGE: one fault per 4 KiB page. */
	long c = rt_map_thp_region(2 * MB);
	sys_madvise((void *)c, 2 * MB, MADV_NOHUGEPAGE);
	int64_t small = write_each_page((uintptr_t)c, 2 * MB, 9);
	rt_check("nohugepage_faults_per_page", small == 512, "512 pages of a MADV_NOHUGEPAGE region written: %ld "
		 "minor faults (expected 512)", (long)small);
	return 0;
}
