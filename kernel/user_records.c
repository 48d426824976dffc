/* Ring-3 output, line by line (kernel/user_records.h). */
#include "kernel/user_records.h"
#include "cpu/percpu.h"
#include "kernel/bench_result.h"
#include "kernel/bench_screen.h"
#include "lib/console.h"
#include "base/json_read.h"
#include "lib/record.h"
#include "base/string.h"

static char line[USER_LINE_MAX];
static size_t line_len;
static bool line_overflow;      /* the line outgrew the buffer: the rest goes to the screen as it comes */
static uint32_t line_part;      /* output records already written for the current line */
static char program[96];        /* whose output it is (user_output_begin; TASK_COMM_LEN) */
static uint32_t program_pid;

/* Escaped bytes of a line per output record: the rest of the record (type,
 * program, pid, part, partial) fits in what RECORD_MAX leaves. */
#define OUTPUT_PIECE_BUDGET (RECORD_MAX - 512)

/*
 * Writes s[0..n) as output records: one when it fits, else pieces with
 * "part" 0, 1, ... and "partial":true on every piece but the last. ends says
 * whether the line ends with this text (else more of it follows, and even
 * the last piece is partial); no_newline marks a line the program ended
 * without '\n'.
 */
static void write_output(const char *s, size_t n, bool ends, bool no_newline)
{
	do {
		size_t k = json_escaped_prefix(s, n, OUTPUT_PIECE_BUDGET);
		if (k == 0 && n > 0)
			k = 1;
		bool more = k < n || !ends;
		struct json *j = record_begin("output");
		json_str(j, "program", program);
		json_u64(j, "pid", program_pid);
		if (more || line_part > 0)
			json_u64(j, "part", line_part);
		json_bytes(j, "line", s, k);
		if (more)
			json_bool(j, "partial", true);
		else if (no_newline)
			json_bool(j, "no_newline", true);
		record_end();
		line_part++;
		s += k;
		n -= k;
	} while (n > 0);
	if (ends)
		line_part = 0;
}

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

/* Handles one complete line (without its '\n') that fitted in the buffer. */
static void take_line(const char *s, size_t n)
{
	char name[96], text[128];
	struct bench_result bench;
	int result = user_test_record_result(s, n, name, sizeof(name));
	if (result >= 0 && !user_test_name_allowed(name)) {
		record_warning("record", "%s: test record \"%s\" not counted: a program's test names start with "
			       USER_TEST_PREFIX, program, name);
	} else if (result >= 0) {
		record_count_result(result);
		if (result == TEST_FAIL)
			record_note_failure(name);   /* named in the stored report and the QR code */
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
bool user_test_name_allowed(const char *name)
{
	return strncmp(name, USER_TEST_PREFIX, sizeof(USER_TEST_PREFIX) - 1) == 0;
}

/* See kernel/user_records.h. */
void user_output_begin(const char *name, uint32_t pid)
{
	strlcpy(program, name, sizeof(program));
	program_pid = pid;
	line_len = 0;
	line_overflow = false;
	line_part = 0;
}

/* See kernel/user_records.h. */
void user_output_scan(const char *buf, size_t n)
{
	/* Another process of the run writes: what is left of the last one's
	 * line goes out as its own (without a newline), the new writer's
	 * records carry its name and pid. */
	const struct task_struct *t = current;
	if (t && (t->tgid != program_pid || strcmp(t->comm, program) != 0)) {
		user_output_end();
		user_output_begin(t->comm, t->tgid);
	}
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		if (line_overflow) {
			console_screen_write(&c, 1);
			if (c == '\n') {
				write_output(line, line_len, true, false);
				line_len = 0;
				line_overflow = false;
			} else {
				line[line_len++] = c;
				if (line_len == USER_LINE_MAX) {
					write_output(line, line_len, false, false);
					line_len = 0;
				}
			}
		} else if (c == '\n') {
			write_output(line, line_len, true, false);
			take_line(line, line_len);
			line_len = 0;
		} else if (line_len < USER_LINE_MAX) {
			line[line_len++] = c;
		} else {
			console_screen_write(line, line_len);
			console_screen_write(&c, 1);
			write_output(line, line_len, false, false);
			line[0] = c;
			line_len = 1;
			line_overflow = true;
		}
	}
}

/* See kernel/user_records.h. */
void user_output_end(void)
{
	if (line_len || line_part)
		write_output(line, line_len, true, true);
	if (line_len && !line_overflow) {
		console_screen_write(line, line_len);
		console_screen_write("\n", 1);
	} else if (line_overflow) {
		console_screen_write("\n", 1);
	}
	line_len = 0;
	line_overflow = false;
	line_part = 0;
}
