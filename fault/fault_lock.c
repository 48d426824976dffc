/* The page-fault path's lock (fault/fault_lock.h). */
#include "fault/fault_lock.h"
#include "cpu/kernel_lock.h"
#include "cpu/smp.h"

bool page_fault_smp;

/* See fault/fault_lock.h. */
void page_fault_lock(void)
{
	lock_kernel();
}

/* See fault/fault_lock.h. */
void page_fault_set_smp(bool smp)
{
	page_fault_smp = smp;
	smp_call_function_poll_enable(smp);
}
