/* Self-check results in words (lib/check_result.h). */
#include "lib/check_result.h"

#include <stdarg.h>

#include "base/format.h"

/* See lib/check_result.h. */
void check_result_init(struct check_result *r)
{
	r->problems = 0;
	r->first[0] = '\0';
}

/* See lib/check_result.h. */
void check_problem(struct check_result *r, const char *fmt, ...)
{
	if (!r)
		return;
	if (r->problems++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vformat(r->first, sizeof(r->first), fmt, ap);
		va_end(ap);
	}
}
