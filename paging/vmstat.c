/* The per-CPU vm event counters and their sums (paging/vmstat.h). */
#include "paging/vmstat.h"

struct vm_event_state vm_event_states[NR_CPUS];

/* The CPUs that may have counted: those with a struct pcpu in use (host
 * tests: every slot). */
static uint32_t counted_cpus(void)
{
#ifdef HOST_TEST
	return NR_CPUS;
#else
	return nr_cpu_ids;
#endif
}

/* Adds every word of each CPU's `len`-byte block at `offset` in its
 * vm_event_state into out (the blocks are arrays of uint64_t counters). */
static void sum_counters(uint64_t *out, uint64_t offset, uint64_t len)
{
	for (uint64_t w = 0; w < len / sizeof(uint64_t); w++)
		out[w] = 0;
	for (uint32_t cpu = 0; cpu < counted_cpus(); cpu++) {
		const uint64_t *in = (const uint64_t *)((const char *)&vm_event_states[cpu] + offset);
		for (uint64_t w = 0; w < len / sizeof(uint64_t); w++)
			out[w] += in[w];
	}
}

/* See paging/vmstat.h. */
void all_vm_events(struct vm_event_stats *out)
{
	sum_counters((uint64_t *)out, __builtin_offsetof(struct vm_event_state, vm), sizeof(*out));
}

/* See paging/vmstat.h. */
void all_thp_events(struct thp_events *out)
{
	sum_counters((uint64_t *)out, __builtin_offsetof(struct vm_event_state, thp), sizeof(*out));
}
