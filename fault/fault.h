/* The x86 half of the page-fault path (Linux arch/x86/mm/fault.c). */
#ifndef FAULTLINE_FAULT_H
#define FAULTLINE_FAULT_H

#include "base/ptrace.h"
#include <stdbool.h>

/*
 * Vector 14 from ring 3, first stop (fault/entry.S's asm_exc_page_fault; a
 * fault from ring 0 goes straight to exc_page_fault). regs holds the
 * hardware frame, vector, error code and the caller-saved registers only.
 * Resolves and accounts a ring-3 fault on a user address inside a VMA that
 * allows the access, which handle_mm_fault maps, and returns 0. Anything
 * else returns PF_NEEDS_FULL_FRAME having changed nothing the second stop
 * sees (at most a page-table page allocated, or a file page's cached
 * neighbours mapped by fault-around): the entry then completes the frame
 * and exception_dispatch calls exc_page_fault.
 */
#define PF_NEEDS_FULL_FRAME 1
int exc_page_fault_fast(struct pt_regs *regs);

/* exc_page_fault_fast for several CPUs (IDT vector 14 while programs run on
 * them, fault/fault_lock.h): the same, with interrupts on from the read of
 * CR2 to the return (a fault waiting for a lock answers IPIs), and no
 * global lock. A resolved fault whose task has a signal waiting
 * (exit_to_user_mode_work: another thread's kill, the OOM killer) returns
 * PF_RESOLVED_EXIT_WORK: the entry completes the frame and
 * exception_exit_work delivers it before the return, as Linux's
 * irqentry_exit_to_user_mode does after every fault. */
#define PF_RESOLVED_EXIT_WORK 2   /* = fault/entry.S's literal */
int exc_page_fault_fast_smp(struct pt_regs *regs);

/* Vector 14, with the whole frame: every case of the table in fault/fault.c.
 * Returns to retry the access, kills the program, or panics. */
void exc_page_fault(struct pt_regs *regs);

/* The OOM killer's entry (kernel/oom_kill.c registers it): called when a
 * fault found no frame; returns true when memory was freed by killing
 * another process (the fault is then retried), false when the faulting
 * process itself is the one to die. */
typedef bool (*oom_handler_t)(struct pt_regs *regs, uint64_t address);
void fault_register_oom_handler(oom_handler_t handler);

#endif
