/*
 * Host tests for base/json.c: exact output for every kind of field, nesting
 * and escaping; then overflow at every buffer size from 0 to past the full
 * length of a record, with a small strict JSON validator checking that what
 * comes out is always one valid object, cut at a field boundary, with
 * overflow set exactly when the full record did not fit.
 */
#include <stdint.h>
#include <stdlib.h>
#include "tests/unit/unit.h"
#include "../../base/json.c"

/* ---- A strict validator (RFC 8259 grammar; bytes >= 0x80 accepted in strings) ---- */

static bool parse_value(const char **p, int depth);

static void skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool parse_string(const char **p)
{
	if (**p != '"')
		return false;
	(*p)++;
	for (;;) {
		unsigned char c = (unsigned char)**p;
		if (c == '"') {
			(*p)++;
			return true;
		}
		if (c < 0x20)                    /* includes the terminating NUL */
			return false;
		if (c == '\\') {
			(*p)++;
			char e = **p;
			if (e == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!is_hex((*p)[i]))
						return false;
				*p += 4;
			} else if (!e || !strchr("\"\\/bfnrt", e)) {
				return false;
			}
		}
		(*p)++;
	}
}

static bool parse_number(const char **p)
{
	if (**p == '-')
		(*p)++;
	if (**p == '0')
		(*p)++;
	else if (**p >= '1' && **p <= '9')
		while (**p >= '0' && **p <= '9')
			(*p)++;
	else
		return false;
	if (**p == '.') {
		(*p)++;
		if (!(**p >= '0' && **p <= '9'))
			return false;
		while (**p >= '0' && **p <= '9')
			(*p)++;
	}
	if (**p == 'e' || **p == 'E') {
		(*p)++;
		if (**p == '+' || **p == '-')
			(*p)++;
		if (!(**p >= '0' && **p <= '9'))
			return false;
		while (**p >= '0' && **p <= '9')
			(*p)++;
	}
	return true;
}

/* Parses an object or array whose opening bracket is at *p. */
static bool parse_container(const char **p, int depth)
{
	char close = **p == '{' ? '}' : ']';
	bool object = close == '}';
	(*p)++;
	skip_ws(p);
	if (**p == close) {
		(*p)++;
		return true;
	}
	for (;;) {
		skip_ws(p);
		if (object) {
			if (!parse_string(p))
				return false;
			skip_ws(p);
			if (**p != ':')
				return false;
			(*p)++;
		}
		if (!parse_value(p, depth + 1))
			return false;
		skip_ws(p);
		if (**p == close) {
			(*p)++;
			return true;
		}
		if (**p != ',')
			return false;
		(*p)++;
	}
}

static bool parse_value(const char **p, int depth)
{
	if (depth > 64)
		return false;
	skip_ws(p);
	switch (**p) {
	case '{':
	case '[':
		return parse_container(p, depth);
	case '"':
		return parse_string(p);
	case 't':
		return strncmp(*p, "true", 4) == 0 && (*p += 4);
	case 'f':
		return strncmp(*p, "false", 5) == 0 && (*p += 5);
	case 'n':
		return strncmp(*p, "null", 4) == 0 && (*p += 4);
	default:
		return parse_number(p);
	}
}

/* Returns true if s is exactly one JSON object and nothing else. */
static bool valid_json_object(const char *s)
{
	const char *p = s;
	skip_ws(&p);
	if (*p != '{' || !parse_value(&p, 0))
		return false;
	skip_ws(&p);
	return *p == '\0';
}

TEST(validator_rejects_broken_json)
{
	CHECK(valid_json_object("{}"));
	CHECK(valid_json_object("{\"a\":[1,-2.5e3,\"x\\u00e9\",{},[],true,false,null]}"));
	CHECK(!valid_json_object(""));
	CHECK(!valid_json_object("{"));
	CHECK(!valid_json_object("{\"a\":1,}"));
	CHECK(!valid_json_object("{\"a\"}"));
	CHECK(!valid_json_object("{\"a\":[1,2}"));
	CHECK(!valid_json_object("{\"a\":\"\x01\"}"));
	CHECK(!valid_json_object("{\"a\":\"\\x\"}"));
	CHECK(!valid_json_object("{\"a\":01}"));
	CHECK(!valid_json_object("{}}"));
	CHECK(!valid_json_object("[]"));
	CHECK(!valid_json_object("{\"a\":tru}"));
}

/* ---- Exact output ---- */

TEST(empty_object)
{
	char buf[16];
	struct json j;
	json_begin(&j, buf, sizeof(buf));
	CHECK(json_end(&j) == buf);
	CHECK_STR(buf, "{}");
	CHECK(!j.overflow);
}

