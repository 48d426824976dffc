/*
 * Log2 histograms (bucket b counts values in [2^b, 2^(b+1))) as bar charts:
 * filled rectangles on the framebuffer, and the same bars as text for
 * serial. The layout arithmetic is pure (host-tested); drawing goes through
 * lib/fbcon.h.
 *
 * A chart shows a range of buckets [first, first + count), each in a slot
 * of equal width; a bar's height is its count scaled to the largest count
 * shown (that one is full height, any non-empty bucket at least 1 pixel,
 * an empty one nothing).
 */
#ifndef FAULTLINE_HIST_CHART_H
#define FAULTLINE_HIST_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HIST_CHART_MAX_BUCKETS 64
#define HIST_CHART_BAR_RGB   0x4a90d9     /* bars; the integration test looks for this colour */
#define HIST_CHART_AXIS_RGB  0x606060
#define HIST_CHART_LABEL_RGB 0xa0a0a0

/* Where a chart goes and what it shows. */
struct hist_chart {
	uint32_t x, y;              /* top left, pixels */
	uint32_t slot_width;        /* pixels per bucket */
	uint32_t bar_height;        /* the tallest bar, pixels */
	uint32_t first, count;      /* buckets shown */
	bool labels;                /* counts above and bucket names below the bars */
};

/* ---- pure pieces (host-tested) ---- */

/*
 * The buckets worth showing of hist[0..used): from the first to the last
 * non-empty one, with one empty neighbour on each side where there is one,
 * at most max_count (cut at the top). Returns the count, 0 for an empty
 * histogram, and the first bucket in *first.
 */
uint32_t hist_chart_range(const uint64_t *hist, uint32_t used, uint32_t max_count, uint32_t *first);

/* The largest count of hist[first, first + count) (buckets >= used count 0). */
uint64_t hist_chart_max(const uint64_t *hist, uint32_t used, uint32_t first, uint32_t count);

/* A bar's height for v of max in height pixels: v * height / max rounded
 * down, but at least 1 for v > 0; 0 for v == 0 or max == 0. */
uint32_t hist_chart_scale(uint64_t v, uint64_t max, uint32_t height);

/* The bar's width in a slot: the slot less a gap of a quarter (at least 1
 * pixel, none for a 1-pixel slot). */
uint32_t hist_chart_bar_width(uint32_t slot_width);

/* The label of bucket b that fits in width characters: "2^b", else "b",
 * else "". */
void hist_chart_bucket_label(uint32_t b, uint32_t width, char *buf, size_t size);

/* One character per bucket of [first, first + count) for serial: ' ' for an
 * empty one, else one of ".:-=+*#%@" by its share of the largest count (the
 * largest is '@'). Writes count characters and a NUL (buf holds count + 1). */
void hist_chart_text_strip(const uint64_t *hist, uint32_t used, uint32_t first, uint32_t count,
			   char *buf);

/* ---- drawing ---- */

/*
 * Draws c's bars for hist[0..used) (the caller cleared the area): with
 * labels, a row of counts above the bars (where they fit the slot), the
 * bars on an axis line, and a row of bucket names under it; without, the
 * bars alone in bar_height pixels from c->y. Nothing without a framebuffer.
 */
void hist_chart_draw(const struct hist_chart *c, const uint64_t *hist, uint32_t used);

#endif
