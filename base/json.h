/*
 * A JSON object writer over a fixed buffer, pure (host-tested).
 *
 * Builds exactly one single-line object: json_begin(), then any number of
 * json_* fields, nested objects/arrays, then json_end(). Strings are escaped
 * (quotes, backslash, control characters as \uXXXX, bytes >= 0x80 passed as
 * they are). If the buffer is too small the output is cut at a field boundary
 * and j->overflow is set; json_end() still closes every open bracket, so the
 * result is always valid JSON.
 */
#ifndef FAULTLINE_JSON_H
#define FAULTLINE_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define JSON_MAX_DEPTH 8

struct json {
	char *buf;
	size_t cap;
	size_t len;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	char closer[JSON_MAX_DEPTH];
	bool overflow;
};

void json_begin(struct json *j, char *buf, size_t cap);   /* writes "{" */
const char *json_end(struct json *j);                    /* closes all; returns buf */

/* Fields of the current object (key may be NULL inside an array). */
void json_str(struct json *j, const char *key, const char *val);
void json_strn(struct json *j, const char *key, const char *val, size_t n);
/* Exactly n bytes of val, NUL bytes included (written as \u0000). */
void json_bytes(struct json *j, const char *key, const char *val, size_t n);
void json_u64(struct json *j, const char *key, uint64_t val);
void json_i64(struct json *j, const char *key, int64_t val);
void json_hex(struct json *j, const char *key, uint64_t val); /* "0x..." string */
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
void json_object_begin(struct json *j, const char *key);
void json_array_begin(struct json *j, const char *key);
void json_close(struct json *j);                          /* closes innermost */

/* Pure: how many leading bytes of s[0..n) fit, escaped as json_bytes
 * writes them (without the quotes), in budget bytes. */
size_t json_escaped_prefix(const char *s, size_t n, size_t budget);

#endif
