/*
 * printf-style formatting into a buffer, freestanding and pure (host-tested).
 *
 * Conversions: %d %i %u %x %X %o %p %s %c %%, flags '-' '0' '+' ' ' '#',
 * field width and precision (also '*'). Length modifiers: hh h l ll z j t.
 * Because the kernel is built for an LLP64 target (long is 32 bits) and the
 * host tests for LP64, 'l', 'll', 'z', 'j' and 't' all take a 64-bit argument:
 * pass uint64_t / int64_t with %lx / %llx alike.
 */
#ifndef FAULTLINE_FORMAT_H
#define FAULTLINE_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Formats into buf (always NUL-terminated when size > 0). Returns the length the
 * full output would have had, like vsnprintf. */
int vformat(char *buf, size_t size, const char *fmt, va_list ap);
int format(char *buf, size_t size, const char *fmt, ...);

#endif
