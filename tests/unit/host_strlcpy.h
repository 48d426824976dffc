/* base/string.c's strlcpy for host tests of code that uses it (libc has
 * none, and base/string.c itself would clash with libc's memset & co). */
#ifndef FAULTLINE_TEST_HOST_STRLCPY_H
#define FAULTLINE_TEST_HOST_STRLCPY_H

#include <string.h>

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);
	if (size) {
		size_t k = n < size - 1 ? n : size - 1;
		memcpy(dst, src, k);
		dst[k] = 0;
	}
	return n;
}

#endif
