/*
 * Bring-up checks on every core (docs/checks.md, "Every core"),
 * run from the boot CPU once the others are up (kernel/smpboot.h):
 *
 * (record names "smp.NAME"; the targeted checks keep theirs, with the CPU in "cpu")
 *
 *   ipi                   a fixed-vector IPI to each CPU, then one to all but
 *                         self (the APIC shorthand): each CPU counts both
 *   call_function         smp_call_function_single on each CPU, and _many on
 *                         all: each ran the function itself (its own CPU
 *                         number and APIC id)
 *   tsc_sync              per CPU: the TSC offset from the boot CPU's, bounded
 *                         by a ping-pong over one shared cache line
 *   the targeted checks   checks/checks.h's run_checks on each CPU in turn
 *                         (smp_call_function_single), records with its "cpu"
 *   matrix_sample         a sample of the conformance matrix on each CPU in
 *                         turn, compared with the model and the boot CPU
 *                         (checks/matrix_sample.h)
 *   tlb_invlpg_local,     per CPU B against the boot CPU A, on a test address
 *   tlb_shootdown,        space of their own that both load (kernel mode, no
 *   tlb_ad_cross_cpu,     user process): the TLB coherence checks
 *   tlb_global_cr3_reload
 *
 *   cleanup               free frames as before, the shootdown counts
 *
 * then one table on the screen: a row per check, a column per CPU.
 * With one CPU online there is nothing to run (no records).
 */
#ifndef FAULTLINE_CHECK_SMP_H
#define FAULTLINE_CHECK_SMP_H

#include "lib/config.h"

/* Starts collecting every check record's result per CPU for the per-core
 * table (call before the first check). */
void smp_checks_observe(void);

/*
 * Runs the checks above for level (CHECKS_NONE: nothing; the table is still
 * drawn if anything was collected). Must run on the boot CPU with
 * interrupts off, on the kernel's tables, with no program running.
 * Everything it maps, loads or allocates is undone before it returns.
 */
void run_smp_checks(enum config_checks level);

/* The TSC check's limit: a skew the ping-pong proves to be larger fails. */
#define TSC_SKEW_LIMIT_CYCLES 100

#endif
