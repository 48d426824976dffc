/* 64-bit multiply-divide without a compiler runtime: base/math64.h. */
#include "base/math64.h"

#define NSEC_PER_SEC 1000000000ull

/* *hi:*lo = a * b. */
static void mul_64x64_128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
	uint64_t a0 = (uint32_t)a, a1 = a >> 32;
	uint64_t b0 = (uint32_t)b, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;

	*lo = (mid << 32) | (uint32_t)p00;
	*hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* See base/math64.h. */
uint64_t mul_u64_u64_div_u64(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t hi, lo, rem, q = 0;

	if (c == 0)
		return UINT64_MAX;
	mul_64x64_128(a, b, &hi, &lo);
	if (hi == 0)
		return lo / c;
	if (hi >= c)
		return UINT64_MAX;      /* quotient >= 2^64 */
	/* Restoring long division of hi:lo by c, one quotient bit at a time. */
	rem = hi;
	for (int i = 0; i < 64; i++) {
		uint64_t top = rem >> 63;
		rem = (rem << 1) | (lo >> 63);
		lo <<= 1;
		q <<= 1;
		if (top || rem >= c) {
			rem -= c;
			q |= 1;
		}
	}
	return q;
}

/* See base/math64.h. */
uint64_t cycles_to_ns(uint64_t cycles, uint64_t hz)
{
	if (hz == 0)
		return 0;
	return cycles / hz * NSEC_PER_SEC + mul_u64_u64_div_u64(cycles % hz, NSEC_PER_SEC, hz);
}
