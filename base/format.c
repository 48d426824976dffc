/*
 * printf-style formatting into a fixed buffer (see base/format.h).
 *
 * One pass over the format string. Every character of output goes through
 * out_char(), which stores it only while it fits (leaving room for the NUL)
 * but always counts it, so the return value is the length the whole output
 * would have had, exactly like C's vsnprintf.
 *
 * Integer conversions follow C: precision is the minimum number of digits
 * (and "%.0d" of 0 prints nothing), '0' pads with zeros after the sign and
 * "0x" unless '-' or a precision is given, '#' adds "0x"/"0X" to non-zero
 * hex and a leading 0 to octal, '+' and ' ' apply to signed conversions
 * only. Length modifiers l, ll, z, j and t all read a 64-bit argument (the
 * kernel is LLP64, the host tests LP64). "%p" prints "0x" and 16 hex digits.
 * A NULL "%s" prints "(null)". An unknown conversion is copied to the output
 * as written, and consumes no argument, so mistakes are visible.
 *
 * Widths and precisions are clamped to FORMAT_MAX_WIDTH.
 */
#include <stdint.h>
#include <stdbool.h>
#include "base/format.h"

#define FORMAT_MAX_WIDTH 65536

/* Where the output goes: buf[0 .. size-1), plus the count of every byte. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

/* One parsed conversion specification. */
struct spec {
	bool left;      /* '-' */
	bool zero;      /* '0' */
	bool plus;      /* '+' */
	bool space;     /* ' ' */
	bool alt;       /* '#' */
	int width;      /* 0: none */
	int precision;  /* -1: none */
};

/* Appends c if it fits (keeping a byte for the NUL); always counts it. */
static void out_char(struct out *o, char c)
{
	if (o->size > 0 && o->len < o->size - 1)
		o->buf[o->len] = c;
	o->len++;
}

/* Appends n copies of c. */
static void out_repeat(struct out *o, char c, int n)
{
	for (int i = 0; i < n; i++)
		out_char(o, c);
}

/* Appends n bytes of s. */
static void out_bytes(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out_char(o, s[i]);
}

/* Writes s (n bytes) padded with spaces to the spec's width. */
static void out_padded(struct out *o, const struct spec *sp, const char *s, size_t n)
{
	int pad = sp->width > (int)n ? sp->width - (int)n : 0;

	if (!sp->left)
		out_repeat(o, ' ', pad);
	out_bytes(o, s, n);
	if (sp->left)
		out_repeat(o, ' ', pad);
}

/*
 * Writes one integer: magnitude in base (8, 10 or 16), with sign character
 * sign (0 for none), applying precision, '#', '0' and width as C does.
 */
static void out_integer(struct out *o, const struct spec *sp, uint64_t magnitude,
			char sign, unsigned base, bool upper)
{
	const char *digit_chars = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[24];                 /* 64-bit octal is 22 digits */
	int ndigits = 0;
	const char *prefix = "";
	int prefix_len = 0;

	for (uint64_t v = magnitude; v != 0; v /= base)
		digits[ndigits++] = digit_chars[v % base];
	if (magnitude == 0 && sp->precision != 0)
		digits[ndigits++] = '0';     /* "%.0d" of 0 prints no digits */

	int zeros = sp->precision > ndigits ? sp->precision - ndigits : 0;
	if (sp->alt && base == 16 && magnitude != 0) {
		prefix = upper ? "0X" : "0x";
		prefix_len = 2;
	}
	if (sp->alt && base == 8 && zeros == 0 && (ndigits == 0 || digits[ndigits - 1] != '0'))
		zeros = 1;                   /* "#o" always starts with a 0 */

	int total = (sign ? 1 : 0) + prefix_len + zeros + ndigits;
	if (sp->zero && !sp->left && sp->precision < 0 && sp->width > total) {
		zeros += sp->width - total;
		total = sp->width;
	}
	int pad = sp->width > total ? sp->width - total : 0;

	if (!sp->left)
		out_repeat(o, ' ', pad);
	if (sign)
		out_char(o, sign);
	out_bytes(o, prefix, (size_t)prefix_len);
	out_repeat(o, '0', zeros);
	while (ndigits > 0)
		out_char(o, digits[--ndigits]);
	if (sp->left)
		out_repeat(o, ' ', pad);
}

