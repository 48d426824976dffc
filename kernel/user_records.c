/* Counting the test records of ring-3 programs (kernel/user_records.h). */
#include "kernel/user_records.h"
#include "lib/record.h"
#include "lib/string.h"

#define LINE_MAX_BYTES 2048

static char line[LINE_MAX_BYTES];
static size_t line_len;
static int line_overflow;

/* Finds "key" followed by optional spaces, ':', spaces and a quoted value;
 * returns a pointer to the value's first character or NULL. */
static const char *json_value_of(const char *s, size_t n, const char *key)
{
	size_t k = strlen(key);
	for (size_t i = 0; i + k + 2 < n; i++) {
		if (s[i] != '"' || strncmp(s + i + 1, key, k) != 0 || s[i + 1 + k] != '"')
			continue;
		size_t j = i + k + 2;
		while (j < n && s[j] == ' ')
			j++;
		if (j >= n || s[j] != ':')
			continue;
		j++;
		while (j < n && s[j] == ' ')
			j++;
		if (j < n && s[j] == '"')
			return s + j + 1;
	}
	return NULL;
}

/* See kernel/user_records.h. */
int user_test_record_result(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\r'))
		i++;
	if (i >= n || s[i] != '{')
		return -1;
	const char *type = json_value_of(s, n, "type");
	if (!type || (size_t)(s + n - type) < 5 || strncmp(type, "test\"", 5) != 0)
		return -1;
	const char *result = json_value_of(s, n, "result");
	if (!result)
		return -1;
	size_t left = (size_t)(s + n - result);
	if (left >= 5 && strncmp(result, "pass\"", 5) == 0)
		return TEST_PASS;
	if (left >= 5 && strncmp(result, "fail\"", 5) == 0)
		return TEST_FAIL;
	if (left >= 5 && strncmp(result, "skip\"", 5) == 0)
		return TEST_SKIP;
	return -1;
}

/* See kernel/user_records.h. */
void user_output_scan(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (line_len < LINE_MAX_BYTES)
				line[line_len++] = buf[i];
			else
				line_overflow = 1;
			continue;
		}
		if (!line_overflow) {
			int r = user_test_record_result(line, line_len);
			if (r >= 0)
				record_count_result(r);
		}
		line_len = 0;
		line_overflow = 0;
	}
}

/* See kernel/user_records.h. */
void user_output_reset(void)
{
	line_len = 0;
	line_overflow = 0;
}
