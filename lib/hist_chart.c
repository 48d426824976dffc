/*
 * Log2 histograms as bar charts (lib/hist_chart.h).
 *
 * A labelled chart, from its top:
 *
 *     4088        8                   counts, one text row (only where they fit the slot)
 *     ####                            bars, bar_height pixels, bottoms on the axis
 *     ####        #
 *     ------------------------------  the axis, 1 pixel under the bars
 *     2^12  2^13  2^14                bucket names, one text row
 */
#include "lib/hist_chart.h"
#include "lib/fbcon.h"
#include "base/format.h"
#include "base/string.h"

/* ---- pure pieces -------------------------------------------------------- */

/* See lib/hist_chart.h. */
uint32_t hist_chart_range(const uint64_t *hist, uint32_t used, uint32_t max_count, uint32_t *first)
{
	uint32_t lo = used, hi = 0;
	for (uint32_t b = 0; b < used; b++) {
		if (!hist[b])
			continue;
		if (lo == used)
			lo = b;
		hi = b;
	}
	*first = 0;
	if (lo == used || max_count == 0)
		return 0;
	if (lo > 0)
		lo--;
	hi++;                           /* one past the last non-empty: its empty neighbour */
	uint32_t count = hi - lo + 1;
	*first = lo;
	return count < max_count ? count : max_count;
}

/* See lib/hist_chart.h. */
uint64_t hist_chart_max(const uint64_t *hist, uint32_t used, uint32_t first, uint32_t count)
{
	uint64_t max = 0;
	for (uint32_t b = first; b < first + count && b < used; b++)
		if (hist[b] > max)
			max = hist[b];
	return max;
}

/* See lib/hist_chart.h. */
uint32_t hist_chart_scale(uint64_t v, uint64_t max, uint32_t height)
{
	if (v == 0 || max == 0)
		return 0;
	if (v >= max)
		return height;
	/* v < max: v * height / max without overflow, scaling both down first. */
	while (max >> 32) {
		max >>= 1;
		v >>= 1;
	}
	uint64_t h = v * height / max;
	return h ? (uint32_t)h : 1;
}

/* See lib/hist_chart.h. */
uint32_t hist_chart_bar_width(uint32_t slot_width)
{
	if (slot_width <= 1)
		return slot_width;
	uint32_t gap = slot_width / 4 ? slot_width / 4 : 1;
	return slot_width - gap;
}

/* See lib/hist_chart.h. */
void hist_chart_bucket_label(uint32_t b, uint32_t width, char *buf, size_t size)
{
	char text[16];
	uint32_t len = (uint32_t)format(text, sizeof(text), "2^%u", b);
	if (len > width)
		len = (uint32_t)format(text, sizeof(text), "%u", b);
	if (len > width)
		text[0] = 0;
	strlcpy(buf, text, size);
}

/* See lib/hist_chart.h. */
void hist_chart_text_strip(const uint64_t *hist, uint32_t used, uint32_t first, uint32_t count,
			   char *buf)
{
	static const char ramp[] = ".:-=+*#%@";
	uint64_t max = hist_chart_max(hist, used, first, count);
	for (uint32_t i = 0; i < count; i++) {
		uint64_t v = first + i < used ? hist[first + i] : 0;
		uint32_t level = hist_chart_scale(v, max, sizeof(ramp) - 1);
		buf[i] = level ? ramp[level - 1] : ' ';
	}
	buf[count] = 0;
}

/* ---- drawing ------------------------------------------------------------ */

/* Draws text centred in the slot of bucket i of c, at pixel row y. */
static void draw_in_slot(const struct hist_chart *c, uint32_t i, uint32_t y, const char *text,
			 uint32_t cell_width)
{
	uint32_t w = (uint32_t)strlen(text) * cell_width;
	if (w > c->slot_width)
		return;
	uint32_t x = c->x + i * c->slot_width + (c->slot_width - w) / 2;
	fbcon_draw_text(x, y, text, HIST_CHART_LABEL_RGB, 0x000000);
}

/* See lib/hist_chart.h. */
void hist_chart_draw(const struct hist_chart *c, const uint64_t *hist, uint32_t used)
{
	struct fbcon_geometry g;
	if (!fbcon_geometry(&g) || c->count == 0)
		return;
	uint64_t max = hist_chart_max(hist, used, c->first, c->count);
	uint32_t bar_width = hist_chart_bar_width(c->slot_width);
	uint32_t top = c->labels ? c->y + g.cell_height : c->y;    /* where the tallest bar starts */
	uint32_t axis = top + c->bar_height;
	char text[24];

	for (uint32_t i = 0; i < c->count; i++) {
		uint32_t b = c->first + i;
		uint64_t v = b < used ? hist[b] : 0;
		uint32_t h = hist_chart_scale(v, max, c->bar_height);
		uint32_t x = c->x + i * c->slot_width;
		fbcon_fill_rect(x, axis - h, bar_width, h, HIST_CHART_BAR_RGB);
		if (!c->labels)
			continue;
		if (v) {
			format(text, sizeof(text), "%llu", v);
			draw_in_slot(c, i, c->y, text, g.cell_width);
		}
		hist_chart_bucket_label(b, c->slot_width / g.cell_width, text, sizeof(text));
		draw_in_slot(c, i, axis + 1, text, g.cell_width);
	}
	if (c->labels)
		fbcon_fill_rect(c->x, axis, c->count * c->slot_width, 1, HIST_CHART_AXIS_RGB);
}
