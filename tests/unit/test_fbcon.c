/*
 * Host tests of the framebuffer text console (lib/fbcon.c) against a fake
 * framebuffer in host memory (fake_fb.h), drawn with the real font from
 * build/font.c (make runs tools/psf2c.py first). The tests only assume the
 * font's size is whatever font.c says, so they also run against another
 * font: -DTEST_FONT_C='"/path/font.c"'.
 */
#include "unit.h"
#include "../../lib/fbcon.c"
#ifdef TEST_FONT_C
#include TEST_FONT_C
#else
#include "../../build/font.c"
#endif

#include "fake_fb.h"

static void write_str(const char *s)
{
	fbcon_write(s, strlen(s));
}

/* Black/white in BGRX, as pixel values: 0x00RRGGBB. */
#define WHITE 0xffffffu
#define BLACK 0x000000u
#define W_PIX 0x00ffffffu
#define B_PIX 0x00000000u

/* Starts the console on a fresh BGRX fake framebuffer, white on black. */
static void start_bgrx(void)
{
	struct boot_framebuffer fb = fake_fb(FB_BGRX);
	fbcon_set_color(WHITE, BLACK);
	CHECK(fbcon_init(&fb, fb_mem));
}

TEST(font_is_sane)
{
	CHECK(font_width > 0 && font_width <= 32);
	CHECK(font_height > 0 && font_height <= 64);
	CHECK_EQ_U64(font_bytes_per_row, (font_width + 7) / 8);
	CHECK(font_glyph_count >= 128);
	for (int c = 0; c < 128; c++)
		CHECK(font_ascii_to_glyph[c] < font_glyph_count);
	/* 'A', '?' and ' ' are different glyphs; ' ' is blank, 'A' is not. */
	uint32_t a = font_ascii_to_glyph['A'], q = font_ascii_to_glyph['?'], sp = font_ascii_to_glyph[' '];
	CHECK(a != q && a != sp && q != sp);
	size_t a_bits = 0, sp_bits = 0;
	for (uint32_t y = 0; y < font_height; y++)
		for (uint32_t x = 0; x < font_width; x++) {
			a_bits += font_bit(a, x, y);
			sp_bits += font_bit(sp, x, y);
		}
	CHECK(a_bits > 0);
	CHECK_EQ_U64(sp_bits, 0);
}

TEST(init_rejects_bad_framebuffers)
{
	struct boot_framebuffer good = fake_fb(FB_BGRX), fb;

	CHECK(!fbcon_init(NULL, fb_mem));
	CHECK(!fbcon_init(&good, NULL));
	fb = good; fb.format = FB_NONE;
	CHECK(!fbcon_init(&fb, fb_mem));
	fb = good; fb.format = 7;
	CHECK(!fbcon_init(&fb, fb_mem));
	fb = good; fb.size = 0;
	CHECK(!fbcon_init(&fb, fb_mem));
	fb = good; fb.width = 0;
	CHECK(!fbcon_init(&fb, fb_mem));
	fb = good; fb.height = 0;
	CHECK(!fbcon_init(&fb, fb_mem));
	fb = good; fb.stride = FB_W - 1;
	CHECK(!fbcon_init(&fb, fb_mem));
	/* The last scan line needs (H-1)*stride + W pixels; one byte short fails. */
	fb = good; fb.size = ((uint64_t)(FB_H - 1) * FB_STRIDE + FB_W) * 4 - 1;
	CHECK(!fbcon_init(&fb, fb_mem));
	fb = good; fb.width = font_width - 1;
	CHECK(!fbcon_init(&fb, fb_mem));
	fb = good; fb.height = font_height - 1;
	CHECK(!fbcon_init(&fb, fb_mem));
	fb = good; fb.format = FB_BITMASK;
	fb.red_mask = 0xff0000; fb.green_mask = 0; fb.blue_mask = 0xff;          /* empty */
	CHECK(!fbcon_init(&fb, fb_mem));
	fb.green_mask = 0x00e700;                                               /* hole */
	CHECK(!fbcon_init(&fb, fb_mem));
	fb.green_mask = 0x01ff00;                                               /* overlaps red */
	CHECK(!fbcon_init(&fb, fb_mem));
	CHECK(!fbcon_active());

	/* Nothing was touched, and writes while off do nothing. */
	write_str("hello\n");
	size_t touched = 0;
	for (size_t i = 0; i < (size_t)FB_STRIDE * FB_H; i++)
		touched += fb_mem[i] != canary(i);
	CHECK_EQ_U64(touched, 0);

	/* Exactly enough bytes is fine; a failed init turns a working console off. */
	fb = good; fb.size = ((uint64_t)(FB_H - 1) * FB_STRIDE + FB_W) * 4;
	CHECK(fbcon_init(&fb, fb_mem));
	CHECK(fbcon_active());
	fb.format = FB_NONE;
	CHECK(!fbcon_init(&fb, fb_mem));
	CHECK(!fbcon_active());
}

