/*
 * The OOM killer (Linux's mm/oom_kill.c): when a page fault cannot get a
 * frame, out_of_memory picks the process whose death frees the most by
 * Linux's oom_badness - resident pages + page-table pages + swap entries,
 * moved by oom_score_adj (-1000..1000, from the config's `oom_score_adj =`,
 * inherited across fork; -1000 never chosen) in thousandths of RAM - and
 * kills it with SIGKILL, an {"type":"oom"} record naming victim, badness
 * and trigger. Its memory is reaped at once (Linux's oom_reaper: every page
 * of its address space unmapped), so the faulting task can retry.
 */
#ifndef FAULTLINE_OOM_KILL_H
#define FAULTLINE_OOM_KILL_H

#include <stdint.h>
#include "base/ptrace.h"

/* Registers out_of_memory with the fault path. */
void oom_killer_init(void);

#endif
