/* Summary statistics of latency samples (user/bench/stats.h). */
#include "user/bench/stats.h"
#include "base/string.h"

/* Moves v[root] down the max-heap v[0..n) until both children are smaller. */
static void sift_down(uint64_t *v, uint64_t root, uint64_t n)
{
	for (;;) {
		uint64_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && v[child + 1] > v[child])
			child++;
		if (v[root] >= v[child])
			return;
		uint64_t t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

/* See user/bench/stats.h. */
void bench_sort(uint64_t *v, uint64_t n)
{
	if (n < 2)
		return;
	for (uint64_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (uint64_t end = n - 1; end > 0; end--) {
		uint64_t t = v[0];
		v[0] = v[end];
		v[end] = t;
		sift_down(v, 0, end);
	}
}

/* See user/bench/stats.h. */
uint64_t bench_quantile(const uint64_t *sorted, uint64_t n, uint32_t q)
{
	if (n == 0)
		return 0;
	uint64_t rank = ((uint64_t)q * n + 9999) / 10000;   /* ceil(q*n/10000) */
	if (rank == 0)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

/* See user/bench/stats.h. */
uint32_t bench_log2_bucket(uint64_t v)
{
	uint32_t b = v ? 63 - (uint32_t)__builtin_clzll(v) : 0;
	return b < BENCH_HIST_BUCKETS ? b : BENCH_HIST_BUCKETS - 1;
}

/* See user/bench/stats.h. */
void bench_summarize(uint64_t *v, uint64_t n, struct bench_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (n == 0)
		return;
	uint64_t sum = 0;
	for (uint64_t i = 0; i < n; i++) {
		sum += v[i];
		out->hist[bench_log2_bucket(v[i])]++;
	}
	bench_sort(v, n);
	out->count = n;
	out->min = v[0];
	out->max = v[n - 1];
	out->p50 = bench_quantile(v, n, 5000);
	out->p90 = bench_quantile(v, n, 9000);
	out->p99 = bench_quantile(v, n, 9900);
	out->p999 = bench_quantile(v, n, 9990);
	out->mean = sum / n;
	for (uint32_t b = 0; b < BENCH_HIST_BUCKETS; b++)
		if (out->hist[b])
			out->hist_used = b + 1;
}
