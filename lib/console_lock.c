/* The console's lock (lib/console_lock.h). */
#include "lib/console_lock.h"
#include "cpu/spinlock.h"
#ifndef HOST_TEST
#include "cpu/percpu.h"
#endif

static spinlock_t console_spin = __SPIN_LOCK_UNLOCKED;
static volatile uint32_t console_owner;   /* the holder's CPU number + 1 */
static uint32_t console_depth;

/* This CPU's number + 1 (1 in the host tests). */
static inline uint32_t console_me(void)
{
#ifdef HOST_TEST
	return 1;
#else
	return this_cpu_read(cpu) + 1;
#endif
}

/* See lib/console_lock.h. */
uint64_t console_lock(void)
{
	uint64_t flags = local_irq_save();
	uint32_t me = console_me();
	if (__atomic_load_n(&console_owner, __ATOMIC_RELAXED) != me) {
		spin_lock(&console_spin);
		__atomic_store_n(&console_owner, me, __ATOMIC_RELAXED);
	}
	console_depth++;
	return flags;
}

/* See lib/console_lock.h. */
void console_unlock(uint64_t flags)
{
	if (--console_depth == 0) {
		__atomic_store_n(&console_owner, 0, __ATOMIC_RELAXED);
		spin_unlock(&console_spin);
	}
	local_irq_restore(flags);
}
