/* Page patterns (see user/rt/pattern.h). */
#include "user/rt/pattern.h"
#include "user/rt/mm.h"

#define WORDS_PER_PAGE (PAGE_SIZE / 8)

/* See user/rt/pattern.h. Bit 63 set, seed in 62..48, page in 47..12, word in 11..0. */
uint64_t rt_pattern_word(uint32_t seed, uint64_t page, uint32_t word)
{
	return 0x8000000000000000ull | ((uint64_t)(seed & 0x7fff) << 48) |
	       ((page & 0xfffffffffull) << 12) | (word & 0xfff);
}

/* See user/rt/pattern.h. */
void rt_fill_pages(uintptr_t base, uint64_t first, uint64_t count, uint32_t seed)
{
	for (uint64_t i = first; i < first + count; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(base + i * PAGE_SIZE);
		for (uint32_t w = 0; w < WORDS_PER_PAGE; w++)
			p[w] = rt_pattern_word(seed, i, w);
	}
}

/* See user/rt/pattern.h. */
uint64_t rt_count_unpatterned(uintptr_t base, uint64_t first, uint64_t count, uint32_t seed)
{
	uint64_t bad = 0;

	for (uint64_t i = first; i < first + count; i++) {
		const volatile uint64_t *p = (const volatile uint64_t *)(base + i * PAGE_SIZE);
		for (uint32_t w = 0; w < WORDS_PER_PAGE; w++)
			if (p[w] != rt_pattern_word(seed, i, w)) {
				bad++;
				break;
			}
	}
	return bad;
}

/* See user/rt/pattern.h. */
uint64_t rt_count_nonzero(uintptr_t base, uint64_t first, uint64_t count)
{
	uint64_t bad = 0;

	for (uint64_t i = first; i < first + count; i++) {
		const volatile uint64_t *p = (const volatile uint64_t *)(base + i * PAGE_SIZE);
		for (uint32_t w = 0; w < WORDS_PER_PAGE; w++)
			if (p[w] != 0) {
				bad++;
				break;
			}
	}
	return bad;
}

/* See user/rt/pattern.h. */
uint64_t rt_sweep_generation(uintptr_t base, uint64_t pages, uint64_t want)
{
	uint64_t bad = 0;
	for (uint64_t i = 0; i < pages; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(base + i * PAGE_SIZE);
		bad += p[0] != (want ^ (i * 0x9e3779b97f4a7c15ull)) || p[511] != i;
		p[0] = (want + 1) ^ (i * 0x9e3779b97f4a7c15ull);
	}
	return bad;
}
