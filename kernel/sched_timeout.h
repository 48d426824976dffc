/*
 * Sleeping until a TSC deadline: the one primitive nanosleep and
 * clock_nanosleep stand on (Linux's schedule_hrtimeout). The task sleeps
 * (other tasks run meanwhile) and is woken by the tick once the deadline
 * has passed, or sooner by the idle loop, which watches the next deadline
 * closely when nothing else runs (kernel/run.c).
 */
#ifndef FAULTLINE_SCHED_TIMEOUT_H
#define FAULTLINE_SCHED_TIMEOUT_H

#include <stdint.h>

/*
 * Sleeps the current task until the TSC reaches deadline. Returns 0 when it
 * has, or the TSC ticks still left when a signal ended the sleep early
 * (task_sigpending, kernel/sched.h): the caller then answers -EINTR. A task
 * killed meanwhile (SIGKILL, the time limit) dies on its way to ring 3.
 */
uint64_t schedule_timeout_tsc(uint64_t deadline);

/*
 * The user struct timespec at uts as TSC cycles in *cycles (seconds capped
 * at 10^8, so the product cannot wrap): 0, -EFAULT, or -EINVAL for a
 * negative field or nanoseconds of a second or more (futex, ppoll).
 */
int timespec_to_tsc_cycles(uint64_t uts, uint64_t *cycles);

#endif
