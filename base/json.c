/*
 * A single-line JSON object writer over a fixed buffer (see base/json.h).
 *
 * The invariant that keeps the output valid whatever happens:
 *
 *     len + depth + 1 <= cap
 *
 * i.e. there is always room for one closing bracket per open container and
 * the terminating NUL. Each field (its comma, key and value, or the opening
 * bracket of a nested container) is written whole only if the invariant
 * still holds afterwards; otherwise nothing of it stays, j->overflow is set
 * and every later call except json_end() does nothing, so the output is a
 * clean prefix of what was asked for, cut at a field boundary. json_end()
 * then writes the reserved closers.
 *
 * Nesting deeper than JSON_MAX_DEPTH (the root object counts as one level)
 * is treated the same way: overflow is set and the rest is dropped.
 *
 * Misuse is kept harmless: a key inside an array is ignored, a NULL key
 * inside an object is written as "(null)", json_close() never closes the
 * root object (only json_end() does), and calls after json_end() do nothing.
 * A buffer smaller than 3 bytes cannot hold "{}": json_begin() then sets
 * overflow and the buffer holds "" (when cap > 0).
 */
#include "base/json.h"

/*
 * A tentative write: bytes go to buf[pos ...] while pos < limit, and pos
 * counts all of them, so the caller can tell afterwards whether it fitted.
 */
struct field {
	char *buf;
	size_t pos;
	size_t limit;
};

/* Appends c to the tentative field if it is still within the limit. */
static void put_char(struct field *f, char c)
{
	if (f->pos < f->limit)
		f->buf[f->pos] = c;
	f->pos++;
}

/* Appends the NUL-terminated s unescaped. */
static void put_raw(struct field *f, const char *s)
{
	while (*s)
		put_char(f, *s++);
}

/*
 * Appends s as a quoted, escaped JSON string: at most n bytes, stopping at
 * a NUL unless with_nul (then a NUL byte is written as \u0000).
 */
static void put_string_bytes(struct field *f, const char *s, size_t n, bool with_nul)
{
	static const char hex[] = "0123456789abcdef";

	put_char(f, '"');
	for (size_t i = 0; i < n && (with_nul || s[i]); i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"':  put_raw(f, "\\\""); break;
		case '\\': put_raw(f, "\\\\"); break;
		case '\n': put_raw(f, "\\n"); break;
		case '\r': put_raw(f, "\\r"); break;
		case '\t': put_raw(f, "\\t"); break;
		case '\b': put_raw(f, "\\b"); break;
		case '\f': put_raw(f, "\\f"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				put_raw(f, "\\u00");
				put_char(f, hex[c >> 4]);
				put_char(f, hex[c & 15]);
			} else {
				put_char(f, (char)c);  /* bytes >= 0x80 pass as they are */
			}
		}
	}
	put_char(f, '"');
}

/* Appends s (at most n bytes, stopping at a NUL) as a quoted, escaped JSON string. */
static void put_string(struct field *f, const char *s, size_t n)
{
	put_string_bytes(f, s, n, false);
}

/* Appends v in decimal. */
static void put_u64(struct field *f, uint64_t v)
{
	char digits[20];
	int n = 0;
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		put_char(f, digits[--n]);
}

/* Appends "0x" and v in lowercase hex without leading zeros, quoted. */
static void put_hex_string(struct field *f, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char digits[16];
	int n = 0;
	do {
		digits[n++] = hex[v & 15];
		v >>= 4;
	} while (v != 0);
	put_raw(f, "\"0x");
	while (n > 0)
		put_char(f, digits[--n]);
	put_char(f, '"');
}

/*
 * Starts a field of the innermost container: returns false (and writes
 * nothing) if the writer is finished or has overflowed. opens is 1 when the
 * field opens a nested container, which must then still fit in JSON_MAX_DEPTH.
 * Otherwise sets f up to write at j->len with room left for the closers
 * and NUL, and writes the comma and the key (when inside an object).
 */
static bool field_start(struct json *j, struct field *f, const char *key, int opens)
{
	if (j->overflow || j->depth < 1 || j->depth > JSON_MAX_DEPTH)
		return false;
	if (j->depth + opens > JSON_MAX_DEPTH) {
		j->overflow = true;
		return false;
	}
	size_t reserve = (size_t)(j->depth + opens) + 1;
	f->buf = j->buf;
	f->pos = j->len;
	f->limit = j->cap >= reserve ? j->cap - reserve : 0;

	if (j->need_comma[j->depth - 1])
		put_char(f, ',');
	if (j->closer[j->depth - 1] == '}') {
		put_string(f, key ? key : "(null)", (size_t)-1);
		put_char(f, ':');
	}
	return true;
}

/* Keeps the field if it fitted; otherwise drops it and marks overflow. Returns whether kept. */
static bool field_end(struct json *j, struct field *f)
{
	if (f->pos > f->limit) {
		j->overflow = true;
		return false;
	}
	j->len = f->pos;
	j->need_comma[j->depth - 1] = true;
	return true;
}

