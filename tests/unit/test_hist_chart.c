/*
 * Host tests for lib/hist_chart.c: which buckets a chart shows, bar
 * scaling, labels, the text strip for serial, and the bars drawn on a fake
 * framebuffer (fake_fb.h).
 */
#include <stdint.h>
#include "unit.h"
#include "../../lib/fbcon.c"
#include "../../build/font.c"
#include "fake_fb.h"
#include "host_strlcpy.h"
#include "../../base/format.c"
#include "../../lib/hist_chart.c"

#define BAR 0x4a90d9u      /* HIST_CHART_BAR_RGB as a BGRX pixel */

TEST(range)
{
	uint64_t h[10] = { 0, 0, 0, 5, 0, 7, 0, 0, 0, 0 };
	uint32_t first = 99;
	CHECK_EQ_U64(hist_chart_range(h, 10, 64, &first), 5);     /* 2..6: one empty neighbour each side */
	CHECK_EQ_U64(first, 2);
	CHECK_EQ_U64(hist_chart_range(h, 10, 3, &first), 3);      /* cut at the top */
	CHECK_EQ_U64(first, 2);
	uint64_t low[3] = { 4, 1, 0 };
	CHECK_EQ_U64(hist_chart_range(low, 3, 64, &first), 3);    /* no bucket below 0 */
	CHECK_EQ_U64(first, 0);
	uint64_t top[2] = { 0, 9 };
	CHECK_EQ_U64(hist_chart_range(top, 2, 64, &first), 3);    /* the neighbour past the listed ones */
	CHECK_EQ_U64(first, 0);
	uint64_t empty[4] = { 0 };
	CHECK_EQ_U64(hist_chart_range(empty, 4, 64, &first), 0);
	CHECK_EQ_U64(hist_chart_range(h, 0, 64, &first), 0);
	CHECK_EQ_U64(hist_chart_range(h, 10, 0, &first), 0);
	CHECK_EQ_U64(hist_chart_max(h, 10, 2, 5), 7);
	CHECK_EQ_U64(hist_chart_max(h, 10, 0, 4), 5);
	CHECK_EQ_U64(hist_chart_max(top, 2, 0, 3), 9);            /* buckets past used count 0 */
}

TEST(scale)
{
	CHECK_EQ_U64(hist_chart_scale(0, 10, 62), 0);
	CHECK_EQ_U64(hist_chart_scale(10, 10, 62), 62);
	CHECK_EQ_U64(hist_chart_scale(5, 10, 62), 31);
	CHECK_EQ_U64(hist_chart_scale(1, 4096, 62), 1);           /* small but not empty: 1 pixel */
	CHECK_EQ_U64(hist_chart_scale(3, 0, 62), 0);
	CHECK_EQ_U64(hist_chart_scale(UINT64_MAX / 2, UINT64_MAX, 100), 49);
	CHECK_EQ_U64(hist_chart_scale(UINT64_MAX, UINT64_MAX, 100), 100);
	/* Order is kept: a larger count never gets a shorter bar. */
	for (uint64_t v = 1; v < 5000; v++)
		CHECK(hist_chart_scale(v, 5000, 62) <= hist_chart_scale(v + 1, 5000, 62));
	CHECK_EQ_U64(hist_chart_bar_width(48), 36);
	CHECK_EQ_U64(hist_chart_bar_width(8), 6);
	CHECK_EQ_U64(hist_chart_bar_width(3), 2);
	CHECK_EQ_U64(hist_chart_bar_width(1), 1);
}

TEST(labels_and_text)
{
	char buf[16];
	hist_chart_bucket_label(12, 6, buf, sizeof(buf));
	CHECK_STR(buf, "2^12");
	hist_chart_bucket_label(12, 3, buf, sizeof(buf));
	CHECK_STR(buf, "12");
	hist_chart_bucket_label(12, 1, buf, sizeof(buf));
	CHECK_STR(buf, "");
	hist_chart_bucket_label(3, 3, buf, sizeof(buf));
	CHECK_STR(buf, "2^3");

	uint64_t h[6] = { 0, 900, 1, 100, 0, 450 };
	char strip[8];
	hist_chart_text_strip(h, 6, 0, 7, strip);
	CHECK_STR(strip, " @.. = ");
	hist_chart_text_strip(h, 6, 2, 2, strip);               /* scaled to the largest shown */
	CHECK_STR(strip, ".@");
}

