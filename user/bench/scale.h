/*
 * Fault throughput on many CPUs, in the manner of will-it-scale
 * (docs/bench.md, "Many CPUs"): a workload's loop (map a region, write
 * every page, unmap, again) runs in k tasks at once, k = 1..N, each pinned
 * to its own CPU, for a fixed time; the faults all tasks took in that time
 * give faults per second, in total and per task. Threads mode runs the tasks
 * in one process (one mm: what Linux 6.1 serialises on mmap_lock), processes
 * mode as forked processes (an mm each).
 *
 * Per point the program writes one `bench_scale` record (throughput) and one
 * `bench` record of task 0's own faults, each timed (latency while the
 * other k-1 tasks fault, in the same mm or in other processes).
 *
 * Arguments: --tasks N (default: the CPUs of the affinity mask, at most
 * BENCH_MAX_TASKS), --ms D (the measured window per point, default 1000),
 * --warmup-ms W (the tasks run this long before the window, default D / 4:
 * will-it-scale's warm-up), --mib M (region
 * per task), --mode threads|processes|both (default both), --raw (task 0's
 * samples as bench_samples records too).
 */
#ifndef FAULTLINE_BENCH_SCALE_H
#define FAULTLINE_BENCH_SCALE_H

#include <stdbool.h>
#include <stdint.h>
#include "base/json.h"
#include "user/bench/tasks.h"

#define SCALE_MAX_SAMPLES (1u << 16)   /* task 0's timed faults kept per point */

struct scale_args {
	uint32_t tasks;          /* the largest k */
	uint64_t ms;             /* time per point (the measured window) */
	uint64_t warmup_ms;      /* before the window, per point (default ms / 4) */
	bool warmup_set;
	uint64_t mib;            /* region per task */
	uint32_t modes;          /* bit 0 threads, bit 1 processes */
	bool raw;
};

struct scale_run;

/*
 * A workload. setup runs once in the starter before any point, for up to
 * args->tasks tasks (files: one per task index); map returns task index's
 * fresh region of len bytes (or -errno) and prot/flags say nothing more to
 * the harness: it writes one byte per page of it, then munmaps it.
 */
struct scale_workload {
	const char *name;        /* "page_fault1" */
	const char *cls;         /* the fault class each write is: "write-anon", "file-cow", ... */
	uint64_t default_mib;
	long (*setup)(struct scale_run *r);
	long (*map)(struct scale_run *r, uint32_t index, uint64_t len);
	void (*teardown)(struct scale_run *r);
};

struct scale_run {
	const struct scale_workload *w;
	struct scale_args args;
	struct bench_cpus cpus;
	long fd[BENCH_MAX_TASKS];    /* for a workload's own use (files) */
	struct scale_shared *sh;     /* MAP_SHARED control page and task 0's samples */
	uint64_t empty_bracket;
};

/* The whole main of a scaling workload: arguments, setup, every mode at
 * k = 1..tasks, records, teardown. Returns main's exit status (0; 1 when a
 * task or a record failed; 2 for bad arguments). */
int scale_main(const struct scale_workload *w, int argc, char **argv);

/* Starts a record of type in the one record buffer (one line, at most 4 KiB). */
void scale_record_begin(struct json *j, const char *type);

/* Adds the statistics of samples[0..n) (sorting them) as a bench record has
 * them (docs/bench.md): count .. mean, unit, empty_bracket, hist_log2,
 * tsc_end, faultline. */
void scale_json_stats(struct json *j, uint64_t *samples, uint64_t n, uint64_t empty_bracket);

/* Ends the record and writes it to fd 1 as one line. Returns 0 or -errno. */
long scale_record_emit(struct json *j);

#endif
