/* exception_dispatch: the C side of every exception entry (fault/entry.S). */
#ifndef FAULTLINE_TRAPS_H
#define FAULTLINE_TRAPS_H

#include <stdint.h>
#include "base/ptrace.h"
#include "cpu/percpu.h"

extern uint64_t spurious_interrupts;

void exception_dispatch(struct pt_regs *regs);

/* The return of a ring-3 page fault resolved without the big lock while its
 * task has a signal waiting (fault/fault.h, PF_RESOLVED_EXIT_WORK): takes
 * the lock, delivers (exit_to_user_mode), releases it. Interrupts off; may
 * not return (a fatal signal). */
void exception_exit_work(struct pt_regs *regs);

/*
 * Handlers the layers above register; the fault path calls them through these
 * pointers and knows nothing else of who they are.
 *
 * The probe handler (checks/probe.c, around each probe; NULL between probes)
 * takes every exception first and does not return; while one is set, the
 * page-fault fast path steps aside for the full one. It is per CPU (struct
 * pcpu's probe_handler): the matrix probes on every CPU at once
 * (checks/matrix_parallel.c), and one CPU's probe must neither catch nor
 * disarm another's.
 *
 * The timer handler (kernel/watchdog.c) takes IRQ 0 and acknowledges it; with
 * none registered IRQ 0 counts as an unexpected interrupt.
 */
typedef void (*probe_handler_t)(struct pt_regs *regs);
typedef void (*timer_handler_t)(struct pt_regs *regs);

/* This CPU's probe handler (NULL: none armed here). */
#define fault_probe_handler this_cpu_read(probe_handler)

/* Sets this CPU's probe handler (NULL: none). */
void fault_register_probe_handler(probe_handler_t handler);

/* Sets the IRQ 0 handler (NULL: none). */
void fault_register_timer_handler(timer_handler_t handler);

/* Registers the handler of RESCHEDULE_VECTOR (kernel/sched.c), called after
 * the EOI; from ring 3 with the big kernel lock held. */
void fault_register_resched_handler(timer_handler_t handler);

#endif
