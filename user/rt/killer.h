/*
 * Helpers for killer programs: ring-3 tests whose expected outcome is death
 * by a signal (segv_*: SIGSEGV; sigbus_*: SIGBUS; sigabrt_*: SIGABRT; sigterm_*:
 * SIGTERM; oom_*, spin_*: SIGKILL). The program says
 * exactly what must kill it, and the harness checks the kernel's kill record
 * against that (docs/ring3.md, "Programs meant to die").
 *
 * Such a program queues its setup records, computes the address it is about
 * to touch, calls rt_expect_kill() just before the access (it prints the
 * queued records and then the expectation), makes the access, and calls
 * rt_survived() on the line after it, which only runs if the kernel let the
 * access through.
 *
 * The expectation is one line on fd 1, a program record (docs/records.md):
 *   {"type":"expect_kill","program":"segv_null","signal":"SIGSEGV","code":"SEGV_MAPERR","addr":"0x0"}
 * signal and code are Linux's names (base/signal.h: SIGSEGV, SEGV_MAPERR,
 * SEGV_ACCERR, SI_KERNEL...), addr the exact fault address the kill must
 * report (si_addr on Linux, CR2 on faultline; 0x0 with SI_KERNEL for #GP);
 * without "addr" any address is accepted.
 */
#ifndef FAULTLINE_USER_KILLER_H
#define FAULTLINE_USER_KILLER_H

#include <stdint.h>
#include "base/signal.h"

/*
 * Prints every queued record, then the expect_kill record: signal sig with
 * si_code code at exactly addr. Call it just before the fatal access,
 * nothing else printed after it.
 */
void rt_expect_kill(int sig, int code, uint64_t addr);

/*
 * As rt_expect_kill, for a kill whose address cannot be known in advance
 * (SIGKILL from the out-of-memory handling or a time limit): the record has
 * no "addr" and any address matches.
 */
void rt_expect_kill_anywhere(int sig, int code);

/*
 * Records "ring3.<program>.survived" as a failure saying what was done
 * (printf-style), prints it and exits with status 1; never returns.
 */
__attribute__((noreturn, format(printf, 1, 2))) void rt_survived(const char *what_fmt, ...);

#endif
