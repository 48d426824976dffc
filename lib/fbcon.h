/*
 * Text console on the GOP framebuffer with the PSF font converted at build
 * time (build/font.c, from Debian's console-setup fonts). Scrolls, handles
 * \n \r \t \b, and a few colours for PASS/FAIL tables. Charts and the
 * progress bar draw pixels beside the text: in rows the text leaves blank
 * for them (they scroll with it), in a status row the text never enters, or
 * in a strip at the right edge taken from the text (the QR code).
 */
#ifndef FAULTLINE_FBCON_H
#define FAULTLINE_FBCON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct boot_framebuffer;

/* fb_virt: where the framebuffer is mapped now. Returns false (and stays off)
 * for a missing or unsupported framebuffer. */
bool fbcon_init(const struct boot_framebuffer *fb, void *fb_virt);
void fbcon_write(const char *s, size_t n);
void fbcon_set_color(uint32_t fg_rgb, uint32_t bg_rgb);
bool fbcon_active(void);
/* Re-points the console at a new virtual address of the same framebuffer. */
void fbcon_remap(void *fb_virt);

/* ---- Drawing beside the text (charts, the progress bar) ---- */

struct fbcon_geometry {
	uint32_t width, height;             /* pixels */
	uint32_t cell_width, cell_height;   /* one character */
	uint32_t cols, rows;                /* the scrolling text grid */
};

/* The console's geometry; false while the console is off. */
bool fbcon_geometry(struct fbcon_geometry *g);
void fbcon_fill_rect(uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t rgb);
uint32_t fbcon_draw_text(uint32_t x, uint32_t y, const char *s, uint32_t fg_rgb, uint32_t bg_rgb);
bool fbcon_open_rows(uint32_t n, uint32_t *y);
bool fbcon_cursor_xy(uint32_t *x, uint32_t *y);
bool fbcon_reserve_status_row(uint32_t *y);
bool fbcon_reserve_right(uint32_t width_px, uint32_t *x);

#endif