TEST(init_clears_to_background_only_inside)
{
	struct boot_framebuffer fb = fake_fb(FB_BGRX);
	fbcon_set_color(0xabcdef, 0x123456); /* before init: applies from init */
	CHECK(fbcon_init(&fb, fb_mem));
	size_t wrong = 0;
	for (uint32_t y = 0; y < FB_H; y++)
		for (uint32_t x = 0; x < FB_W; x++)
			wrong += pixel(x, y) != 0x00123456u;
	CHECK_EQ_U64(wrong, 0);
	CHECK_EQ_U64(outside_damage(), 0);
	CHECK_EQ_U64(con.cols, FB_W / font_width);
	CHECK_EQ_U64(con.rows, FB_H / font_height);
}

TEST(letter_a_is_the_font_bitmap)
{
	start_bgrx();
	write_str("A");
	CHECK_EQ_U64(cell_mismatches(0, 0, 'A', W_PIX, B_PIX), 0);
	/* The fg pixel count is exactly the glyph's set bits, and the next cell
	 * and the cell below are untouched background. */
	size_t fg_pixels = 0, bits = 0;
	for (uint32_t y = 0; y < font_height; y++)
		for (uint32_t x = 0; x < font_width; x++) {
			fg_pixels += pixel(x, y) == W_PIX;
			bits += font_bit(font_ascii_to_glyph['A'], x, y);
		}
	CHECK_EQ_U64(fg_pixels, bits);
	CHECK_EQ_U64(cell_mismatches(1, 0, 0, W_PIX, B_PIX), 0);
	CHECK_EQ_U64(cell_mismatches(0, 1, 0, W_PIX, B_PIX), 0);
	CHECK_EQ_U64(con.col, 1);
	CHECK_EQ_U64(outside_damage(), 0);
}

/* The byte at offset i of the first fg and the first bg pixel of an 'A'. */
static void first_fg_bg_bytes(uint8_t fg_bytes[4], uint8_t bg_bytes[4])
{
	uint32_t glyph = font_ascii_to_glyph['A'];
	bool have_fg = false, have_bg = false;
	for (uint32_t y = 0; y < font_height; y++)
		for (uint32_t x = 0; x < font_width; x++) {
			const uint8_t *p = (const uint8_t *)&fb_mem[(size_t)y * FB_STRIDE + x];
			if (font_bit(glyph, x, y) && !have_fg) { memcpy(fg_bytes, p, 4); have_fg = true; }
			if (!font_bit(glyph, x, y) && !have_bg) { memcpy(bg_bytes, p, 4); have_bg = true; }
		}
	CHECK(have_fg && have_bg);
}

