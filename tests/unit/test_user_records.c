/* Host tests for kernel/user_records.c: which program output lines count as test records. */
#include <stdint.h>
#include "unit.h"
#include "../../lib/format.c"
#include "../../lib/json.c"
#include "../../lib/record.c"
#include "../../kernel/user_records.c"

/* lib/string.c's strlcpy (record.c keeps failed names with it); libc has none. */
size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);
	if (size) {
		size_t k = n < size - 1 ? n : size - 1;
		memcpy(dst, src, k);
		dst[k] = 0;
	}
	return n;
}

/* record.c writes records to the console; here they go nowhere. */
void console_serial_write(const char *s, size_t n) { (void)s; (void)n; }
void console_serial_begin_line(void) {}
void console_write(const char *s, size_t n) { (void)s; (void)n; }

static int res(const char *s) { return user_test_record_result(s, strlen(s)); }

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
	CHECK(res("") == -1);
	CHECK(res("{\"detail\":\"\\\"type\\\":\\\"test\\\"\",\"type\":\"test\",\"result\":\"pass\"}") == TEST_PASS);
}

TEST(counts_split_writes_and_drops_partial_lines)
{
	struct record_totals before = record_totals();
	const char *a = "{\"type\":\"test\",\"res";
	const char *b = "ult\":\"fail\"}\n{\"type\":\"test\",\"result\":\"pass\"}\nnot a record\n{\"type\":\"test\",\"result\":\"pass\"}";
	user_output_scan(a, strlen(a));
	user_output_scan(b, strlen(b));
	user_output_reset();   /* the last line had no newline: dropped */
	struct record_totals after = record_totals();
	CHECK_EQ_U64(after.failed - before.failed, 1);
	CHECK_EQ_U64(after.passed - before.passed, 1);
	char big[3000];
	memset(big, 'x', sizeof(big));
	memcpy(big, "{\"type\":\"test\",\"result\":\"fail\"}", 31);
	big[sizeof(big) - 1] = '\n';
	user_output_scan(big, sizeof(big));
	CHECK_EQ_U64(record_totals().failed, after.failed); /* overlong line ignored */
}

TEST(failed_names_are_kept)
{
	record_note_failure("ring3.x.first");
	record_note_failure("a-name-much-longer-than-the-sixty-three-bytes-the-report-keeps-for-each-one-of-them");
	const char *names[16];
	uint32_t n = record_failed_names(names, 16);
	CHECK(n == 2);
	CHECK_STR(names[0], "ring3.x.first");
	CHECK(strlen(names[1]) == 63);
	for (int i = 0; i < 20; i++)
		record_note_failure("more");
	CHECK(record_failed_names(names, 16) == 16);
	CHECK(record_failed_names(names, 3) == 3);
}

UNIT_MAIN(UNIT(recognises_results), UNIT(counts_split_writes_and_drops_partial_lines),
	  UNIT(failed_names_are_kept))
