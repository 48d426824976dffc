/* kprintf: base/format.h into a line buffer, then to the console. */
#include "lib/kprintf.h"
#include "lib/console.h"
#include "lib/console_lock.h"
#include "base/format.h"

/* See lib/kprintf.h. Returns the number of bytes written. */
int vkprintf(const char *fmt, va_list ap)
{
	char buf[1024];
	int n = vformat(buf, sizeof(buf), fmt, ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (n > 0) {
		uint64_t flags = console_lock();   /* one CPU's line at a time (lib/console_lock.h) */
		console_write(buf, (size_t)n);
		console_unlock(flags);
	}
	return n;
}

/* See lib/kprintf.h. */
int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vkprintf(fmt, ap);
	va_end(ap);
	return n;
}
