/*
 * The conformance matrix's verdict on one case (checks/matrix.h): what the
 * CPU did, compared with what the model says, and both put in words for the
 * mismatch records. Pure: no hardware, host-tested.
 */
#ifndef FAULTLINE_CHECKS_MATRIX_VERDICT_H
#define FAULTLINE_CHECKS_MATRIX_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/access_model.h"

#define MATRIX_NO_EXCEPTION ((uint64_t)-1)   /* same value as PROBE_NO_FAULT */
#define MATRIX_VECTOR_PF    14

/* What the CPU did on one case. */
struct matrix_observed {
	uint64_t vector;                        /* MATRIX_NO_EXCEPTION, or the exception's vector */
	uint64_t error_code;                    /* of the exception */
	uint64_t cr2;                           /* for #PF */
	uint64_t entry[PG_LEVEL_256T + 1];      /* the walk's entries afterwards, by level */
};

/* What differs (matrix_compare's result, a bit set). */
#define MATRIX_DIFF_FAULT       (1u << 0)   /* fault where none was due, none where one was, another vector, or CR2 wrong */
#define MATRIX_DIFF_ERROR_CODE  (1u << 1)   /* a #PF as due, with another error code */
#define MATRIX_DIFF_ACCESSED    (1u << 2)   /* an A flag the model defines is otherwise */
#define MATRIX_DIFF_DIRTY       (1u << 3)   /* the leaf's D is otherwise */

/*
 * Compares what the CPU did on case c at address va with the model's outcome
 * o. A and D are compared where o says AD_SET or AD_CLEAR (AD_UNDEFINED
 * accepts both). Returns 0 when they agree, else MATRIX_DIFF_* bits; the
 * lowest level whose A differs goes to *a_level (0 if none).
 */
unsigned matrix_compare(const struct access_case *c, const struct access_outcome *o, uint64_t va,
			const struct matrix_observed *obs, int *a_level);

/*
 * Known ways a mismatch can look, so the records can say which rule an
 * emulator or CPU bends (matrix_classify's result, a bit per kind). Naming
 * a kind does not excuse it: a classified mismatch is still a mismatch.
 */
enum matrix_mismatch_kind {
	MISMATCH_RSVD_WITHOUT_P,        /* reserved-bit #PF whose error code lacks P (RSVD implies P) */
	MISMATCH_A_ON_ENDING_ENTRY,     /* A set in the entry that ended the walk (not used for a translation) */
	MISMATCH_OTHER,                 /* anything else */
	MISMATCH_KIND_NR
};

/*
 * Which kinds explain the differences diff (from matrix_compare) of case c:
 * a bit (1 << enum matrix_mismatch_kind) per kind, MISMATCH_OTHER whenever
 * some difference fits no named kind. 0 when diff is 0.
 */
unsigned matrix_classify(const struct access_case *c, const struct access_outcome *o,
			 const struct matrix_observed *obs, unsigned diff);

/* Short name of a kind ("rsvd-without-P", ...); "?" if out of range. */
const char *matrix_mismatch_kind_name(unsigned kind);

/*
 * The case in words, e.g. "4-level, 2M leaf, CPL3 write; PML4E P RW US,
 * PDPTE P US, PDE P RW US XD key 1; bit 51 set in PDPTE; WP=1 NXE=1 SMEP=0
 * SMAP=1 AC=0 PKE=1 PKRU=0x4". Always NUL-terminates (size > 0); returns the
 * length the full text would have.
 */
size_t matrix_describe_case(const struct access_case *c, char *buf, size_t size);

/* A #PF error code in words: "0x15 (P, U, I/D)", "0x4 (not present, U)". As above for buf. */
size_t matrix_describe_error_code(uint64_t ec, char *buf, size_t size);

/*
 * An outcome in words: "no fault", "#PF 0x7 (P, W, U)", "vector 13 error 0x0",
 * "#PF ... at CR2 0x..." when CR2 is not va. As above for buf.
 */
size_t matrix_describe_observed(const struct matrix_observed *obs, uint64_t va, char *buf, size_t size);
size_t matrix_describe_expected(const struct access_outcome *o, char *buf, size_t size);

/* Short name of an entry level: "PTE", "PDE", "PDPTE", "PML4E", "PML5E"; "?" otherwise. */
const char *matrix_level_name(int level);

#endif
