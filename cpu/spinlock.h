/*
 * Spinlocks and atomic counters, as Linux spells them (include/linux/spinlock.h,
 * atomic.h), for x86-64 only.
 *
 * spinlock_t is a ticket lock: CPUs take a ticket with one locked xadd and
 * spin (pause) until the owner field reaches it, so waiters are served in
 * order and a lock held on one CPU cannot starve another. Under a
 * hypervisor it is taken test-and-set instead (virt_spin_lock, below).
 * The _irqsave forms also disable interrupts on this CPU for as long as
 * the lock is held: use them for any lock an interrupt handler (the tick,
 * an IPI) may take.
 *
 * In the host unit tests (HOST_TEST) the same code runs single-threaded in
 * user mode, so the interrupt flag is not touched there.
 */
#ifndef FAULTLINE_CPU_SPINLOCK_H
#define FAULTLINE_CPU_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
	volatile uint16_t owner;   /* the ticket being served */
	volatile uint16_t next;    /* the next ticket to hand out */
} spinlock_t;

#define __SPIN_LOCK_UNLOCKED { 0, 0 }
#define DEFINE_SPINLOCK(name) spinlock_t name = __SPIN_LOCK_UNLOCKED

static inline void spin_lock_init(spinlock_t *lock) { lock->owner = 0; lock->next = 0; }

#ifndef HOST_TEST
/* cpu/smp.c: with interrupts off, runs this CPU's pending function call
 * (the IPI cannot get in); nothing before programs run on several CPUs. */
void smp_call_function_poll(void);
#endif

/*
 * One step of every lock wait here (spinlock_t, rwlock_t, a csd slot): a
 * pause and, if this CPU has interrupts off, this CPU's pending
 * function-call request is run (cpu/smp.c). The holder of the lock waited
 * for may itself be waiting for this CPU's answer to an IPI - a TLB
 * shootdown sent under a pte lock or the mmap_lock - and the IPI cannot get
 * through while interrupts are off: Linux has the waiter spin with
 * interrupts on; here most kernel code runs with them off (the big kernel
 * lock's syscalls), so the waiter answers the request itself. The function
 * calls of a program run (flush_tlb_func) take no lock and touch only the
 * TLB, so running one at any lock wait is safe (docs/ARCHITECTURE.md,
 * "Locking").
 */
static inline void spin_wait_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
#ifndef HOST_TEST
	smp_call_function_poll();
#endif
}

/*
 * Under a hypervisor the locks are taken test-and-set instead of in ticket
 * order (Linux's virt_spin_lock, for a guest without paravirt spinlocks):
 * a fair lock hands itself to the next waiter, and when that waiter's
 * virtual CPU is not running on a host core, every CPU waits for the host
 * to run it - one host time slice per hand-over, a convoy whenever virtual
 * CPUs outnumber host cores (QEMU's MTTCG with -smp 4 on two cores).
 * Test-and-set lets whichever running CPU comes first take it; the price is
 * fairness. Set once at boot, before a second CPU runs (cpu/spinlock.c);
 * the big kernel lock follows it too (cpu/kernel_lock.c).
 */
#ifdef HOST_TEST
static const bool virt_spin_lock_on = false;
#else
extern bool virt_spin_lock_on;

/* Chooses test-and-set when the boot CPU reports a hypervisor (CPUID.1:ECX
 * bit 31, as Linux's native_pv_lock_init keeps virt_spin_lock_key on). Only
 * while one CPU runs: a lock taken in one mode is released in either, but
 * a ticket waiter and a test-and-set taker must never meet. */
void virt_spin_lock_init(bool hypervisor);
#endif

