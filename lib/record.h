/*
 * Machine-readable records: one single-line JSON object per line on serial,
 * each with a "type" (schema: docs/records.md). Human text may sit between
 * records; a record always starts at the beginning of a line.
 *
 *   struct json *j = record_begin("boot");
 *   json_u64(j, "tsc_hz", hz);
 *   record_end();
 *
 * One record is built at a time (interrupts are off in the kernel).
 */
#ifndef FAULTLINE_RECORD_H
#define FAULTLINE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/json.h"

#define RECORD_MAX 4096

struct json *record_begin(const char *type);
void record_end(void);

/* {"type":"test","name":...,"result":"pass"|"fail"|"skip","detail":...}; counts it. */
void record_test(const char *name, int result, const char *detail_fmt, ...);
enum { TEST_PASS = 0, TEST_FAIL = 1, TEST_SKIP = 2 };
/* Convenience: pass if cond, else fail; returns cond. */
bool record_check(const char *name, bool cond, const char *detail_fmt, ...);

/* {"type":"check","name":...,"result":...,"paging":4|5,"cpu":N,"detail":...}
 * for a hardware check made in paging_levels-level paging on the CPU
 * running it, counted like a test, with a "  PASS  name" line on the
 * console (the screen's checks table) when that is the boot CPU. */
void record_hw_check(const char *name, int result, uint32_t paging_levels, const char *detail);

/* The same for a check about CPU cpu made elsewhere (a TSC or TLB check the
 * boot CPU drives against cpu): the record's "cpu" is cpu. */
void record_hw_check_cpu(const char *name, int result, uint32_t paging_levels, uint32_t cpu, const char *detail);

/* Called with every check record's name, result and cpu (the per-core
 * table, checks/check_smp.c); NULL: none. */
typedef void (*check_observer_t)(const char *name, int result, uint32_t cpu);
void record_set_check_observer(check_observer_t fn);

/* The console's line for a result: "  PASS  name\n" (FAIL, SKIP), cut to
 * fit buf but always ending in '\n' (size >= 2). Returns its length. */
size_t record_result_line(char *buf, size_t size, const char *name, int result);

/* {"type":"warning","what":...,"detail":...} */
void record_warning(const char *what, const char *detail_fmt, ...);

/* Counts a test result reported by someone else (a ring-3 program's record). */
void record_count_result(int result);

/* Remembers the name of a failed check (the first 16 are kept) for the stored report. */
void record_note_failure(const char *name);
/* The kept names of failed checks; returns how many were written to names. */
uint32_t record_failed_names(const char **names, uint32_t max);

/* Counts a failure that is not a test record (kill that no test expected, panic). */
void record_count_failure(void);

struct record_totals { uint32_t passed, failed, skipped; };
struct record_totals record_totals(void);

/* {"type":"summary","passed":N,"failed":N,"skipped":N} */
void record_summary(void);

#endif
