/*
 * Summary statistics of latency samples for the fault benchmarks, in integer
 * math only (ring 3 on faultline has no business touching the FPU state, and
 * the same numbers must come out on every machine).
 *
 * Percentiles are nearest-rank: the q-th (q in hundredths of a percent,
 * 5000 = p50, 9990 = p99.9) of n sorted samples is sorted[ceil(q*n/10000) - 1],
 * and sorted[0] when that rank is 0. The mean is floor(sum / n). The
 * histogram has the kernel's buckets (paging/fault_stats.h): bucket b counts
 * values in [2^b, 2^(b+1)), 0 counts in bucket 0, the last bucket takes
 * everything larger. bench/report.py computes the same things the same way.
 */
#ifndef FAULTLINE_BENCH_STATS_H
#define FAULTLINE_BENCH_STATS_H

#include <stdint.h>

#define BENCH_HIST_BUCKETS 48

struct bench_stats {
	uint64_t count;
	uint64_t min, p50, p90, p99, p999, max;
	uint64_t mean;
	uint64_t hist[BENCH_HIST_BUCKETS];
	uint32_t hist_used;          /* buckets up to and including the last non-zero one */
};

/* Sorts v[0..n) ascending in place (heapsort: no recursion, no extra memory). */
void bench_sort(uint64_t *v, uint64_t n);

/* Returns the nearest-rank q/10000 quantile of sorted[0..n); 0 when n is 0. */
uint64_t bench_quantile(const uint64_t *sorted, uint64_t n, uint32_t q);

/* Returns the histogram bucket of v: floor(log2(v)), 0 for 0, capped at the last. */
uint32_t bench_log2_bucket(uint64_t v);

/* Sorts v[0..n) in place and fills *out; all zero when n is 0. */
void bench_summarize(uint64_t *v, uint64_t n, struct bench_stats *out);

#endif
