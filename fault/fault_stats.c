/* The per-class fault counters and latency histograms (fault/fault_stats.h). */
#include "fault/fault_stats.h"
#include "lib/string.h"

struct fault_stats fault_stats;

/* See fault/fault_stats.h. */
const char *fault_class_name(enum fault_class c)
{
	static const char *const names[FAULT_NR_CLASSES] = {
		"read-zero", "read-zero+pt", "write-anon", "write-anon+pt", "shared-anon",
		"cow-zero", "reuse", "cow-copy", "stack-grow", "spurious", "uaccess", "segv", "oom",
	};
	return (unsigned)c < FAULT_NR_CLASSES ? names[c] : "unknown";
}

/* See fault/fault_stats.h. */
void fault_stats_reset(void)
{
	memset(&fault_stats, 0, sizeof(fault_stats));
}

/* Returns floor(log2(v)) for v > 0, 0 for 0, capped at the last bucket. */
static uint32_t log2_bucket(uint64_t v)
{
	uint32_t b = v ? 63 - (uint32_t)__builtin_clzll(v) : 0;
	return b < FAULT_HIST_BUCKETS ? b : FAULT_HIST_BUCKETS - 1;
}

/* See fault/fault_stats.h. */
void fault_stats_account(enum fault_class c, uint64_t cycles, uint64_t clear_cycles, uint64_t pgtables)
{
	struct fault_class_stats *s = &fault_stats.cls[c];
	if (s->count == 0 || cycles < s->cycles_min)
		s->cycles_min = cycles;
	if (cycles > s->cycles_max)
		s->cycles_max = cycles;
	s->count++;
	s->cycles_total += cycles;
	s->clear_cycles += clear_cycles;
	s->pgtables_allocated += pgtables;
	s->hist[log2_bucket(cycles)]++;
}