TEST(rgbx_and_bgrx_byte_order)
{
	uint8_t fg[4], bg[4];

	struct boot_framebuffer fb = fake_fb(FB_RGBX);
	CHECK(fbcon_init(&fb, fb_mem));
	fbcon_set_color(0x112233, 0x445566);
	write_str("A");
	first_fg_bg_bytes(fg, bg);
	CHECK(fg[0] == 0x11 && fg[1] == 0x22 && fg[2] == 0x33 && fg[3] == 0);
	CHECK(bg[0] == 0x44 && bg[1] == 0x55 && bg[2] == 0x66 && bg[3] == 0);

	fb = fake_fb(FB_BGRX);
	CHECK(fbcon_init(&fb, fb_mem));
	fbcon_set_color(0x112233, 0x445566);
	write_str("A");
	first_fg_bg_bytes(fg, bg);
	CHECK(fg[0] == 0x33 && fg[1] == 0x22 && fg[2] == 0x11 && fg[3] == 0);
	CHECK(bg[0] == 0x66 && bg[1] == 0x55 && bg[2] == 0x44 && bg[3] == 0);
	/* Bits above 0xffffff in the colour are ignored. */
	fbcon_set_color(0xff112233, 0);
	CHECK_EQ_U64(con.fg, 0x00112233);
}

TEST(bitmask_formats)
{
	/* 10 bits per colour, red on top. 0x80 blue: (128*1023+127)/255 = 514. */
	struct boot_framebuffer fb = fake_fb(FB_BITMASK);
	fb.red_mask = 0x3ff00000; fb.green_mask = 0x000ffc00; fb.blue_mask = 0x000003ff;
	CHECK(fbcon_init(&fb, fb_mem));
	fbcon_set_color(0xff0080, 0x000000);
	CHECK_EQ_U64(con.fg, 0x3ff00202);
	CHECK_EQ_U64(con.bg, 0);
	write_str("A");
	CHECK_EQ_U64(cell_mismatches(0, 0, 'A', 0x3ff00202, 0), 0);

	/* 5-6-5: white is 0xffff, mid grey 0x808080 is the classic 0x8410. */
	fb = fake_fb(FB_BITMASK);
	fb.red_mask = 0xf800; fb.green_mask = 0x07e0; fb.blue_mask = 0x001f;
	CHECK(fbcon_init(&fb, fb_mem));
	fbcon_set_color(0xffffff, 0x808080);
	CHECK_EQ_U64(con.fg, 0xffff);
	CHECK_EQ_U64(con.bg, 0x8410);

	/* Masks like BGRX give the same pixels as BGRX. */
	fb = fake_fb(FB_BITMASK);
	fb.red_mask = 0xff0000; fb.green_mask = 0xff00; fb.blue_mask = 0xff;
	CHECK(fbcon_init(&fb, fb_mem));
	fbcon_set_color(0x112233, 0x445566);
	CHECK_EQ_U64(con.fg, 0x112233);
	CHECK_EQ_U64(con.bg, 0x445566);
	CHECK_EQ_U64(outside_damage(), 0);
}

TEST(newline_and_carriage_return)
{
	start_bgrx();
	write_str("A\nB");
	CHECK_EQ_U64(cell_mismatches(0, 0, 'A', W_PIX, B_PIX), 0);
	CHECK_EQ_U64(cell_mismatches(1, 0, 0, W_PIX, B_PIX), 0);
	CHECK_EQ_U64(cell_mismatches(0, 1, 'B', W_PIX, B_PIX), 0);
	CHECK_EQ_U64(con.row, 1);
	CHECK_EQ_U64(con.col, 1);

	write_str("CD\rE");
	CHECK_EQ_U64(cell_mismatches(0, 1, 'E', W_PIX, B_PIX), 0);
	CHECK_EQ_U64(cell_mismatches(1, 1, 'C', W_PIX, B_PIX), 0);
	CHECK_EQ_U64(cell_mismatches(2, 1, 'D', W_PIX, B_PIX), 0);
	CHECK_EQ_U64(con.row, 1);
}

