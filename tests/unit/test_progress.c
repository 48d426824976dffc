/*
 * Host tests for lib/progress.c: the fraction, the rate limit of the serial
 * records, and the status line drawn on a fake framebuffer (fake_fb.h) in
 * place, without moving the text console.
 */
#include <stdint.h>
#include "unit.h"
#include "../../lib/fbcon.c"
#include "../../build/font.c"
#include "fake_fb.h"
#include "host_strlcpy.h"
#include "../../base/format.c"
#include "../../base/json.c"
#include "../../lib/record.c"
#include "../../lib/console_lock.c"
#include "../../base/math64.c"
#include "../../lib/tsc.c"

/* The clock lib/progress.c reads (the kernel's rdtsc from cpu/x86.h). */
static uint64_t fake_tsc;
static uint64_t rdtsc(void)
{
	return fake_tsc;
}

#include "../../lib/progress.c"

/* Serial: the progress records, kept one per line. */
static char serial[16384];
static size_t serial_len;
void console_serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n && serial_len + 1 < sizeof(serial); i++)
		serial[serial_len++] = s[i];
	serial[serial_len] = 0;
}
void console_serial_begin_line(void) {}
void console_write(const char *s, size_t n) { console_serial_write(s, n); }

/* The percents of the progress records on serial since the last call, in order; returns how many. */
static int recorded_percents(int *out, int max)
{
	int n = 0;
	for (const char *p = serial; (p = strstr(p, "\"percent\":")) != NULL; p++)
		if (n < max)
			out[n++] = atoi(p + 10);
	serial_len = 0;
	serial[0] = 0;
	return n;
}

TEST(permille)
{
	CHECK_EQ_U64(progress_permille(0, 10, 0, 0), 0);
	CHECK_EQ_U64(progress_permille(5, 10, 0, 0), 500);
	CHECK_EQ_U64(progress_permille(10, 10, 0, 0), 1000);
	CHECK_EQ_U64(progress_permille(11, 10, 0, 0), 1000);
	CHECK_EQ_U64(progress_permille(0, 0, 0, 0), 1000);
	CHECK_EQ_U64(progress_permille(1, 3, 0, 0), 333);
	/* Within a step: 2 of 4 steps and half of the third. */
	CHECK_EQ_U64(progress_permille(2, 4, 50, 100), 625);
	CHECK_EQ_U64(progress_permille(2, 4, 150, 100), 750);       /* the step counts at most whole */
	/* Below 1000 until every step is done, even when the last step says it is complete. */
	CHECK_EQ_U64(progress_permille(0, 1, 1, 1), 999);
	CHECK_EQ_U64(progress_permille(999, 1000, 0, 0), 999);
	/* Totals beyond 32 bits are scaled, not overflowed. */
	CHECK_EQ_U64(progress_permille(UINT64_MAX / 2, UINT64_MAX, 0, 0), 499);
	CHECK_EQ_U64(progress_permille(UINT64_MAX - 1, UINT64_MAX, UINT64_MAX - 1, UINT64_MAX), 999);
	CHECK_EQ_U64(progress_permille(1, 2, UINT64_MAX / 4, UINT64_MAX), 624);
}

TEST(record_rate_limit)
{
	struct progress_mark none = { 0 }, at10 = { .any = true, .percent = 10, .tsc = 1000 };
	CHECK(progress_record_due(&none, 0, 0, 100));
	CHECK(!progress_record_due(&at10, 10, 1000000, 100));      /* unchanged: never */
	CHECK(!progress_record_due(&at10, 14, 1050, 100));
	CHECK(progress_record_due(&at10, 15, 1050, 100));
	CHECK(progress_record_due(&at10, 11, 1100, 100));          /* changed, and long enough */
	CHECK(!progress_record_due(&at10, 11, 1099, 100));
	CHECK(!progress_record_due(&at10, 11, UINT64_MAX, 0));     /* no clock: points only */
	CHECK(progress_record_due(&at10, 100, 1001, 100));
	struct progress_mark at99 = { .any = true, .percent = 99, .tsc = 0 };
	CHECK(progress_record_due(&at99, 100, 1, 100));            /* the end always */
	struct progress_mark at100 = { .any = true, .percent = 100, .tsc = 0 };
	CHECK(!progress_record_due(&at100, 100, UINT64_MAX, 100));
}

