/*
 * The benchmark on screen (kernel/bench_screen.h).
 *
 * A program's chart takes BENCH_CHART_ROWS text rows that the console
 * leaves blank (fbcon_open_rows), so it scrolls with the text; its heading
 * is an ordinary console line. A summary row is console text followed, on
 * the screen, by a small chart in the same text row and, on serial, by the
 * same histogram as a strip of characters.
 */
#include "kernel/bench_screen.h"
#include "lib/console.h"
#include "lib/fbcon.h"
#include "base/format.h"
#include "lib/hist_chart.h"
#include "lib/kprintf.h"
#include "base/string.h"
#include "lib/tsc.h"

#define BENCH_CHART_ROWS      6     /* counts, 4 rows of bars, bucket names */
#define BENCH_CHART_SLOT_CELLS 6    /* widest slot per bucket, in characters */
#define BENCH_TEXT_BAR        50    /* the longest '#' bar on serial */

static struct bench_result results[BENCH_SCREEN_MAX_RESULTS];
static uint32_t nresults, charted, dropped;

/* See kernel/bench_screen.h. */
void bench_screen_add(const struct bench_result *r)
{
	if (nresults < BENCH_SCREEN_MAX_RESULTS)
		results[nresults++] = *r;
	else
		dropped++;
}

/* See kernel/bench_screen.h. */
uint32_t bench_screen_results(const struct bench_result **out)
{
	*out = results;
	return nresults;
}

/* Formats cycles as nanoseconds at tsc_hz, or "-" when the frequency is unknown. */
static void format_ns(char *buf, size_t size, uint64_t cycles)
{
	if (tsc_hz)
		format(buf, size, "%llu", tsc_to_ns(cycles));
	else
		strlcpy(buf, "-", size);
}

/* Serial's copy of r's histogram: one line per bucket of the chart's range. */
static void chart_to_serial(const struct bench_result *r, uint32_t first, uint32_t count)
{
	char line[128], bar[BENCH_TEXT_BAR + 1];
	uint64_t max = hist_chart_max(r->hist, r->hist_used, first, count);
	for (uint32_t b = first; b < first + count; b++) {
		uint64_t v = b < r->hist_used ? r->hist[b] : 0;
		uint32_t len = hist_chart_scale(v, max, BENCH_TEXT_BAR);
		memset(bar, '#', len);
		bar[len] = 0;
		int n = format(line, sizeof(line), "      2^%-2u %10llu |%s\n", b, v, bar);
		console_serial_write(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
}

/* One program's chart of r: the heading, then the bars. */
static void chart(const struct bench_result *r)
{
	char p50_ns[24], p99_ns[24];
	struct fbcon_geometry g;
	uint32_t y, first;
	format_ns(p50_ns, sizeof(p50_ns), r->p50);
	format_ns(p99_ns, sizeof(p99_ns), r->p99);
	kprintf("bench %s / %s: %llu faults, p50 %llu cycles = %s ns, p99 %llu cycles = %s ns\n",
		r->workload, r->cls, r->count, r->p50, p50_ns, r->p99, p99_ns);

	bool screen = fbcon_geometry(&g) && g.cols > 8;
	uint32_t width = screen ? (g.cols - 4) * g.cell_width : 0;
	uint32_t max_buckets = screen ? width / g.cell_width : HIST_CHART_MAX_BUCKETS;
	if (max_buckets > HIST_CHART_MAX_BUCKETS)
		max_buckets = HIST_CHART_MAX_BUCKETS;
	uint32_t count = hist_chart_range(r->hist, r->hist_used, max_buckets, &first);
	if (count == 0)
		return;
	chart_to_serial(r, first, count);
	if (!screen || !fbcon_open_rows(BENCH_CHART_ROWS, &y))
		return;
	uint32_t slot = width / count;
	if (slot > BENCH_CHART_SLOT_CELLS * g.cell_width)
		slot = BENCH_CHART_SLOT_CELLS * g.cell_width;
	struct hist_chart c = {
		.x = 2 * g.cell_width, .y = y, .slot_width = slot,
		.bar_height = (BENCH_CHART_ROWS - 2) * g.cell_height - 2,
		.first = first, .count = count, .labels = true,
	};
	hist_chart_draw(&c, r->hist, r->hist_used);
}

/* See kernel/bench_screen.h. */
void bench_screen_program_end(void)
{
	for (; charted < nresults; charted++)
		chart(&results[charted]);
}

/* The buckets the summary's charts share: the range of all histograms together. */
static uint32_t common_range(uint32_t max_count, uint32_t *first)
{
	uint64_t all[BENCH_RESULT_BUCKETS] = { 0 };
	uint32_t used = 0;
	for (uint32_t i = 0; i < nresults; i++) {
		for (uint32_t b = 0; b < results[i].hist_used; b++)
			all[b] += results[i].hist[b] != 0;
		if (results[i].hist_used > used)
			used = results[i].hist_used;
	}
	return hist_chart_range(all, used, max_count, first);
}

/* One summary row: the numbers, then the histogram (pixels on the screen,
 * characters on serial) over the common buckets. */
static void summary_row(const struct bench_result *r, uint32_t first, uint32_t count)
{
	char line[160], p50_ns[24], p99_ns[24], strip[HIST_CHART_MAX_BUCKETS + 4];
	format_ns(p50_ns, sizeof(p50_ns), r->p50);
	format_ns(p99_ns, sizeof(p99_ns), r->p99);
	int n = format(line, sizeof(line), "%-18.18s %-14.14s %8llu %11llu %9s %11llu %9s  ", r->workload,
		       r->cls, r->count, r->p50, p50_ns, r->p99, p99_ns);
	console_write(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);

	strip[0] = '|';
	hist_chart_text_strip(r->hist, r->hist_used, first, count, strip + 1);
	strlcpy(strip + 1 + count, "|\n", 3);
	console_serial_write(strip, count + 3);

	struct fbcon_geometry g;
	uint32_t x, y;
	if (fbcon_geometry(&g) && fbcon_cursor_xy(&x, &y) && count) {
		uint32_t right = g.cols * g.cell_width;
		uint32_t slot = x < right ? (right - x) / count : 0;
		if (slot > g.cell_width)
			slot = g.cell_width;
		if (slot >= 2) {
			struct hist_chart c = {
				.x = x, .y = y + 1, .slot_width = slot, .bar_height = g.cell_height - 2,
				.first = first, .count = count, .labels = false,
			};
			hist_chart_draw(&c, r->hist, r->hist_used);
		}
	}
	console_screen_write("\n", 1);
}

/* See kernel/bench_screen.h. */
void bench_screen_summary(void)
{
	uint32_t first;
	if (nresults == 0)
		return;
	uint32_t count = common_range(HIST_CHART_MAX_BUCKETS, &first);
	kprintf("\nbenchmark summary: page-fault latency seen from ring 3 (TSC cycles; ns at %llu MHz)\n",
		tsc_hz / 1000000);
	kprintf("%-18s %-14s %8s %11s %9s %11s %9s  log2 histogram, buckets 2^%u .. 2^%u\n", "workload",
		"class", "faults", "p50 cycles", "p50 ns", "p99 cycles", "p99 ns", first,
		count ? first + count - 1 : first);
	for (uint32_t i = 0; i < nresults; i++)
		summary_row(&results[i], first, count);
	if (dropped)
		kprintf("(%u more bench records not shown)\n", dropped);
}
