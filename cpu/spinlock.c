/* The spinlocks' boot-time mode (cpu/spinlock.h). */
#include "cpu/spinlock.h"

bool virt_spin_lock_on;

/* See cpu/spinlock.h. */
void virt_spin_lock_init(bool hypervisor)
{
	virt_spin_lock_on = hypervisor;
}
