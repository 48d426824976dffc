/*
 * The file half of the scaling workloads (bench_page_fault2/3): one file per
 * task index under files/, --mib MiB each, written through write() before
 * any point so its pages are in the page cache (every timed write is then a
 * fault on a cached page, never a read from the disk or a hole), unlinked
 * at the end.
 */
#ifndef FAULTLINE_BENCH_SCALE_FILE_H
#define FAULTLINE_BENCH_SCALE_FILE_H

#include "user/bench/scale.h"

/* Creates and fills files/bench_scale_<pid>_<i>.bin for i < tasks into r->fd[i].
 * Returns 0 or -errno (files made so far are removed). */
long scale_files_setup(struct scale_run *r);

/* Closes and unlinks the files of scale_files_setup. */
void scale_files_teardown(struct scale_run *r);

#endif
