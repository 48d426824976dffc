/*
 * The vm event counters (Linux's /proc/vmstat events, mm/vmstat.c): one set
 * per CPU, counted by the CPU that saw the event, summed when read.
 *
 * A CPU adds to its own set only, with plain adds: no lock, no cache line
 * shared between CPUs on the fault path. That is safe because kernel code
 * is never preempted or moved to another CPU (kernel/sched.c switches only
 * on the way back to ring 3) and no interrupt handler counts these events,
 * as Linux's __count_vm_event. Readers sum every CPU's set (all_vm_events,
 * all_thp_events); a sum taken while other CPUs count is a moment's view, as
 * /proc/vmstat is.
 */
#ifndef FAULTLINE_VMSTAT_H
#define FAULTLINE_VMSTAT_H

#include <stdint.h>

#include "cpu/percpu.h"
#include "cpu/smp.h"

/* Reclaim's counters since boot (Linux's /proc/vmstat names); a program's
 * share is the difference across it. */
struct vm_event_stats {
	uint64_t pgscan_kswapd, pgscan_direct;     /* inactive pages looked at */
	uint64_t pgsteal_kswapd, pgsteal_direct;   /* of those, freed */
	uint64_t pgactivate, pgdeactivate, pgrotated;
	uint64_t workingset_refault;               /* pages read back soon after eviction */
	uint64_t workingset_activate;              /* of those, put on the active list */
	uint64_t kswapd_wakeups;                   /* kswapd woken below the low watermark */
	uint64_t allocstall;                       /* direct reclaims below the min watermark */
	uint64_t memcg_reclaims;                   /* direct reclaims at mem_limit */
	uint64_t memcg_oom;                        /* charges that failed: the OOM killer's */
	uint64_t file_writeback;                   /* dirty file pages written back by reclaim */
	uint64_t pageout;                          /* pages reclaimed by MADV_PAGEOUT */
	uint64_t swapout_orig_bytes;               /* pages swapped out (not same-filled), in bytes */
	uint64_t swapout_compr_bytes;              /* what they took in the zram pool */
};

/* Linux's THP vm events (/proc/vmstat thp_*), since boot. */
struct thp_events {
	uint64_t fault_alloc;       /* THPs made by faults (new or CoW of the huge zero page) */
	uint64_t fault_fallback;    /* faults that wanted a THP and mapped 4 KiB pages */
	uint64_t zero_page_alloc;   /* the huge zero page allocated (once) */
	uint64_t split_pmd;         /* pmd leaves split into 512 ptes */
};

/* One CPU's counters, a cache line apart from the next CPU's. */
struct vm_event_state {
	struct vm_event_stats vm;
	struct thp_events thp;
} __attribute__((aligned(64)));

extern struct vm_event_state vm_event_states[NR_CPUS];

/* Adds n to this CPU's counter `item` (a field of struct vm_event_stats). */
#define count_vm_events(item, n) (vm_event_states[smp_processor_id()].vm.item += (n))
#define count_vm_event(item)     count_vm_events(item, 1)

/* Adds one to this CPU's THP counter `item` (a field of struct thp_events). */
#define count_thp_event(item)    (vm_event_states[smp_processor_id()].thp.item++)

/* *out = the sum of every CPU's reclaim counters. */
void all_vm_events(struct vm_event_stats *out);

/* *out = the sum of every CPU's THP counters. */
void all_thp_events(struct thp_events *out);

#endif
