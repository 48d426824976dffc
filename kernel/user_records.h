/*
 * What ring-3 programs write to fd 1 and 2. Serial gets every byte as it
 * comes (sys_write); this part reads the output line by line for the kernel
 * and the screen:
 *
 *   a test record   its result is counted into the run's totals (so the
 *                   summary record and the QEMU exit status speak for the
 *                   programs' checks too); the screen shows "  PASS  name"
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

#define USER_LINE_MAX 2048

/* Feeds bytes a program wrote to fd 1 or 2. */
void user_output_scan(const char *buf, size_t n);

/* At program end: a last line without a newline goes to the screen as
 * text (it is never counted), and the line buffer is emptied. */
void user_output_end(void);

/* Pure: the result of line[0..n) if it is a test record (lib/record.h's
 * TEST_*), with its name copied to name (cut to fit, "" if it has none);
 * -1 if it is not a well-formed test record with a known result. */
int user_test_record_result(const char *line, size_t n, char *name, size_t name_size);

/* Pure: whether line[0..n) is a record: one well-formed JSON object with
 * a string "type". */
bool user_line_is_record(const char *line, size_t n);

#endif