/* Reads a decimal number at *p (advancing it), clamped to FORMAT_MAX_WIDTH. */
static int parse_number(const char **p)
{
	int n = 0;
	while (**p >= '0' && **p <= '9') {
		if (n < FORMAT_MAX_WIDTH)
			n = n * 10 + (**p - '0');
		(*p)++;
	}
	return n > FORMAT_MAX_WIDTH ? FORMAT_MAX_WIDTH : n;
}

/* Length modifiers, reduced to the argument size they select. */
enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_64 };

/*
 * Formats into buf (NUL-terminated when size > 0, never written past size).
 * Returns the length the full output would have had, like vsnprintf.
 */
int vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list args;

	va_copy(args, ap);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			out_char(&o, *p);
			continue;
		}
		const char *start = p++;
		struct spec sp = { .precision = -1 };

		for (;; p++) {
			if (*p == '-') sp.left = true;
			else if (*p == '0') sp.zero = true;
			else if (*p == '+') sp.plus = true;
			else if (*p == ' ') sp.space = true;
			else if (*p == '#') sp.alt = true;
			else break;
		}
		if (*p == '*') {
			int w = va_arg(args, int);
			if (w < 0) {             /* a negative '*' width means '-' */
				sp.left = true;
				w = w == INT32_MIN ? FORMAT_MAX_WIDTH : -w;
			}
			sp.width = w > FORMAT_MAX_WIDTH ? FORMAT_MAX_WIDTH : w;
			p++;
		} else {
			sp.width = parse_number(&p);
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				int pr = va_arg(args, int);  /* negative: as if omitted */
				sp.precision = pr < 0 ? -1 : pr > FORMAT_MAX_WIDTH ? FORMAT_MAX_WIDTH : pr;
				p++;
			} else {
				sp.precision = parse_number(&p);
			}
		}

		enum length len = LEN_INT;
		if (*p == 'h') {
			p++;
			len = LEN_SHORT;
			if (*p == 'h') {
				p++;
				len = LEN_CHAR;
			}
		} else if (*p == 'l') {
			p++;
			len = LEN_64;
			if (*p == 'l')
				p++;
		} else if (*p == 'z' || *p == 'j' || *p == 't') {
			p++;
			len = LEN_64;
		}

		switch (*p) {
		case 'd':
		case 'i': {
			int64_t v;
			if (len == LEN_64) v = va_arg(args, int64_t);
			else if (len == LEN_SHORT) v = (short)va_arg(args, int);
			else if (len == LEN_CHAR) v = (signed char)va_arg(args, int);
			else v = va_arg(args, int);
			char sign = v < 0 ? '-' : sp.plus ? '+' : sp.space ? ' ' : 0;
			uint64_t magnitude = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			out_integer(&o, &sp, magnitude, sign, 10, false);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uint64_t v;
			if (len == LEN_64) v = va_arg(args, uint64_t);
			else if (len == LEN_SHORT) v = (unsigned short)va_arg(args, unsigned int);
			else if (len == LEN_CHAR) v = (unsigned char)va_arg(args, unsigned int);
			else v = va_arg(args, unsigned int);
			unsigned base = *p == 'u' ? 10 : *p == 'o' ? 8 : 16;
			out_integer(&o, &sp, v, 0, base, *p == 'X');
			break;
		}
		case 'p': {
			struct spec hex = { .precision = 16, .alt = false };
			char text[19];                   /* "0x", 16 digits, NUL */
			struct out t = { text, sizeof(text), 0 };
			out_bytes(&t, "0x", 2);
			out_integer(&t, &hex, (uint64_t)(uintptr_t)va_arg(args, void *), 0, 16, false);
			out_padded(&o, &sp, text, t.len);
			break;
		}
		case 's': {
			const char *s = va_arg(args, const char *);
			if (!s)
				s = "(null)";
			size_t n = 0;            /* never read past the precision */
			while ((sp.precision < 0 || n < (size_t)sp.precision) && s[n])
				n++;
			out_padded(&o, &sp, s, n);
			break;
		}
		case 'c': {
			char c = (char)va_arg(args, int);
			out_padded(&o, &sp, &c, 1);
			break;
		}
		case '%':
			out_char(&o, '%');
			break;
		default:
			/* Unknown (or cut-off) conversion: copy it as written. */
			out_bytes(&o, start, (size_t)(p - start) + (*p ? 1 : 0));
			if (!*p)
				p--;             /* let the loop see the terminating NUL */
			break;
		}
	}
	va_end(args);

	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}

/* Formats into buf like vformat. Returns the would-be length. */
int format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vformat(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
