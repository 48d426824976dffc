/*
 * What a self-check found, in words: how many invariants were broken and the
 * first of them, formatted once. One small shape for every check that walks
 * a structure (vma_check, buddy_check, kmem_cache_check, ...), so a failing
 * check record names what broke instead of a bare count.
 */
#ifndef FAULTLINE_CHECK_RESULT_H
#define FAULTLINE_CHECK_RESULT_H

#include <stdint.h>

#define CHECK_RESULT_TEXT 160

struct check_result {
	uint64_t problems;                 /* broken invariants seen (0: sound) */
	char first[CHECK_RESULT_TEXT];     /* the first of them, "" while none */
};

/* Empties r: no problems, no text. */
void check_result_init(struct check_result *r);

/*
 * Counts one broken invariant in r; the first one's words (printf-style, as
 * base/format.h) are kept in r->first, later ones only counted. r may be
 * NULL (nothing is recorded then).
 */
void check_problem(struct check_result *r, const char *fmt, ...);

#endif
