/* Reading a bench record from a program's output (kernel/bench_result.h). */
#include "kernel/bench_result.h"
#include "base/json_read.h"
#include "base/string.h"

enum {
	HAVE_TYPE = 1 << 0, HAVE_WORKLOAD = 1 << 1, HAVE_CLASS = 1 << 2, HAVE_COUNT = 1 << 3,
	HAVE_P50 = 1 << 4, HAVE_P99 = 1 << 5, HAVE_UNIT = 1 << 6, HAVE_HIST = 1 << 7,
	HAVE_ALL = (1 << 8) - 1,
};

/* Takes member m into *out if it is one of the fields; returns the HAVE_
 * bit it satisfied, 0 for other members, -1 for a field with a wrong value. */
static int take_member(const struct json_member *m, struct bench_result *out)
{
	if (json_member_is(m, "type"))
		return json_member_string_is(m, "bench") ? HAVE_TYPE : -1;
	if (json_member_is(m, "unit"))
		return json_member_string_is(m, "tsc") ? HAVE_UNIT : -1;
	if (json_member_is(m, "workload"))
		return json_member_string(m, out->workload, sizeof(out->workload)) ? HAVE_WORKLOAD : -1;
	if (json_member_is(m, "class"))
		return json_member_string(m, out->cls, sizeof(out->cls)) ? HAVE_CLASS : -1;
	if (json_member_is(m, "count"))
		return json_member_u64(m, &out->count) ? HAVE_COUNT : -1;
	if (json_member_is(m, "p50"))
		return json_member_u64(m, &out->p50) ? HAVE_P50 : -1;
	if (json_member_is(m, "p99"))
		return json_member_u64(m, &out->p99) ? HAVE_P99 : -1;
	if (json_member_is(m, "hist_log2")) {
		int used = json_member_u64_array(m, out->hist, BENCH_RESULT_BUCKETS);
		if (used < 0)
			return -1;
		out->hist_used = (uint32_t)used;
		return HAVE_HIST;
	}
	return 0;
}

/* Replaces every control character of the NUL-terminated s with '?'. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* See kernel/bench_result.h. */
bool bench_result_parse(const char *line, size_t n, struct bench_result *out)
{
	struct json_reader r;
	struct json_member m;
	int have = 0;
	memset(out, 0, sizeof(*out));
	if (!json_read_begin(&r, line, n))
		return false;
	while (json_read_next(&r, &m)) {
		int bit = take_member(&m, out);
		if (bit < 0)
			return false;
		have |= bit;
	}
	printable(out->workload);
	printable(out->cls);
	return json_read_complete(&r) && have == HAVE_ALL;
}
