/*
 * Inside the conformance matrix (checks/matrix.h): one CPU's share of a
 * run, and the engine both the run (checks/matrix.c, on one CPU or split
 * over all of them) and the per-core sample (checks/matrix_sample.c) drive.
 * Not for use outside checks/.
 *
 * A struct matrix_run belongs to one CPU for the length of a run: its own
 * scratch address space (checks/matrix_space.h: roots, walk tables, data,
 * code and stack frames; only the XD-free kernel half may be shared, and
 * nobody writes that while cases run), its counts, and the first mismatches
 * it saw, kept for the boot CPU to write as records afterwards. The CPU
 * writes nothing but its own run, and only its own space's tables: no other
 * CPU ever loads that space's roots, so no change it makes needs a TLB
 * shootdown. Records are only written by the boot CPU, after the cases.
 */
#ifndef FAULTLINE_CHECKS_MATRIX_RUN_H
#define FAULTLINE_CHECKS_MATRIX_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "checks/access_model.h"
#include "checks/matrix_slice.h"
#include "checks/matrix_space.h"
#include "checks/matrix_verdict.h"

/* Mismatch records written at most: in all, and per combination of kinds (matrix_classify). */
#define MATRIX_MISMATCH_RECORDS      12
#define MATRIX_MISMATCH_PER_KINDS    3

/* Why a case of the space cannot run on this CPU (matrix_narrow_to_cpu). */
enum matrix_skip {
	SKIP_PDPE1GB,           /* 1 GiB leaf, CPU without pdpe1gb */
	SKIP_SMEP,
	SKIP_SMAP,
	SKIP_PKU,
	SKIP_NX,                /* NXE = 1, CPU without NX */
	SKIP_NONX_COPY,         /* NXE = 0, no memory for the XD-free kernel copy */
	SKIP_NR
};

/* One check group: a leaf size at one CPL. */
struct matrix_group {
	uint64_t runnable;              /* the space's cases this CPU can do (after narrowing) */
	uint64_t ran, mismatches;
	uint64_t skipped[SKIP_NR];      /* the space's cases this CPU cannot do, by the first reason */
	uint64_t kinds[MISMATCH_KIND_NR];       /* mismatches of each kind (one may have several) */
	uint64_t other_mode;            /* the space's cases of the other paging mode: not runnable */
	uint64_t failing;               /* mismatches not explained by a known deviation of this machine */
};

/* A mismatch kept for its check_mismatch record. */
struct matrix_pending {
	struct access_case c;
	struct access_outcome o;
	struct matrix_observed obs;
	uint64_t va;
	unsigned diff, kinds;
	int a_level;
};

/* What every CPU's share of one run reads (never written while cases run). */
struct matrix_plan {
	struct access_space space;      /* narrowed to the CPU and the paging mode */
	uint64_t stride;                /* 1 case in stride */
	uint32_t slices;                /* how many CPUs share the run */
	unsigned known_deviations;      /* mismatch kinds (bits) this machine is known to get wrong */
};

/* One CPU's share of a run. */
struct matrix_run {
	const struct matrix_plan *plan;
	struct matrix_slice slice;      /* its cases (checks/matrix_slice.h) */
	uint32_t cpu;                   /* the CPU that runs it */
	bool progress;                  /* it drives the progress bar (the boot CPU's share) */
	struct matrix_space space;
	struct matrix_group groups[PG_LEVEL_1G + 1][2];   /* [leaf level][CPL 3] */
	struct matrix_pending pending[MATRIX_MISMATCH_RECORDS];
	uint32_t npending;
	uint32_t pending_per_kinds[1u << MISMATCH_KIND_NR];
	struct matrix_observed last;    /* what the CPU did on the last case judged, at last_va */
	uint64_t last_va;
	volatile uint64_t ran;          /* cases run so far (the boot CPU reads it for progress) */
	uint64_t busy_cycles;           /* TSC cycles from its first case to its last */
	bool state_ok;                  /* its CPU's controls were as before when it finished */
	volatile uint32_t done;         /* 1 once it finished (release: everything above is written) */
	/* The kernel's state on its CPU, put back after every case. */
	uint64_t cr0, cr3, cr4, efer, rflags;
	uint32_t pkru;
	bool have_pku;
};

/* The mismatch kinds (bits) this machine is known to get wrong: QEMU TCG's two (docs/checks.md). */
unsigned matrix_known_deviations(void);

/*
 * Narrows *space to the cases this CPU can run (no 1 GiB leaves without
 * pdpe1gb, SMEP/SMAP/PKE fixed at 0 without the feature, NXE fixed without
 * NX or without the XD-free kernel copy: have_nonx_copy). With groups, what
 * each step takes away is counted per group into skipped[reason] (a case
 * ruled out for several reasons under the first) and the rest into runnable.
 */
void matrix_narrow_to_cpu(struct access_space *space, bool have_nonx_copy, bool have_pku,
			  struct matrix_group groups[PG_LEVEL_1G + 1][2]);

/* Records this CPU's CR0, CR3, CR4, EFER, RFLAGS and (with PKU) PKRU in m. */
void matrix_save_kernel_state(struct matrix_run *m);

/* Whether this CPU's controls are m's saved ones again. */
bool matrix_kernel_state_restored(const struct matrix_run *m);

/*
 * Runs case c at va on this CPU in m's space with the case's controls,
 * fills *obs, and puts the kernel's state back. Interrupts off.
 */
void matrix_run_case(struct matrix_run *m, const struct access_case *c, uint64_t va,
		     struct matrix_observed *obs);

/*
 * The enumerator's callback (ctx: a struct matrix_run): runs c, compares it
 * with the model's outcome o, counts it in its group and keeps the first
 * mismatches (MATRIX_MISMATCH_RECORDS, MATRIX_MISMATCH_PER_KINDS per kinds)
 * in m->pending. Writes no record.
 */
void matrix_judge_case(void *ctx, const struct access_case *c, const struct access_outcome *o);

/* Writes p's check_mismatch record, "group" group, "cpu" the CPU that saw it. */
void matrix_report_mismatch(const struct matrix_pending *p, const char *group, uint32_t cpu);

/* The group name of a case: "matrix.4k.cpl3". */
void matrix_group_name(const struct access_case *c, char *buf, uint32_t size);

/* The smallest prime >= n (n >= 1; 1 stays 1). */
uint64_t matrix_prime_at_least(uint64_t n);

#endif
