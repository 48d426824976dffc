/*
 * Host tests for base/format.c: hand-worked expected strings first, then a
 * large generated table of conversions compared byte for byte (and by return
 * value) against the host's snprintf, which on this LP64 host reads the same
 * 64-bit argument for l/ll/z/j/t as our kernel formatter does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "tests/unit/unit.h"
#include "../../base/format.c"

/* Formats into a roomy buffer and checks both the text and the returned length. */
#define EXPECT(want, ...) do { \
	char _buf[512]; \
	memset(_buf, 0x5a, sizeof(_buf)); \
	int _n = format(_buf, sizeof(_buf), __VA_ARGS__); \
	CHECK_STR(_buf, want); \
	CHECK_EQ_U64(_n, strlen(want)); \
} while (0)

TEST(plain_text_and_percent)
{
	EXPECT("", "");
	EXPECT("hello", "hello");
	EXPECT("100%", "100%%");
	EXPECT("%%", "%%%%");
	EXPECT("a%b", "a%%b");
}

TEST(signed_decimal)
{
	EXPECT("0", "%d", 0);
	EXPECT("42", "%d", 42);
	EXPECT("-42", "%i", -42);
	EXPECT("2147483647", "%d", INT32_MAX);
	EXPECT("-2147483648", "%d", INT32_MIN);
	EXPECT("9223372036854775807", "%lld", INT64_MAX);
	EXPECT("-9223372036854775808", "%lld", INT64_MIN);
	EXPECT("-9223372036854775808", "%ld", INT64_MIN);
	EXPECT("-9223372036854775808", "%jd", INT64_MIN);
	EXPECT("-1", "%zd", (int64_t)-1);
	EXPECT("-1", "%td", (int64_t)-1);
	EXPECT("+5", "%+d", 5);
	EXPECT(" 5", "% d", 5);
	EXPECT("-5", "% d", -5);
	EXPECT("+0", "%+d", 0);
	EXPECT("+9223372036854775807", "%+lld", INT64_MAX);
}

TEST(short_and_char_lengths_truncate)
{
	EXPECT("44", "%hhd", 300);          /* 300 & 0xff = 44 */
	EXPECT("-1", "%hhd", 255);
	EXPECT("255", "%hhu", -1);
	EXPECT("ff", "%hhx", 0x12ff);
	EXPECT("-32768", "%hd", 32768);
	EXPECT("65535", "%hu", -1);
	EXPECT("1234", "%hx", 0xabc1234);
}

TEST(unsigned_hex_octal)
{
	EXPECT("4294967295", "%u", UINT32_MAX);
	EXPECT("18446744073709551615", "%llu", UINT64_MAX);
	EXPECT("18446744073709551615", "%lu", UINT64_MAX);
	EXPECT("deadbeef", "%x", 0xdeadbeefu);
	EXPECT("DEADBEEF", "%X", 0xdeadbeefu);
	EXPECT("ffffffffffffffff", "%lx", UINT64_MAX);
	EXPECT("123456789abcdef0", "%llx", (uint64_t)0x123456789abcdef0ull);
	EXPECT("0", "%x", 0);
	EXPECT("17", "%o", 15);
	EXPECT("1777777777777777777777", "%llo", UINT64_MAX);
	EXPECT("0x1f", "%#x", 0x1f);
	EXPECT("0X1F", "%#X", 0x1f);
	EXPECT("0", "%#x", 0);              /* no prefix for zero */
	EXPECT("017", "%#o", 15);
	EXPECT("0", "%#o", 0);
	EXPECT("0", "%#.0o", 0);            /* '#' keeps the single 0 */
	EXPECT("0010", "%#.4o", 8);         /* precision already gives the 0 */
	EXPECT("ffffffff", "%x", -1);       /* no modifier: 32 bits */
	EXPECT("7", "%+u", 7);              /* '+' is for signed conversions only */
	EXPECT("7", "% x", 7);
}

