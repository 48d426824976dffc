/*
 * The tick and the time limit of a run. While a `run =` tree runs, the
 * local APIC timer (calibrated against the TSC; a {"type":"tick"} record
 * says which source and its rate), or where there is none the legacy PIT on
 * IRQ 0 (the only unmasked line), ticks at TICK_HZ; ring 3 and
 * the idle loop run with interrupts on, the rest of the kernel with them
 * off, so a tick interrupts a program or the idle halt, never kernel work.
 * The tick (kernel/sched.c) wakes timed sleepers and preempts ring 3; when
 * the tree's time is up every task of it is killed with SIGKILL ("time
 * limit exceeded") and the run goes on.
 */
#ifndef FAULTLINE_WATCHDOG_H
#define FAULTLINE_WATCHDOG_H

#include <stdint.h>

/* Starts the ticks; the tree may run for seconds. */
void watchdog_arm(uint32_t seconds);

/* Stops the ticks and the limit. */
void watchdog_disarm(void);

/* "time limit of N s exceeded": the kill record's reason. */
const char *watchdog_reason(void);

/* Acknowledges the tick being handled (EOI to its source). */
void tick_ack(void);

#endif
