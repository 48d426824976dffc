/* Freestanding memory and string helpers (the compiler may also call mem*). */
#ifndef FAULTLINE_STRING_H
#define FAULTLINE_STRING_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* Copies at most size-1 bytes and always terminates (when size > 0). Returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

/* One 4 KiB page, 8-byte aligned: zeroed / copied with quadword string ops. */
void clear_page(void *page);
void copy_page(void *to, const void *from);

#endif
