/*
 * The conformance matrix's sample on every CPU ("Bring-up checks
 * on every core"; docs/checks.md, "Every core"): a fixed sample of the
 * default space -- every k-th case, k the smallest prime >= the cases this
 * CPU can do / MATRIX_SAMPLE_CASES, so it meets every combination of the
 * inner loops (CPL, access, controls, PKRU pair) and reaches every leaf
 * size, level and perturbation -- run on each online CPU in turn, the boot
 * CPU first, in one scratch space. Each case's outcome is compared with the
 * model (as the matrix does) and with what the boot CPU did on it (the
 * exception, its error code, CR2 and the A/D bits of the walk).
 *
 * Records: one {"type":"check","name":"smp.matrix_sample","cpu":N,...} per CPU
 * (the per-core table's row): pass when every case agrees with the model
 * (or differs only by a known deviation of this machine, as in the matrix)
 * and with the boot CPU; fail naming the first case that differs and how;
 * plus up to 3 check_mismatch records per CPU ("group":"smp.matrix_sample")
 * for mismatches with the model that are not known deviations.
 */
#ifndef FAULTLINE_CHECKS_MATRIX_SAMPLE_H
#define FAULTLINE_CHECKS_MATRIX_SAMPLE_H

#include <stdbool.h>
#include "lib/config.h"

/* Cases in the sample, about (fewer when the CPU can do fewer). */
#define MATRIX_SAMPLE_CASES 512

/*
 * Runs the sample on every online CPU for level (CHECKS_NONE: nothing;
 * default and full run the same sample). Must run on the boot CPU with
 * interrupts off, on the kernel's tables, no program running, the other
 * CPUs idle. Everything it maps or allocates is given back (the check
 * "smp.matrix_sample" of the boot CPU says if not). Cannot fail as a whole.
 */
void run_matrix_sample_on_cpus(enum config_checks level);

/*
 * Test hook (config `test = matrix_sample_skew`): with on, CPU 1's sample
 * reports one case's error code with W flipped, as a CPU that disagrees
 * with the boot CPU would: its smp.matrix_sample check must fail naming the
 * case and the CPU (tests/qemu/smp.py). Off by default.
 */
void matrix_sample_test_skew(bool on);

#endif
