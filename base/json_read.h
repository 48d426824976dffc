/*
 * Reading one JSON object from a line of text, member by member, pure
 * (host-tested). The kernel uses it on what ring-3 programs print: their
 * test and bench records (kernel/user_records.c).
 *
 *   struct json_reader r;
 *   struct json_member m;
 *   if (!json_read_begin(&r, line, len)) ...not an object
 *   while (json_read_next(&r, &m))
 *           if (json_member_is(&m, "p50")) json_member_u64(&m, &p50);
 *   if (!json_read_complete(&r)) ...malformed: ignore what was read
 *
 * Values are not copied: a member points into the line. Nested arrays and
 * objects are skipped whole (their strings too, escapes and all); numbers
 * are taken as their text. Nothing is allocated and nothing is written.
 */
#ifndef FAULTLINE_JSON_READ_H
#define FAULTLINE_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_READ_MAX_DEPTH 16

enum json_kind { JSON_STRING, JSON_NUMBER, JSON_ARRAY, JSON_OBJECT, JSON_LITERAL };

struct json_member {
	const char *key;            /* between the quotes, escapes as written */
	size_t key_len;
	enum json_kind kind;
	const char *value;          /* a string: between the quotes; else the whole value */
	size_t value_len;
};

struct json_reader {
	const char *s;
	size_t n, pos;
	bool failed;                /* malformed: json_read_next stopped early */
	bool closed;                /* the object's closing brace was read */
	uint32_t members;           /* read so far */
};

/* Starts on s[0..n): blanks, then '{'. Returns false if there is no '{'. */
bool json_read_begin(struct json_reader *r, const char *s, size_t n);

/* Reads the next member into *m. Returns false at the closing brace or on
 * malformed input (then r->failed is set). */
bool json_read_next(struct json_reader *r, struct json_member *m);

/* True when every member was read and nothing but blanks follows the
 * closing brace: the line was one well-formed object. */
bool json_read_complete(const struct json_reader *r);

/* Whether the member's key is key (compared as written). */
bool json_member_is(const struct json_member *m, const char *key);

/* Whether the member is the string value (compared as written). */
bool json_member_string_is(const struct json_member *m, const char *value);

/* A non-negative integer member into *out. Returns false for other kinds,
 * fractions, exponents, signs, and values above UINT64_MAX. */
bool json_member_u64(const struct json_member *m, uint64_t *out);

/*
 * Copies a string member into buf (always NUL-terminated when size > 0),
 * with \" \\ \/ \b \f \n \r \t decoded and \uXXXX as '?' (ASCII only: bytes
 * >= 0x80 stay as they are). Returns false for other kinds; a value that
 * does not fit is cut.
 */
bool json_member_string(const struct json_member *m, char *buf, size_t size);

/* An array of non-negative integers into out[0..max): returns how many, or
 * -1 if the member is not such an array or has more than max of them. */
int json_member_u64_array(const struct json_member *m, uint64_t *out, uint32_t max);

#endif
