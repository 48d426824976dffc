/*
 * Reading a NUL-terminated string from user memory (Linux's
 * strncpy_from_user), for path and name arguments.
 */
#ifndef FAULTLINE_USER_STRING_H
#define FAULTLINE_USER_STRING_H

#include <stdint.h>

/*
 * Copies the string at user address src into dst (size bytes), stopping at
 * its NUL: never reads user memory past it. Returns the string's length
 * (dst NUL-terminated), size when no NUL was found in size bytes (dst
 * holds size bytes, not terminated), or -EFAULT for a bad address before
 * the NUL.
 */
int64_t strncpy_from_user(char *dst, uint64_t src, uint64_t size);

#endif
