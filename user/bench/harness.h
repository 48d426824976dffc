/*
 * The fault-latency benchmark harness (docs/bench.md): what every
 * user/bench/bench_*.c workload shares. A workload parses its arguments,
 * sets up (preallocated, pre-faulted sample and order arrays, a warm-up),
 * measures, and only then reports:
 *
 *   struct bench b;
 *   if (bench_init(&b, "write_first", argc, argv, defaults) < 0) return 2;
 *   ...map memory with bench_map(), touch it with bench_touch()...
 *   bench_warm_up(&b);          the measured loop once on a throw-away mapping
 *   bench_begin(&b);            kernel snapshot and minflt before
 *   ...timed touches, one sample per fault, nothing printed...
 *   bench_end(&b);              minflt and kernel snapshot after
 *   bench_report(&b);           one "bench" record per class, "bench_kernel" on faultline
 *
 * One touch is timed as  lfence; rdtsc; lfence | the load or store | rdtscp; lfence
 * (rdtsc_ordered again where the CPU has no RDTSCP), and the minimum of 1000
 * empty brackets, measured at bench_init, is subtracted (samples clamp at 0).
 */
#ifndef FAULTLINE_BENCH_HARNESS_H
#define FAULTLINE_BENCH_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "paging/fault_stats.h"
#include "user/bench/stats.h"
#include "user/rt/access.h"
#include "user/rt/tsc.h"

#define BENCH_PMD_SIZE (2ul * 1024 * 1024)   /* what one page-table page maps */
#define BENCH_MAX_CLASSES 4                   /* sample sets per workload */
#define BENCH_EMPTY_BRACKETS 1000
#define BENCH_MAX_VMAS 1000000                /* --vmas limit */

enum bench_order { BENCH_SEQ = 0, BENCH_RANDOM = 1 };
enum bench_access { BENCH_READ = 0, BENCH_WRITE = 1 };

/* Command-line settings: --mib N --reps R --seed S --order seq|random --raw,
 * and --vmas N for a workload whose defaults give vmas (bench_many_vmas). */
struct bench_args {
	uint64_t mib;
	uint64_t reps;
	uint64_t seed;
	enum bench_order order;
	bool raw;                 /* also emit every sample (bench_samples records) */
	uint64_t vmas;            /* 0: the workload takes no --vmas */
};

/* One class of samples: where its timings go. */
struct bench_class {
	const char *name;         /* the fault class (fault_class_name spelling) or "no-fault" */
	uint64_t *samples;        /* pages * reps slots, pre-faulted */
	uint64_t count;
	uint64_t cap;
	int64_t minflt;           /* ru_minflt around this class's timed loops, summed */
	uint64_t vmas;            /* VMAs the touched region was split into; 0: not recorded */
	const char *unit;         /* what a sample counts: NULL is "tsc" (cycles); a count class names its own */
};

struct bench {
	const char *workload;
	struct bench_args args;
	uint64_t pages;           /* pages (touches) per repetition and class */
	uint64_t stride;          /* bytes between touched pages in the mapping */
	uint32_t *order;          /* a permutation of [0, pages): the touch order */
	uint64_t empty_bracket;   /* min cycles of an empty timing bracket */
	struct bench_class cls[BENCH_MAX_CLASSES];
	uint32_t nclasses;
	int64_t minflt_before, minflt_after;
	bool kernel_stats;        /* on faultline: snapshots were taken */
};

/* The RDTSCP-or-not choice of the closing read, made once by bench_init. */
extern bool bench_have_rdtscp;

/* Closes a timing bracket: rdtscp; lfence (or lfence; rdtsc; lfence). */
static inline uint64_t bench_tsc_end(void)
{
	return bench_have_rdtscp ? rdtscp_ordered(0) : rdtsc_ordered();
}

/* Times one access to addr; returns the cycles between the reads (bracket included). */
static inline uint64_t bench_time_access(uintptr_t addr, enum bench_access kind)
{
	uint64_t t0 = rdtsc_ordered();
	if (kind == BENCH_WRITE)
		poke8(addr, 1);
	else
		(void)peek8(addr);
	return bench_tsc_end() - t0;
}