TEST(width_precision_flags)
{
	EXPECT("   42", "%5d", 42);
	EXPECT("42   |", "%-5d|", 42);
	EXPECT("00042", "%05d", 42);
	EXPECT("-0042", "%05d", -42);
	EXPECT("+0042", "%+05d", 42);
	EXPECT(" 0042", "% 05d", 42);
	EXPECT("-42  |", "%-05d|", -42);    /* '-' beats '0' */
	EXPECT("  042", "%05.3d", 42);      /* precision beats '0' */
	EXPECT("00042", "%.5d", 42);
	EXPECT("-00042", "%.5d", -42);
	EXPECT("", "%.0d", 0);
	EXPECT("   ", "%3.0d", 0);
	EXPECT("+", "%+.0d", 0);
	EXPECT("0x0000ff", "%#08x", 0xff);
	EXPECT("  0x00ff", "%#8.4x", 0xff);
	EXPECT("0x00ff  |", "%-#8.4x|", 0xff);
	EXPECT("0000000000000000000000000000ff", "%030llx", (uint64_t)0xff);
	EXPECT("12345", "%3d", 12345);      /* width is a minimum */
	EXPECT("12345", "%.3d", 12345);
}

TEST(star_width_and_precision)
{
	EXPECT("   42", "%*d", 5, 42);
	EXPECT("42   |", "%*d|", -5, 42);  /* negative width: left-justify */
	EXPECT("00042", "%.*d", 5, 42);
	EXPECT("42", "%.*d", -3, 42);       /* negative precision: as if omitted */
	EXPECT("  abc", "%*.*s", 5, 3, "abcdef");
	EXPECT("ab   |", "%-*.*s|", 5, 2, "abcdef");
	EXPECT("00ff 7", "%0*x %d", 4, 0xff, 7);  /* '*' consumes its argument */
}

TEST(strings_and_chars)
{
	EXPECT("hello", "%s", "hello");
	EXPECT("", "%s", "");
	EXPECT("(null)", "%s", (char *)NULL);
	EXPECT("  (null)", "%8s", (char *)NULL);
	EXPECT("(nu", "%.3s", (char *)NULL);
	EXPECT("   hi", "%5s", "hi");
	EXPECT("hi   |", "%-5s|", "hi");
	EXPECT("hel", "%.3s", "hello");
	EXPECT("", "%.0s", "hello");
	EXPECT("  hel", "%5.3s", "hello");
	EXPECT("x", "%c", 'x');
	EXPECT("    x", "%5c", 'x');
	EXPECT("x    |", "%-5c|", 'x');
	EXPECT("[\xe9]", "[%c]", 0xe9);
	EXPECT("a1b-2cz", "a%ub%dc%s", 1u, -2, "z");
}

TEST(precision_never_reads_past_the_string)
{
	/* An unterminated heap buffer: ASan reports any read past its 4 bytes. */
	char *raw = malloc(4);
	memcpy(raw, "abcd", 4);
	EXPECT("abcd", "%.4s", raw);
	EXPECT("ab", "%.2s", raw);
	EXPECT("  abcd", "%6.4s", raw);
	free(raw);
}

TEST(pointers)
{
	EXPECT("0x0000000000001234", "%p", (void *)0x1234);
	EXPECT("0x0000000000000000", "%p", (void *)0);
	EXPECT("0xffff800000000000", "%p", (void *)(uintptr_t)0xffff800000000000ull);
	EXPECT("  0x00000000deadbeef", "%20p", (void *)0xdeadbeef);
	EXPECT("0x00000000deadbeef  |", "%-20p|", (void *)0xdeadbeef);
	EXPECT("0x0000000000000001", "%5p", (void *)1);  /* width below 18: no padding */
}

TEST(unknown_and_cut_conversions_are_copied)
{
	EXPECT("%y", "%y");
	EXPECT("a%-5yb", "a%-5yb");
	EXPECT("%ly", "%ly");
	EXPECT("%n 7", "%n %d", 7);        /* %n is refused and consumes nothing */
	EXPECT("abc%", "abc%");
	EXPECT("abc%-05", "abc%-05");
	EXPECT("%l", "%l");
	EXPECT("x%.", "x%.");
}

