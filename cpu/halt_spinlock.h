/*
 * A spinlock for long holds whose waiters halt instead of spinning (the
 * shape of Linux's paravirt spinlock: a waiter that cannot have the lock
 * soon halts its CPU, pv_wait, and the releaser wakes it, pv_kick).
 *
 * Where a holder keeps the lock for milliseconds (reclaim: a batch of
 * pages unmapped, each with a TLB shootdown, and compressed), waiters that
 * spin take the machine's time from the holder and from the CPUs it waits
 * for. On hardware that is only wasted power; with virtual CPUs sharing
 * fewer host cores (QEMU's MTTCG, a hypervisor) a spinning waiter's thread
 * holds a host core while the holder's IPI target waits for one, and each
 * shootdown then costs a host time slice. A halted CPU gives its core back.
 *
 * A waiter spins HALT_SPIN_THRESHOLD times first (a short hold ends
 * sooner than a halt and its wakeup; Linux's pv_wait_node spins
 * SPIN_THRESHOLD times before it halts). Then, with interrupts on, it marks
 * itself in `halted`, checks its ticket (or the lock) again with
 * interrupts off and halts (`sti; hlt`: an interrupt that arrives from
 * here on ends the halt); it answers function-call IPIs while halted
 * (interrupts are on). The release clears `halted` and sends each CPU
 * that was in it CALL_FUNCTION_VECTOR with no request (a wakeup); the tick
 * ends a halt too. A waiter with interrupts off spins as spin_lock does
 * (spin_wait_relax answers the holder's shootdowns). Either the releaser
 * sees the waiter's mark or the waiter sees the release: both write, then
 * read the other's word, with a full barrier between.
 *
 * In the host unit tests (HOST_TEST) it is a plain spinlock_t.
 */
#ifndef FAULTLINE_CPU_HALT_SPINLOCK_H
#define FAULTLINE_CPU_HALT_SPINLOCK_H

#include "base/cpumask.h"
#include "cpu/spinlock.h"

#define HALT_SPIN_THRESHOLD 256

struct halt_spinlock {
	spinlock_t lock;
	struct cpumask halted;   /* CPUs halted (or about to halt) waiting for it */
};

#define DEFINE_HALT_SPINLOCK(name) struct halt_spinlock name = { __SPIN_LOCK_UNLOCKED, { { 0 } } }

#ifdef HOST_TEST
static inline void halt_spin_lock(struct halt_spinlock *l) { spin_lock(&l->lock); }
static inline void halt_spin_unlock(struct halt_spinlock *l) { spin_unlock(&l->lock); }
#else
/* Takes the lock (in ticket order, or test-and-set under a hypervisor as
 * spin_lock); with interrupts on the wait halts this CPU between wakeups
 * (above). Interrupts are as they were on return. */
void halt_spin_lock(struct halt_spinlock *l);

/* Releases the lock and wakes every CPU halted waiting for it. */
void halt_spin_unlock(struct halt_spinlock *l);
#endif

/* True while someone holds the lock (for assertions). */
static inline bool halt_spin_is_locked(struct halt_spinlock *l)
{
	return spin_is_locked(&l->lock);
}

#endif