/*
 * Parses argv over the workload's defaults, measures the empty bracket and
 * allocates the order array for pages touches stride bytes apart (pages
 * derived from --mib by the caller: pass 0 to mean mib * 256). Returns 0, or
 * -EINVAL after printing a usage line on fd 2, or -ENOMEM.
 */
long bench_init(struct bench *b, const char *workload, int argc, char **argv,
		struct bench_args defaults, uint64_t pages, uint64_t stride);

/* Adds a sample class with room for pages * reps samples (pre-faulted).
 * Returns its index, or -ENOMEM / -EINVAL (too many classes). */
long bench_add_class(struct bench *b, const char *name);

/* Maps len bytes of read-write scratch memory and writes every page, so
 * that using it later costs no fault. Returns the address or -errno. */
long bench_alloc_prefaulted(uint64_t len);

/* Fills order[0..n) with 0..n-1, shuffled (Fisher-Yates, seeded from
 * a->seed) when a->order is BENCH_RANDOM. */
void bench_fill_order(uint32_t *order, uint64_t n, const struct bench_args *a);

/*
 * Maps len bytes of private anonymous memory with prot, starting on a 2 MiB
 * boundary (so page-table allocation happens at predictable touches), small
 * pages only; noreserve adds MAP_NORESERVE (huge sparse mappings). Returns
 * the address or -errno.
 */
long bench_map(uint64_t len, int prot, bool noreserve);

/* Unmaps what bench_map returned. Returns 0 or -errno. */
long bench_unmap(uintptr_t base, uint64_t len);

/* Touches base + order[i] * b->stride for every i < n, untimed. */
void bench_touch(const struct bench *b, uintptr_t base, const uint32_t *order, uint64_t n,
		 enum bench_access kind);

/*
 * Times one access to base + order[i] * b->stride for every i < n, in that
 * order, appending one sample (bracket subtracted) per access to class c;
 * the minor faults the loop cost (getrusage just outside it) are added to
 * the class's minflt. Samples beyond the class's room are dropped (never
 * happens when n <= pages per repetition). Then, on faultline, the samples
 * taken of all the classes' room go to the kernel's progress bar.
 */
void bench_time_pages(struct bench *b, uint32_t c, uintptr_t base, const uint32_t *order,
		      uint64_t n, enum bench_access kind);

/*
 * Runs the measured loop on a throw-away mapping (reads, then writes that
 * fault and that do not), so the first execution of its code and data pages
 * is not measured. Returns 0 or -errno.
 */
long bench_warm_up(const struct bench *b);

/* Starts the measured run: kernel snapshot (faultline), then ru_minflt. */
void bench_begin(struct bench *b);

/* Ends the measured run: ru_minflt, then kernel snapshot and progress at 100 % (faultline). */
void bench_end(struct bench *b);

/* Writes the records (docs/bench.md) to fd 1. Returns 0, or -errno of a failed write. */
long bench_report(struct bench *b);

/*
 * The common measured body: --reps times, map pages * stride bytes fresh
 * (bench_map), time one kind access per page in the order array into class
 * c, unmap. Returns 0, or -errno of a failed mmap/munmap.
 */
long bench_time_fresh_mappings(struct bench *b, uint32_t c, enum bench_access kind);

/* Writes {"type":"bench_error","workload":...,"what":what,"error":err} and returns 1
 * (a workload's exit status after a failure). */
int bench_fail(const struct bench *b, const char *what, long err);

/*
 * The common start of a workload with 4 KiB pages: bench_init, then one or
 * two classes (cls1 may be NULL), then the warm-up. Returns 0 with the class
 * ids in *id0 / *id1, or the exit status main should return (2).
 */
int bench_start(struct bench *b, const char *workload, int argc, char **argv, struct bench_args defaults,
		const char *cls0, long *id0, const char *cls1, long *id1);

/*
 * The whole main of a workload that times the first touch (kind) of every
 * page of fresh mappings, filed under one class: init, warm-up, the timed
 * repetitions, the records. Returns main's exit status (0; 1 if the records
 * could not be written; 2 for bad arguments or a failed set-up).
 */
int bench_main_fresh_mappings(const char *workload, const char *cls, enum bench_access kind,
			      struct bench_args defaults, int argc, char **argv);

/* Returns the next value of the workload's xorshift64* generator (seeded from --seed). */
uint64_t bench_random(uint64_t *state);

#endif
