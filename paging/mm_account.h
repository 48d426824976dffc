/*
 * How far an address space may grow (Linux's may_expand_vm in mm/mmap.c and
 * __vm_enough_memory in mm/util.c): the task's RLIMIT_AS and RLIMIT_DATA, and
 * the overcommit heuristic. mmap, brk, mremap and stack growth ask before
 * they map.
 */
#ifndef FAULTLINE_MM_ACCOUNT_H
#define FAULTLINE_MM_ACCOUNT_H

#include <stdbool.h>
#include <stdint.h>
#include "base/resource.h"
#include "paging/mm_types.h"

/*
 * The current task's soft limit of resource (base/resource.h), in bytes
 * where it is one; RLIM_INFINITY when no program runs (the in-kernel
 * self-tests drive the mm calls with no task).
 */
uint64_t mm_rlimit(uint32_t resource);

/*
 * Linux's may_expand_vm: may mm grow by npages more pages of a mapping
 * with vm_flags? False when total_vm would pass RLIMIT_AS, or for a data
 * mapping (private writable, not stack) data_vm would pass RLIMIT_DATA
 * (a soft RLIMIT_DATA of 0 still allows up to the hard limit, as Linux).
 */
bool may_expand_vm(const struct mm_struct *mm, uint64_t vm_flags, uint64_t npages);

/* Linux's vm.overcommit_memory (the config's overcommit_memory): GUESS
 * (0, the default) or ALWAYS (1: every commitment is granted). */
#define OVERCOMMIT_GUESS  0
#define OVERCOMMIT_ALWAYS 1
extern int sysctl_overcommit_memory;

/*
 * Linux 6.1's __vm_enough_memory with vm.overcommit_memory = 0
 * (OVERCOMMIT_GUESS, the default): a commitment of more pages than all of
 * RAM and swap in one request is refused; with 1 (OVERCOMMIT_ALWAYS)
 * nothing is. Returns 0 or -ENOMEM.
 */
int vm_enough_memory(uint64_t pages);

/*
 * Linux's accountable_mapping: is a mapping with vm_flags charged against
 * the commit limit (private writable, not MAP_NORESERVE)? Shared anonymous
 * mappings are charged too (shmem_acct_size) unless MAP_NORESERVE.
 */
static inline bool mapping_is_accounted(uint64_t vm_flags)
{
	if (vm_flags & VM_NORESERVE)
		return false;
	return (vm_flags & VM_SHARED) || (vm_flags & VM_WRITE);
}

#endif
