/*
 * thp_partial: cutting into a transparent huge page keeps the rest. Three
 * 2 MiB regions advised MADV_HUGEPAGE are written page by page; then
 *   - munmap of 4 pages in the middle of the first: those are gone, the
 *     other 508 keep their data;
 *   - mprotect(PROT_READ) of 8 pages in the middle of the second: every page
 *     keeps its data, the pages around stay writable;
 *   - MADV_DONTNEED of 16 pages in the middle of the third: those read as
 *     zeros, the others keep their data;
 *   - mremap of the whole third region elsewhere moves its data.
 * Linux splits the huge page in each case (faultline's split_huge_pmd); with
 * THP off the same holds for 4 KiB pages, so the checks run everywhere.
 */
#include "user/rt/rt.h"

RT_PROGRAM(thp_partial);

#define MB (1ul << 20)

static uint8_t byte_for(uintptr_t region, uintptr_t p) { return (uint8_t)(0x40 + ((p - region) >> 12)); }

static void fill(uintptr_t a)
{
	for (uintptr_t p = a; p < a + 2 * MB; p += PAGE_SIZE)
		poke8(p, byte_for(a, p));
}

/* Pages of [from, to) of region holding their byte. */
static uint64_t holding(uintptr_t region, uintptr_t from, uintptr_t to)
{
	uint64_t n = 0;
	for (uintptr_t p = from; p < to; p += PAGE_SIZE)
		n += peek8(p) == byte_for(region, p);
	return n;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long r = rt_map_thp_region(6 * MB);
	if (!rt_check("map", r > 0, "mmap + MADV_HUGEPAGE of 6 MiB returned %ld", r))
		return 0;
	uintptr_t a = (uintptr_t)r, b = a + 2 * MB, c = a + 4 * MB;
	fill(a), fill(b), fill(c);

	long u = sys_munmap((void *)(a + 100 * PAGE_SIZE), 4 * PAGE_SIZE);
	uint64_t kept = holding(a, a, a + 100 * PAGE_SIZE) + holding(a, a + 104 * PAGE_SIZE, a + 2 * MB);
	int gone = rt_page_is_mapped((void *)(a + 101 * PAGE_SIZE));
	rt_check("munmap_middle_keeps_rest", u == 0 && kept == 508 && gone == 0,
		 "munmap of 4 pages inside a THP returned %ld; %lu of the other 508 pages kept their data; "
		 "an unmapped page is %s", u, (unsigned long)kept, gone == 0 ? "gone" : "still mapped");

	long p = sys_mprotect((void *)(b + 8 * PAGE_SIZE), 8 * PAGE_SIZE, PROT_READ);
	poke8(b + 7 * PAGE_SIZE, byte_for(b, b + 7 * PAGE_SIZE));
	poke8(b + 16 * PAGE_SIZE, byte_for(b, b + 16 * PAGE_SIZE));
	uint64_t kept_b = holding(b, b, b + 2 * MB);
	rt_check("mprotect_middle_keeps_data", p == 0 && kept_b == 512,
		 "mprotect(PROT_READ) of 8 pages inside a THP returned %ld; %lu of 512 pages kept their data, "
		 "the neighbours stayed writable", p, (unsigned long)kept_b);
	sys_mprotect((void *)(b + 8 * PAGE_SIZE), 8 * PAGE_SIZE, PROT_READ | PROT_WRITE);

	long d = sys_madvise((void *)(c + 16 * PAGE_SIZE), 16 * PAGE_SIZE, MADV_DONTNEED);
	uint64_t zeros = 0;
	for (uintptr_t q = c + 16 * PAGE_SIZE; q < c + 32 * PAGE_SIZE; q += PAGE_SIZE)
		zeros += peek64(q) == 0;
	uint64_t kept_c = holding(c, c, c + 16 * PAGE_SIZE) + holding(c, c + 32 * PAGE_SIZE, c + 2 * MB);
	rt_check("dontneed_middle_zeroes_only_it", d == 0 && zeros == 16 && kept_c == 496,
		 "MADV_DONTNEED of 16 pages inside a THP returned %ld; %lu of them read zero, %lu of the other "
		 "496 kept their data", d, (unsigned long)zeros, (unsigned long)kept_c);

	/* Move the first region (split by the munmap) and the second (whole again) together. */
	sys_munmap((void *)c, 2 * MB);
	long m = sys_mremap((void *)b, 2 * MB, 2 * MB, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)(c + 2 * MB + 4 * PAGE_SIZE));
	uintptr_t to = c + 2 * MB + 4 * PAGE_SIZE;
	uint64_t moved = 0;
	for (uintptr_t q = 0; q < 2 * MB; q += PAGE_SIZE)
		moved += peek8(to + q) == byte_for(b, b + q);
	rt_check("mremap_moves_data", m == (long)to && moved == 512,
		 "mremap of a 2 MiB THP region to an unaligned address returned 0x%lx (expected 0x%lx); %lu of 512 "
		 "pages moved their data", (unsigned long)m, (unsigned long)to, (unsigned long)moved);
	return 0;
}
