/*
 * Address ranges that ring 3 hands the kernel: one overflow-safe test for
 * every call that takes an address and a length, and Linux's mmap_min_addr.
 *
 * The rule: a range [addr, addr + len) is inside [0, limit) when
 *     len <= limit && addr <= limit - len
 * Never compute addr + len first and compare it: the sum wraps past 2^64
 * (addr = 0x7fff00000000, len = 2^64 - 0x7fff00000000 + 4096 "ends" at
 * 4096) and every comparison after the wrap lies. Lengths rounded up to whole
 * pages wrap the same way (PAGE_ALIGN(2^64 - 1) is 0), so they go through
 * page_align_len(), which says when that happens.
 *
 * Pure (no kernel state): the same header serves the kernel, the ELF parser
 * and the host unit tests.
 */
#ifndef FAULTLINE_RANGE_H
#define FAULTLINE_RANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/page_types.h"

/*
 * Linux's mmap_min_addr (its upstream default, CONFIG_DEFAULT_MMAP_MIN_ADDR):
 * no mapping is ever created, moved or grown below it, so a NULL pointer (or
 * a small offset from one) always faults. mmap and MAP_FIXED get -EPERM,
 * a hint below it is raised to it, mremap and brk refuse, a stack does not
 * grow below it (SIGSEGV), exec refuses an ELF segment below it.
 */
#define MMAP_MIN_ADDR 0x10000ull

/* True if [addr, addr + len) lies inside [0, limit): len <= limit and
 * addr <= limit - len, never an addr + len that may have wrapped. len 0 is
 * inside when addr <= limit. */
static inline bool range_in_user(uint64_t addr, uint64_t len, uint64_t limit)
{
	return len <= limit && addr <= limit - len;
}

/* True if the ranges [a, a + alen) and [b, b + blen), both already known to
 * be inside the address space (range_in_user), share a byte. */
static inline bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* len rounded up to whole pages (Linux's PAGE_ALIGN) in *out. Returns false,
 * leaving *out 0, when the rounding wraps past 2^64 (len > 2^64 - PAGE_SIZE):
 * such a length is longer than any address space, never 0. */
static inline bool page_align_len(uint64_t len, uint64_t *out)
{
	if (len > ~(uint64_t)0 - (PAGE_SIZE - 1)) {
		*out = 0;
		return false;
	}
	*out = (len + PAGE_SIZE - 1) & PAGE_MASK;
	return true;
}

#endif
