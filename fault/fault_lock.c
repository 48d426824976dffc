/* The page-fault path's lock (fault/fault_lock.h). */
#include "fault/fault_lock.h"
#include "fault/fault.h"
#include "cpu/kernel_lock.h"

/* See fault/fault_lock.h. */
void page_fault_lock(void)
{
	lock_kernel();
}

/* See fault/fault_lock.h. */
int exc_page_fault_fast_smp(struct pt_regs *regs)
{
	page_fault_lock();
	int ret = exc_page_fault_fast(regs);
	if (ret == 0)
		unlock_kernel();
	return ret;
}