/* Starts the root object in buf (cap bytes). Sets overflow if cap < 3. */
void json_begin(struct json *j, char *buf, size_t cap)
{
	j->buf = buf;
	j->cap = cap;
	j->len = 0;
	j->depth = 0;
	j->overflow = false;
	for (int i = 0; i < JSON_MAX_DEPTH; i++) {
		j->need_comma[i] = false;
		j->closer[i] = 0;
	}
	if (!buf || cap < 3) {                   /* "{}" and the NUL */
		j->overflow = true;
		if (buf && cap > 0)
			buf[0] = '\0';
		return;
	}
	buf[j->len++] = '{';
	j->closer[0] = '}';
	j->depth = 1;
}

/* Closes every open container, terminates the buffer and returns it. */
const char *json_end(struct json *j)
{
	if (j->depth < 1)                        /* never begun, or already ended */
		return j->buf;
	while (j->depth > 0)
		j->buf[j->len++] = j->closer[--j->depth];
	j->buf[j->len] = '\0';
	return j->buf;
}

/* A string field (NULL val: null). */
void json_str(struct json *j, const char *key, const char *val)
{
	json_strn(j, key, val, (size_t)-1);
}

/* A string field from at most n bytes of val, stopping at a NUL (NULL val: null). */
void json_strn(struct json *j, const char *key, const char *val, size_t n)
{
	struct field f;
	if (!field_start(j, &f, key, 0))
		return;
	if (val)
		put_string(&f, val, n);
	else
		put_raw(&f, "null");
	field_end(j, &f);
}

/* A string field from exactly n bytes of val, NUL bytes included (as \u0000). */
void json_bytes(struct json *j, const char *key, const char *val, size_t n)
{
	struct field f;
	if (!field_start(j, &f, key, 0))
		return;
	put_string_bytes(&f, val, n, true);
	field_end(j, &f);
}

/* See base/json.h. */
size_t json_escaped_prefix(const char *s, size_t n, size_t budget)
{
	char scratch[6];
	size_t used = 0, i;
	for (i = 0; i < n; i++) {
		struct field f = { scratch, 0, 0 };     /* counts only: limit 0 writes nothing */
		put_string_bytes(&f, s + i, 1, true);   /* the byte and its two quotes */
		if (used + f.pos - 2 > budget)
			break;
		used += f.pos - 2;
	}
	return i;
}

/* An unsigned decimal number field. */
void json_u64(struct json *j, const char *key, uint64_t val)
{
	struct field f;
	if (!field_start(j, &f, key, 0))
		return;
	put_u64(&f, val);
	field_end(j, &f);
}

/* A signed decimal number field (INT64_MIN included). */
void json_i64(struct json *j, const char *key, int64_t val)
{
	struct field f;
	if (!field_start(j, &f, key, 0))
		return;
	if (val < 0) {
		put_char(&f, '-');
		put_u64(&f, (uint64_t)0 - (uint64_t)val);
	} else {
		put_u64(&f, (uint64_t)val);
	}
	field_end(j, &f);
}

/* A "0x..." string field (lowercase, no leading zeros; 0 is "0x0"). */
void json_hex(struct json *j, const char *key, uint64_t val)
{
	struct field f;
	if (!field_start(j, &f, key, 0))
		return;
	put_hex_string(&f, val);
	field_end(j, &f);
}

/* A true/false field. */
void json_bool(struct json *j, const char *key, bool val)
{
	struct field f;
	if (!field_start(j, &f, key, 0))
		return;
	put_raw(&f, val ? "true" : "false");
	field_end(j, &f);
}

/* A null field. */
void json_null(struct json *j, const char *key)
{
	struct field f;
	if (!field_start(j, &f, key, 0))
		return;
	put_raw(&f, "null");
	field_end(j, &f);
}

/* Opens a nested container with the given brackets, if it fits. */
static void container_begin(struct json *j, const char *key, char open, char close)
{
	struct field f;
	if (!field_start(j, &f, key, 1))
		return;
	put_char(&f, open);
	if (field_end(j, &f)) {
		j->closer[j->depth] = close;
		j->need_comma[j->depth] = false;
		j->depth++;
	}
}

/* Opens a nested object; later fields go into it until json_close(). */
void json_object_begin(struct json *j, const char *key)
{
	container_begin(j, key, '{', '}');
}

/* Opens a nested array; later fields (keys ignored) go into it until json_close(). */
void json_array_begin(struct json *j, const char *key)
{
	container_begin(j, key, '[', ']');
}

/* Closes the innermost nested container (never the root; after overflow, nothing). */
void json_close(struct json *j)
{
	if (j->overflow || j->depth <= 1 || j->depth > JSON_MAX_DEPTH)
		return;
	j->depth--;
	j->buf[j->len++] = j->closer[j->depth];
}