TEST(tab_goes_to_next_multiple_of_8)
{
	start_bgrx();
	write_str("\tX");
	CHECK_EQ_U64(cell_mismatches(8, 0, 'X', W_PIX, B_PIX), 0);
	write_str("\tY");           /* from column 9 */
	CHECK_EQ_U64(cell_mismatches(16, 0, 'Y', W_PIX, B_PIX), 0);
	write_str("\n1234567\tZ");  /* from column 7 */
	CHECK_EQ_U64(cell_mismatches(8, 1, 'Z', W_PIX, B_PIX), 0);
	write_str("\n12345678\tW"); /* from column 8 */
	CHECK_EQ_U64(cell_mismatches(16, 2, 'W', W_PIX, B_PIX), 0);
	CHECK_EQ_U64(cell_mismatches(9, 2, 0, W_PIX, B_PIX), 0);

	/* A tab past the last stop ends the line: the next letter wraps. */
	write_str("\n");
	uint32_t cols = con.cols;
	for (uint32_t i = 0; i + 1 < cols; i++)
		write_str(".");
	write_str("\tV");
	CHECK_EQ_U64(con.row, 4);
	CHECK_EQ_U64(cell_mismatches(0, 4, 'V', W_PIX, B_PIX), 0);
}

TEST(backspace_moves_left_without_erasing)
{
	start_bgrx();
	write_str("\bAB\bC");
	CHECK_EQ_U64(cell_mismatches(0, 0, 'A', W_PIX, B_PIX), 0);
	CHECK_EQ_U64(cell_mismatches(1, 0, 'C', W_PIX, B_PIX), 0);
	write_str("\b\b\b\b");
	CHECK_EQ_U64(con.col, 0);
	CHECK_EQ_U64(cell_mismatches(0, 0, 'A', W_PIX, B_PIX), 0);
}

TEST(long_lines_wrap_at_the_last_column)
{
	start_bgrx();
	uint32_t cols = con.cols;
	for (uint32_t i = 0; i < cols; i++)
		write_str("a");
	/* Full line: still on row 0 until the next character arrives. */
	CHECK_EQ_U64(con.row, 0);
	CHECK_EQ_U64(cell_mismatches(cols - 1, 0, 'a', W_PIX, B_PIX), 0);
	write_str("b");
	CHECK_EQ_U64(cell_mismatches(0, 1, 'b', W_PIX, B_PIX), 0);
	CHECK_EQ_U64(con.row, 1);
	CHECK_EQ_U64(con.col, 1);

	/* A full line followed by '\n' leaves no empty line. */
	write_str("\n");
	for (uint32_t i = 0; i < cols; i++)
		write_str("c");
	write_str("\nd");
	CHECK_EQ_U64(cell_mismatches(0, 3, 'd', W_PIX, B_PIX), 0);
	/* Backspace from the pending-wrap position goes back to the last cell. */
	write_str("\n");
	for (uint32_t i = 0; i < cols; i++)
		write_str("e");
	write_str("\bf");
	CHECK_EQ_U64(cell_mismatches(cols - 1, 4, 'f', W_PIX, B_PIX), 0);
	CHECK_EQ_U64(con.row, 4);
	CHECK_EQ_U64(outside_damage(), 0);
}

TEST(control_and_non_ascii_bytes)
{
	start_bgrx();
	write_str("\x01\x07\x1b\x7f" "A");
	CHECK_EQ_U64(cell_mismatches(0, 0, 'A', W_PIX, B_PIX), 0);
	write_str("\xc3\xa9!");  /* UTF-8 e-acute: two bytes, two '?' */
	CHECK_EQ_U64(cell_mismatches(1, 0, '?', W_PIX, B_PIX), 0);
	CHECK_EQ_U64(cell_mismatches(2, 0, '?', W_PIX, B_PIX), 0);
	CHECK_EQ_U64(cell_mismatches(3, 0, '!', W_PIX, B_PIX), 0);
	const char with_nul[] = { 'x', 0, 'y' };
	fbcon_write(with_nul, 3);
	CHECK_EQ_U64(cell_mismatches(4, 0, 'x', W_PIX, B_PIX), 0);
	CHECK_EQ_U64(cell_mismatches(5, 0, 'y', W_PIX, B_PIX), 0);
}

