/* A spinlock whose waiters halt (cpu/halt_spinlock.h). */
#include "cpu/halt_spinlock.h"
#include "cpu/smp.h"
#include "cpu/x86.h"

/* Whether this CPU may go on: its ticket is served, or (ticket negative:
 * test-and-set under a hypervisor, cpu/spinlock.h) it took the free lock. */
static bool halt_spin_try(struct halt_spinlock *l, int32_t ticket)
{
	if (ticket < 0)
		return spin_trylock(&l->lock);
	return __atomic_load_n(&l->lock.owner, __ATOMIC_ACQUIRE) == (uint16_t)ticket;
}

/* Whether a waiter must wait on: its ticket not served yet, or the lock held. */
static bool halt_spin_must_wait(struct halt_spinlock *l, int32_t ticket)
{
	if (ticket < 0)
		return spin_is_locked(&l->lock);
	return __atomic_load_n(&l->lock.owner, __ATOMIC_ACQUIRE) != (uint16_t)ticket;
}

/* See cpu/halt_spinlock.h. */
void halt_spin_lock(struct halt_spinlock *l)
{
	int32_t ticket = virt_spin_lock_on ? -1 : __atomic_fetch_add(&l->lock.next, 1, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < HALT_SPIN_THRESHOLD; i++) {
		if (!halt_spin_must_wait(l, ticket) && halt_spin_try(l, ticket))
			return;
		spin_wait_relax();
	}
	uint32_t cpu = smp_processor_id();
	do {
		if (!(read_rflags() & X86_EFLAGS_IF)) {
			spin_wait_relax();
			continue;
		}
		cli();
		cpumask_set_cpu(cpu, &l->halted);   /* a locked RMW: ordered before the read below */
		if (halt_spin_must_wait(l, ticket))
			__asm__ volatile("sti; hlt" ::: "memory");   /* the shadow of sti: a wakeup from here on ends the hlt */
		else
			__asm__ volatile("sti" ::: "memory");
	} while (!halt_spin_try(l, ticket));
	cpumask_clear_cpu(cpu, &l->halted);
}

/* See cpu/halt_spinlock.h. */
void halt_spin_unlock(struct halt_spinlock *l)
{
	spin_unlock(&l->lock);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);   /* the release visible before the marks are read */
	for (uint32_t w = 0; w < nr_cpumask_words; w++) {
		if (!__atomic_load_n(&l->halted.bits[w], __ATOMIC_RELAXED))
			continue;
		uint64_t bits = __atomic_exchange_n(&l->halted.bits[w], 0, __ATOMIC_SEQ_CST);
		for (; bits; bits &= bits - 1)
			smp_send_ipi(w * 64 + (uint32_t)__builtin_ctzll(bits));
	}
}