/* The height of the bar-coloured column at x (counting up from the axis row y_axis - 1). */
static uint32_t bar_height_at(uint32_t x, uint32_t y_axis)
{
	uint32_t h = 0;
	while (h < y_axis && pixel(x, y_axis - 1 - h) == BAR)
		h++;
	return h;
}

TEST(drawn_bars_follow_the_counts)
{
	struct boot_framebuffer fb = fake_fb(FB_BGRX);
	fbcon_set_color(0xffffff, 0);
	CHECK(fbcon_init(&fb, fb_mem));
	uint64_t h[8] = { 0, 0, 0, 0, 4088, 8, 0, 1 };
	struct hist_chart c = { .x = 16, .y = 32, .slot_width = 48, .bar_height = 62, .labels = true };
	c.count = hist_chart_range(h, 8, 64, &c.first);
	CHECK(c.first == 3 && c.count == 6);
	hist_chart_draw(&c, h, 8);
	uint32_t axis = c.y + font_height + c.bar_height;
	for (uint32_t i = 0; i < c.count; i++) {
		uint32_t x = c.x + i * c.slot_width;
		uint64_t v = c.first + i < 8 ? h[c.first + i] : 0;
		uint32_t want = hist_chart_scale(v, 4088, 62);
		CHECK_EQ_U64(bar_height_at(x, axis), want);
		CHECK_EQ_U64(bar_height_at(x + hist_chart_bar_width(48) - 1, axis), want);
		CHECK_EQ_U64(bar_height_at(x + hist_chart_bar_width(48), axis), 0);   /* the gap */
	}
	/* All the bar pixels are inside the bars' area, none above or below it. */
	size_t total = count_pixels(0, 0, FB_W, FB_H, BAR), inside = count_pixels(c.x, axis - 62, 6 * 48, 62, BAR);
	CHECK_EQ_U64(total, inside);
	CHECK_EQ_U64(total, (size_t)hist_chart_bar_width(48) * (62 + 1 + 1));
	/* The axis, and labels: "2^4" under the tallest bar, its count above it. */
	CHECK_EQ_U64(count_pixels(c.x, axis, 6 * 48, 1, 0x606060), 6 * 48);
	uint32_t label_x = c.x + 1 * 48 + (48 - 3 * font_width) / 2;
	CHECK_EQ_U64(glyph_mismatches_at(label_x, axis + 1, '2', 0xa0a0a0, 0), 0);
	CHECK_EQ_U64(glyph_mismatches_at(label_x + 2 * font_width, axis + 1, '4', 0xa0a0a0, 0), 0);
	uint32_t count_x = c.x + 1 * 48 + (48 - 4 * font_width) / 2;
	CHECK_EQ_U64(glyph_mismatches_at(count_x, c.y, '4', 0xa0a0a0, 0), 0);
	CHECK_EQ_U64(glyph_mismatches_at(count_x + 3 * font_width, c.y, '8', 0xa0a0a0, 0), 0);
	CHECK_EQ_U64(outside_damage(), 0);

	/* Without labels: only bars, from c.y down. */
	fb = fake_fb(FB_BGRX);
	CHECK(fbcon_init(&fb, fb_mem));
	struct hist_chart mini = { .x = 100, .y = 200, .slot_width = 8, .bar_height = 14, .first = 3, .count = 6 };
	hist_chart_draw(&mini, h, 8);
	CHECK_EQ_U64(bar_height_at(100 + 8, 214), 14);
	CHECK_EQ_U64(bar_height_at(100 + 16, 214), 1);
	CHECK_EQ_U64(bar_height_at(100 + 32, 214), 1);
	CHECK_EQ_U64(count_pixels(0, 0, FB_W, FB_H, BAR), 6 * 16u);
	CHECK_EQ_U64(count_pixels(0, 0, FB_W, FB_H, 0xa0a0a0) + count_pixels(0, 0, FB_W, FB_H, 0x606060), 0);
	/* A chart running off the screen is clipped, not written past it. */
	struct hist_chart off = { .x = FB_W - 20, .y = FB_H - 10, .slot_width = 48, .bar_height = 62,
				  .first = 3, .count = 6, .labels = true };
	hist_chart_draw(&off, h, 8);
	CHECK_EQ_U64(outside_damage(), 0);
}

UNIT_MAIN(UNIT(range), UNIT(scale), UNIT(labels_and_text), UNIT(drawn_bars_follow_the_counts))
