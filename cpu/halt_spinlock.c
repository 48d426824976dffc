/* A ticket lock whose waiters halt (cpu/halt_spinlock.h). */
#include "cpu/halt_spinlock.h"
#include "cpu/smp.h"
#include "cpu/x86.h"

/* Whether this CPU's ticket is being served. */
static inline bool ticket_served(struct halt_spinlock *l, uint16_t ticket)
{
	return __atomic_load_n(&l->lock.owner, __ATOMIC_ACQUIRE) == ticket;
}

/* See cpu/halt_spinlock.h. */
void halt_spin_lock(struct halt_spinlock *l)
{
	uint16_t ticket = __atomic_fetch_add(&l->lock.next, 1, __ATOMIC_RELAXED);
	if (ticket_served(l, ticket))
		return;
	uint32_t cpu = smp_processor_id();
	while (!ticket_served(l, ticket)) {
		if (!(read_rflags() & X86_EFLAGS_IF)) {
			spin_wait_relax();
			continue;
		}
		cli();
		cpumask_set_cpu(cpu, &l->halted);   /* a locked RMW: ordered before the read below */
		if (!ticket_served(l, ticket))
			__asm__ volatile("sti; hlt" ::: "memory");   /* the shadow of sti: a wakeup from here on ends the hlt */
		else
			__asm__ volatile("sti" ::: "memory");
	}
	cpumask_clear_cpu(cpu, &l->halted);
}

/* See cpu/halt_spinlock.h. */
void halt_spin_unlock(struct halt_spinlock *l)
{
	spin_unlock(&l->lock);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);   /* the new owner visible before the marks are read */
	for (uint32_t w = 0; w < nr_cpumask_words; w++) {
		if (!__atomic_load_n(&l->halted.bits[w], __ATOMIC_RELAXED))
			continue;
		uint64_t bits = __atomic_exchange_n(&l->halted.bits[w], 0, __ATOMIC_SEQ_CST);
		for (; bits; bits &= bits - 1)
			smp_send_ipi(w * 64 + (uint32_t)__builtin_ctzll(bits));
	}
}