static char row_letter(uint32_t r)
{
	return (char)('A' + r % 26);
}

TEST(scrolling_moves_rows_up_and_clears_the_last)
{
	start_bgrx();
	uint32_t rows = con.rows;
	/* Row r shows its letter, in colours that differ per row, so a row that
	 * moved keeps its colours. */
	for (uint32_t r = 0; r < rows; r++) {
		fbcon_set_color(0x010101 * (r + 1), 0x000100 * r);
		char line[3] = { row_letter(r), (char)('a' + r % 26), 0 };
		write_str(line);
		if (r + 1 < rows)
			write_str("\n");
	}
	CHECK_EQ_U64(con.row, rows - 1);
	for (uint32_t r = 0; r < rows; r++)
		CHECK_EQ_U64(cell_mismatches(0, r, row_letter(r), 0x010101 * (r + 1), 0x000100 * r), 0);

	fbcon_set_color(WHITE, 0x0000ff);
	write_str("\n");  /* the screen is full: scroll one row */
	for (uint32_t r = 0; r + 1 < rows; r++) {
		CHECK_EQ_U64(cell_mismatches(0, r, row_letter(r + 1), 0x010101 * (r + 2), 0x000100 * (r + 1)), 0);
		CHECK_EQ_U64(cell_mismatches(1, r, (char)('a' + (r + 1) % 26), 0x010101 * (r + 2), 0x000100 * (r + 1)), 0);
	}
	/* The last row is cleared to the current background across the grid. */
	size_t wrong = 0;
	for (uint32_t y = (rows - 1) * font_height; y < rows * font_height; y++)
		for (uint32_t x = 0; x < con.cols * font_width; x++)
			wrong += pixel(x, y) != 0x0000ffu;
	CHECK_EQ_U64(wrong, 0);
	CHECK_EQ_U64(con.row, rows - 1);
	CHECK_EQ_U64(con.col, 0);

	/* Writing continues on the last row; wrapping off the bottom scrolls too. */
	write_str("Z");
	CHECK_EQ_U64(cell_mismatches(0, rows - 1, 'Z', W_PIX, 0x0000ff), 0);
	for (uint32_t i = 1; i < con.cols; i++)
		write_str("z");
	write_str("!");
	CHECK_EQ_U64(cell_mismatches(0, rows - 2, 'Z', W_PIX, 0x0000ff), 0);
	CHECK_EQ_U64(cell_mismatches(0, rows - 1, '!', W_PIX, 0x0000ff), 0);
	CHECK_EQ_U64(cell_mismatches(0, rows - 3, row_letter(rows - 1), 0x010101 * rows, 0x000100 * (rows - 1)), 0);

	/* Many screens of text: nothing outside the visible area is touched. */
	for (int i = 0; i < 200; i++)
		write_str("The quick brown fox\tjumps over the lazy dog, again and again and again.\n");
	CHECK_EQ_U64(outside_damage(), 0);
}

