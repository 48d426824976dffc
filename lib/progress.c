/*
 * The progress bar (lib/progress.h).
 *
 * One piece of work at a time has a bar: `what` (matrix, programs), done of
 * total steps, the item under way (a program's name) and how far that step
 * is by its own account (sub_done of sub_total). The fraction is kept in
 * permille. Updates are cheap until a redraw could be due: progress_update
 * compares done with next_check (a thousandth of the total further on) and
 * returns.
 *
 * The status line, left to right: the label ("programs 3/8 bench_write_first"),
 * the bar (a dark track, filled in the bar colour up to the fraction), the
 * percent. It is redrawn only when the permille or the label changed, in the
 * status row lib/fbcon.c keeps out of the scrolling text. The serial record
 * follows the rate limit of progress_record_due.
 */
#include "lib/progress.h"
#include "cpu/x86.h"
#include "lib/fbcon.h"
#include "base/format.h"
#include "lib/record.h"
#include "base/string.h"
#include "lib/tsc.h"

#define PROGRESS_TEXT_RGB  0xc0c0c0
#define PROGRESS_BG_RGB    0x000000
#define PROGRESS_TRACK_RGB 0x303030
#define PROGRESS_BAR_RGB   0x2e8b57   /* the integration test looks for this colour */
#define PROGRESS_LABEL_COLS 40
#define PROGRESS_STEPS 1000           /* progress_update looks again every 1/1000 of the total */

static struct progress {
	bool active;
	char what[24];
	char item[40];
	uint64_t done, total;
	uint64_t sub_done, sub_total;
	uint64_t next_check;
	uint64_t start_tsc, end_tsc;
	uint32_t drawn_permille;     /* what the status line shows; UINT32_MAX: redraw */
	struct progress_mark recorded;
} bar;

/* ---- pure pieces -------------------------------------------------------- */

/* See lib/progress.h. */
uint32_t progress_permille(uint64_t done, uint64_t total, uint64_t sub_done, uint64_t sub_total)
{
	if (total == 0 || done >= total)
		return 1000;
	while (total >> 32) {          /* done < total: both fit 32 bits after this */
		total >>= 1;
		done >>= 1;
	}
	while (sub_total >> 32) {
		sub_total >>= 1;
		sub_done >>= 1;
	}
	uint64_t within = 0;
	if (sub_total)
		within = (sub_done < sub_total ? sub_done : sub_total) * 1000 / sub_total;
	uint64_t permille = (done * 1000 + within) / total;
	return permille > 999 ? 999 : (uint32_t)permille;  /* 1000 only when every step is done */
}

/* See lib/progress.h. */
bool progress_record_due(const struct progress_mark *last, uint32_t percent, uint64_t now,
			 uint64_t min_cycles)
{
	if (!last->any)
		return true;
	if (percent == last->percent)
		return false;
	if (percent == 100 || percent >= last->percent + PROGRESS_RECORD_POINTS)
		return true;
	return min_cycles && now - last->tsc >= min_cycles;
}

/* See lib/progress.h. */
uint32_t progress_bar_fill(uint32_t permille, uint32_t width)
{
	if (permille > 1000)
		permille = 1000;
	return (uint32_t)((uint64_t)width * permille / 1000);
}

/* ---- the status line and the record ------------------------------------- */

/* The label: "what k/N item" while a step with an item is under way (k
 * counts from 1), "what N/N done in S s" at the end, else "what done/total". */
static void format_label(char *buf, size_t size)
{
	if (!bar.active) {
		uint64_t ms = tsc_to_ns(bar.end_tsc - bar.start_tsc) / 1000000;
		format(buf, size, "%s %llu/%llu done in %llu.%llu s", bar.what, bar.done, bar.total,
		       ms / 1000, ms / 100 % 10);
	} else if (bar.item[0] && bar.done < bar.total) {
		format(buf, size, "%s %llu/%llu %s", bar.what, bar.done + 1, bar.total, bar.item);
	} else {
		format(buf, size, "%s %llu/%llu", bar.what, bar.done, bar.total);
	}
}

