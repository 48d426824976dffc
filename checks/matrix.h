/*
 * The paging conformance matrix: every case of a space of the reference
 * model (checks/access_model.h) done for real on the CPU -- the walk built
 * entry by entry in a scratch root, the controls (CR0.WP, EFER.NXE,
 * CR4.SMEP/SMAP/PKE, RFLAGS.AC, PKRU) set as the case says, the access made
 * from ring 0 or ring 3 through the probes of checks/probe.h -- and the
 * outcome (fault or not, the exact #PF error code, A and D of every entry of
 * the walk) compared with the model's.
 *
 * Records (docs/checks.md, "Conformance matrix"): one
 * {"type":"check","name":"matrix.<leaf>.cpl<n>",...} per leaf size and CPL
 * with the number of combinations run, mismatched and skipped (and why), a
 * {"type":"check_mismatch",...} in words for the first few mismatches, and a
 * final "matrix.cleanup" check that everything was put back.
 */
#ifndef FAULTLINE_CHECKS_MATRIX_H
#define FAULTLINE_CHECKS_MATRIX_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/config.h"

/*
 * CHECKS_NONE: nothing. CHECKS_DEFAULT: about MATRIX_DEFAULT_CASES cases,
 * every k-th (k prime, so the sample meets every inner combination) of the
 * default space's cases this CPU can run in the current paging mode
 * (checks/access_model.h: access_space_default). CHECKS_FULL: every case of
 * the full space (access_space_full: also A, D, RFLAGS.AC, keys 0, 1, 15)
 * this CPU can run. sample > 0 overrides the stride: 1 case in sample (made
 * prime), 1 = all (config matrix_sample).
 *
 * With parallel, the cases are split over every online CPU with the boot
 * CPU's features (checks/matrix_slice.h), all running at once, each in its
 * own scratch space; the records are those of a run on one CPU (the counts
 * the same), plus {"type":"check","name":"matrix.parallel",...} and
 * {"type":"matrix_parallel",...} with the speed-up (docs/records.md). With
 * one CPU online, or without parallel, it runs on this CPU alone.
 *
 * Must run on the boot CPU with interrupts off, on init_top_pgt (the root
 * of the running mode, paging/mode_switch.h), with no program running, the
 * other CPUs (if any) idle; CR0, CR3, CR4, EFER, PKRU and RFLAGS.AC are as
 * before when it returns on every CPU, and every frame it took is given
 * back (unless a CPU stopped in its share: then its space is left to it,
 * and matrix.cleanup fails). Cannot fail as a whole: problems are fail
 * records.
 */
void run_access_matrix(enum config_checks level, uint32_t sample, bool parallel);

/* How many cases CHECKS_DEFAULT aims at (about 2-3 s under QEMU TCG). */
#define MATRIX_DEFAULT_CASES 24000

#endif
