/*
 * The page-fault path's lock (issue 16): the ONE place the #PF path takes a
 * lock on its way in from ring 3, so that changing what it takes is an edit
 * here, not in the entry code or the fault handler.
 *
 * Today it is the big kernel lock (cpu/kernel_lock.h), as for every other
 * entry from ring 3: a fault's whole handling, the fast half and the slow
 * half (signals, the OOM killer), runs under it and it is released on the
 * return to ring 3. Only when programs run on several CPUs: with one CPU,
 * vector 14 goes to the entry without any lock (idt_set_page_fault_entry),
 * so the single-CPU fault costs what it did.
 *
 * Once the fault path has locks of its own (mmap_lock, page-table locks,
 * atomic page counts, the buddy zone lock), exc_page_fault_fast_smp can stop
 * taking the big lock, and page_fault_lock take it only for the slow half.
 */
#ifndef FAULTLINE_FAULT_LOCK_H
#define FAULTLINE_FAULT_LOCK_H

#include "base/ptrace.h"

/* Takes what the page-fault path needs held from here to the return to
 * ring 3 (today: the big kernel lock; nothing if held already). Called by
 * exception_dispatch for a #PF from ring 3. */
void page_fault_lock(void);

/*
 * exc_page_fault_fast (fault/fault.h) under page_fault_lock: the lock is
 * released when the fault is resolved (0), kept when the fault goes on to
 * exception_dispatch (PF_NEEDS_FULL_FRAME), which releases it on the way
 * out. The SMP entry asm_exc_page_fault_smp calls it.
 */
int exc_page_fault_fast_smp(struct pt_regs *regs);

#endif
