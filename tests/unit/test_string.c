/*
 * Host tests for base/string.c.
 *
 * The file is included twice under renamed function names so it cannot
 * clash with the host's libc: once with HOST_TEST (plain C loops, which
 * AddressSanitizer watches) as loop_*, and once without it (the kernel's
 * `rep movsq`+`rep movsb` / `rep stosq`+`rep stosb` versions; the host is
 * x86-64 too) as rep_*.
 * Both are checked against the host's libc on the same inputs.
 */
#include <stdint.h>
#include <stdlib.h>
#include "tests/unit/unit.h"

#define memset  loop_memset
#define memcpy  loop_memcpy
#define memmove loop_memmove
#define memcmp  loop_memcmp
#define strlen  loop_strlen
#define strnlen loop_strnlen
#define strcmp  loop_strcmp
#define strncmp loop_strncmp
#define strlcpy loop_strlcpy
#define clear_page loop_clear_page
#define copy_page  loop_copy_page
#include "../../base/string.c"
#undef clear_page
#undef copy_page
#undef memset
#undef memcpy
#undef memmove
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strlcpy

#ifdef HOST_TEST
#undef HOST_TEST
#define HOST_TEST_WAS_DEFINED
#endif
#undef FAULTLINE_STRING_H
#define memset  rep_memset
#define memcpy  rep_memcpy
#define memmove rep_memmove
#define memcmp  rep_memcmp
#define strlen  rep_strlen
#define strnlen rep_strnlen
#define strcmp  rep_strcmp
#define strncmp rep_strncmp
#define strlcpy rep_strlcpy
#define clear_page rep_clear_page
#define copy_page  rep_copy_page
#include "../../base/string.c"
#undef clear_page
#undef copy_page
#undef memset
#undef memcpy
#undef memmove
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strlcpy
#ifdef HOST_TEST_WAS_DEFINED
#define HOST_TEST 1
#endif

/* One implementation of the whole API, to run every test on both. */
struct impl {
	const char *name;
	void *(*set)(void *, int, size_t);
	void *(*cpy)(void *, const void *, size_t);
	void *(*move)(void *, const void *, size_t);
	int (*cmp)(const void *, const void *, size_t);
	size_t (*len)(const char *);
	size_t (*nlen)(const char *, size_t);
	int (*scmp)(const char *, const char *);
	int (*sncmp)(const char *, const char *, size_t);
	size_t (*lcpy)(char *, const char *, size_t);
};

static const struct impl impls[] = {
	{ "loop", loop_memset, loop_memcpy, loop_memmove, loop_memcmp, loop_strlen,
	  loop_strnlen, loop_strcmp, loop_strncmp, loop_strlcpy },
	{ "rep", rep_memset, rep_memcpy, rep_memmove, rep_memcmp, rep_strlen,
	  rep_strnlen, rep_strcmp, rep_strncmp, rep_strlcpy },
};
#define NIMPL (sizeof(impls) / sizeof(impls[0]))

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* Fills p with a recognisable pattern that differs per seed. */
static void pattern(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + seed * 13 + 1);
}

TEST(memset_fills_exactly_n_bytes)
{
	for (size_t k = 0; k < NIMPL; k++) {
		unsigned char buf[80];
		for (size_t off = 0; off < 8; off++)
			for (size_t n = 0; n < 64; n++) {
				memset(buf, 0xaa, sizeof(buf));
				void *r = impls[k].set(buf + off, 0x1234, n);  /* only the low byte counts */
				CHECK(r == buf + off);
				int ok = 1;
				for (size_t i = 0; i < sizeof(buf); i++) {
					unsigned char want = (i >= off && i < off + n) ? 0x34 : 0xaa;
					ok &= buf[i] == want;
				}
				CHECK(ok);
			}
	}
}

TEST(memcpy_copies_exactly_n_bytes)
{
	for (size_t k = 0; k < NIMPL; k++) {
		unsigned char src[80], dst[80];
		pattern(src, sizeof(src), 1);
		for (size_t so = 0; so < 8; so++)
			for (size_t d_o = 0; d_o < 8; d_o++)
				for (size_t n = 0; n <= 64; n += 3) {
					memset(dst, 0x55, sizeof(dst));
					CHECK(impls[k].cpy(dst + d_o, src + so, n) == dst + d_o);
					CHECK(memcmp(dst + d_o, src + so, n) == 0);
					int untouched = 1;
					for (size_t i = 0; i < sizeof(dst); i++)
						if (i < d_o || i >= d_o + n)
							untouched &= dst[i] == 0x55;
					CHECK(untouched);
				}
	}
}

TEST(memmove_handles_every_overlap)
{
	for (size_t k = 0; k < NIMPL; k++) {
		for (size_t src_off = 0; src_off < 24; src_off++)
			for (size_t dst_off = 0; dst_off < 24; dst_off++)
				for (size_t n = 0; n <= 40; n += 5) {
					unsigned char mine[64], ref[64];
					pattern(mine, sizeof(mine), 2);
					pattern(ref, sizeof(ref), 2);
					CHECK(impls[k].move(mine + dst_off, mine + src_off, n) == mine + dst_off);
					memmove(ref + dst_off, ref + src_off, n);
					CHECK(memcmp(mine, ref, sizeof(mine)) == 0);
				}
	}
}

