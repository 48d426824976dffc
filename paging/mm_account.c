/* How far an address space may grow: paging/mm_account.h. */
#include "paging/mm_account.h"
#include "paging/buddy.h"
#include "base/errno.h"
#include "base/process.h"
#include "cpu/percpu.h"

/* See paging/mm_account.h. */
uint64_t mm_rlimit(uint32_t resource)
{
	return current ? current->rlim[resource].rlim_cur : RLIM_INFINITY;
}

/* The hard limit, for RLIMIT_DATA's "soft 0" case. */
static uint64_t mm_rlimit_max(uint32_t resource)
{
	return current ? current->rlim[resource].rlim_max : RLIM_INFINITY;
}

/* See paging/mm_account.h. */
bool may_expand_vm(const struct mm_struct *mm, uint64_t vm_flags, uint64_t npages)
{
	if (mm->total_vm + npages > mm_rlimit(RLIMIT_AS) >> PAGE_SHIFT)
		return false;
	if (vma_is_data_flags(vm_flags) && mm->data_vm + npages > mm_rlimit(RLIMIT_DATA) >> PAGE_SHIFT) {
		/* Linux: a soft limit of 0 (the old way to disable the check) allows up to the hard one. */
		if (mm_rlimit(RLIMIT_DATA) == 0 && mm->data_vm + npages <= mm_rlimit_max(RLIMIT_DATA) >> PAGE_SHIFT)
			return true;
		return false;
	}
	return true;
}

/* See paging/mm_account.h. There is no swap: the limit is RAM alone. */
int sysctl_overcommit_memory = OVERCOMMIT_GUESS;

int vm_enough_memory(uint64_t pages)
{
	if (sysctl_overcommit_memory == OVERCOMMIT_ALWAYS)
		return 0;
	return pages > totalram_pages() ? -ENOMEM : 0;
}