TEST(partial_cells_at_the_edges_are_left_alone)
{
	/* 643x473: 3 columns of pixels at the right and 473 % font_height scan
	 * lines at the bottom belong to no cell; they stay as init cleared them. */
	struct boot_framebuffer fb = fake_fb(FB_RGBX);
	fb.width = 643; fb.height = 473;
	fbcon_set_color(WHITE, 0x000080);
	CHECK(fbcon_init(&fb, fb_mem));
	CHECK_EQ_U64(con.cols, 643 / font_width);
	CHECK_EQ_U64(con.rows, 473 / font_height);
	fbcon_set_color(WHITE, 0x008000);
	for (int i = 0; i < 100; i++)
		write_str("################################################################################\n");
	size_t wrong = 0, inside_changed = 0;
	for (uint32_t y = 0; y < 473; y++)
		for (uint32_t x = 0; x < 643; x++) {
			bool in_grid = x < con.cols * font_width && y < con.rows * font_height;
			if (!in_grid)
				wrong += pixel(x, y) != 0x00800000u; /* RGBX: blue 0x80 in byte 2 */
			else
				inside_changed += pixel(x, y) != 0x00800000u;
		}
	CHECK_EQ_U64(wrong, 0);
	CHECK(inside_changed > 0);
	size_t damaged = 0;
	for (size_t y = 0; y < FB_H; y++)
		for (size_t x = 0; x < FB_STRIDE; x++)
			if (x >= 643 || y >= 473)
				damaged += fb_mem[y * FB_STRIDE + x] != canary(y * FB_STRIDE + x);
	CHECK_EQ_U64(damaged, 0);
}

TEST(remap_moves_drawing_to_the_new_address)
{
	start_bgrx();
	size_t bytes = (size_t)FB_STRIDE * FB_H * sizeof(uint32_t);
	uint32_t *second = malloc(bytes);
	memcpy(second, fb_mem, bytes);
	fbcon_remap(second);
	write_str("A");
	CHECK_EQ_U64(cell_mismatches(0, 0, 0, W_PIX, B_PIX), 0);  /* old mapping untouched */
	uint32_t *old = fb_mem;
	fb_mem = second;
	CHECK_EQ_U64(cell_mismatches(0, 0, 'A', W_PIX, B_PIX), 0);
	fbcon_remap(NULL);   /* ignored */
	write_str("B");
	CHECK_EQ_U64(cell_mismatches(1, 0, 'B', W_PIX, B_PIX), 0);
	fb_mem = old;
	free(second);
}

TEST(rectangles_are_clipped_to_the_screen)
{
	start_bgrx();
	struct fbcon_geometry g;
	CHECK(fbcon_geometry(&g));
	CHECK(g.width == FB_W && g.height == FB_H && g.cell_width == font_width && g.cell_height == font_height);
	CHECK(g.cols == FB_W / font_width && g.rows == FB_H / font_height);
	fbcon_fill_rect(10, 20, 30, 5, 0x123456);
	CHECK_EQ_U64(count_pixels(0, 0, FB_W, FB_H, 0x123456), 150);
	CHECK_EQ_U64(count_pixels(10, 20, 30, 5, 0x123456), 150);
	/* Across the right and bottom edges, and wholly off screen. */
	fbcon_fill_rect(FB_W - 3, FB_H - 2, 100, 100, 0x654321);
	fbcon_fill_rect(FB_W, 0, 10, 10, 0x654321);
	fbcon_fill_rect(0, FB_H, 10, 10, 0x654321);
	fbcon_fill_rect(0, 0, 0, 10, 0x654321);
	CHECK_EQ_U64(count_pixels(0, 0, FB_W, FB_H, 0x654321), 6);
	CHECK_EQ_U64(outside_damage(), 0);
	/* The text cursor did not move. */
	uint32_t x, y;
	CHECK(fbcon_cursor_xy(&x, &y) && x == 0 && y == 0);
}

