/* Helpers for killer programs (see user/rt/killer.h). */
#include <stdarg.h>
#include <stdbool.h>
#include "user/rt/killer.h"
#include "user/rt/print.h"
#include "user/rt/record.h"
#include "user/rt/start.h"
#include "base/format.h"
#include "base/json.h"
#include "base/string.h"

/* Prints the queued records and the expect_kill record (with addr when has_addr). */
static void expect(int sig, int code, bool has_addr, uint64_t addr)
{
	char line[RT_RECORD_MAX + 1];
	struct json j;

	rt_flush();
	json_begin(&j, line, sizeof(line) - 1);  /* one byte kept for the '\n' */
	json_str(&j, "type", "expect_kill");
	json_str(&j, "program", rt_program_name);
	json_str(&j, "signal", signal_name(sig));
	json_str(&j, "code", si_code_name(sig, code));
	if (has_addr)
		json_hex(&j, "addr", addr);
	json_end(&j);
	size_t len = strlen(line);
	line[len++] = '\n';
	rt_write_all(1, line, len);
}

/* See user/rt/killer.h. */
void rt_expect_kill(int sig, int code, uint64_t addr)
{
	expect(sig, code, true, addr);
}

/* See user/rt/killer.h. */
void rt_expect_kill_anywhere(int sig, int code)
{
	expect(sig, code, false, 0);
}

/* See user/rt/killer.h. */
void rt_survived(const char *what_fmt, ...)
{
	char what[RT_DETAIL_MAX];
	va_list ap;

	va_start(ap, what_fmt);
	vformat(what, sizeof(what), what_fmt, ap);
	va_end(ap);
	const char *by = strncmp(rt_program_name, "sigbus_", 7) == 0 ? "SIGBUS"
		       : strncmp(rt_program_name, "sigabrt_", 8) == 0 ? "SIGABRT"
		       : strncmp(rt_program_name, "sigterm_", 8) == 0 ? "SIGTERM" : "SIGSEGV";
	rt_test("survived", RT_FAIL, "still running after %s (expected death by %s)", what, by);
	rt_exit(1);
}
