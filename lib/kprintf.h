/*
 * Human-readable kernel output: mirrored to COM1 and the framebuffer console.
 * Same conversions as base/format.h. Lines longer than 1 KiB are cut.
 */
#ifndef FAULTLINE_KPRINTF_H
#define FAULTLINE_KPRINTF_H

#include <stdarg.h>

int kprintf(const char *fmt, ...);
int vkprintf(const char *fmt, va_list ap);

#endif
