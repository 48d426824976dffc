/*
 * Page patterns: fill pages with words that say which page and which word
 * they are, and check them later, so a test sees lost data, data that moved
 * to another page, and pages that should be zero but are not.
 *
 * Pages are numbered from a region's base: page i is [base + i*4096, +4096).
 * Each word is rt_pattern_word(seed, i, w): never zero, different for every
 * (seed, page, word) with seed < 2^15, page < 2^36, w < 512.
 */
#ifndef FAULTLINE_USER_PATTERN_H
#define FAULTLINE_USER_PATTERN_H

#include <stdint.h>

/* Returns the pattern word w of page in a region filled with seed. */
uint64_t rt_pattern_word(uint32_t seed, uint64_t page, uint32_t word);

/* Fills pages [first, first+count) of the region at base with their patterns. */
void rt_fill_pages(uintptr_t base, uint64_t first, uint64_t count, uint32_t seed);

/* Returns how many of pages [first, first+count) have a word that is not their pattern. */
uint64_t rt_count_unpatterned(uintptr_t base, uint64_t first, uint64_t count, uint32_t seed);

/* Returns how many of pages [first, first+count) have a non-zero word. */
uint64_t rt_count_nonzero(uintptr_t base, uint64_t first, uint64_t count);

/*
 * Generation counters, for data that must survive reclaim and swap: page i
 * holds word 0 = gen ^ (i * golden ratio) and word 511 = i. Checks pages
 * [0, pages) of base against generation want, moves each to want + 1, and
 * returns how many were wrong.
 */
uint64_t rt_sweep_generation(uintptr_t base, uint64_t pages, uint64_t want);

#endif
