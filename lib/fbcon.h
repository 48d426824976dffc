/*
 * Text console on the GOP framebuffer with the PSF font converted at build
 * time (build/font.c, from Debian's console-setup fonts). Scrolls, handles
 * \n \r \t \b, and a few colours for PASS/FAIL tables.
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

#endif
