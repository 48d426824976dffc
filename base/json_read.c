/*
 * Reading one JSON object member by member (base/json_read.h).
 *
 * The reader walks the text once: a member is a string key, ':', a value;
 * members are separated by ',' and the object ends with '}'. A value's end
 * is found by scanning: a string to its unescaped closing quote, an array or
 * object to its matching bracket (strings inside skipped), a number or a
 * literal to the first byte that cannot belong to it.
 */
#include "base/json_read.h"
#include "base/string.h"

/* Returns the position of the first non-blank at or after pos. */
static size_t skip_blanks(const char *s, size_t n, size_t pos)
{
	while (pos < n && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\r' || s[pos] == '\n'))
		pos++;
	return pos;
}

/* With s[pos] == '"': returns the position after the closing quote, or n
 * when the string does not end (or holds a raw control byte). */
static size_t skip_string(const char *s, size_t n, size_t pos)
{
	for (pos++; pos < n; pos++) {
		uint8_t c = (uint8_t)s[pos];
		if (c == '"')
			return pos + 1;
		if (c < 0x20)
			return n;
		if (c == '\\')
			pos++;
	}
	return n;
}

/* With s[pos] == '[' or '{': returns the position after the matching
 * bracket, or n when the brackets do not match or nest too deep. */
static size_t skip_nested(const char *s, size_t n, size_t pos)
{
	char closers[JSON_READ_MAX_DEPTH];
	int depth = 0;
	while (pos < n) {
		char c = s[pos];
		if (c == '"') {
			pos = skip_string(s, n, pos);
			continue;
		}
		if (c == '[' || c == '{') {
			if (depth == JSON_READ_MAX_DEPTH)
				return n;
			closers[depth++] = c == '[' ? ']' : '}';
		} else if (c == ']' || c == '}') {
			if (depth == 0 || closers[depth - 1] != c)
				return n;
			if (--depth == 0)
				return pos + 1;
		}
		pos++;
	}
	return n;
}

/* Whether c can be part of a number's or a literal's text. */
static bool scalar_byte(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' || c == '.' ||
	       c == 'E';
}

/* See base/json_read.h. */
bool json_read_begin(struct json_reader *r, const char *s, size_t n)
{
	*r = (struct json_reader){ .s = s, .n = n };
	r->pos = skip_blanks(s, n, 0);
	if (r->pos >= n || s[r->pos] != '{') {
		r->failed = true;
		return false;
	}
	r->pos++;
	return true;
}

/* Marks the reader failed; returns false for json_read_next. */
static bool fail(struct json_reader *r)
{
	r->failed = true;
	return false;
}

/* See base/json_read.h. */
bool json_read_next(struct json_reader *r, struct json_member *m)
{
	const char *s = r->s;
	size_t n = r->n, pos;
	if (r->failed || r->closed)
		return false;
	pos = skip_blanks(s, n, r->pos);
	if (pos < n && s[pos] == '}') {          /* the end, or an empty object */
		r->closed = true;
		r->pos = pos + 1;
		return false;
	}
	if (r->members > 0) {                    /* members are separated by ',' */
		if (pos >= n || s[pos] != ',')
			return fail(r);
		pos = skip_blanks(s, n, pos + 1);
	}
	if (pos >= n || s[pos] != '"')
		return fail(r);
	size_t key_end = skip_string(s, n, pos);
	if (key_end >= n)
		return fail(r);
	m->key = s + pos + 1;
	m->key_len = key_end - pos - 2;
	pos = skip_blanks(s, n, key_end);
	if (pos >= n || s[pos] != ':')
		return fail(r);
	pos = skip_blanks(s, n, pos + 1);
	if (pos >= n)
		return fail(r);

	/* A value that ends at n (or whose scan gave up there) has no ',' or '}'
	 * after it: malformed either way. */
	size_t end;
	char c = s[pos];
	if (c == '"') {
		end = skip_string(s, n, pos);
		if (end >= n)
			return fail(r);
		m->kind = JSON_STRING;
		m->value = s + pos + 1;
		m->value_len = end - pos - 2;
	} else if (c == '[' || c == '{') {
		end = skip_nested(s, n, pos);
		if (end >= n)
			return fail(r);
		m->kind = c == '[' ? JSON_ARRAY : JSON_OBJECT;
		m->value = s + pos;
		m->value_len = end - pos;
	} else if (scalar_byte(c)) {
		end = pos;
		while (end < n && scalar_byte(s[end]))
			end++;
		m->kind = (c >= 'a' && c <= 'z') ? JSON_LITERAL : JSON_NUMBER;
		m->value = s + pos;
		m->value_len = end - pos;
	} else {
		return fail(r);
	}
	/* After the value: ',' and another member, or '}'. */
	pos = skip_blanks(s, n, end);
	if (pos >= n || (s[pos] != ',' && s[pos] != '}'))
		return fail(r);
	r->pos = pos;
	r->members++;
	return true;
}

/* See base/json_read.h. */
bool json_read_complete(const struct json_reader *r)
{
	return !r->failed && r->closed && skip_blanks(r->s, r->n, r->pos) == r->n;
}

/* Whether text[0..len) is exactly the NUL-terminated want. */
static bool same_text(const char *text, size_t len, const char *want)
{
	return strlen(want) == len && strncmp(text, want, len) == 0;
}

/* See base/json_read.h. */
bool json_member_is(const struct json_member *m, const char *key)
{
	return same_text(m->key, m->key_len, key);
}

/* See base/json_read.h. */
bool json_member_string_is(const struct json_member *m, const char *value)
{
	return m->kind == JSON_STRING && same_text(m->value, m->value_len, value);
}

/* Parses text[0..len) as a plain decimal into *out; false for anything else. */
static bool parse_decimal(const char *text, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	if (len == 0 || (len > 1 && text[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		uint64_t d = (uint64_t)(text[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* See base/json_read.h. */
bool json_member_u64(const struct json_member *m, uint64_t *out)
{
	return m->kind == JSON_NUMBER && parse_decimal(m->value, m->value_len, out);
}

/* See base/json_read.h. */
bool json_member_string(const struct json_member *m, char *buf, size_t size)
{
	static const char escapes[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
	size_t len = 0;
	if (m->kind != JSON_STRING)
		return false;
	if (size == 0)
		return true;
	for (size_t i = 0; i < m->value_len && len + 1 < size; i++) {
		char c = m->value[i];
		if (c == '\\' && i + 1 < m->value_len) {
			char e = m->value[++i];
			c = '?';
			for (size_t k = 0; escapes[k]; k += 2)
				if (escapes[k] == e)
					c = escapes[k + 1];
			if (e == 'u')
				i += 4 < m->value_len - i ? 4 : m->value_len - i - 1;
		}
		buf[len++] = c;
	}
	buf[len] = 0;
	return true;
}

/* See base/json_read.h. */
int json_member_u64_array(const struct json_member *m, uint64_t *out, uint32_t max)
{
	if (m->kind != JSON_ARRAY)
		return -1;
	const char *s = m->value;
	size_t n = m->value_len - 1, pos = skip_blanks(s, n, 1);     /* inside the brackets */
	uint32_t count = 0;
	if (pos == n)
		return 0;
	for (;;) {
		size_t start = pos;
		while (pos < n && s[pos] >= '0' && s[pos] <= '9')
			pos++;
		if (count == max || !parse_decimal(s + start, pos - start, &out[count]))
			return -1;
		count++;
		pos = skip_blanks(s, n, pos);
		if (pos == n)
			return (int)count;
		if (s[pos] != ',')
			return -1;
		pos = skip_blanks(s, n, pos + 1);
	}
}
