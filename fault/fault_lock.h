/*
 * The page-fault path and the big kernel lock: the ONE place the
 * #PF path takes a global lock, so that what it takes is an edit here, not
 * in the entry code or the fault handler.
 *
 * A fault that handle_mm_fault resolves takes no global lock: on several
 * CPUs the fast entry (exc_page_fault_fast_smp, fault/fault.h) and the full
 * one (exc_page_fault for ring 3) run with interrupts on and take only the
 * mm's mmap_lock for reading, the page-table locks and the allocator's,
 * LRU's, page cache's and swap's own locks (docs/ARCHITECTURE.md,
 * "Locking"). Only the slow half of a fault that is not resolved - a
 * SIGSEGV/SIGBUS, the OOM killer, the kill record - needs the scheduler and
 * signals, and takes the big kernel lock (cpu/kernel_lock.h) through
 * page_fault_lock, after the mmap_lock and every page-table lock are
 * dropped (Linux's VM_FAULT_OOM: pagefault_out_of_memory runs with
 * mmap_lock released). Lock order: big kernel lock -> mmap_lock ->
 * page_table_lock / pte lock -> zone, LRU and the rest.
 *
 * With one CPU vector 14 goes to the entry without any of this
 * (idt_set_page_fault_entry): exc_page_fault takes the big lock first, as
 * every entry from ring 3 does, and the fast path costs what it did.
 */
#ifndef FAULTLINE_FAULT_LOCK_H
#define FAULTLINE_FAULT_LOCK_H

#include <stdbool.h>

/* True while programs run on several CPUs (page_fault_set_smp): ring 3's
 * faults take the big kernel lock only for a slow half. */
extern bool page_fault_smp;

/* Takes the big kernel lock for a fault's slow half (nothing if this CPU
 * holds it already); the way back to ring 3 releases it. Never called with
 * an mmap_lock or a page-table lock held. */
void page_fault_lock(void);

/* Whether programs run on several CPUs (called with the IDT switch,
 * idt_set_page_fault_entry): sets page_fault_smp, and lock waits with
 * interrupts off answer function-call requests (cpu/smp.h). */
void page_fault_set_smp(bool smp);

#endif
