/*
 * Host tests for kernel/user_records.c and kernel/bench_result.c: which
 * lines of a program's output count as test records, which are bench
 * records kept for the summary, and what reaches the screen.
 */
#include <stdint.h>
#include "unit.h"
#include "../../base/format.c"
#include "../../base/json.c"
#include "../../base/json_read.c"
#include "../../lib/record.c"
#include "../../lib/console_lock.c"
#include "../../kernel/bench_result.c"
#include "../../kernel/user_records.c"

#include "host_strlcpy.h"

/* The console: serial's and the screen's text are kept to look at. */
static char screen[8192];
static size_t screen_len;
static char serial[32768];
static size_t serial_len;
void console_serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n && serial_len + 1 < sizeof(serial); i++)
		serial[serial_len++] = s[i];
	serial[serial_len] = 0;
}
void console_serial_begin_line(void) {}
void console_write(const char *s, size_t n) { (void)s; (void)n; }
void console_screen_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n && screen_len + 1 < sizeof(screen); i++)
		screen[screen_len++] = s[i];
	screen[screen_len] = 0;
}

static void screen_clear(void)
{
	screen_len = 0;
	screen[0] = 0;
}

static void serial_clear(void)
{
	serial_len = 0;
	serial[0] = 0;
}

/* How many times needle occurs in serial. */
static int serial_count(const char *needle)
{
	int n = 0;
	for (const char *p = serial; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* kernel/bench_screen.c: the kept records. */
static struct bench_result kept[8];
static uint32_t nkept;
void bench_screen_add(const struct bench_result *r)
{
	if (nkept < 8)
		kept[nkept++] = *r;
}

static int res(const char *s)
{
	char name[64];
	return user_test_record_result(s, strlen(s), name, sizeof(name));
}

static void scan(const char *s)
{
	user_output_scan(s, strlen(s));
}

TEST(recognises_results)
{
	CHECK(res("{\"type\":\"test\",\"name\":\"ring3.x.y\",\"result\":\"pass\",\"detail\":\"\"}") == TEST_PASS);
	CHECK(res("{\"type\": \"test\", \"name\": \"a\", \"result\": \"fail\"}") == TEST_FAIL);
	CHECK(res("  {\"type\":\"test\",\"result\":\"skip\"}\r") == TEST_SKIP);
	CHECK(res("{\"type\":\"bench\",\"result\":\"fail\"}") == -1);
	CHECK(res("{\"type\":\"testing\",\"result\":\"fail\"}") == -1);
	CHECK(res("hello {\"type\":\"test\",\"result\":\"fail\"}") == -1);
	CHECK(res("{\"type\":\"test\",\"result\":\"maybe\"}") == -1);
	CHECK(res("{\"type\":\"test\",\"result\":\"fai") == -1);
	CHECK(res("{\"type\":\"test\"") == -1);
	CHECK(res("{\"type\":\"test\",\"result\":\"pass\"} trailing") == -1);
	CHECK(res("") == -1);
	CHECK(res("{\"detail\":\"\\\"type\\\":\\\"test\\\"\",\"type\":\"test\",\"result\":\"pass\"}") == TEST_PASS);
	CHECK(res("{\"detail\":\"\\\"type\\\":\\\"test\\\",\\\"result\\\":\\\"fail\\\"\",\"type\":\"x\"}") == -1);

	char name[8];
	const char *line = "{\"type\":\"test\",\"name\":\"ring3.long_name\",\"result\":\"fail\"}";
	CHECK(user_test_record_result(line, strlen(line), name, sizeof(name)) == TEST_FAIL);
	CHECK_STR(name, "ring3.l");
	line = "{\"type\":\"test\",\"result\":\"pass\"}";
	CHECK(user_test_record_result(line, strlen(line), name, sizeof(name)) == TEST_PASS);
	CHECK_STR(name, "");
}

TEST(what_is_a_record)
{
	const char *yes[] = { "{\"type\":\"exit\"}", " {\"a\":[1],\"type\":\"kill\",\"b\":{}} " };
	const char *no[] = { "{\"type\":1}", "{\"kind\":\"exit\"}", "{\"type\":\"exit\"", "text",
			     "{\"type\":\"exit\"} and more", "" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(user_line_is_record(yes[i], strlen(yes[i])));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(!user_line_is_record(no[i], strlen(no[i])));
}

TEST(counts_split_writes_and_shows_partial_lines)
{
	struct record_totals before = record_totals();
	screen_clear();
	scan("{\"type\":\"test\",\"name\":\"ring3.p.a\",\"res");
	scan("ult\":\"fail\"}\n{\"type\":\"test\",\"name\":\"ring3.p.b\",\"result\":\"pass\"}\nnot a record\n"
	     "{\"type\":\"test\",\"result\":\"pass\"}");
	user_output_end();   /* the last line had no newline: shown as text, not counted */
	struct record_totals after = record_totals();
	CHECK_EQ_U64(after.failed - before.failed, 1);
	CHECK_EQ_U64(after.passed - before.passed, 1);
	CHECK_STR(screen, "  FAIL  ring3.p.a\n  PASS  ring3.p.b\nnot a record\n"
		  "{\"type\":\"test\",\"result\":\"pass\"}\n");

	/* An overlong line is not a record: it reaches the screen whole, uncounted. */
	static char big[USER_LINE_MAX + 600];
	memset(big, 'x', sizeof(big));
	memcpy(big, "{\"type\":\"test\",\"result\":\"fail\"}", 31);
	big[sizeof(big) - 1] = '\n';
	screen_clear();
	user_output_scan(big, sizeof(big));
	CHECK_EQ_U64(record_totals().failed, after.failed);
	CHECK_EQ_U64(screen_len, sizeof(big));
	CHECK(memcmp(screen, big, sizeof(big)) == 0);
	/* ... and the next line is read normally again. */
	screen_clear();
	scan("after\n");
	CHECK_STR(screen, "after\n");
	user_output_end();
	CHECK_STR(screen, "after\n");
}

TEST(serial_gets_output_records_only)
{
	user_output_begin("prog", 7);
	serial_clear();
	scan("hello \"q\"\n{\"type\":\"summary\",\"failed\":0}\n\n");
	CHECK_STR(serial, "{\"type\":\"output\",\"program\":\"prog\",\"pid\":7,\"line\":\"hello \\\"q\\\"\"}\n"
		  "{\"type\":\"output\",\"program\":\"prog\",\"pid\":7,\"line\":"
		  "\"{\\\"type\\\":\\\"summary\\\",\\\"failed\\\":0}\"}\n"
		  "{\"type\":\"output\",\"program\":\"prog\",\"pid\":7,\"line\":\"\"}\n");

	/* NUL and control bytes are escaped; CR cannot start a line. */
	serial_clear();
	user_output_scan("a\0b\r{\n", 6);
	CHECK_STR(serial, "{\"type\":\"output\",\"program\":\"prog\",\"pid\":7,\"line\":\"a\\u0000b\\r{\"}\n");

	/* A last line without '\n' comes out at the end, marked. */
	serial_clear();
	scan("tail");
	CHECK_STR(serial, "");
	user_output_end();
	CHECK_STR(serial, "{\"type\":\"output\",\"program\":\"prog\",\"pid\":7,\"line\":\"tail\",\"no_newline\":true}\n");
	serial_clear();
	user_output_end();
	CHECK_STR(serial, "");
}

TEST(long_lines_go_out_in_parts)
{
	static char big[3000 + 1];
	user_output_begin("prog", 8);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\n';
	serial_clear();
	user_output_scan(big, sizeof(big));
	CHECK(serial_count("\"type\":\"output\"") == 2);
	CHECK(strncmp(serial, "{\"type\":\"output\",\"program\":\"prog\",\"pid\":8,\"part\":0,\"line\":\"xxx", 56) == 0);
	CHECK(serial_count("\"partial\":true}\n") == 1);
	CHECK(serial_count(",\"part\":1,\"line\":\"xxx") == 1);
	CHECK(serial_count("x") == 3000);
	CHECK(serial_len > 3 && strcmp(serial + serial_len - 3, "\"}\n") == 0);

	/* A line that fits the buffer but not one record once escaped: parts too. */
	static char ctl[2000 + 1];
	memset(ctl, 1, sizeof(ctl) - 1);
	ctl[sizeof(ctl) - 1] = '\n';
	serial_clear();
	user_output_scan(ctl, sizeof(ctl));
	int records = serial_count("\"type\":\"output\"");
	CHECK(records == (2000 * 6 + OUTPUT_PIECE_BUDGET - 1) / OUTPUT_PIECE_BUDGET);
	CHECK(serial_count("\"partial\":true") == records - 1);
	CHECK(serial_count("\\u0001") == 2000);
	for (char *p = serial; (p = strchr(p, '\n')); p++)        /* every record fits RECORD_MAX */
		CHECK(p == serial + serial_len - 1 || strchr(p + 1, '\n') - p <= RECORD_MAX);
}

TEST(a_program_cannot_pass_for_a_kernel_check)
{
	user_output_begin("prog", 9);
	struct record_totals before = record_totals();
	serial_clear();
	scan("{\"type\":\"test\",\"name\":\"kernel.prog.verify\",\"result\":\"fail\"}\n"
	     "{\"type\":\"test\",\"name\":\"paging.levels\",\"result\":\"pass\"}\n"
	     "{\"type\":\"test\",\"name\":\"ring3.prog.own\",\"result\":\"fail\"}\n");
	struct record_totals after = record_totals();
	CHECK_EQ_U64(after.passed - before.passed, 0);
	CHECK_EQ_U64(after.failed - before.failed, 1);      /* its own ring3 failure counts */
	CHECK(serial_count("{\"type\":\"warning\",\"what\":\"record\"") == 2);
	CHECK(serial_count("{\"type\":\"output\"") == 3);
	CHECK(user_test_name_allowed("ring3.x"));
	CHECK(!user_test_name_allowed("ring3"));
	CHECK(!user_test_name_allowed("kernel.ring3.x"));
}

TEST(records_other_than_tests_stay_off_the_screen)
{
	screen_clear();
	nkept = 0;
	scan("{\"type\":\"bench_kernel\",\"workload\":\"w\",\"class\":\"c\",\"count\":1}\n"
	     "{\"type\":\"bench\",\"workload\":\"read_zero\",\"class\":\"read-zero\",\"count\":4096,\"min\":508,"
	     "\"p50\":508,\"p90\":508,\"p99\":512,\"unit\":\"tsc\",\"hist_log2\":[0,0,0,0,0,0,0,0,0,4090,6],"
	     "\"faultline\":true}\n"
	     "hello\n"
	     "{\"type\":\"bench_samples\",\"samples\":[1,2]}\n");
	CHECK_STR(screen, "hello\n");
	CHECK(nkept == 1);
	CHECK_STR(kept[0].workload, "read_zero");
	CHECK_STR(kept[0].cls, "read-zero");
	CHECK_EQ_U64(kept[0].count, 4096);
	CHECK_EQ_U64(kept[0].p50, 508);
	CHECK_EQ_U64(kept[0].p99, 512);
	CHECK_EQ_U64(kept[0].hist_used, 11);
	CHECK_EQ_U64(kept[0].hist[9], 4090);
	CHECK_EQ_U64(kept[0].hist[10], 6);
}

static bool bench_ok(const char *s)
{
	struct bench_result r;
	return bench_result_parse(s, strlen(s), &r);
}

TEST(bench_records)
{
	/* The example of docs/bench.md. */
	const char *doc = "{\"type\":\"bench\",\"workload\":\"write_first\",\"class\":\"write-anon\",\"count\":4096,"
			  "\"min\":4730,\"p50\":4764,\"p90\":4820,\"p99\":4904,\"p999\":5566,\"max\":5594,\"mean\":4762,"
			  "\"unit\":\"tsc\",\"empty_bracket\":8,\"minflt\":4096,\"hist_log2\":[0,0,0,0,0,0,0,0,0,0,0,0,4096],"
			  "\"pages\":1024,\"mib\":4,\"reps\":4,\"seed\":1,\"order\":\"seq\",\"tsc_end\":\"rdtscp\","
			  "\"minflt_run\":8192,\"faultline\":true}";
	struct bench_result r;
	CHECK(bench_result_parse(doc, strlen(doc), &r));
	CHECK_STR(r.workload, "write_first");
	CHECK_STR(r.cls, "write-anon");
	CHECK_EQ_U64(r.count, 4096);
	CHECK_EQ_U64(r.p50, 4764);
	CHECK_EQ_U64(r.p99, 4904);
	CHECK_EQ_U64(r.hist_used, 13);
	CHECK_EQ_U64(r.hist[12], 4096);

	const char *base = "\"workload\":\"w\",\"class\":\"c\",\"count\":1,\"p50\":2,\"p99\":3,\"unit\":\"tsc\"";
	char line[512];
	snprintf(line, sizeof(line), "{\"type\":\"bench\",%s,\"hist_log2\":[]}", base);
	CHECK(bench_ok(line));
	snprintf(line, sizeof(line), "{\"type\":\"bench\",%s}", base);                 /* no histogram */
	CHECK(!bench_ok(line));
	snprintf(line, sizeof(line), "{\"type\":\"bench_kernel\",%s,\"hist_log2\":[]}", base);
	CHECK(!bench_ok(line));
	snprintf(line, sizeof(line), "{\"type\":\"bench\",%s,\"hist_log2\":[1,-1]}", base);
	CHECK(!bench_ok(line));
	snprintf(line, sizeof(line), "{\"type\":\"bench\",%s,\"hist_log2\":[1,1]", base);   /* cut */
	CHECK(!bench_ok(line));
	snprintf(line, sizeof(line), "{\"type\":\"bench\",\"workload\":\"w\",\"class\":\"c\",\"count\":1,"
		 "\"p50\":2,\"p99\":3,\"unit\":\"ns\",\"hist_log2\":[]}");
	CHECK(!bench_ok(line));
	snprintf(line, sizeof(line), "{\"type\":\"bench\",\"workload\":\"w\",\"class\":\"c\",\"count\":\"1\","
		 "\"p50\":2,\"p99\":3,\"unit\":\"tsc\",\"hist_log2\":[]}");
	CHECK(!bench_ok(line));
	/* 48 buckets fit, 49 do not. */
	int len = snprintf(line, sizeof(line), "{\"type\":\"bench\",%s,\"hist_log2\":[0", base);
	for (int i = 1; i < BENCH_RESULT_BUCKETS; i++)
		len += snprintf(line + len, sizeof(line) - (size_t)len, ",%d", i);
	snprintf(line + len, sizeof(line) - (size_t)len, "]}");
	CHECK(bench_ok(line));
	snprintf(line + len, sizeof(line) - (size_t)len, ",7]}");
	CHECK(!bench_ok(line));
	/* Names are printed as text on serial: no control characters get through. */
	snprintf(line, sizeof(line), "{\"type\":\"bench\",\"workload\":\"a\\n{\\\"type\\\":1}\\r\",\"class\":\"\\u0001c\","
		 "\"count\":1,\"p50\":2,\"p99\":3,\"unit\":\"tsc\",\"hist_log2\":[]}");
	CHECK(bench_result_parse(line, strlen(line), &r));
	CHECK_STR(r.workload, "a?{\"type\":1}?");
	CHECK_STR(r.cls, "?c");
	/* Long names are cut, not overrun. */
	snprintf(line, sizeof(line), "{\"type\":\"bench\",\"workload\":\"%s\",\"class\":\"c\",\"count\":1,"
		 "\"p50\":2,\"p99\":3,\"unit\":\"tsc\",\"hist_log2\":[]}",
		 "a_workload_name_far_longer_than_the_kernel_keeps_for_the_screen");
	CHECK(bench_result_parse(line, strlen(line), &r));
	CHECK(strlen(r.workload) == sizeof(r.workload) - 1);
}

TEST(failed_names_are_kept)
{
	const char *names[16];
	uint32_t before = record_failed_names(names, 16);   /* the programs' failed tests of the tests above */
	CHECK(before >= 1 && before <= 12);
	CHECK_STR(names[0], "ring3.p.a");                   /* a program's failed test is named too */
	record_note_failure("ring3.x.first");
	record_note_failure("a-name-much-longer-than-the-sixty-three-bytes-the-report-keeps-for-each-one-of-them");
	uint32_t n = record_failed_names(names, 16);
	CHECK(n == before + 2);
	CHECK_STR(names[before], "ring3.x.first");
	CHECK(strlen(names[before + 1]) == 63);
	for (int i = 0; i < 20; i++)
		record_note_failure("more");
	CHECK(record_failed_names(names, 16) == 16);
	CHECK(record_failed_names(names, 3) == 3);
}

TEST(result_lines_end_in_newline)
{
	char buf[16];
	CHECK_EQ_U64(record_result_line(buf, sizeof(buf), "x", TEST_SKIP), 10);
	CHECK_STR(buf, "  SKIP  x\n");
	size_t n = record_result_line(buf, sizeof(buf), "a-long-check-name", TEST_PASS);
	CHECK_EQ_U64(n, sizeof(buf) - 1);
	CHECK(buf[n - 1] == '\n' && buf[n] == 0);
	CHECK(strncmp(buf, "  PASS  a-long", 14) == 0);
}

UNIT_MAIN(UNIT(recognises_results), UNIT(what_is_a_record), UNIT(counts_split_writes_and_shows_partial_lines),
	  UNIT(serial_gets_output_records_only), UNIT(long_lines_go_out_in_parts),
	  UNIT(a_program_cannot_pass_for_a_kernel_check),
	  UNIT(records_other_than_tests_stay_off_the_screen), UNIT(bench_records), UNIT(failed_names_are_kept),
	  UNIT(result_lines_end_in_newline))
