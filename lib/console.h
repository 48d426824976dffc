/*
 * The console: where bytes for people go. Text goes to every sink that is up
 * (COM1, framebuffer). Records go to serial only (see lib/record.h).
 */
#ifndef FAULTLINE_CONSOLE_H
#define FAULTLINE_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

void console_write(const char *s, size_t n);   /* serial + framebuffer */
void console_serial_write(const char *s, size_t n);
void console_screen_write(const char *s, size_t n);   /* framebuffer only (serial has it otherwise) */
/* Ends a partly written serial line, so that what follows starts a line. */
void console_serial_begin_line(void);

#endif
