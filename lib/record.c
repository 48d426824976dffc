/*
 * Records (lib/record.h): a JSON object built in one static buffer and written
 * to serial as one line, preceded by a newline if human text left the line
 * open. Also keeps the run's pass/fail/skip totals for the summary record.
 */
#include <stdarg.h>
#include "lib/record.h"
#include "cpu/percpu.h"
#include "lib/console.h"
#include "lib/console_lock.h"
#include "base/format.h"
#include "base/string.h"

static char record_buf[RECORD_MAX];
static struct json record_json;
static struct record_totals totals;
static uint64_t record_lock_flags;   /* record_begin's console_lock, given back by record_end */

/* See lib/record.h. The record's buffer is the console lock's from here to
 * record_end (lib/console_lock.h): one CPU builds a record at a time. */
struct json *record_begin(const char *type)
{
	uint64_t flags = console_lock();
	record_lock_flags = flags;
	json_begin(&record_json, record_buf, sizeof(record_buf));
	json_str(&record_json, "type", type);
	return &record_json;
}

/* See lib/record.h. */
void record_end(void)
{
	const char *s = json_end(&record_json);
	console_serial_begin_line();
	console_serial_write(s, strlen(s));
	console_serial_write("\n", 1);
	console_unlock(record_lock_flags);
}

/* See lib/record.h. */
void record_count_result(int result)
{
	if (result == TEST_PASS)
		totals.passed++;
	else if (result == TEST_SKIP)
		totals.skipped++;
	else
		totals.failed++;
}

#define FAILED_NAMES_KEPT 16
static char failed_names[FAILED_NAMES_KEPT][64];
static uint32_t failed_names_count;

/* See lib/record.h. */
void record_note_failure(const char *name)
{
	if (failed_names_count < FAILED_NAMES_KEPT)
		strlcpy(failed_names[failed_names_count], name, sizeof(failed_names[0]));
	failed_names_count++;
}

/* See lib/record.h. */
uint32_t record_failed_names(const char **names, uint32_t max)
{
	uint32_t n = failed_names_count < FAILED_NAMES_KEPT ? failed_names_count : FAILED_NAMES_KEPT;
	for (uint32_t i = 0; i < n && i < max; i++)
		names[i] = failed_names[i];
	return n < max ? n : max;
}

static void record_test_v(const char *name, int result, const char *fmt, va_list ap)
{
	char detail[512];
	vformat(detail, sizeof(detail), fmt ? fmt : "", ap);
	record_count_result(result);
	if (result == TEST_FAIL)
		record_note_failure(name);
	struct json *j = record_begin("test");
	json_str(j, "name", name);
	json_str(j, "result", result == TEST_PASS ? "pass" : result == TEST_SKIP ? "skip" : "fail");
	json_str(j, "detail", detail);
	record_end();
}

/* See lib/record.h. */
void record_test(const char *name, int result, const char *detail_fmt, ...)
{
	va_list ap;
	va_start(ap, detail_fmt);
	record_test_v(name, result, detail_fmt, ap);
	va_end(ap);
}

/* See lib/record.h. */
bool record_check(const char *name, bool cond, const char *detail_fmt, ...)
{
	va_list ap;
	va_start(ap, detail_fmt);
	record_test_v(name, cond ? TEST_PASS : TEST_FAIL, detail_fmt, ap);
	va_end(ap);
	return cond;
}

/* See lib/record.h. */
size_t record_result_line(char *buf, size_t size, const char *name, int result)
{
	static const char *const words[] = { "PASS", "FAIL", "SKIP" };
	if (size == 0)
		return 0;
	int n = format(buf, size, "  %s  %s\n", words[result % 3], name);
	if ((size_t)n >= size) {            /* cut: still one line */
		n = (int)size - 1;
		buf[n - 1] = '\n';
	}
	return (size_t)n;
}

static check_observer_t check_observer;

/* See lib/record.h. */
void record_set_check_observer(check_observer_t fn)
{
	check_observer = fn;
}

/* See lib/record.h. */
void record_hw_check_cpu(const char *name, int result, uint32_t paging_levels, uint32_t cpu, const char *detail)
{
	char line[96];
	record_count_result(result);
	if (result == TEST_FAIL)
		record_note_failure(name);
	if (cpu == 0)   /* the other CPUs' results reach the screen as one per-core table (checks/check_smp.c) */
		console_write(line, record_result_line(line, sizeof(line), name, result));
	if (check_observer)
		check_observer(name, result, cpu);
	struct json *j = record_begin("check");
	json_str(j, "name", name);
	json_str(j, "result", result == TEST_PASS ? "pass" : result == TEST_SKIP ? "skip" : "fail");
	json_u64(j, "paging", paging_levels);
	json_u64(j, "cpu", cpu);
	json_str(j, "detail", detail);
	record_end();
}

/* See lib/record.h. */
void record_hw_check(const char *name, int result, uint32_t paging_levels, const char *detail)
{
	record_hw_check_cpu(name, result, paging_levels, this_cpu_read(cpu), detail);
}

/* See lib/record.h. */
void record_warning(const char *what, const char *detail_fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, detail_fmt);
	vformat(detail, sizeof(detail), detail_fmt, ap);
	va_end(ap);
	struct json *j = record_begin("warning");
	json_str(j, "what", what);
	json_str(j, "detail", detail);
	record_end();
}

/* See lib/record.h. */
void record_count_failure(void)
{
	totals.failed++;
}

/* See lib/record.h. */
struct record_totals record_totals(void)
{
	return totals;
}

/* See lib/record.h. */
void record_summary(void)
{
	struct json *j = record_begin("summary");
	json_u64(j, "passed", totals.passed);
	json_u64(j, "failed", totals.failed);
	json_u64(j, "skipped", totals.skipped);
	record_end();
}