TEST(every_field_kind)
{
	char buf[256];
	struct json j;
	json_begin(&j, buf, sizeof(buf));
	json_str(&j, "type", "fault");
	json_u64(&j, "max", UINT64_MAX);
	json_u64(&j, "zero", 0);
	json_i64(&j, "min", INT64_MIN);
	json_i64(&j, "neg", -42);
	json_i64(&j, "pos", 7);
	json_hex(&j, "cr2", 0xdeadbeef);
	json_hex(&j, "h0", 0);
	json_hex(&j, "hmax", UINT64_MAX);
	json_bool(&j, "t", true);
	json_bool(&j, "f", false);
	json_null(&j, "n");
	json_str(&j, "nullstr", NULL);
	json_end(&j);
	CHECK_STR(buf, "{\"type\":\"fault\",\"max\":18446744073709551615,\"zero\":0,"
		       "\"min\":-9223372036854775808,\"neg\":-42,\"pos\":7,\"cr2\":\"0xdeadbeef\","
		       "\"h0\":\"0x0\",\"hmax\":\"0xffffffffffffffff\",\"t\":true,\"f\":false,"
		       "\"n\":null,\"nullstr\":null}");
	CHECK(!j.overflow);
	CHECK(valid_json_object(buf));
}

TEST(nested_objects_and_arrays)
{
	char buf[256];
	struct json j;
	json_begin(&j, buf, sizeof(buf));
	json_str(&j, "type", "vma");
	json_object_begin(&j, "range");
	json_hex(&j, "start", 0x1000);
	json_hex(&j, "end", 0x2000);
	json_close(&j);
	json_array_begin(&j, "flags");
	json_str(&j, NULL, "read");
	json_str(&j, "ignored-key", "write");   /* keys inside arrays are dropped */
	json_u64(&j, NULL, 3);
	json_object_begin(&j, NULL);
	json_bool(&j, "inner", true);
	json_array_begin(&j, "empty");
	json_close(&j);
	json_close(&j);
	json_array_begin(&j, NULL);
	json_i64(&j, NULL, -1);
	json_close(&j);
	json_close(&j);
	json_object_begin(&j, "empty");
	json_close(&j);
	json_u64(&j, "after", 1);
	json_end(&j);
	CHECK_STR(buf, "{\"type\":\"vma\",\"range\":{\"start\":\"0x1000\",\"end\":\"0x2000\"},"
		       "\"flags\":[\"read\",\"write\",3,{\"inner\":true,\"empty\":[]},[-1]],"
		       "\"empty\":{},\"after\":1}");
	CHECK(valid_json_object(buf));
}

TEST(json_end_closes_everything_left_open)
{
	char buf[64];
	struct json j;
	json_begin(&j, buf, sizeof(buf));
	json_array_begin(&j, "a");
	json_object_begin(&j, NULL);
	json_u64(&j, "x", 1);
	json_end(&j);
	CHECK_STR(buf, "{\"a\":[{\"x\":1}]}");
}

TEST(misuse_is_harmless)
{
	char buf[64];
	struct json j;
	json_begin(&j, buf, sizeof(buf));
	json_close(&j);                     /* never closes the root */
	json_u64(&j, NULL, 5);              /* NULL key in an object */
	json_end(&j);
	CHECK_STR(buf, "{\"(null)\":5}");
	json_u64(&j, "late", 1);            /* after json_end: nothing */
	json_close(&j);
	CHECK(json_end(&j) == buf);
	CHECK_STR(buf, "{\"(null)\":5}");
	CHECK(!j.overflow);
}

TEST(strn_stops_at_n_and_at_nul)
{
	char buf[64];
	struct json j;
	json_begin(&j, buf, sizeof(buf));
	json_strn(&j, "a", "abcdef", 3);
	json_strn(&j, "b", "ab\0cd", 5);
	json_strn(&j, "c", "xyz", 0);
	json_strn(&j, "d", NULL, 4);
	json_end(&j);
	CHECK_STR(buf, "{\"a\":\"abc\",\"b\":\"ab\",\"c\":\"\",\"d\":null}");

	/* An unterminated heap buffer: ASan reports any read past n. */
	char *raw = malloc(4);
	memcpy(raw, "wxyz", 4);
	json_begin(&j, buf, sizeof(buf));
	json_strn(&j, "r", raw, 4);
	json_end(&j);
	CHECK_STR(buf, "{\"r\":\"wxyz\"}");
	free(raw);
}

TEST(escaping_of_special_characters)
{
	char buf[256];
	struct json j;
	json_begin(&j, buf, sizeof(buf));
	json_str(&j, "s", "q\"b\\n\nr\rt\tb\bf\f/\x01\x1f\x7f \xc3\xa9\xff");
	json_str(&j, "k\"ey\n", "v");
	json_end(&j);
	CHECK_STR(buf, "{\"s\":\"q\\\"b\\\\n\\nr\\rt\\tb\\bf\\f/\\u0001\\u001f\\u007f \xc3\xa9\xff\","
		       "\"k\\\"ey\\n\":\"v\"}");
	CHECK(valid_json_object(buf));
}

