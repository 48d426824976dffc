/*
 * Immediate output for ring-3 programs: whole-buffer writes and a small
 * printf (the formatter is base/format.c, shared with the kernel). These write
 * at once, so never call them inside a measured interval; test results go
 * through user/rt/record.h instead.
 */
#ifndef FAULTLINE_USER_PRINT_H
#define FAULTLINE_USER_PRINT_H

#include <stddef.h>

#define RT_PRINT_MAX 1024   /* longer rt_printf output is cut */

/* Writes all len bytes to fd, retrying short writes. Returns 0, or -errno of the failing write. */
long rt_write_all(int fd, const void *buf, size_t len);

/* Formats (base/format.h conversions) and writes to fd. Returns rt_write_all's result. */
long rt_printf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
