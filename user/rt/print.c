/* Immediate output for ring-3 programs (see user/rt/print.h). */
#include <stdarg.h>
#include "user/rt/print.h"
#include "user/rt/syscall.h"
#include "base/format.h"

/* See user/rt/print.h. A write that makes no progress (returns 0) gives -EAGAIN. */
long rt_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		long n = sys_write(fd, p, len);
		if (n < 0)
			return n;
		if (n == 0)
			return -EAGAIN;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* See user/rt/print.h. */
long rt_printf(int fd, const char *fmt, ...)
{
	char buf[RT_PRINT_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	return rt_write_all(fd, buf, (size_t)n);
}
