/*
 * The targeted hardware bring-up checks: each one asks the CPU a single
 * question about paging (does it set the accessed bits, does INVLPG drop a
 * translation, does a reserved bit raise RSVD, ...) by doing the access for
 * real through the probes of checks/probe.h, and answers with one record
 * {"type":"check","name":...,"result":"pass"|"fail"|"skip","detail":...}
 * counted into the run's totals. The list, and what each check asserts, is
 * in docs/checks.md ("Targeted checks").
 */
#ifndef FAULTLINE_CHECKS_H
#define FAULTLINE_CHECKS_H

#include "lib/config.h"

/*
 * Runs the targeted checks for level: CHECKS_NONE runs nothing, DEFAULT and
 * FULL run all of them (FULL adds nothing yet). Must run with interrupts off,
 * on init_top_pgt, with no program running. Everything the checks map, set
 * or allocate is undone before it returns; the last record ("cleanup") says
 * whether that worked. Cannot fail as a whole: problems are fail records.
 */
void run_checks(enum config_checks level);

#endif