TEST(bar_fill)
{
	CHECK_EQ_U64(progress_bar_fill(0, 640), 0);
	CHECK_EQ_U64(progress_bar_fill(1000, 640), 640);
	CHECK_EQ_U64(progress_bar_fill(500, 641), 320);
	CHECK_EQ_U64(progress_bar_fill(2000, 640), 640);
	CHECK_EQ_U64(progress_bar_fill(999, 0xffffffffu), 4290672327u);
}

/* The status row's geometry as lib/progress.c lays it out on the fake screen. */
struct status_row { uint32_t y, x0, x1, rows; };
static struct status_row status_row(void)
{
	uint32_t cols = FB_W / font_width, label = cols / 3 < 40 ? cols / 3 : 40;
	return (struct status_row){ .y = (FB_H / font_height - 1) * font_height, .x0 = (label + 1) * font_width,
				    .x1 = (cols - 6) * font_width, .rows = FB_H / font_height };
}

/* Bar-coloured pixels on the status row's middle scan line. */
static size_t bar_pixels(void)
{
	struct status_row s = status_row();
	return count_pixels(0, s.y + font_height / 2, FB_W, 1, PROGRESS_BAR_RGB);
}

TEST(status_line_redraws_in_place)
{
	struct boot_framebuffer fb = fake_fb(FB_BGRX);
	fbcon_set_color(0xffffff, 0);
	CHECK(fbcon_init(&fb, fb_mem));
	tsc_hz = 1000000000;
	struct status_row s = status_row();
	fbcon_write("text before\n", 12);

	progress_begin("matrix", 1000);
	CHECK_EQ_U64(con.rows, s.rows - 1);                           /* the bottom row is the status line */
	CHECK_EQ_U64(bar_pixels(), 0);
	CHECK_EQ_U64(glyph_mismatches_at(0, s.y, 'm', PROGRESS_TEXT_RGB, PROGRESS_BG_RGB), 0);
	CHECK_EQ_U64(count_pixels(s.x0, s.y + font_height / 2, s.x1 - s.x0, 1, PROGRESS_TRACK_RGB), s.x1 - s.x0);

	for (uint64_t i = 1; i <= 500; i++)
		progress_update(i);
	CHECK_EQ_U64(bar_pixels(), progress_bar_fill(500, s.x1 - s.x0));
	CHECK_EQ_U64(count_pixels(s.x0, s.y + font_height / 2, progress_bar_fill(500, s.x1 - s.x0), 1,
				  PROGRESS_BAR_RGB), progress_bar_fill(500, s.x1 - s.x0));
	/* " 50% " after the bar: '5' in the second cell. */
	CHECK_EQ_U64(glyph_mismatches_at(s.x1 + 2 * font_width, s.y, '5', PROGRESS_TEXT_RGB, PROGRESS_BG_RGB), 0);
	/* The text console did not move, and nothing above the status row changed. */
	CHECK_EQ_U64(con.row, 1);
	CHECK_EQ_U64(con.col, 0);
	CHECK_EQ_U64(cell_mismatches(0, 0, 't', 0xffffff, 0), 0);
	CHECK_EQ_U64(count_pixels(0, font_height, FB_W, s.y - font_height, 0), (size_t)FB_W * (s.y - font_height));

	progress_end();
	CHECK_EQ_U64(bar_pixels(), s.x1 - s.x0);
	CHECK_EQ_U64(outside_damage(), 0);
	/* A new bar starts empty again on the same row. */
	progress_begin("programs", 4);
	CHECK_EQ_U64(bar_pixels(), 0);
	progress_step(1, "bench_x");
	CHECK_EQ_U64(bar_pixels(), progress_bar_fill(250, s.x1 - s.x0));
	CHECK(progress_within_step(1, 2));
	CHECK_EQ_U64(bar_pixels(), progress_bar_fill(375, s.x1 - s.x0));
	CHECK(!progress_within_step(3, 2));
	CHECK(!progress_within_step(0, 0));
	CHECK_EQ_U64(bar_pixels(), progress_bar_fill(375, s.x1 - s.x0));
	progress_end();
	CHECK(progress_within_step(1, 2));                             /* no bar: ignored */
	CHECK_EQ_U64(bar_pixels(), s.x1 - s.x0);
	recorded_percents(NULL, 0);
}