/* Takes the lock only if nobody holds or waits for it; true when taken. */
static inline bool spin_trylock(spinlock_t *lock)
{
	uint16_t owner = __atomic_load_n(&lock->owner, __ATOMIC_RELAXED);
	uint16_t expect = owner;
	return __atomic_compare_exchange_n(&lock->next, &expect, (uint16_t)(owner + 1), false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* True while someone holds the lock (for assertions). */
static inline bool spin_is_locked(spinlock_t *lock)
{
	return __atomic_load_n(&lock->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&lock->next, __ATOMIC_RELAXED);
}

/* spin_lock under a hypervisor: a trylock whenever the lock looks free. */
static inline void virt_spin_lock(spinlock_t *lock)
{
	while (!spin_trylock(lock)) {
		do
			spin_wait_relax();
		while (spin_is_locked(lock));
	}
}

/* Takes the lock, spinning until it is this caller's turn (or, under a
 * hypervisor, until it finds the lock free first). */
static inline void spin_lock(spinlock_t *lock)
{
	if (virt_spin_lock_on) {
		virt_spin_lock(lock);
		return;
	}
	uint16_t ticket = __atomic_fetch_add(&lock->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&lock->owner, __ATOMIC_ACQUIRE) != ticket)
		spin_wait_relax();
}

/* Releases the lock: the next ticket holder may go. */
static inline void spin_unlock(spinlock_t *lock)
{
	__atomic_store_n(&lock->owner, (uint16_t)(lock->owner + 1), __ATOMIC_RELEASE);
}

/* Interrupts off on this CPU; returns the previous RFLAGS to restore. */
static inline uint64_t local_irq_save(void)
{
#ifdef HOST_TEST
	return 0;
#else
	uint64_t flags;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
#endif
}

/* Interrupts back on if they were on when local_irq_save ran. */
static inline void local_irq_restore(uint64_t flags)
{
#ifndef HOST_TEST
	if (flags & (1u << 9))   /* RFLAGS.IF */
		__asm__ volatile("sti" ::: "memory");
#else
	(void)flags;
#endif
}

/* Interrupts on / off on this CPU (Linux's local_irq_enable/disable). */
static inline void local_irq_enable(void)
{
#ifndef HOST_TEST
	__asm__ volatile("sti" ::: "memory");
#endif
}
static inline void local_irq_disable(void)
{
#ifndef HOST_TEST
	__asm__ volatile("cli" ::: "memory");
#endif
}

#define spin_lock_irqsave(lock, flags) do { (flags) = local_irq_save(); spin_lock(lock); } while (0)
#define spin_unlock_irqrestore(lock, flags) do { spin_unlock(lock); local_irq_restore(flags); } while (0)

/* ---- Reader-writer lock ------------------------------------------------- */

/*
 * rwlock_t: a spinning reader-writer lock in the shape of Linux's qrwlock.
 * cnts holds the readers (in units of _QR_BIAS) and the writer byte:
 * _QW_LOCKED while a writer holds it, _QW_WAITING while one waits for the
 * readers to drain (new readers then queue behind it, so a stream of
 * readers cannot starve a writer). Contended lockers queue on wait_lock, a
 * ticket lock, so they are served in order.
 *
 * Uncontended, read_lock and read_unlock are one locked xadd each, and
 * write_lock one cmpxchg, write_unlock one store. Nothing sleeps; a holder
 * may wait for an IPI answer (a TLB shootdown): the waiters here answer it
 * (spin_wait_relax).
 */
typedef struct {
	volatile uint32_t cnts;
	spinlock_t wait_lock;
} rwlock_t;

#define _QW_LOCKED  0xffu        /* a writer holds the lock */
#define _QW_WAITING 0x100u       /* a writer waits for the readers to go */
#define _QW_WMASK   0x1ffu       /* either */
#define _QR_BIAS    0x200u       /* one reader */

#define __RW_LOCK_UNLOCKED { 0, __SPIN_LOCK_UNLOCKED }

static inline void rwlock_init(rwlock_t *lock) { lock->cnts = 0; spin_lock_init(&lock->wait_lock); }


/* read_lock's slow path: queue behind any writer, then wait for it to go. */
static __attribute__((noinline, unused)) void queued_read_lock_slowpath(rwlock_t *lock)
{
	__atomic_fetch_sub(&lock->cnts, _QR_BIAS, __ATOMIC_RELAXED);
	spin_lock(&lock->wait_lock);
	__atomic_fetch_add(&lock->cnts, _QR_BIAS, __ATOMIC_ACQUIRE);
	while (__atomic_load_n(&lock->cnts, __ATOMIC_ACQUIRE) & _QW_LOCKED)
		spin_wait_relax();
	spin_unlock(&lock->wait_lock);
}

/* Takes the lock shared: returns once no writer holds or waits for it. */
static inline void read_lock(rwlock_t *lock)
{
	uint32_t cnts = __atomic_add_fetch(&lock->cnts, _QR_BIAS, __ATOMIC_ACQUIRE);
	if (__builtin_expect(cnts & _QW_WMASK, 0))
		queued_read_lock_slowpath(lock);
}

/* Takes the lock shared only if no writer holds or waits for it (never
 * spins): true when taken. Safe where this CPU may hold it already. */
static inline bool read_trylock(rwlock_t *lock)
{
	uint32_t cnts = __atomic_load_n(&lock->cnts, __ATOMIC_RELAXED);
	while (!(cnts & _QW_WMASK)) {
		if (__atomic_compare_exchange_n(&lock->cnts, &cnts, cnts + _QR_BIAS, true, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return true;
	}
	return false;
}

/* Drops a shared hold. */
static inline void read_unlock(rwlock_t *lock)
{
	__atomic_fetch_sub(&lock->cnts, _QR_BIAS, __ATOMIC_RELEASE);
}

/* write_lock's slow path: queue, announce the wait, take it when the readers are gone. */
static __attribute__((noinline, unused)) void queued_write_lock_slowpath(rwlock_t *lock)
{
	spin_lock(&lock->wait_lock);
	uint32_t zero = 0;
	if (!__atomic_compare_exchange_n(&lock->cnts, &zero, _QW_LOCKED, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		__atomic_fetch_or(&lock->cnts, _QW_WAITING, __ATOMIC_RELAXED);
		for (;;) {
			uint32_t waiting = _QW_WAITING;
			if (__atomic_load_n(&lock->cnts, __ATOMIC_RELAXED) == _QW_WAITING &&
			    __atomic_compare_exchange_n(&lock->cnts, &waiting, _QW_LOCKED, false, __ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED))
				break;
			spin_wait_relax();
		}
	}
	spin_unlock(&lock->wait_lock);
}

/* Takes the lock exclusive: returns once no reader nor writer holds it. */
static inline void write_lock(rwlock_t *lock)
{
	uint32_t zero = 0;
	if (__builtin_expect(!__atomic_compare_exchange_n(&lock->cnts, &zero, _QW_LOCKED, false, __ATOMIC_ACQUIRE,
							  __ATOMIC_RELAXED), 0))
		queued_write_lock_slowpath(lock);
}

/* Turns this CPU's exclusive hold into a shared one in one step (Linux's
 * downgrade_write): no writer can get in between, readers waiting for the
 * writer go on at once, a writer waiting keeps its place (its waiting bit
 * stays) and gets the lock when the readers are gone. */
static inline void write_downgrade(rwlock_t *lock)
{
	__atomic_fetch_add(&lock->cnts, _QR_BIAS - _QW_LOCKED, __ATOMIC_RELEASE);
}

/* Takes the lock exclusive only if nobody holds it; true when taken. */
static inline bool write_trylock(rwlock_t *lock)
{
	uint32_t zero = 0;
	return __atomic_compare_exchange_n(&lock->cnts, &zero, _QW_LOCKED, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* Drops the exclusive hold (readers that arrived meanwhile hold their bias already). */
static inline void write_unlock(rwlock_t *lock)
{
	__atomic_fetch_sub(&lock->cnts, _QW_LOCKED, __ATOMIC_RELEASE);
}

/* True while a writer holds the lock; true while anyone does (for assertions). */
static inline bool rwlock_is_write_locked(const rwlock_t *lock)
{
	return (__atomic_load_n(&lock->cnts, __ATOMIC_RELAXED) & 0xffu) == _QW_LOCKED;
}
static inline bool rwlock_is_locked(const rwlock_t *lock)
{
	return __atomic_load_n(&lock->cnts, __ATOMIC_RELAXED) != 0;
}

/* ---- Atomic counters ------------------------------------------------------- */

typedef struct { volatile int32_t counter; } atomic_t;
typedef struct { volatile int64_t counter; } atomic64_t;

#define ATOMIC_INIT(i) { (i) }

static inline int32_t atomic_read(const atomic_t *v) { return __atomic_load_n(&v->counter, __ATOMIC_RELAXED); }
static inline void atomic_set(atomic_t *v, int32_t i) { __atomic_store_n(&v->counter, i, __ATOMIC_RELAXED); }
static inline void atomic_add(int32_t i, atomic_t *v) { __atomic_fetch_add(&v->counter, i, __ATOMIC_SEQ_CST); }
static inline void atomic_inc(atomic_t *v) { atomic_add(1, v); }
static inline void atomic_dec(atomic_t *v) { atomic_add(-1, v); }
/* Adds i and returns the new value. */
static inline int32_t atomic_add_return(int32_t i, atomic_t *v) { return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }
/* Decrements; true when the result is zero (the last reference went). */
static inline bool atomic_dec_and_test(atomic_t *v) { return atomic_add_return(-1, v) == 0; }

/* Increments unless the value is u; true when it incremented (atomic_add_unless). */
static inline bool atomic_inc_unless(atomic_t *v, int32_t u)
{
	int32_t c = atomic_read(v);
	do {
		if (c == u)
			return false;
	} while (!__atomic_compare_exchange_n(&v->counter, &c, c + 1, true, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
	return true;
}

static inline int64_t atomic64_read(const atomic64_t *v) { return __atomic_load_n(&v->counter, __ATOMIC_RELAXED); }
static inline void atomic64_set(atomic64_t *v, int64_t i) { __atomic_store_n(&v->counter, i, __ATOMIC_RELAXED); }
static inline int64_t atomic64_add_return(int64_t i, atomic64_t *v) { return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }
static inline void atomic64_add(int64_t i, atomic64_t *v) { __atomic_fetch_add(&v->counter, i, __ATOMIC_SEQ_CST); }

#endif
