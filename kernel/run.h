/* The run loop: the config's programs one after another (kernel/run.c). */
#ifndef FAULTLINE_RUN_H
#define FAULTLINE_RUN_H

#include "base/bootinfo.h"
#include "lib/config.h"

struct task_struct;
struct mm_struct;
struct boot_file;

/* Runs every `run =` line of the config, in order: each program with every
 * process it starts, to the end of the last, before the next line. */
void run_programs(const struct faultline_config *cfg, const struct boot_info *bi);

/* Called by exit_mm before mm, whose last user t was, is freed: for the
 * tree's root process, the live page-table and VMA checks. */
void run_mm_last_use(struct task_struct *t, struct mm_struct *mm);

#endif