/* Redraws the status line for permille (nothing without a framebuffer). */
static void draw(uint32_t permille)
{
	struct fbcon_geometry g;
	uint32_t y;
	if (!fbcon_geometry(&g) || !fbcon_reserve_status_row(&y))
		return;
	uint32_t label_cols = g.cols / 3 < PROGRESS_LABEL_COLS ? g.cols / 3 : PROGRESS_LABEL_COLS;
	char label[PROGRESS_LABEL_COLS + 1], text[80];
	format_label(text, sizeof(text));
	format(label, sizeof(label), "%-*s", (int)label_cols, text);
	label[label_cols] = 0;
	fbcon_draw_text(0, y, label, PROGRESS_TEXT_RGB, PROGRESS_BG_RGB);

	/* The bar: from one cell after the label to six cells before the end. */
	uint32_t x0 = (label_cols + 1) * g.cell_width, x1 = g.cols > 6 ? (g.cols - 6) * g.cell_width : 0;
	if (x1 > x0 + 4) {
		uint32_t h = g.cell_height > 4 ? g.cell_height - 4 : g.cell_height;
		uint32_t fill = progress_bar_fill(permille, x1 - x0);
		fbcon_fill_rect(x0, y, x1 - x0, g.cell_height, PROGRESS_BG_RGB);
		fbcon_fill_rect(x0, y + 2, fill, h, PROGRESS_BAR_RGB);
		fbcon_fill_rect(x0 + fill, y + 2, x1 - x0 - fill, h, PROGRESS_TRACK_RGB);
	}
	format(text, sizeof(text), " %3u%% ", permille / 10);
	fbcon_draw_text(x1, y, text, PROGRESS_TEXT_RGB, PROGRESS_BG_RGB);
	bar.drawn_permille = permille;
}

/* Writes {"type":"progress",...} if one is due (or always, when forced). */
static void maybe_record(uint32_t permille, uint64_t now)
{
	uint32_t percent = permille / 10;
	uint64_t min_cycles = tsc_hz * PROGRESS_RECORD_SECONDS;
	if (!progress_record_due(&bar.recorded, percent, now, min_cycles))
		return;
	struct json *j = record_begin("progress");
	json_str(j, "what", bar.what);
	if (bar.item[0])
		json_str(j, "item", bar.item);
	json_u64(j, "done", bar.done);
	json_u64(j, "total", bar.total);
	json_u64(j, "percent", percent);
	json_u64(j, "ms", tsc_to_ns(now - bar.start_tsc) / 1000000);
	record_end();
	bar.recorded = (struct progress_mark){ .any = true, .percent = percent, .tsc = now };
}

/* Redraws and records what is due now; sets the next check. */
static void refresh(void)
{
	uint32_t permille = progress_permille(bar.done, bar.total, bar.sub_done, bar.sub_total);
	uint64_t step = bar.total / PROGRESS_STEPS;
	bar.next_check = bar.done + (step ? step : 1);
	if (permille != bar.drawn_permille)
		draw(permille);
	maybe_record(permille, rdtsc());
}

/* ---- the interface ------------------------------------------------------ */

/* Starts the bar of what (at most 23 characters are kept) with total steps,
 * at 0, and writes its first record. Replaces a bar still running. */
void progress_begin(const char *what, uint64_t total)
{
	memset(&bar, 0, sizeof(bar));
	strlcpy(bar.what, what, sizeof(bar.what));
	bar.total = total;
	bar.active = true;
	bar.start_tsc = rdtsc();
	bar.drawn_permille = UINT32_MAX;
	refresh();
}

/* Sets done steps. Costs one compare unless a thousandth of the total has
 * passed since the last look. Ignored without a running bar. */
void progress_update(uint64_t done)
{
	if (!bar.active || done < bar.next_check)
		return;
	bar.done = done;
	refresh();
}

/* Step `done` (0-based) begins, called item (NULL: none): shown at once,
 * its own fraction reset. Ignored without a running bar. */
void progress_step(uint64_t done, const char *item)
{
	if (!bar.active)
		return;
	bar.done = done;
	bar.sub_done = bar.sub_total = 0;
	strlcpy(bar.item, item ? item : "", sizeof(bar.item));
	bar.drawn_permille = UINT32_MAX;        /* the label changed */
	refresh();
}

/* The step under way reports sub_done of sub_total units (a benchmark's
 * repetitions). Returns false for sub_total 0 or sub_done > sub_total
 * (nothing changes); true otherwise, also when no bar runs (ignored). */
bool progress_within_step(uint64_t sub_done, uint64_t sub_total)
{
	if (sub_total == 0 || sub_done > sub_total)
		return false;
	if (!bar.active)
		return true;
	bar.sub_done = sub_done;
	bar.sub_total = sub_total;
	refresh();
	return true;
}

/* Completes the bar: all steps done, the last record (100 %), and the
 * status line keeps showing it until the next bar begins. */
void progress_end(void)
{
	if (!bar.active)
		return;
	bar.done = bar.total;
	bar.sub_done = bar.sub_total = 0;
	bar.item[0] = 0;
	bar.drawn_permille = UINT32_MAX;
	bar.active = false;
	bar.end_tsc = rdtsc();
	refresh();
}
