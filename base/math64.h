/*
 * 64-bit multiply-divide with a 128-bit intermediate, built from 32-bit
 * halves instead of unsigned __int128, so no compiler runtime helper
 * (__udivti3) is ever needed on a freestanding target: the kernel (lib/tsc.c)
 * and the vDSO (user/vdso/) compute time from the TSC with the same code,
 * so they agree to the nanosecond.
 */
#ifndef FAULTLINE_MATH64_H
#define FAULTLINE_MATH64_H

#include <stdint.h>

/* Returns a * b / c with a 128-bit intermediate, rounded down; UINT64_MAX if
 * the quotient does not fit 64 bits or c is 0. */
uint64_t mul_u64_u64_div_u64(uint64_t a, uint64_t b, uint64_t c);

/* Returns cycles of a counter running at hz in nanoseconds, rounded down,
 * exact for every input (whole seconds and the remainder apart: no overflow
 * in between; the result fits 64 bits whenever hz >= 1 GHz); 0 if hz is 0. */
uint64_t cycles_to_ns(uint64_t cycles, uint64_t hz);

#endif