TEST(text_at_pixels_leaves_the_cursor)
{
	start_bgrx();
	write_str("ab");
	CHECK_EQ_U64(fbcon_draw_text(3, 50, "Hi\x01", 0xff0000, 0x0000ff), 3 + 3 * font_width);
	CHECK_EQ_U64(glyph_mismatches_at(3, 50, 'H', 0xff0000, 0x0000ff), 0);
	CHECK_EQ_U64(glyph_mismatches_at(3 + font_width, 50, 'i', 0xff0000, 0x0000ff), 0);
	CHECK_EQ_U64(glyph_mismatches_at(3 + 2 * font_width, 50, '?', 0xff0000, 0x0000ff), 0);
	uint32_t x, y;
	CHECK(fbcon_cursor_xy(&x, &y) && x == 2 * font_width && y == 0);
	/* A character that does not fit entirely is left out: 'Y' would need
	 * the column after the last. */
	fbcon_draw_text(FB_W - font_width - 1, FB_H - font_height, "XY", 0xff0000, 0x0000ff);
	CHECK_EQ_U64(glyph_mismatches_at(FB_W - font_width - 1, FB_H - font_height, 'X', 0xff0000, 0x0000ff), 0);
	CHECK_EQ_U64(count_pixels(FB_W - 1, FB_H - font_height, 1, font_height, B_PIX), font_height);
	CHECK_EQ_U64(fbcon_draw_text(0, FB_H - font_height + 1, "Z", 0xff0000, 0x0000ff), font_width);
	CHECK_EQ_U64(outside_damage(), 0);
}

TEST(open_rows_leaves_blank_rows_that_scroll_with_the_text)
{
	start_bgrx();
	uint32_t y, rows = con.rows;
	write_str("first");
	CHECK(fbcon_open_rows(3, &y));
	CHECK_EQ_U64(y, 1 * font_height);            /* a new line was started */
	CHECK_EQ_U64(con.row, 4);
	CHECK_EQ_U64(con.col, 0);
	fbcon_fill_rect(0, y, 8, 3 * font_height, 0x00ff00);
	write_str("after");
	CHECK_EQ_U64(cell_mismatches(0, 4, 'a', W_PIX, B_PIX), 0);
	CHECK(!fbcon_open_rows(0, &y));
	CHECK(!fbcon_open_rows(rows, &y));
	/* Near the bottom it scrolls first, and the drawing moves up with the text. */
	for (uint32_t r = 5; r < rows - 1; r++)
		write_str("\nx");
	CHECK(fbcon_open_rows(rows - 1, &y));
	CHECK_EQ_U64(y, 0);
	CHECK_EQ_U64(con.row, rows - 1);
	CHECK_EQ_U64(count_pixels(0, 0, FB_W, (rows - 1) * font_height, W_PIX), 0);   /* blank */
	CHECK_EQ_U64(outside_damage(), 0);
}

TEST(the_status_row_stays_out_of_the_scrolling)
{
	start_bgrx();
	uint32_t rows = con.rows, y, y2;
	for (uint32_t r = 0; r + 1 < rows; r++)
		write_str("line\n");
	write_str("last");                             /* the cursor is on the bottom row */
	CHECK(fbcon_reserve_status_row(&y));
	CHECK_EQ_U64(y, (rows - 1) * font_height);
	CHECK_EQ_U64(con.rows, rows - 1);
	CHECK_EQ_U64(con.row, rows - 2);               /* the text moved up one row */
	CHECK_EQ_U64(cell_mismatches(0, rows - 2, 'l', W_PIX, B_PIX), 0);
	CHECK_EQ_U64(cell_mismatches(0, rows - 1, 0, W_PIX, B_PIX), 0);   /* cleared */
	CHECK(fbcon_reserve_status_row(&y2) && y2 == y);
	CHECK_EQ_U64(con.rows, rows - 1);
	fbcon_draw_text(0, y, "STATUS", 0x00ff00, 0);
	for (int i = 0; i < 100; i++)
		write_str("scrolling text\n");
	CHECK_EQ_U64(glyph_mismatches_at(0, y, 'S', 0x00ff00, 0), 0);
	CHECK_EQ_U64(con.row, rows - 2);
	/* A new init gives the row back. */
	start_bgrx();
	CHECK_EQ_U64(con.rows, rows);
	CHECK_EQ_U64(outside_damage(), 0);
}

