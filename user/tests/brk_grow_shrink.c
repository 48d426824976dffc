/*
 * brk_grow_shrink: the program break. brk(0) reports it; growing it maps
 * zero-filled, writable memory up to the new break; shrinking it unmaps the
 * cut pages (growing again gives zeroes, not the old data); a request below
 * the initial break is refused by returning the break unchanged.
 */
#include "user/rt/rt.h"

RT_PROGRAM(brk_grow_shrink);

#define GROW (64u * 1024u)
#define SEED 17u

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	long start = sys_brk(0);
	long again = sys_brk(0);
	if (!rt_check("query", start > 0 && again == start,
		      "brk(0) returned 0x%lx, then 0x%lx", start, again))
		return 0;
	uintptr_t s = (uintptr_t)start;
	/* The break need not be page-aligned; the pages we fill start at the next boundary. */
	uintptr_t first_page = (s + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint32_t pages = (uint32_t)((s + GROW - first_page) / PAGE_SIZE);

	long grown = sys_brk((void *)(s + GROW));
	uint64_t nonzero = grown == (long)(s + GROW) ? rt_count_nonzero(first_page, 0, pages) : pages;
	if (grown == (long)(s + GROW))
		rt_fill_pages(first_page, 0, pages, SEED);
	uint64_t unpatterned = grown == (long)(s + GROW) ? rt_count_unpatterned(first_page, 0, pages, SEED) : pages;
	rt_check("grow", grown == (long)(s + GROW) && nonzero == 0 && unpatterned == 0,
		 "brk(start + %u KiB) returned 0x%lx (expected 0x%lx); of %u new pages %lu not zero, "
		 "%lu did not keep what was written",
		 GROW / 1024, grown, s + GROW, pages, nonzero, unpatterned);

	long shrunk = sys_brk((void *)s);
	uint32_t still_mapped = 0;
	for (uint32_t i = 0; i < pages; i++)
		if (rt_page_is_mapped((const void *)(first_page + i * PAGE_SIZE)) != 0)
			still_mapped++;
	rt_check("shrink", shrunk == (long)s && still_mapped == 0,
		 "brk(start) returned 0x%lx (expected 0x%lx); %u of %u cut pages still mapped",
		 shrunk, s, still_mapped, pages);

	long regrown = sys_brk((void *)(s + GROW));
	nonzero = regrown == (long)(s + GROW) ? rt_count_nonzero(first_page, 0, pages) : pages;
	rt_check("regrow_zero", regrown == (long)(s + GROW) && nonzero == 0,
		 "growing again returned 0x%lx; %lu of %u pages hold old data (expected all zero)",
		 regrown, nonzero, pages);

	long below = sys_brk((void *)(s - 16 * PAGE_SIZE));
	rt_check("below_start_refused", below == (long)(s + GROW),
		 "brk(start - 16 pages) returned 0x%lx (expected the current break 0x%lx)",
		 below, s + GROW);

	sys_brk((void *)s);
	return 0;
}
