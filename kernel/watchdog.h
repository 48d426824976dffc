/*
 * The tick and the time limit of a run. While a `run =` tree runs, the
 * legacy PIT ticks at TICK_HZ on IRQ 0 (the only unmasked line); ring 3 and
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

/* Stops the ticks (masks IRQ 0) and the limit. */
void watchdog_disarm(void);

#endif
