/*
 * The big kernel lock (Linux 2.0-2.6's lock_kernel): one lock that
 * makes every syscall body, every exception from ring 3 and the scheduler run
 * on one CPU at a time, so that the kernel written for one CPU stays correct
 * while programs run on every CPU.
 *
 * Who holds it: a CPU, not a task. It is taken on every entry from ring 3
 * (syscall, exception, the tick and the reschedule IPI when they interrupt
 * ring 3; the page fault through fault/fault_lock.c's page_fault_lock) and
 * released just before the return to ring 3.
 *
 * What runs without it while programs run on several CPUs: a page fault
 * from ring 3 that handle_mm_fault resolves (only a slow half - signal, OOM
 * kill - takes it, fault/fault_lock.h), and the memory syscalls mmap,
 * munmap, mprotect, madvise, brk and mremap on private anonymous memory
 * (kernel/mm_syscall_lock.h: a file, shmem or hugetlb range, a file,
 * shared or hugetlb mmap take it first, before the mmap_lock; a pending
 * signal takes it on the way back). Everything else - every other syscall,
 * exceptions, the scheduler from ring 3, exec, fork, exit, the fs/ and the
 * fd tables, signals, records of kills, hugetlb pools - still runs under
 * it. With one CPU every syscall and fault takes it as before (the fast
 * page fault: none). schedule() is only ever called
 * with it held and the switch keeps it: the next task (or the idle loop) goes
 * on holding it, and the idle loops release it before they halt. So a task
 * that sleeps releases it in effect, and every CPU that runs kernel code on a
 * task's behalf holds it. Interrupts that arrive in ring 0 (only possible
 * while a CPU halts in its idle loop or waits for this lock: the kernel runs
 * with interrupts off otherwise) never take it: they take only the locks of
 * what they touch (a run queue, a call request, the console).
 *
 * While it waits for the lock a CPU has interrupts on, so that it still
 * answers function-call IPIs (TLB shootdowns) from the holder. Under a
 * hypervisor it is taken test-and-set, as every spinlock_t (cpu/spinlock.h).
 *
 * Lock order: kernel_lock -> mmap_lock and the memory locks
 * (docs/ARCHITECTURE.md, "Locking") -> rq_lock (one at a time;
 * kernel/sched.c) -> console lock (lib/console.h). A CPU never waits for
 * kernel_lock while holding another lock: code that finds it needs it
 * under an mmap_lock drops the mmap_lock first.
 */
#ifndef FAULTLINE_KERNEL_LOCK_H
#define FAULTLINE_KERNEL_LOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Takes the lock for this CPU; nothing if this CPU holds it already (a
 * fault in a user copy, the slow half of a page fault after its fast half).
 * Interrupts are on while it waits and off when it returns. */
void lock_kernel(void);

/* Releases it (this CPU must hold it). */
void unlock_kernel(void);

/* Whether this CPU holds it. */
bool kernel_locked(void);

/* Times the lock was found held by another CPU (for the records). */
extern uint64_t kernel_lock_contended;

#endif