TEST(truncation_and_return_value)
{
	char buf[16];

	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ_U64(format(buf, 6, "hello world"), 11);
	CHECK_STR(buf, "hello");
	CHECK(buf[6] == 'Z');               /* nothing past size */

	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ_U64(format(buf, 1, "abc"), 3);
	CHECK(buf[0] == '\0' && buf[1] == 'Z');

	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ_U64(format(buf, 0, "abc"), 3);
	CHECK(buf[0] == 'Z');
	CHECK_EQ_U64(format(NULL, 0, "%d-%s", 12345, "xyz"), 9);

	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ_U64(format(buf, 5, "%08x", 0xabc), 8);
	CHECK_STR(buf, "0000");

	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ_U64(format(buf, 4, "%lld", INT64_MIN), 20);
	CHECK_STR(buf, "-92");

	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ_U64(format(buf, 7, "%-10s|", "ab"), 11);
	CHECK_STR(buf, "ab    ");

	/* Exactly fitting: size = length + 1. */
	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ_U64(format(buf, 6, "%s", "hello"), 5);
	CHECK_STR(buf, "hello");
	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ_U64(format(buf, 5, "%s", "hello"), 5);
	CHECK_STR(buf, "hell");
}

TEST(huge_widths_are_clamped)
{
	char buf[8];
	CHECK_EQ_U64(format(buf, sizeof(buf), "%1000000d", 1), FORMAT_MAX_WIDTH);
	CHECK_STR(buf, "       ");
	CHECK_EQ_U64(format(buf, sizeof(buf), "%*d", INT32_MIN, 1), FORMAT_MAX_WIDTH);
	CHECK_STR(buf, "1      ");
	CHECK_EQ_U64(format(buf, sizeof(buf), "%.99999999d", 1), FORMAT_MAX_WIDTH);
	CHECK_STR(buf, "0000000");
	CHECK_EQ_U64(format(buf, sizeof(buf), "%99999999999999999999d", 1), FORMAT_MAX_WIDTH);
}

/* Calls vformat through a va_list, as kprintf does. */
static int via_vformat(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vformat(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

TEST(vformat_with_a_va_list)
{
	char buf[64];
	CHECK_EQ_U64(via_vformat(buf, sizeof(buf), "%s=%llx (%d)", "cr2", (uint64_t)0xdead000, -7), 16);
	CHECK_STR(buf, "cr2=dead000 (-7)");
}

/* ---- Comparison against the host's snprintf ---- */

/* The argument types a generated conversion takes. */
enum arg_kind { ARG_INT, ARG_I64 };

static int compared;

/* Formats v with fmt through both formatters and checks they agree exactly. */
static void compare_integer(const char *fmt, enum arg_kind kind, int64_t v)
{
	char mine[256], ref[256];
	int n_mine, n_ref;

	memset(mine, 0x5a, sizeof(mine));
	memset(ref, 0x5a, sizeof(ref));
	if (kind == ARG_INT) {
		n_mine = format(mine, sizeof(mine), fmt, (int)v);
		n_ref = snprintf(ref, sizeof(ref), fmt, (int)v);
	} else {
		n_mine = format(mine, sizeof(mine), fmt, v);
		n_ref = snprintf(ref, sizeof(ref), fmt, v);
	}
	compared++;
	if (n_mine == n_ref && strcmp(mine, ref) == 0) {
		unit_passed++;
		return;
	}
	unit_failed++;
	printf("FAIL %s: \"%s\" of %lld: mine \"%s\" (%d), host \"%s\" (%d)\n",
	       unit_current, fmt, (long long)v, mine, n_mine, ref, n_ref);
}

static const int64_t values[] = {
	0, 1, -1, 7, -7, 8, 42, -42, 255, 256, -128, 127, 32767, -32768, 65535, 65536,
	INT32_MAX, INT32_MIN, (int64_t)UINT32_MAX, (int64_t)UINT32_MAX + 1,
	INT64_MAX, INT64_MIN, (int64_t)0x123456789abcdef0ll, -(int64_t)0x123456789abcdefll,
	1000000007, -999999999999ll,
};

TEST(integers_match_host_snprintf)
{
	static const char *lengths[] = { "", "hh", "h", "l", "ll", "z", "j", "t" };
	static const char convs[] = "diuxXo";
	static const char *widths[] = { "", "1", "5", "12", "25" };
	static const char *precisions[] = { "", ".", ".0", ".1", ".3", ".12", ".24" };
	static const char flag_chars[] = "-0+ #";

	for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++)
	for (const char *c = convs; *c; c++)
	for (unsigned flags = 0; flags < 32; flags++)
	for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
	for (size_t p = 0; p < sizeof(precisions) / sizeof(precisions[0]); p++) {
		bool is_signed = *c == 'd' || *c == 'i';
		if (is_signed && (flags & 16))
			continue;                /* '#' with d/i is undefined in C */
		char fmt[32];
		size_t n = 0;
		fmt[n++] = '[';
		fmt[n++] = '%';
		for (int f = 0; f < 5; f++)
			if (flags & (1u << f))
				fmt[n++] = flag_chars[f];
		n += (size_t)sprintf(fmt + n, "%s%s%s%c]", widths[w], precisions[p], lengths[l], *c);
		enum arg_kind kind = lengths[l][0] == 'l' || lengths[l][0] == 'z' ||
				     lengths[l][0] == 'j' || lengths[l][0] == 't' ? ARG_I64 : ARG_INT;
		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
			compare_integer(fmt, kind, values[v]);
	}
	CHECK(compared > 100000);
}

TEST(strings_and_chars_match_host_snprintf)
{
	static const char *strings[] = { "", "a", "faultline", "with space", "\xc3\xa9t\xc3\xa9" };
	static const char *widths[] = { "", "1", "4", "12" };
	static const char *precisions[] = { "", ".", ".0", ".2", ".9", ".20" };

	for (int left = 0; left < 2; left++)
	for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
		for (size_t p = 0; p < sizeof(precisions) / sizeof(precisions[0]); p++)
		for (size_t s = 0; s < sizeof(strings) / sizeof(strings[0]); s++) {
			char fmt[32], mine[64], ref[64];
			sprintf(fmt, "<%%%s%s%ss>", left ? "-" : "", widths[w], precisions[p]);
			int a = format(mine, sizeof(mine), fmt, strings[s]);
			int b = snprintf(ref, sizeof(ref), fmt, strings[s]);
			CHECK(a == b);
			CHECK_STR(mine, ref);
		}
		for (int ch = 1; ch < 256; ch += 17) {
			char fmt[32], mine[64], ref[64];
			sprintf(fmt, "<%%%s%sc>", left ? "-" : "", widths[w]);
			int a = format(mine, sizeof(mine), fmt, ch);
			int b = snprintf(ref, sizeof(ref), fmt, ch);
			CHECK(a == b);
			CHECK_STR(mine, ref);
		}
	}
	/* A NUL character is output (and counted) like any other byte. */
	char mine[8], ref[8];
	int a = format(mine, sizeof(mine), "a%cb", 0);
	int b = snprintf(ref, sizeof(ref), "a%cb", 0);
	CHECK(a == 3 && b == 3);
	CHECK(memcmp(mine, ref, 4) == 0);
}

