/*
 * How the conformance matrix's cases are dealt out to CPUs (the parallel
 * matrix, checks/matrix_parallel.c). Pure: host-tested by
 * tests/unit/test_matrix_slice.c.
 *
 * A run takes the cases 0, k, 2k, ... of its space (k the stride: 1 = all,
 * checks/matrix.h). With n slices, slice i takes every n-th of those from
 * the i-th: cases i k, (i + n) k, (i + 2n) k, ... -- in the enumerator's
 * terms (access_model_enumerate_every) first = i k, step = n k. The slices
 * are disjoint and together are exactly the serial run's cases, for any n
 * (a slice past the last case is empty); dealing one by one rather than in
 * blocks spreads every kind of case (ring 3, NXE = 0, large leaves: the
 * slow ones sit together in enumeration order) evenly over the CPUs.
 */
#ifndef FAULTLINE_CHECKS_MATRIX_SLICE_H
#define FAULTLINE_CHECKS_MATRIX_SLICE_H

#include <stdint.h>

struct matrix_slice {
	uint64_t first;         /* index of its first case in the space's enumeration */
	uint64_t step;          /* distance to its next one */
};

/* Slice index (0 .. count - 1) of count over the cases 0, stride, 2 stride, ... (stride, count >= 1). */
static inline struct matrix_slice matrix_slice_of(uint64_t stride, uint32_t count, uint32_t index)
{
	return (struct matrix_slice){ (uint64_t)index * stride, (uint64_t)count * stride };
}

/* How many of a space's total cases slice s holds. */
static inline uint64_t matrix_slice_cases(struct matrix_slice s, uint64_t total)
{
	return s.first < total ? (total - s.first + s.step - 1) / s.step : 0;
}

#endif
