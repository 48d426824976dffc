/* Ring-3 output, line by line (kernel/user_records.h). */
#include "kernel/user_records.h"
#include "kernel/bench_result.h"
#include "kernel/bench_screen.h"
#include "lib/console.h"
#include "base/json_read.h"
#include "lib/record.h"
#include "base/string.h"

static char line[USER_LINE_MAX];
static size_t line_len;
static bool line_overflow;      /* the line outgrew the buffer: the rest goes to the screen as it comes */

/* See kernel/user_records.h. */
int user_test_record_result(const char *s, size_t n, char *name, size_t name_size)
{
	static const char *const results[] = { [TEST_PASS] = "pass", [TEST_FAIL] = "fail", [TEST_SKIP] = "skip" };
	struct json_reader r;
	struct json_member m;
	bool is_test = false;
	int result = -1;
	if (name_size)
		name[0] = 0;
	if (!json_read_begin(&r, s, n))
		return -1;
	while (json_read_next(&r, &m)) {
		if (json_member_is(&m, "type"))
			is_test = json_member_string_is(&m, "test");
		else if (json_member_is(&m, "name"))
			json_member_string(&m, name, name_size);
		else if (json_member_is(&m, "result"))
			for (int i = 0; i < 3; i++)
				if (json_member_string_is(&m, results[i]))
					result = i;
	}
	return json_read_complete(&r) && is_test ? result : -1;
}

/* See kernel/user_records.h. */
bool user_line_is_record(const char *s, size_t n)
{
	struct json_reader r;
	struct json_member m;
	bool typed = false;
	if (!json_read_begin(&r, s, n))
		return false;
	while (json_read_next(&r, &m))
		typed |= json_member_is(&m, "type") && m.kind == JSON_STRING;
	return json_read_complete(&r) && typed;
}

/* Handles one complete line (without its '\n'). */
static void take_line(const char *s, size_t n)
{
	char name[96], text[128];
	struct bench_result bench;
	int result = user_test_record_result(s, n, name, sizeof(name));
	if (result >= 0) {
		record_count_result(result);
		size_t len = record_result_line(text, sizeof(text), name, result);
		console_screen_write(text, len);
	} else if (bench_result_parse(s, n, &bench)) {
		bench_screen_add(&bench);
	} else if (!user_line_is_record(s, n)) {
		console_screen_write(s, n);
		console_screen_write("\n", 1);
	}
}

/* See kernel/user_records.h. */
void user_output_scan(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		if (line_overflow) {
			console_screen_write(&c, 1);
			line_overflow = c != '\n';
		} else if (c == '\n') {
			take_line(line, line_len);
			line_len = 0;
		} else if (line_len < USER_LINE_MAX) {
			line[line_len++] = c;
		} else {
			console_screen_write(line, line_len);
			console_screen_write(&c, 1);
			line_len = 0;
			line_overflow = true;
		}
	}
}

/* See kernel/user_records.h. */
void user_output_end(void)
{
	if (line_len) {
		console_screen_write(line, line_len);
		console_screen_write("\n", 1);
	} else if (line_overflow) {
		console_screen_write("\n", 1);
	}
	line_len = 0;
	line_overflow = false;
}