TEST(records_are_rate_limited)
{
	int p[64];
	recorded_percents(NULL, 0);
	tsc_hz = UINT64_MAX / 8;                                       /* 5 s never pass here */
	progress_begin("matrix", 7249920);
	for (uint64_t i = 0; i <= 7249920; i += 307)
		progress_update(i);
	progress_end();
	int n = recorded_percents(p, 64);
	CHECK(n == 21);                                                /* 0, 5, ..., 100 */
	CHECK(p[0] == 0 && p[n - 1] == 100);
	for (int i = 1; i < n; i++)
		CHECK(p[i] >= p[i - 1] + PROGRESS_RECORD_POINTS || (i == n - 1 && p[i] > p[i - 1]));

	/* Cheap until a thousandth has passed: done is not even looked at. */
	progress_begin("matrix", 1000000);
	progress_update(999);
	CHECK_EQ_U64(bar.done, 0);
	progress_update(1000);
	CHECK_EQ_U64(bar.done, 1000);
	progress_end();
	CHECK_EQ_U64(recorded_percents(p, 64), 2);

	/* Updates without a bar are ignored. */
	progress_update(5);
	progress_step(1, "x");
	CHECK_EQ_U64(recorded_percents(p, 64), 0);

	/* 5 s between steps (1 kHz clock): every changed percent is due. */
	tsc_hz = 1000;
	progress_begin("programs", 50);
	for (uint64_t i = 0; i < 50; i++) {
		fake_tsc += 5000;
		progress_step(i, "p");
	}
	progress_end();
	CHECK_EQ_U64(recorded_percents(p, 64), 51);                    /* 0 (twice: begin, step 0) ... 98, 100 */
	/* 1 s between steps of 2 points: a record every 3 steps (6 points), by points. */
	progress_begin("programs", 50);
	for (uint64_t i = 0; i < 50; i++) {
		fake_tsc += 1000;
		progress_step(i, "p");
	}
	progress_end();
	CHECK_EQ_U64(recorded_percents(p, 64), 18);                    /* 0, 6, 12, ..., 96, 100 */
	CHECK(p[1] == 6 && p[16] == 96 && p[17] == 100);
	/* The record says how long the work has taken so far. */
	progress_begin("matrix", 2);
	fake_tsc += 1500;
	progress_end();
	CHECK(strstr(serial, "\"ms\":1500}") != NULL);
	recorded_percents(p, 64);
}

TEST(works_without_a_framebuffer)
{
	struct boot_framebuffer fb = fake_fb(FB_BGRX);
	fb.format = FB_NONE;
	CHECK(!fbcon_init(&fb, fb_mem));
	int p[8];
	recorded_percents(NULL, 0);
	tsc_hz = 1000000000;
	progress_begin("matrix", 10);
	progress_update(10);
	progress_end();
	CHECK_EQ_U64(recorded_percents(p, 8), 2);
	CHECK(strstr(serial, "matrix") == NULL);
	size_t touched = 0;
	for (size_t i = 0; i < (size_t)FB_STRIDE * FB_H; i++)
		touched += fb_mem[i] != canary(i);
	CHECK_EQ_U64(touched, 0);
}

UNIT_MAIN(UNIT(permille), UNIT(record_rate_limit), UNIT(bar_fill), UNIT(status_line_redraws_in_place),
	  UNIT(records_are_rate_limited), UNIT(works_without_a_framebuffer))
