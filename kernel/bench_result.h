/*
 * A benchmark program's `bench` record (docs/bench.md) as the kernel reads
 * it from the program's output, for the summary on screen
 * (kernel/bench_screen.c). Pure (host-tested).
 */
#ifndef FAULTLINE_BENCH_RESULT_H
#define FAULTLINE_BENCH_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "paging/fault_stats.h"

#define BENCH_RESULT_BUCKETS FAULT_HIST_BUCKETS

struct bench_result {
	char workload[32];
	char cls[24];                            /* the fault class, or "no-fault" */
	uint64_t count, p50, p99;                /* samples; TSC cycles */
	uint64_t hist[BENCH_RESULT_BUCKETS];     /* log2 buckets: b counts [2^b, 2^(b+1)) */
	uint32_t hist_used;                      /* buckets the record listed */
};

/*
 * Reads line[0..n) into *out if it is a well-formed bench record with a
 * workload, class, count, p50, p99, unit "tsc" and a hist_log2 of at most
 * BENCH_RESULT_BUCKETS counts. Returns false (and *out is undefined) for
 * anything else: other records, text, broken or partial lines. Control
 * characters in workload and class become '?': the kernel prints them on
 * serial as text, where a program's "\n{...}" would otherwise start a line
 * that looks like a record.
 */
bool bench_result_parse(const char *line, size_t n, struct bench_result *out);

#endif
