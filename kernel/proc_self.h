/*
 * /proc/self/{maps,smaps,pagemap,clear_refs} (and /proc/PID/ for the
 * caller's own pid): see kernel/proc_self.c. open(2) asks here first.
 */
#ifndef FAULTLINE_PROC_SELF_H
#define FAULTLINE_PROC_SELF_H

#include <stdbool.h>
#include <stdint.h>

struct file;

/* True if the absolute path names one of these files. */
bool proc_self_path(const char *path);

/* open(2) of such a path with flags: a new file (f_count 1) in *out.
 * Returns 0; -EACCES for a mode the file does not allow (maps, smaps and
 * pagemap are read-only, clear_refs write-only) or O_CREAT; -ENOENT for
 * another path; -ENOMEM, -ENFILE. */
int proc_self_open(const char *path, uint32_t flags, struct file **out);

#endif
