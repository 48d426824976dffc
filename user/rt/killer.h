/*
 * Helpers for killer programs: ring-3 tests whose expected outcome is death
 * by SIGSEGV, or SIGBUS for sigbus_* programs (the harness checks how the
 * process ended, not the program).
 * Such a program queues its setup records, calls rt_before_fatal_access()
 * to print them, makes the bad access, and calls rt_survived() on the line
 * after it, which only runs if the kernel let the access through.
 */
#ifndef FAULTLINE_USER_KILLER_H
#define FAULTLINE_USER_KILLER_H

/* Prints every queued record now, before the access that should kill us. */
void rt_before_fatal_access(void);

/*
 * Records "ring3.<program>.survived" as a failure saying what was done
 * (printf-style), prints it and exits with status 1; never returns.
 */
__attribute__((noreturn, format(printf, 1, 2))) void rt_survived(const char *what_fmt, ...);

#endif