TEST(memcmp_is_unsigned_and_bounded)
{
	for (size_t k = 0; k < NIMPL; k++) {
		CHECK(impls[k].cmp("abc", "abd", 3) < 0);
		CHECK(impls[k].cmp("abd", "abc", 3) > 0);
		CHECK(impls[k].cmp("abc", "abd", 2) == 0);
		CHECK(impls[k].cmp("x", "y", 0) == 0);
		CHECK(impls[k].cmp("\x80", "\x7f", 1) > 0);  /* bytes compare as unsigned */
		CHECK(impls[k].cmp("a\0b", "a\0c", 3) < 0);   /* NUL does not stop memcmp */
		unsigned char a[32], b[32];
		for (int i = 0; i < 32; i++) {
			pattern(a, 32, 3);
			pattern(b, 32, 3);
			b[i] ^= 0x81;
			CHECK(sign(impls[k].cmp(a, b, 32)) == sign(memcmp(a, b, 32)));
			CHECK(impls[k].cmp(a, b, (size_t)i) == 0);
		}
	}
}

TEST(strlen_and_strnlen)
{
	for (size_t k = 0; k < NIMPL; k++) {
		CHECK_EQ_U64(impls[k].len(""), 0);
		CHECK_EQ_U64(impls[k].len("faultline"), 9);
		CHECK_EQ_U64(impls[k].len("a\0bc"), 1);
		CHECK_EQ_U64(impls[k].nlen("faultline", 4), 4);
		CHECK_EQ_U64(impls[k].nlen("faultline", 9), 9);
		CHECK_EQ_U64(impls[k].nlen("faultline", 100), 9);
		CHECK_EQ_U64(impls[k].nlen("", 0), 0);
		/* strnlen must not read past max: an unterminated heap buffer (ASan watches). */
		char *raw = malloc(5);
		memcpy(raw, "abcde", 5);
		CHECK_EQ_U64(impls[k].nlen(raw, 5), 5);
		CHECK_EQ_U64(impls[k].nlen(raw, 3), 3);
		free(raw);
	}
}

TEST(strcmp_and_strncmp)
{
	static const char *words[] = { "", "a", "ab", "abc", "abd", "b", "\x80", "\x7f", "A" };
	const size_t nw = sizeof(words) / sizeof(words[0]);
	for (size_t k = 0; k < NIMPL; k++) {
		for (size_t i = 0; i < nw; i++)
			for (size_t j = 0; j < nw; j++) {
				CHECK(sign(impls[k].scmp(words[i], words[j])) == sign(strcmp(words[i], words[j])));
				for (size_t n = 0; n < 5; n++)
					CHECK(sign(impls[k].sncmp(words[i], words[j], n)) ==
					      sign(strncmp(words[i], words[j], n)));
			}
		CHECK(impls[k].sncmp("abcX", "abcY", 3) == 0);
		CHECK(impls[k].sncmp("ab", "abc", 100) < 0);
		CHECK(impls[k].scmp("\xff", "a") > 0);
	}
}

TEST(strlcpy_cuts_and_terminates)
{
	for (size_t k = 0; k < NIMPL; k++) {
		char buf[8];
		memset(buf, 'z', sizeof(buf));
		CHECK_EQ_U64(impls[k].lcpy(buf, "hello", sizeof(buf)), 5);
		CHECK_STR(buf, "hello");

		memset(buf, 'z', sizeof(buf));
		CHECK_EQ_U64(impls[k].lcpy(buf, "faultline!", sizeof(buf)), 10);
		CHECK_STR(buf, "faultli");

		memset(buf, 'z', sizeof(buf));
		CHECK_EQ_U64(impls[k].lcpy(buf, "1234567", sizeof(buf)), 7);  /* exactly fits */
		CHECK_STR(buf, "1234567");

		memset(buf, 'z', sizeof(buf));
		CHECK_EQ_U64(impls[k].lcpy(buf, "abc", 1), 3);
		CHECK(buf[0] == '\0' && buf[1] == 'z');

		memset(buf, 'z', sizeof(buf));
		CHECK_EQ_U64(impls[k].lcpy(buf, "abc", 0), 3);   /* size 0: nothing written */
		CHECK(buf[0] == 'z');

		CHECK_EQ_U64(impls[k].lcpy(buf, "", sizeof(buf)), 0);
		CHECK_STR(buf, "");
	}
}

TEST(clear_and_copy_page)
{
	static uint64_t a[512] __attribute__((aligned(4096))), b[512] __attribute__((aligned(4096)));
	for (int i = 0; i < 512; i++)
		a[i] = 0x0123456789abcdefull * (uint64_t)(i + 1);
	memset(b, 0xaa, sizeof(b));
	rep_copy_page(b, a);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
	rep_clear_page(b);
	int nonzero = 0;
	for (int i = 0; i < 512; i++)
		nonzero += b[i] != 0;
	CHECK(nonzero == 0);
	loop_copy_page(b, a);
	CHECK(memcmp(a, b, sizeof(a)) == 0);
	loop_clear_page(a);
	CHECK(a[0] == 0 && a[511] == 0);
}

UNIT_MAIN(
	UNIT(clear_and_copy_page),
	UNIT(memset_fills_exactly_n_bytes),
	UNIT(memcpy_copies_exactly_n_bytes),
	UNIT(memmove_handles_every_overlap),
	UNIT(memcmp_is_unsigned_and_bounded),
	UNIT(strlen_and_strnlen),
	UNIT(strcmp_and_strncmp),
	UNIT(strlcpy_cuts_and_terminates),
)
