/*
 * Test records from ring-3 programs (see user/rt/record.h). The queue is one
 * static buffer of complete lines, each ending in '\n'; rt_flush() writes
 * them one line per write() so a kernel reading fd 1 always sees whole
 * records. The JSON comes from base/json.c, which escapes the detail text and
 * always produces a valid object, cut if it had to be.
 */
#include <stdarg.h>
#include "user/rt/record.h"
#include "user/rt/print.h"
#include "base/format.h"
#include "base/json.h"
#include "base/string.h"

static char pending[RT_PENDING_BYTES];
static uint32_t pending_len;
static struct rt_totals totals;

static const char *const result_names[] = { "pass", "fail", "skip" };

/* Appends one record line built from check, result and an already-formatted detail. */
static void queue_record(const char *check, enum rt_result result, const char *detail)
{
	char name[128];
	char line[RT_RECORD_MAX + 1];
	struct json j;
	size_t len;

	format(name, sizeof(name), "ring3.%s.%s", rt_program_name, check);
	json_begin(&j, line, sizeof(line) - 1);  /* one byte kept for the '\n' */
	json_str(&j, "type", "test");
	json_str(&j, "name", name);
	json_str(&j, "result", result_names[result]);
	json_str(&j, "detail", detail);
	json_end(&j);
	len = strlen(line);
	line[len++] = '\n';

	if (pending_len + len > sizeof(pending))
		rt_flush();
	memcpy(pending + pending_len, line, len);
	pending_len += (uint32_t)len;

	if (result == RT_PASS)
		totals.passed++;
	else if (result == RT_SKIP)
		totals.skipped++;
	else
		totals.failed++;
}

/* See user/rt/record.h. */
void rt_test(const char *check, enum rt_result result, const char *detail_fmt, ...)
{
	char detail[RT_DETAIL_MAX];
	va_list ap;

	va_start(ap, detail_fmt);
	vformat(detail, sizeof(detail), detail_fmt, ap);
	va_end(ap);
	if (result != RT_PASS && result != RT_SKIP)
		result = RT_FAIL;
	queue_record(check, result, detail);
}

/* See user/rt/record.h. */
bool rt_check(const char *check, bool cond, const char *detail_fmt, ...)
{
	char detail[RT_DETAIL_MAX];
	va_list ap;

	va_start(ap, detail_fmt);
	vformat(detail, sizeof(detail), detail_fmt, ap);
	va_end(ap);
	queue_record(check, cond ? RT_PASS : RT_FAIL, detail);
	return cond;
}

/* See user/rt/record.h. A failed write drops the rest: there is nowhere to report it. */
void rt_flush(void)
{
	uint32_t start = 0;

	for (uint32_t i = 0; i < pending_len; i++) {
		if (pending[i] != '\n')
			continue;
		if (rt_write_all(1, pending + start, i + 1 - start) < 0)
			break;
		start = i + 1;
	}
	pending_len = 0;
}

/* See user/rt/record.h. */
struct rt_totals rt_totals(void)
{
	return totals;
}
