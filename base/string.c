/*
 * Freestanding memory and string helpers (see base/string.h).
 *
 * The compiler itself emits calls to memset/memcpy/memmove/memcmp (struct
 * copies, zeroed arrays), so these must never be compiled into calls to
 * themselves: the kernel is built with -fno-builtin, which stops clang from
 * turning the loops below back into library calls. memset and memcpy (and
 * memmove's forward case) move whole quadwords with `rep stosq` / `rep movsq`
 * and the last 0..7 bytes with `rep stosb` / `rep movsb` (Linux's
 * memset_orig / memcpy_orig): as fast as the byte forms on modern CPUs
 * (ERMS), and an eighth of the iterations where each one counts - under
 * QEMU's -icount every iteration is an instruction, and a task's 3.5 KiB
 * cleared byte by byte was a tenth of a fork. The ABI guarantees the
 * direction flag is clear on entry, so the string instructions move upwards.
 *
 * Host unit tests build this file with HOST_TEST defined to get the plain
 * C loops (which AddressSanitizer can see into) and without it to get the
 * `rep` versions, renaming every function so it does not clash with libc.
 */
#include <stdint.h>
#include "base/string.h"

/* Fills n bytes at dst with (unsigned char)c. Returns dst. */
void *memset(void *dst, int c, size_t n)
{
#ifndef HOST_TEST
	void *d = dst;
	size_t q = n >> 3, b = n & 7;
	uint64_t v = (uint64_t)(unsigned char)c * 0x0101010101010101ull;
	__asm__ volatile("rep stosq\n\tmov %3, %%rcx\n\trep stosb"
			 : "+D"(d), "+c"(q), "+a"(v)
			 : "r"(b)
			 : "memory");
#else
	unsigned char *d = dst;
	for (size_t i = 0; i < n; i++)
		d[i] = (unsigned char)c;
#endif
	return dst;
}

/* Zeroes one 4 KiB page (8-byte aligned) with 512 quadword stores (Linux's clear_page). */
void clear_page(void *page)
{
#ifndef HOST_TEST
	size_t n = 512;
	__asm__ volatile("rep stosq" : "+D"(page), "+c"(n) : "a"(0) : "memory");
#else
	uint64_t *q = page;
	for (size_t i = 0; i < 512; i++)
		q[i] = 0;
#endif
}

/* Copies one 4 KiB page (8-byte aligned) with quadword moves (Linux's copy_page). */
void copy_page(void *to, const void *from)
{
#ifndef HOST_TEST
	size_t n = 512;
	__asm__ volatile("rep movsq" : "+D"(to), "+S"(from), "+c"(n) : : "memory");
#else
	uint64_t *d = to;
	const uint64_t *s = from;
	for (size_t i = 0; i < 512; i++)
		d[i] = s[i];
#endif
}

/* Copies n bytes from src to dst; the ranges must not overlap. Returns dst. */
void *memcpy(void *dst, const void *src, size_t n)
{
#ifndef HOST_TEST
	void *d = dst;
	const void *s = src;
	size_t q = n >> 3, b = n & 7;
	__asm__ volatile("rep movsq\n\tmov %3, %%rcx\n\trep movsb"
			 : "+D"(d), "+S"(s), "+c"(q)
			 : "r"(b)
			 : "memory");
#else
	unsigned char *d = dst;
	const unsigned char *s = src;
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
#endif
	return dst;
}

/*
 * Copies n bytes from src to dst; the ranges may overlap. Returns dst.
 * Overlap with dst above src copies from the top down in a plain loop, so
 * the direction flag is never touched (an interrupt taken with DF set
 * would see a broken ABI).
 */
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((uintptr_t)d - (uintptr_t)s >= n)  /* dst below src, or no overlap */
		return memcpy(dst, src, n);
	while (n > 0) {
		n--;
		d[n] = s[n];
	}
	return dst;
}

/* Compares n bytes as unsigned chars. Returns <0, 0 or >0 like the C library. */
int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return (int)x[i] - (int)y[i];
	return 0;
}

/* Returns the number of bytes before the terminating NUL. */
size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* Returns strlen(s), but at most max; never reads past s[max - 1]. */
size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

/* Compares two strings as unsigned chars. Returns <0, 0 or >0. */
int strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	while (*x && *x == *y) {
		x++;
		y++;
	}
	return (int)*x - (int)*y;
}

/* Compares at most n bytes of two strings as unsigned chars. Returns <0, 0 or >0. */
int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return (int)x[i] - (int)y[i];
		if (x[i] == 0)
			break;
	}
	return 0;
}

/*
 * Copies at most size-1 bytes of src into dst and always terminates dst
 * when size > 0. Returns strlen(src); a result >= size means it was cut.
 */
size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);
	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memmove(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