TEST(truncation_matches_host_snprintf_at_every_size)
{
	static const struct { const char *fmt; int64_t v; const char *s; } cases[] = {
		{ "%lld items in %s", INT64_MIN, "the frame allocator" },
		{ "[%-20llx] %s", 0xfeedfacell, "" },
		{ "%#018llx is %s!", 0x1000, "cr3" },
		{ "%+.30lld|%s", 99, "z" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char full[128];
		int len = snprintf(full, sizeof(full), cases[c].fmt, cases[c].v, cases[c].s);
		for (size_t size = 0; size <= (size_t)len + 2; size++) {
			char mine[128], ref[128];
			memset(mine, 0x77, sizeof(mine));
			memset(ref, 0x77, sizeof(ref));
			int a = format(mine, size, cases[c].fmt, cases[c].v, cases[c].s);
			int b = snprintf(ref, size, cases[c].fmt, cases[c].v, cases[c].s);
			CHECK(a == b);
			CHECK(memcmp(mine, ref, sizeof(mine)) == 0);  /* same bytes, nothing past size */
		}
	}
}

UNIT_MAIN(
	UNIT(plain_text_and_percent),
	UNIT(signed_decimal),
	UNIT(short_and_char_lengths_truncate),
	UNIT(unsigned_hex_octal),
	UNIT(width_precision_flags),
	UNIT(star_width_and_precision),
	UNIT(strings_and_chars),
	UNIT(precision_never_reads_past_the_string),
	UNIT(pointers),
	UNIT(unknown_and_cut_conversions_are_copied),
	UNIT(truncation_and_return_value),
	UNIT(huge_widths_are_clamped),
	UNIT(vformat_with_a_va_list),
	UNIT(integers_match_host_snprintf),
	UNIT(strings_and_chars_match_host_snprintf),
	UNIT(truncation_matches_host_snprintf_at_every_size),
)