TEST(every_byte_value_escapes_correctly)
{
	static const char *named[0x80] = {
		['"'] = "\\\"", ['\\'] = "\\\\", ['\n'] = "\\n", ['\r'] = "\\r",
		['\t'] = "\\t", ['\b'] = "\\b", ['\f'] = "\\f",
	};
	for (int c = 1; c < 256; c++) {
		char in[2] = { (char)c, 0 }, want[32], buf[64];
		if (c < 0x80 && named[c])
			snprintf(want, sizeof(want), "{\"v\":\"%s\"}", named[c]);
		else if (c < 0x20 || c == 0x7f)
			snprintf(want, sizeof(want), "{\"v\":\"\\u%04x\"}", c);
		else
			snprintf(want, sizeof(want), "{\"v\":\"%c\"}", c);
		struct json j;
		json_begin(&j, buf, sizeof(buf));
		json_str(&j, "v", in);
		json_end(&j);
		CHECK_STR(buf, want);
		CHECK(valid_json_object(buf));
	}
}

TEST(depth_limit_sets_overflow)
{
	char buf[256];
	struct json j;
	json_begin(&j, buf, sizeof(buf));
	for (int i = 1; i < JSON_MAX_DEPTH; i++)  /* 7 nested + the root = 8 levels */
		json_array_begin(&j, "a");
	CHECK(!j.overflow);
	CHECK_EQ_U64(j.depth, JSON_MAX_DEPTH);
	json_u64(&j, NULL, 1);
	json_object_begin(&j, NULL);        /* a 9th level: refused */
	CHECK(j.overflow);
	json_u64(&j, NULL, 2);              /* and everything after it dropped */
	json_close(&j);
	json_u64(&j, NULL, 3);
	json_end(&j);
	CHECK_STR(buf, "{\"a\":[[[[[[[1]]]]]]]}");
	CHECK(valid_json_object(buf));
}

/* ---- Overflow ---- */

TEST(tiny_buffers)
{
	char buf[4];
	struct json j;
	for (size_t cap = 0; cap < 3; cap++) {
		memset(buf, 'Z', sizeof(buf));
		json_begin(&j, buf, cap);
		json_u64(&j, "a", 1);
		json_object_begin(&j, "o");
		json_close(&j);
		CHECK(json_end(&j) == buf);
		CHECK(j.overflow);
		if (cap > 0)
			CHECK_STR(buf, "");
		CHECK(buf[cap] == 'Z');
	}
	json_begin(&j, NULL, 100);
	json_u64(&j, "a", 1);
	CHECK(json_end(&j) == NULL);
	CHECK(j.overflow);

	memset(buf, 'Z', sizeof(buf));
	json_begin(&j, buf, 3);
	json_u64(&j, "a", 1);
	json_end(&j);
	CHECK_STR(buf, "{}");
	CHECK(j.overflow);
	CHECK(buf[3] == 'Z');
}

TEST(cut_drops_everything_after_the_first_field_that_does_not_fit)
{
	char buf[24];
	struct json j;
	json_begin(&j, buf, sizeof(buf));
	json_u64(&j, "a", 1);
	json_str(&j, "big", "xxxxxxxxxxxxxxxxxxxxxxxxx");
	json_u64(&j, "b", 2);               /* would fit, but comes after the cut */
	json_end(&j);
	CHECK_STR(buf, "{\"a\":1}");
	CHECK(j.overflow);

	/* A nested container that fits, then overflow inside it. */
	json_begin(&j, buf, sizeof(buf));
	json_object_begin(&j, "o");
	json_array_begin(&j, "arr");
	json_u64(&j, NULL, 123456);
	json_u64(&j, NULL, 123456);
	json_close(&j);
	json_close(&j);
	json_u64(&j, "z", 0);
	json_end(&j);
	CHECK_STR(buf, "{\"o\":{\"arr\":[123456]}}");
	CHECK_EQ_U64(strlen(buf), 22);
	CHECK(j.overflow);
}

/* Writes one record with every kind of field and nesting. Returns j.len before json_end. */
static size_t write_sample(struct json *j, char *buf, size_t cap)
{
	json_begin(j, buf, cap);
	json_str(j, "type", "fault");
	json_hex(j, "cr2", 0x7fffdeadb000);
	json_i64(j, "delta", -4096);
	json_object_begin(j, "regs");
	json_hex(j, "rip", 0x401000);
	json_array_begin(j, "stack");
	json_u64(j, NULL, 1);
	json_u64(j, NULL, 22);
	json_object_begin(j, NULL);
	json_str(j, "why", "quote\" tab\t nl\n");
	json_close(j);
	json_array_begin(j, NULL);
	json_close(j);
	json_close(j);
	json_bool(j, "user", true);
	json_close(j);
	json_null(j, "detail");
	json_array_begin(j, "deep");
	json_array_begin(j, NULL);
	json_array_begin(j, NULL);
	json_str(j, NULL, "\x01\x7f");
	json_close(j);
	json_close(j);
	json_close(j);
	json_u64(j, "end", 18446744073709551615ull);
	return j->len;
}

