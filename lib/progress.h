/*
 * The progress bar of long work (the conformance matrix, the list of ring-3
 * programs and, inside a benchmark program, its repetitions).
 *
 *   progress_begin("matrix", cases);
 *   for each case: progress_update(i);      cheap: one compare until a step is due
 *   progress_end();
 *
 * On the framebuffer: the bottom text row is reserved as a status line and
 * the bar is redrawn there in place (the text console never scrolls for
 * it). On serial: a {"type":"progress",...} record (docs/records.md) at the
 * start, at the end, and in between only when 5 points passed or 5 seconds
 * with some change. Updates come between units of work, never from inside
 * a timed fault: between matrix cases, between programs, and from a
 * program's own introspection call between its repetitions.
 */
#ifndef FAULTLINE_PROGRESS_H
#define FAULTLINE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#define PROGRESS_RECORD_POINTS  5       /* percentage points between records */
#define PROGRESS_RECORD_SECONDS 5       /* ... or this long, if anything moved */

void progress_begin(const char *what, uint64_t total);
void progress_update(uint64_t done);
void progress_step(uint64_t done, const char *item);
bool progress_within_step(uint64_t sub_done, uint64_t sub_total);
void progress_end(void);

/* ---- pure pieces (host-tested) ---- */

/*
 * How far the work is, in permille (0..1000): done of total steps plus
 * sub_done / sub_total of the step under way (sub_total 0: none). Exact
 * for totals below 2^32, scaled down above; total 0 and done >= total are
 * 1000.
 */
uint32_t progress_permille(uint64_t done, uint64_t total, uint64_t sub_done, uint64_t sub_total);

/* The last record written: its percent and TSC, and whether there was one. */
struct progress_mark {
	bool any;
	uint32_t percent;
	uint64_t tsc;
};

/*
 * Whether a progress record is due at percent and TSC now, after the
 * record in *last: the first record, the first at 100, or PROGRESS_RECORD_POINTS
 * points past the last one, or a changed percent min_cycles (> 0) after it.
 */
bool progress_record_due(const struct progress_mark *last, uint32_t percent, uint64_t now,
			 uint64_t min_cycles);

/* The bar's filled width in pixels for permille of width (rounded down). */
uint32_t progress_bar_fill(uint32_t permille, uint32_t width);

#endif
