/*
 * read_then_write: the first read of a fresh anonymous page maps the shared
 * zero page, and the first write after it copies on write: exactly two minor
 * faults per page that is read then written, one per page only read.
 *
 * Two halves of one mapping, PAGES pages each: half A is read then written,
 * half B only read. Then: every A page holds its own pattern, every B page
 * is still all zero (the writes to A did not land in the shared zero page).
 * On faultline the introspection syscall also shows that all read-faulted
 * pages share one frame and that the written pages got frames of their own;
 * on Linux those two checks are skipped.
 */
#include "user/rt/rt.h"

RT_PROGRAM(read_then_write);

#define PAGES 64u
#define WORDS_PER_PAGE (PAGE_SIZE / 8)
#define SEED 1u

/* Reads one word in each page; returns the minor faults it cost, ORs what it read into *seen. */
static int64_t read_pages(uintptr_t base, uint32_t pages, uint64_t *seen)
{
	uint64_t acc = 0;
	int64_t before = rt_minflt();

	for (uint32_t i = 0; i < pages; i++)
		acc |= peek64(base + i * PAGE_SIZE + (i % WORDS_PER_PAGE) * 8);

	int64_t after = rt_minflt();
	*seen = acc;
	return before < 0 ? before : after < 0 ? after : after - before;
}

/* Writes the first word of each page; returns the minor faults it cost. */
static int64_t write_pages(uintptr_t base, uint32_t pages)
{
	int64_t before = rt_minflt();

	for (uint32_t i = 0; i < pages; i++)
		poke64(base + i * PAGE_SIZE, rt_pattern_word(SEED, i, 0));

	int64_t after = rt_minflt();
	return before < 0 ? before : after < 0 ? after : after - before;
}

/* Frames backing each page (0 where the walk found none); returns 0 or -errno. */
static long describe_pages(uintptr_t base, uint32_t pages, uint64_t *pfn, uint64_t *flags)
{
	for (uint32_t i = 0; i < pages; i++) {
		struct fl_pte_info info;
		long r = fl_describe_va((const void *)(base + i * PAGE_SIZE), &info);
		if (r < 0)
			return r;
		pfn[i] = info.pfn;
		flags[i] = info.flags;
	}
	return 0;
}

static uint64_t pfn_read[2 * PAGES], flags_read[2 * PAGES];
static uint64_t pfn_written[2 * PAGES], flags_written[2 * PAGES];

/* Faultline only: every read-faulted page is the same present, read-only frame. */
static void check_zero_frame_shared(void)
{
	uint32_t other = 0, writable = 0, absent = 0;

	for (uint32_t i = 0; i < 2 * PAGES; i++) {
		if (pfn_read[i] != pfn_read[0])
			other++;
		if (flags_read[i] & FL_PTE_WRITE)
			writable++;
		if (!(flags_read[i] & FL_PTE_PRESENT))
			absent++;
	}
	rt_check("zero_pfn_shared", other == 0 && writable == 0 && absent == 0 && pfn_read[0] != 0,
		 "%u read-faulted pages: pfn of the first 0x%lx, %u with another pfn, "
		 "%u writable, %u not present (expected one shared read-only frame)",
		 2 * PAGES, pfn_read[0], other, writable, absent);
}

/* Faultline only: written pages have distinct frames, none the zero frame; B still shares it. */
static void check_cow_frames(void)
{
	uint64_t zero = pfn_read[0];
	uint32_t same_as_zero = 0, duplicates = 0, b_moved = 0;

	for (uint32_t i = 0; i < PAGES; i++) {
		if (pfn_written[i] == zero || pfn_written[i] == 0)
			same_as_zero++;
		for (uint32_t k = 0; k < i; k++)
			if (pfn_written[k] == pfn_written[i])
				duplicates++;
	}
	for (uint32_t i = PAGES; i < 2 * PAGES; i++)
		if (pfn_written[i] != zero)
			b_moved++;
	rt_check("cow_pfns_distinct", same_as_zero == 0 && duplicates == 0 && b_moved == 0,
		 "%u written pages: %u still on the zero frame 0x%lx (or none), %u duplicate pfns; "
		 "%u read-only pages no longer on it",
		 PAGES, same_as_zero, zero, duplicates, b_moved);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	uint64_t seen_warm, seen_a, seen_b;

	/* Warm-up on a throw-away mapping: faults in the measuring code and stack. */
	long warm = rt_map_small_pages(2 * PAGE_SIZE, PROT_READ | PROT_WRITE);
	if (warm >= 0) {
		read_pages((uintptr_t)warm, 2, &seen_warm);
		write_pages((uintptr_t)warm, 2);
		sys_munmap((void *)warm, 2 * PAGE_SIZE);
	}

	long addr = rt_map_small_pages(2 * PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE);
	if (addr < 0) {
		rt_test("map", RT_FAIL, "mmap of %u pages failed: %ld", 2 * PAGES, addr);
		return 0;
	}
	uintptr_t a = (uintptr_t)addr, b = a + PAGES * PAGE_SIZE;

	/* Three measured intervals: read A, read B, write A. The page-table
	 * snapshot between them is outside the intervals. */
	int64_t read_a = read_pages(a, PAGES, &seen_a);
	int64_t read_b = read_pages(b, PAGES, &seen_b);
	long described_read = fl_on_faultline() ? describe_pages(a, 2 * PAGES, pfn_read, flags_read) : 0;
	int64_t write_a = write_pages(a, PAGES);

	rt_fill_pages(a, 0, PAGES, SEED);
	long described_written = fl_on_faultline() ?
		describe_pages(a, 2 * PAGES, pfn_written, flags_written) : 0;
	uint64_t unpatterned = rt_count_unpatterned(a, 0, PAGES, SEED);
	uint64_t nonzero = rt_count_nonzero(b, 0, PAGES);

	/* Report. */
	rt_check("two_faults_per_page", read_a == PAGES && write_a == PAGES,
		 "%u pages read then written: %ld read faults + %ld write faults (expected %u + %u)",
		 PAGES, read_a, write_a, PAGES, PAGES);
	rt_check("read_only_faults", read_b == PAGES,
		 "%u pages only read: %ld faults (expected %u)", PAGES, read_b, PAGES);
	rt_check("fresh_read_zero", seen_a == 0 && seen_b == 0,
		 "first reads of fresh pages returned OR 0x%lx (half A) and 0x%lx (half B), expected 0",
		 seen_a, seen_b);
	rt_check("pattern", unpatterned == 0,
		 "%lu of %u written pages do not read back their own pattern", unpatterned, PAGES);
	rt_check("read_only_still_zero", nonzero == 0,
		 "%lu of %u read-only pages are not all zero after the neighbours were written",
		 nonzero, PAGES);

	if (!fl_on_faultline()) {
		rt_test("zero_pfn_shared", RT_SKIP, "not on faultline: no introspection syscall");
		rt_test("cow_pfns_distinct", RT_SKIP, "not on faultline: no introspection syscall");
	} else if (described_read < 0 || described_written < 0) {
		rt_test("zero_pfn_shared", RT_FAIL, "introspection failed: %ld", described_read);
		rt_test("cow_pfns_distinct", RT_FAIL, "introspection failed: %ld", described_written);
	} else {
		check_zero_frame_shared();
		check_cow_frames();
	}
	sys_munmap((void *)a, 2 * PAGES * PAGE_SIZE);
	return 0;
}
