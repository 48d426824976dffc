/* The big kernel lock (cpu/kernel_lock.h). */
#include "cpu/kernel_lock.h"
#include "base/panic.h"
#include "cpu/apic.h"
#include "cpu/percpu.h"
#include "cpu/spinlock.h"
#include "cpu/x86.h"

static spinlock_t kernel_flag = __SPIN_LOCK_UNLOCKED;
static volatile uint32_t kernel_flag_owner;   /* the holder's CPU number + 1; 0: free */
uint64_t kernel_lock_contended;

/* See cpu/kernel_lock.h. */
bool kernel_locked(void)
{
	return __atomic_load_n(&kernel_flag_owner, __ATOMIC_RELAXED) == this_cpu_read(cpu) + 1;
}

/* The start of a contended wait: counted, and interrupts on (an IPI from
 * the holder must get through). A wait while the local APIC holds
 * CALL_FUNCTION_VECTOR back (an interrupt of its priority class still in
 * service, not acknowledged) could last for ever, the holder waiting for
 * this CPU's answer to a TLB shootdown: it is the kernel's bug, a panic,
 * found on the first contended wait rather than on the rare one that meets
 * a shootdown. */
static void kernel_lock_wait_begin(uint32_t me)
{
	kernel_lock_contended++;   /* racy, a statistic */
	uint32_t ppr = apic_read(APIC_PROCPRI);
	if ((ppr & 0xf0) >= (CALL_FUNCTION_VECTOR & 0xf0))
		panic("CPU %u waits for the big kernel lock with the processor priority at 0x%x: "
		      "CALL_FUNCTION_VECTOR 0x%x cannot get through (an interrupt not acknowledged)",
		      me - 1, ppr, CALL_FUNCTION_VECTOR);
	__asm__ volatile("sti" ::: "memory");
}

/* See cpu/kernel_lock.h. A ticket lock taken by hand, or test-and-set
 * under a hypervisor as every spinlock_t (cpu/spinlock.h): the wait has
 * interrupts on (kernel_lock_wait_begin). */
void lock_kernel(void)
{
	uint32_t me = this_cpu_read(cpu) + 1;
	if (__atomic_load_n(&kernel_flag_owner, __ATOMIC_RELAXED) == me)
		return;
	if (virt_spin_lock_on) {
		if (!spin_trylock(&kernel_flag)) {
			kernel_lock_wait_begin(me);
			do {
				while (spin_is_locked(&kernel_flag))
					cpu_relax();
			} while (!spin_trylock(&kernel_flag));
			__asm__ volatile("cli" ::: "memory");
		}
	} else {
		uint16_t ticket = __atomic_fetch_add(&kernel_flag.next, 1, __ATOMIC_RELAXED);
		if (__atomic_load_n(&kernel_flag.owner, __ATOMIC_ACQUIRE) != ticket) {
			kernel_lock_wait_begin(me);
			while (__atomic_load_n(&kernel_flag.owner, __ATOMIC_ACQUIRE) != ticket)
				cpu_relax();
			__asm__ volatile("cli" ::: "memory");
		}
	}
	__atomic_store_n(&kernel_flag_owner, me, __ATOMIC_RELAXED);
}

/* See cpu/kernel_lock.h. A release by a CPU that does not hold it would
 * let two CPUs in, and their two releases, racing on the owner field,
 * could lose one and leave every CPU waiting for ever: a panic here. */
void unlock_kernel(void)
{
	uint32_t me = this_cpu_read(cpu) + 1, holder = __atomic_load_n(&kernel_flag_owner, __ATOMIC_RELAXED);
	if (holder != me)
		panic("CPU %u releases the big kernel lock, which it does not hold (holder: CPU number + 1 = %u)",
		      me - 1, holder);
	__atomic_store_n(&kernel_flag_owner, 0, __ATOMIC_RELAXED);
	spin_unlock(&kernel_flag);
}
