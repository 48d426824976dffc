/* The per-class fault counters and latency histograms (paging/fault_stats.h). */
#include "paging/fault_stats.h"
#include "base/string.h"

struct fault_stats fault_stats;

/* See paging/fault_stats.h. */
const char *fault_class_name(enum fault_class c)
{
	static const char *const names[FAULT_NR_CLASSES] = {
		"read-zero", "read-zero+pt", "write-anon", "write-anon+pt", "shared-anon",
		"cow-zero", "reuse", "cow-copy", "stack-grow", "spurious", "uaccess", "segv", "oom",
		"thp-read", "thp-write", "thp-cow-zero", "thp-fallback", "hugetlb-2m", "hugetlb-1g",
		"file-read", "file-read-major", "file-cow", "file-shared-write",
		"swap-in", "swap-in-same-filled", "swap-cache",
	};
	return (unsigned)c < FAULT_NR_CLASSES ? names[c] : "unknown";
}

/* See paging/fault_stats.h. */
void fault_stats_reset(void)
{
	memset(&fault_stats, 0, sizeof(fault_stats));
	for (uint32_t c = 0; c < FAULT_NR_CLASSES; c++)
		fault_stats.cls[c].cycles_min = UINT64_MAX;
}
