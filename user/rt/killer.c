/* Helpers for killer programs (see user/rt/killer.h). */
#include <stdarg.h>
#include "user/rt/killer.h"
#include "user/rt/record.h"
#include "user/rt/start.h"
#include "base/format.h"

/* See user/rt/killer.h. */
void rt_before_fatal_access(void)
{
	rt_flush();
}

/* See user/rt/killer.h. */
void rt_survived(const char *what_fmt, ...)
{
	char what[RT_DETAIL_MAX];
	va_list ap;

	va_start(ap, what_fmt);
	vformat(what, sizeof(what), what_fmt, ap);
	va_end(ap);
	rt_test("survived", RT_FAIL, "still running after %s (expected death by SIGSEGV)", what);
	rt_exit(1);
}
