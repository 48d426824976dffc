/* Helpers for killer programs (see user/rt/killer.h). */
#include <stdarg.h>
#include <stdbool.h>
#include "user/rt/killer.h"
#include "user/rt/record.h"
#include "user/rt/start.h"
#include "base/format.h"
#include "base/string.h"

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
	bool bus = strncmp(rt_program_name, "sigbus_", 7) == 0;
	rt_test("survived", RT_FAIL, "still running after %s (expected death by %s)", what,
		bus ? "SIGBUS" : "SIGSEGV");
	rt_exit(1);
}
