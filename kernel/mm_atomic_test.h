/*
 * The failure-atomicity self-test of the memory calls: every mm call either
 * completes or changes nothing, proven by failing each of its allocations in
 * turn (fault injection, paging/buddy.h). One `test` record per kind of call
 * (mm_atomic.*) with the number of injection points tried, and
 * mm_atomic.no_frame_leaked over the whole run.
 */
#ifndef FAULTLINE_MM_ATOMIC_TEST_H
#define FAULTLINE_MM_ATOMIC_TEST_H

/* Runs every case; needs the zero page and the allocators up. A few ms. */
void run_mm_atomic_test(void);

#endif
