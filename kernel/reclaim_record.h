/*
 * The `reclaim` record of a program (docs/records.md): what memory
 * pressure did while one `run =` line's processes ran - pages scanned and
 * reclaimed, swapped out and in, refaults, the compression of what went to
 * swap - as the difference of the counters since boot across the run, and
 * a line on the screen when there was any.
 */
#ifndef FAULTLINE_RECLAIM_RECORD_H
#define FAULTLINE_RECLAIM_RECORD_H

#include "kernel/kswapd.h"
#include "paging/vmscan.h"

struct reclaim_snapshot {
	struct vm_event_stats ev;
	uint64_t pswpin, pswpout;
	uint64_t kswapd_runs;
	uint64_t orig_bytes, compr_bytes;   /* the swap device's totals (0 without swap) */
	/* zram's time compressing and decompressing (paging/zram.h), TSC cycles, and its pages */
	uint64_t comp_cycles, comp_pages, decomp_cycles, decomp_pages;
};

/* The counters now; the user group's peak restarts from its usage. */
void reclaim_snapshot_take(struct reclaim_snapshot *s);

/* Writes the record of program (its counters since before) and the screen line. */
void reclaim_record_program(const char *program, const struct reclaim_snapshot *before);

#endif
