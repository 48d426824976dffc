/*
 * What ring-3 programs write to fd 1 and 2, line by line. Serial never gets
 * a program's bytes as they are: every line goes out inside a kernel record
 *
 *   {"type":"output","program":"NAME","pid":N,"line":"<the line, escaped>"}
 *
 * so nothing a program writes can look like a record of the kernel
 * (docs/records.md, "output"). A line too long for one record goes out as
 * several with "part" 0, 1, ... and "partial":true on all but the last; a
 * line longer than USER_LINE_MAX bytes is cut into such pieces as it comes;
 * a last line without '\n' is written at program end with "no_newline":true.
 *
 * For the kernel and the screen, each complete line that fits the buffer is
 *
 *   a test record   named ring3.*: its result is counted into the run's
 *                   totals (so the summary record and the QEMU exit status
 *                   speak for the programs' checks too); the screen shows
 *                   "  PASS  name". Another name is not counted: a warning
 *                   says so (a program cannot pass for a kernel check)
 *   a bench record  kept for the benchmark summary (kernel/bench_screen.c)
 *   another record  serial only
 *   any other line  shown on the screen as it is
 *
 * A line longer than USER_LINE_MAX bytes cannot be a record the kernel reads:
 * it goes to the screen as it comes.
 */
#ifndef FAULTLINE_USER_RECORDS_H
#define FAULTLINE_USER_RECORDS_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

#define USER_LINE_MAX 2048
#define USER_TEST_PREFIX "ring3."

/* Before a program runs: its output records carry name and pid. */
void user_output_begin(const char *name, uint32_t pid);

/* Feeds bytes a program wrote to fd 1 or 2. */
void user_output_scan(const char *buf, size_t n);

/* At program end: a last line without a newline goes out as an output
 * record and to the screen as text (it is never counted), and the line
 * buffer is emptied. */
void user_output_end(void);

/* Pure: the result of line[0..n) if it is a test record (lib/record.h's
 * TEST_*), with its name copied to name (cut to fit, "" if it has none);
 * -1 if it is not a well-formed test record with a known result. */
int user_test_record_result(const char *line, size_t n, char *name, size_t name_size);

/* Pure: whether a program's test record may carry this name (counted):
 * it starts with USER_TEST_PREFIX. */
bool user_test_name_allowed(const char *name);

/* Pure: whether line[0..n) is a record: one well-formed JSON object with
 * a string "type". */
bool user_line_is_record(const char *line, size_t n);

#endif
