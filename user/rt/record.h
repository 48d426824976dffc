/*
 * Test records from ring-3 programs, by the rule "measure first, report
 * after": rt_test() only formats the record into a static buffer; nothing is
 * written until rt_flush() (called by rt_exit, i.e. after main returns, and
 * by killer programs just before their bad access). So printing, and the
 * faults and syscalls it costs, never lands inside a measured interval.
 *
 * Each record is one line on fd 1, in the format of docs/records.md:
 *   {"type":"test","name":"ring3.<program>.<check>","result":"pass","detail":"..."}
 * written with one write() per line. A program names itself once:
 *   RT_PROGRAM(minflt_count);
 */
#ifndef FAULTLINE_USER_RECORD_H
#define FAULTLINE_USER_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#define RT_PROGRAM(name) const char rt_program_name[] = #name
extern const char rt_program_name[];

#define RT_PENDING_BYTES (64u * 1024u) /* records held before a flush; when full, it flushes */
#define RT_DETAIL_MAX    512u          /* longer details are cut */
#define RT_RECORD_MAX    1024u         /* one record line, newline excluded */

enum rt_result { RT_PASS = 0, RT_FAIL = 1, RT_SKIP = 2 };

/* Queues a test record "ring3.<program>.<check>" with a printf-style detail. */
void rt_test(const char *check, enum rt_result result, const char *detail_fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Queues pass if cond, else fail. Returns cond. */
bool rt_check(const char *check, bool cond, const char *detail_fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes every queued record to fd 1, one write per line, and empties the queue. */
void rt_flush(void);

struct rt_totals {
	uint32_t passed, failed, skipped;
};

/* Counts of the records queued so far (flushed or not). */
struct rt_totals rt_totals(void);

#endif