TEST(overflow_at_every_buffer_size)
{
	char full[512];
	struct json j;
	write_sample(&j, full, sizeof(full));
	json_end(&j);
	CHECK(!j.overflow);
	CHECK(valid_json_object(full));
	CHECK_STR(full, "{\"type\":\"fault\",\"cr2\":\"0x7fffdeadb000\",\"delta\":-4096,"
			"\"regs\":{\"rip\":\"0x401000\",\"stack\":[1,22,{\"why\":\"quote\\\" tab\\t nl\\n\"},[]],"
			"\"user\":true},\"detail\":null,\"deep\":[[[\"\\u0001\\u007f\"]]],"
			"\"end\":18446744073709551615}");
	size_t full_len = strlen(full);
	CHECK_EQ_U64(full_len, 207);

	size_t last_prefix = 0;
	for (size_t cap = 0; cap <= full_len + 20; cap++) {
		char *buf = malloc(cap ? cap : 1);   /* exactly cap bytes: ASan sees any overrun */
		size_t prefix = write_sample(&j, buf, cap);
		const char *out = json_end(&j);
		bool fits = cap >= full_len + 1;

		CHECK(out == buf);
		CHECK(j.overflow == !fits);
		if (cap < 3) {
			if (cap > 0)
				CHECK_STR(buf, "");
			free(buf);
			continue;
		}
		size_t len = strlen(buf);
		CHECK(len < cap);
		if (!valid_json_object(buf)) {
			unit_failed++;
			printf("FAIL cap %zu: invalid JSON: %s\n", cap, buf);
		} else {
			unit_passed++;
		}
		if (fits)
			CHECK_STR(buf, full);
		/* What was written before the closers is a prefix of the full record... */
		CHECK(memcmp(buf, full, prefix) == 0);
		/* ...cut at a field boundary... */
		CHECK(strchr(",}]", full[prefix]) || buf[prefix - 1] == '{' || buf[prefix - 1] == '[');
		/* ...followed only by closing brackets... */
		CHECK(strspn(buf + prefix, "}]") == len - prefix);
		/* ...and a bigger buffer never holds less. */
		CHECK(prefix >= last_prefix);
		last_prefix = prefix;
		free(buf);
	}
}

TEST(bytes_keep_nul_and_escaped_prefix_counts)
{
	char buf[64];
	struct json j;
	json_begin(&j, buf, sizeof(buf));
	json_bytes(&j, "line", "a\0\"b\n\x01\xe2\x80\xa8", 9);
	json_end(&j);
	CHECK_STR(buf, "{\"line\":\"a\\u0000\\\"b\\n\\u0001\xe2\x80\xa8\"}");
	CHECK(valid_json_object(buf));

	/* "a" 1, "\u0000" 6, "\"" 2: prefixes by budget. */
	const char *s = "a\0\"";
	CHECK_EQ_U64(json_escaped_prefix(s, 3, 0), 0);
	CHECK_EQ_U64(json_escaped_prefix(s, 3, 1), 1);
	CHECK_EQ_U64(json_escaped_prefix(s, 3, 6), 1);
	CHECK_EQ_U64(json_escaped_prefix(s, 3, 7), 2);
	CHECK_EQ_U64(json_escaped_prefix(s, 3, 8), 2);
	CHECK_EQ_U64(json_escaped_prefix(s, 3, 9), 3);
	CHECK_EQ_U64(json_escaped_prefix(s, 3, 1000), 3);
	CHECK_EQ_U64(json_escaped_prefix(s, 0, 1000), 0);
}

UNIT_MAIN(
	UNIT(validator_rejects_broken_json),
	UNIT(empty_object),
	UNIT(every_field_kind),
	UNIT(bytes_keep_nul_and_escaped_prefix_counts),
	UNIT(nested_objects_and_arrays),
	UNIT(json_end_closes_everything_left_open),
	UNIT(misuse_is_harmless),
	UNIT(strn_stops_at_n_and_at_nul),
	UNIT(escaping_of_special_characters),
	UNIT(every_byte_value_escapes_correctly),
	UNIT(depth_limit_sets_overflow),
	UNIT(tiny_buffers),
	UNIT(cut_drops_everything_after_the_first_field_that_does_not_fit),
	UNIT(overflow_at_every_buffer_size),
)
