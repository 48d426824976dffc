/*
 * Ring-3 programs report their own checks as test records on stdout. The
 * kernel watches that output line by line and counts each test record's
 * result into the run's totals, so the summary record and the QEMU exit
 * status speak for the programs' checks too.
 */
#ifndef FAULTLINE_USER_RECORDS_H
#define FAULTLINE_USER_RECORDS_H

#include <stddef.h>

/* Feeds bytes a program wrote to fd 1 or 2. */
void user_output_scan(const char *buf, size_t n);

/* Drops a partial line (at program end). */
void user_output_reset(void);

/* Pure: the result of one line if it is a test record: 0 pass, 1 fail,
 * 2 skip (lib/record.h's TEST_*), -1 if it is not a test record. */
int user_test_record_result(const char *line, size_t n);

#endif
