/* Host tests for base/json_read.c: reading record lines member by member, and refusing broken ones. */
#include <stdint.h>
#include "unit.h"
#include "../../base/json_read.c"

/* Reads every member of s; returns how many, or -1 if the line is not one complete object. */
static int count_members(const char *s)
{
	struct json_reader r;
	struct json_member m;
	int n = 0;
	if (!json_read_begin(&r, s, strlen(s)))
		return -1;
	while (json_read_next(&r, &m))
		n++;
	return json_read_complete(&r) ? n : -1;
}

TEST(well_formed_objects)
{
	CHECK(count_members("{}") == 0);
	CHECK(count_members("  { }  \r") == 0);
	CHECK(count_members("{\"a\":1}") == 1);
	CHECK(count_members("{\"a\" : 1 , \"b\":\"x\",\"c\":[1,2,[3]],\"d\":{\"e\":\"}\"},\"f\":true,\"g\":null}") == 6);
	CHECK(count_members("{\"s\":\"with \\\"quotes\\\" and \\\\ and } ]\"}") == 1);
	CHECK(count_members("{\"n\":-1.5e+3}") == 1);
}

TEST(broken_objects)
{
	CHECK(count_members("") == -1);
	CHECK(count_members("x{}") == -1);
	CHECK(count_members("{") == -1);
	CHECK(count_members("{\"a\":1") == -1);
	CHECK(count_members("{\"a\":1,}") == -1);
	CHECK(count_members("{,\"a\":1}") == -1);
	CHECK(count_members("{\"a\" 1}") == -1);
	CHECK(count_members("{\"a\":}") == -1);
	CHECK(count_members("{\"a\":1 \"b\":2}") == -1);
	CHECK(count_members("{\"a\":\"open}") == -1);
	CHECK(count_members("{\"a\":\"ends in escape\\\"}") == -1);
	CHECK(count_members("{\"a\":[1,2}") == -1);
	CHECK(count_members("{\"a\":[1,2)]}") == 1);  /* inside a skipped array only brackets count */
	CHECK(count_members("{\"a\":{\"b\":[}]}") == -1);
	CHECK(count_members("{\"a\":1}x") == -1);
	CHECK(count_members("{\"a\":1}{}") == -1);
	CHECK(count_members("{\"a\":\"raw\ttab\"}") == -1);
	CHECK(count_members("{a:1}") == -1);
	/* Nesting deeper than JSON_READ_MAX_DEPTH is refused, not overrun. */
	char deep[100] = "{\"a\":";
	size_t len = strlen(deep);
	for (int i = 0; i < 40; i++)
		deep[len++] = '[';
	deep[len] = 0;
	CHECK(count_members(deep) == -1);
}

/* The member called key in s (s must hold it). */
static struct json_member member(const char *s, const char *key)
{
	struct json_reader r;
	struct json_member m = { 0 };
	json_read_begin(&r, s, strlen(s));
	while (json_read_next(&r, &m))
		if (json_member_is(&m, key))
			return m;
	return (struct json_member){ .kind = JSON_LITERAL, .value = "", .value_len = 0 };
}

TEST(numbers)
{
	const char *s = "{\"a\":0,\"b\":18446744073709551615,\"c\":18446744073709551616,\"d\":-1,"
			"\"e\":1.5,\"f\":\"7\",\"g\":007,\"h\":1e3,\"i\":42}";
	uint64_t v = 99;
	CHECK(json_member_u64(&(struct json_member){ 0 }, &v) == false);
	struct json_member m = member(s, "a");
	CHECK(json_member_u64(&m, &v) && v == 0);
	m = member(s, "b");
	CHECK(json_member_u64(&m, &v) && v == UINT64_MAX);
	m = member(s, "c");
	CHECK(!json_member_u64(&m, &v));
	m = member(s, "d");
	CHECK(!json_member_u64(&m, &v));
	m = member(s, "e");
	CHECK(!json_member_u64(&m, &v));
	m = member(s, "f");
	CHECK(!json_member_u64(&m, &v));
	m = member(s, "g");
	CHECK(!json_member_u64(&m, &v));
	m = member(s, "h");
	CHECK(!json_member_u64(&m, &v));
	m = member(s, "i");
	CHECK(json_member_u64(&m, &v) && v == 42);
}

TEST(strings)
{
	const char *s = "{\"type\":\"bench\",\"esc\":\"a\\\"b\\\\c\\/d\\ne\\u00e9f\\tg\",\"bad\":\"x\\u00\","
			"\"num\":5}";
	char buf[64];
	struct json_member m = member(s, "type");
	CHECK(json_member_string_is(&m, "bench"));
	CHECK(!json_member_string_is(&m, "benc"));
	CHECK(!json_member_string_is(&m, "bench_kernel"));
	CHECK(json_member_string(&m, buf, sizeof(buf)));
	CHECK_STR(buf, "bench");
	m = member(s, "esc");
	CHECK(json_member_string(&m, buf, sizeof(buf)));
	CHECK_STR(buf, "a\"b\\c/d\ne?f\tg");
	CHECK(json_member_string(&m, buf, 4));
	CHECK_STR(buf, "a\"b");
	m = member(s, "bad");
	CHECK(json_member_string(&m, buf, sizeof(buf)));
	CHECK_STR(buf, "x?");
	m = member(s, "num");
	CHECK(!json_member_string(&m, buf, sizeof(buf)));
	CHECK(!json_member_string_is(&m, "5"));
	/* A key with an escaped quote is compared as written. */
	m = member("{\"k\\\"\":1}", "k\\\"");
	CHECK(m.kind == JSON_NUMBER);
}

TEST(arrays_of_counts)
{
	const char *s = "{\"h\":[0, 0,3 ,4096],\"e\":[ ],\"neg\":[1,-2],\"str\":[\"1\"],\"nest\":[[1]],"
			"\"frac\":[1.5],\"gap\":[1,,2],\"obj\":{\"x\":1}}";
	uint64_t out[8];
	struct json_member m = member(s, "h");
	CHECK(json_member_u64_array(&m, out, 8) == 4);
	CHECK(out[0] == 0 && out[1] == 0 && out[2] == 3 && out[3] == 4096);
	CHECK(json_member_u64_array(&m, out, 3) == -1);          /* more than max */
	m = member(s, "e");
	CHECK(json_member_u64_array(&m, out, 8) == 0);
	const char *bad[] = { "neg", "str", "nest", "frac", "gap", "obj" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = member(s, bad[i]);
		CHECK(json_member_u64_array(&m, out, 8) == -1);
	}
}

UNIT_MAIN(UNIT(well_formed_objects), UNIT(broken_objects), UNIT(numbers), UNIT(strings),
	  UNIT(arrays_of_counts))
