/* Strings from user memory: kernel/user_string.h. */
#include "kernel/user_string.h"
#include "base/errno.h"
#include "fault/uaccess.h"

/* See kernel/user_string.h. One page piece at a time: a page is readable
 * as a whole or not at all, so a string that ends just before an unmapped
 * page is read without touching it. */
int64_t strncpy_from_user(char *dst, uint64_t src, uint64_t size)
{
	uint64_t i = 0;
	while (i < size) {
		uint64_t page_left = 4096 - ((src + i) & 4095);
		uint64_t n = size - i < page_left ? size - i : page_left;
		if (!access_ok(src + i, 1))
			return -EFAULT;
		if (copy_from_user(dst + i, src + i, n))
			return -EFAULT;
		for (uint64_t k = 0; k < n; k++)
			if (dst[i + k] == '\0')
				return (int64_t)(i + k);
		i += n;
	}
	return (int64_t)size;
}
