/*
 * Sleeping until a TSC deadline: the one primitive nanosleep and
 * clock_nanosleep stand on (Linux's schedule_hrtimeout). Today the program
 * is the only task, so the CPU waits; the scheduler replaces the body of
 * schedule_timeout_tsc() with a real sleep (another task runs meanwhile)
 * and its callers stay as they are.
 */
#ifndef FAULTLINE_SCHED_TIMEOUT_H
#define FAULTLINE_SCHED_TIMEOUT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Waits until the TSC reaches deadline. Returns 0 when it has, or the TSC
 * ticks still left when the wait ended early because the wake-up check
 * (sleep_register_wakeup) said so, e.g. a signal is pending: the caller
 * then answers -EINTR. A program whose time limit passes while it waits is
 * killed as if it had spun (kernel/watchdog.h), and this does not return.
 * Must be called from a syscall of the current program.
 */
uint64_t schedule_timeout_tsc(uint64_t deadline);

/*
 * Registers the check that ends a sleep early (Linux's signal_pending(current)
 * at a wake-up): called between waits; true ends the sleep. One check; a
 * later call replaces it; NULL removes it.
 */
void sleep_register_wakeup(bool (*pending)(void));

#endif
