/*
 * A tiny host unit-test harness. Each test file defines tests with TEST(name)
 * and lists them in a UNIT_MAIN(...) table; the runner prints one line per
 * failed check and closes with "N passed, N failed" (N = checks).
 */
#ifndef FAULTLINE_UNIT_H
#define FAULTLINE_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed;
static const char *unit_current;

#define CHECK(cond) do { \
	if (cond) unit_passed++; \
	else { unit_failed++; printf("FAIL %s:%d %s: %s\n", __FILE__, __LINE__, unit_current, #cond); } \
} while (0)

#define CHECK_EQ_U64(a, b) do { \
	unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b); \
	if (_a == _b) unit_passed++; \
	else { unit_failed++; printf("FAIL %s:%d %s: %s == %s (0x%llx != 0x%llx)\n", \
		__FILE__, __LINE__, unit_current, #a, #b, _a, _b); } \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *_a = (a), *_b = (b); \
	if (_a && _b && strcmp(_a, _b) == 0) unit_passed++; \
	else { unit_failed++; printf("FAIL %s:%d %s: %s == %s (\"%s\" != \"%s\")\n", \
		__FILE__, __LINE__, unit_current, #a, #b, _a ? _a : "(null)", _b ? _b : "(null)"); } \
} while (0)

#define TEST(name) static void name(void)

struct unit_test { void (*fn)(void); const char *name; };

#define UNIT_MAIN(...) \
int main(void) { \
	static const struct unit_test tests[] = { __VA_ARGS__ }; \
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) { \
		unit_current = tests[i].name; tests[i].fn(); \
	} \
	printf("%s: %d passed, %d failed\n", __FILE__, unit_passed, unit_failed); \
	return unit_failed ? 1 : 0; \
}
#define UNIT(fn) { fn, #fn }

#endif
