/*
 * The per-program time limit. While a program runs, the legacy PIT ticks at
 * 100 Hz on IRQ 0 (the only unmasked line) and ring 3 runs with interrupts
 * on; the kernel runs with them off except in a sleep's `sti; hlt; cli`
 * (kernel/sched_timeout.c), where a tick only wakes the CPU and the sleep
 * itself checks the limit (watchdog_check). When the program's time is up
 * it is killed with SIGKILL ("time limit") and the run goes on.
 */
#ifndef FAULTLINE_WATCHDOG_H
#define FAULTLINE_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>
#include "base/ptrace.h"

/* Starts the ticks; the current program may run for seconds. */
void watchdog_arm(uint32_t seconds);

/* Stops the ticks (masks IRQ 0). */
void watchdog_disarm(void);

/* IRQ 0: acknowledges it and kills the program if its time is up. */
void watchdog_tick(struct pt_regs *regs);

/* True while the ticks run (between watchdog_arm and watchdog_disarm): a
 * hlt in the kernel then wakes within a tick. */
bool watchdog_ticking(void);

/*
 * For kernel code that waits on the program's behalf (a sleep): kills the
 * current program, exactly as a tick in ring 3 would, if its time is up;
 * user_regs is the program's frame (where it entered the kernel). Returns
 * only if time is left.
 */
void watchdog_check(const struct pt_regs *user_regs);

/* Ticks seen since boot (for the records). */
extern uint64_t watchdog_ticks;

#endif
