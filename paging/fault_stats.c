/* The per-class fault counters and latency histograms (paging/fault_stats.h). */
#include "paging/fault_stats.h"
#include "paging/buddy.h"
#include "paging/page.h"
#include "base/string.h"
#include "cpu/percpu.h"
#include "cpu/smp.h"

struct fault_stats fault_stats;   /* the merged view (fault_stats_sync) */

/* SMP: each CPU accounts into its own table, reached through its
 * struct pcpu (fault_stats), so faults on different CPUs never write one
 * cache line; the boot CPU's is here, the others' come from the allocator. */
static struct fault_stats boot_cpu_stats, spare_stats;

/* Starts a table empty (min at the maximum). */
static void stats_clear(struct fault_stats *fs)
{
	memset(fs, 0, sizeof(*fs));
	for (uint32_t c = 0; c < FAULT_NR_CLASSES; c++)
		fs->cls[c].cycles_min = UINT64_MAX;
}

/* The order of the block a table takes. */
static uint32_t stats_order(void)
{
	uint32_t order = 0;
	while ((PAGE_SIZE << order) < sizeof(struct fault_stats))
		order++;
	return order;
}

/* See paging/fault_stats.h. */
struct fault_stats *fault_stats_this_cpu_slow(void)
{
	struct fault_stats *fs = &boot_cpu_stats;
	if (this_cpu_read(cpu) != 0) {
		struct page *page = alloc_pages(stats_order());
		fs = page ? (struct fault_stats *)page_address(page) : &spare_stats;
	}
	stats_clear(fs);
	this_cpu_write(fault_stats, fs);
	return fs;
}

/* See paging/fault_stats.h. */
void fault_stats_sync(void)
{
	bool spare_seen = false;
	stats_clear(&fault_stats);
	for (uint32_t cpu = 0; cpu < nr_cpu_ids; cpu++) {
		const struct fault_stats *fs = pcpu_area[cpu].fault_stats;
		if (!fs || (fs == &spare_stats && spare_seen))
			continue;   /* the spare is counted once */
		spare_seen |= fs == &spare_stats;
		for (uint32_t c = 0; c < FAULT_NR_CLASSES; c++) {
			const struct fault_class_stats *from = &fs->cls[c];
			struct fault_class_stats *to = &fault_stats.cls[c];
			to->count += from->count;
			to->cycles_total += from->cycles_total;
			to->clear_cycles += from->clear_cycles;
			to->pgtables_allocated += from->pgtables_allocated;
			if (from->cycles_min < to->cycles_min)
				to->cycles_min = from->cycles_min;
			if (from->cycles_max > to->cycles_max)
				to->cycles_max = from->cycles_max;
			for (uint32_t b = 0; b < FAULT_HIST_BUCKETS; b++)
				to->hist[b] += from->hist[b];
		}
	}
}

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
	stats_clear(&fault_stats);
	stats_clear(&spare_stats);
	for (uint32_t cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (pcpu_area[cpu].fault_stats)
			stats_clear(pcpu_area[cpu].fault_stats);
}
