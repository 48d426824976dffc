/*
 * A fake framebuffer in host memory for the tests of what is drawn
 * (lib/fbcon.c and what draws through it). Include after lib/fbcon.c and the
 * font. The fake screen is 640x480 with a stride of 700 pixels (or FB_W x
 * FB_H with FB_STRIDE, defined first); everything
 * outside width x height (the stride padding and a guard area after the
 * end) holds a canary that must survive.
 */
#ifndef FAULTLINE_TEST_FAKE_FB_H
#define FAULTLINE_TEST_FAKE_FB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#ifndef FB_W                     /* a test may choose another size before including this */
#define FB_W 640
#define FB_H 480
#define FB_STRIDE 700
#endif
#define FB_GUARD 4096            /* pixels of canary after the framebuffer */

/* The canary differs per pixel, so moving padding around is caught too. */
static __attribute__((unused)) uint32_t canary(size_t i)
{
	return 0xdeadbeefu ^ (uint32_t)(i * 2654435761u);
}

static uint32_t *fb_mem;         /* FB_STRIDE * FB_H + FB_GUARD pixels */

/* A fresh fake framebuffer, all canary, and its description. */
static __attribute__((unused)) struct boot_framebuffer fake_fb(uint32_t format)
{
	free(fb_mem);
	fb_mem = malloc(((size_t)FB_STRIDE * FB_H + FB_GUARD) * sizeof(uint32_t));
	for (size_t i = 0; i < (size_t)FB_STRIDE * FB_H + FB_GUARD; i++)
		fb_mem[i] = canary(i);
	struct boot_framebuffer fb = {
		.base = 0x80000000, .size = (uint64_t)FB_STRIDE * FB_H * 4,
		.width = FB_W, .height = FB_H, .stride = FB_STRIDE, .format = format,
	};
	return fb;
}

/* Counts canary pixels that changed outside the visible width x height. */
static __attribute__((unused)) size_t outside_damage(void)
{
	size_t damaged = 0;
	for (size_t y = 0; y < FB_H; y++)
		for (size_t x = FB_W; x < FB_STRIDE; x++)
			damaged += fb_mem[y * FB_STRIDE + x] != canary(y * FB_STRIDE + x);
	for (size_t i = (size_t)FB_STRIDE * FB_H; i < (size_t)FB_STRIDE * FB_H + FB_GUARD; i++)
		damaged += fb_mem[i] != canary(i);
	return damaged;
}

static __attribute__((unused)) uint32_t pixel(uint32_t x, uint32_t y)
{
	return fb_mem[(size_t)y * FB_STRIDE + x];
}

static __attribute__((unused)) bool font_bit(uint32_t glyph, uint32_t x, uint32_t y)
{
	const uint8_t *row = font_glyphs + ((size_t)glyph * font_height + y) * font_bytes_per_row;
	return (row[x / 8] >> (7 - x % 8)) & 1;
}

/* Counts pixels of the cell with its top left at pixel (x0, y0) that differ
 * from character c drawn in fg on bg (c == 0: a blank cell, all bg). */
static __attribute__((unused)) size_t glyph_mismatches_at(uint32_t x0, uint32_t y0, char c, uint32_t fg,
							   uint32_t bg)
{
	size_t bad = 0;
	uint32_t glyph = font_ascii_to_glyph[(uint8_t)c];
	for (uint32_t y = 0; y < font_height; y++)
		for (uint32_t x = 0; x < font_width; x++) {
			bool on = c && font_bit(glyph, x, y);
			bad += pixel(x0 + x, y0 + y) != (on ? fg : bg);
		}
	return bad;
}

/* The same for the text cell (col, row). */
static __attribute__((unused)) size_t cell_mismatches(uint32_t col, uint32_t row, char c, uint32_t fg,
						       uint32_t bg)
{
	return glyph_mismatches_at(col * font_width, row * font_height, c, fg, bg);
}

/* Counts the pixels of value v in the rectangle (x, y, w, h). */
static __attribute__((unused)) size_t count_pixels(uint32_t x, uint32_t y, uint32_t w, uint32_t h,
						    uint32_t v)
{
	size_t n = 0;
	for (uint32_t j = y; j < y + h; j++)
		for (uint32_t i = x; i < x + w; i++)
			n += pixel(i, j) == v;
	return n;
}

#endif
