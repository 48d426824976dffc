/*
 * The benchmark on screen: what the `bench` records of the ring-3
 * workloads (docs/bench.md) say, for a person at the machine. After each
 * program, one chart per fault class it measured: count, p50 and p99 in
 * cycles and ns, and its log2 histogram as a labelled bar chart. After all
 * programs, the summary: a table with one row per workload and class, each
 * with a small bar chart on a common bucket axis. Serial gets the same as
 * text (histogram bars of '#', strips of ".:-=+*#%@"); the records
 * themselves stay as the programs wrote them.
 */
#ifndef FAULTLINE_BENCH_SCREEN_H
#define FAULTLINE_BENCH_SCREEN_H

#include "kernel/bench_result.h"

#define BENCH_SCREEN_MAX_RESULTS 48     /* more are left out of the summary, with a note */

/* Keeps a bench record a program printed (kernel/user_records.c). */
void bench_screen_add(const struct bench_result *r);

/* After a program: the charts of the records it printed, if any. */
void bench_screen_program_end(void);

/* The bench records kept so far, in the order they came (at most
 * BENCH_SCREEN_MAX_RESULTS): *out points at them; returns how many. */
uint32_t bench_screen_results(const struct bench_result **out);

/* After all programs: the summary table, if any program printed records. */
void bench_screen_summary(void);

#endif