TEST(the_right_strip_stays_out_of_the_text)
{
	start_bgrx();
	uint32_t cols = con.cols, rows = con.rows, x;
	write_str("abc");
	CHECK(!fbcon_reserve_right((cols - 19) * font_width, &x));   /* fewer than 20 columns would remain */
	CHECK_EQ_U64(con.cols, cols);
	CHECK(fbcon_reserve_right(10 * font_width - 1, &x));        /* whole columns: 10 */
	CHECK_EQ_U64(con.cols, cols - 10);
	CHECK_EQ_U64(x, (cols - 10) * font_width);
	CHECK_EQ_U64(cell_mismatches(0, 0, 'a', W_PIX, B_PIX), 0); /* the text stays */
	fbcon_fill_rect(x, 0, FB_W - x, 4 * font_height, 0x123456);
	/* a long line wraps before the strip; scrolling leaves it alone */
	for (int i = 0; i < 3 * (int)rows; i++)
		write_str("0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890\n");
	CHECK_EQ_U64(count_pixels(x, 0, FB_W - x, 4 * font_height, 0x123456), (FB_W - x) * 4 * font_height);
	CHECK_EQ_U64(count_pixels(x, 4 * font_height, FB_W - x, (rows - 4) * font_height, B_PIX),
		     (FB_W - x) * (rows - 4) * font_height);
	/* a pending wrap: the cursor past the new edge wraps at the next character */
	start_bgrx();
	for (uint32_t i = 0; i < cols - 2; i++)
		write_str("x");
	CHECK(fbcon_reserve_right(5 * font_width, &x));
	CHECK_EQ_U64(con.col, con.cols);
	write_str("y");
	CHECK_EQ_U64(con.row, 1);
	CHECK_EQ_U64(cell_mismatches(0, 1, 'y', W_PIX, B_PIX), 0);
	CHECK_EQ_U64(outside_damage(), 0);
}

TEST(drawing_while_off_does_nothing)
{
	struct boot_framebuffer fb = fake_fb(FB_BGRX);
	fb.format = FB_NONE;
	CHECK(!fbcon_init(&fb, fb_mem));
	struct fbcon_geometry g;
	uint32_t x = 7, y = 9;
	CHECK(!fbcon_geometry(&g));
	fbcon_fill_rect(0, 0, 10, 10, 0xffffff);
	CHECK_EQ_U64(fbcon_draw_text(5, 5, "A", 0xffffff, 0), 5);
	CHECK(!fbcon_open_rows(1, &y));
	CHECK(!fbcon_cursor_xy(&x, &y));
	CHECK(!fbcon_reserve_status_row(&y));
	CHECK(!fbcon_reserve_right(8, &x));
	CHECK(x == 7 && y == 9);
	size_t touched = 0;
	for (size_t i = 0; i < (size_t)FB_STRIDE * FB_H; i++)
		touched += fb_mem[i] != canary(i);
	CHECK_EQ_U64(touched, 0);
}

UNIT_MAIN(
	UNIT(font_is_sane),
	UNIT(the_right_strip_stays_out_of_the_text),
	UNIT(init_rejects_bad_framebuffers),
	UNIT(init_clears_to_background_only_inside),
	UNIT(letter_a_is_the_font_bitmap),
	UNIT(rgbx_and_bgrx_byte_order),
	UNIT(bitmask_formats),
	UNIT(newline_and_carriage_return),
	UNIT(tab_goes_to_next_multiple_of_8),
	UNIT(backspace_moves_left_without_erasing),
	UNIT(long_lines_wrap_at_the_last_column),
	UNIT(control_and_non_ascii_bytes),
	UNIT(scrolling_moves_rows_up_and_clears_the_last),
	UNIT(partial_cells_at_the_edges_are_left_alone),
	UNIT(remap_moves_drawing_to_the_new_address),
	UNIT(rectangles_are_clipped_to_the_screen),
	UNIT(text_at_pixels_leaves_the_cursor),
	UNIT(open_rows_leaves_blank_rows_that_scroll_with_the_text),
	UNIT(the_status_row_stays_out_of_the_scrolling),
	UNIT(drawing_while_off_does_nothing)
)
