/*
 * The memory-call constants of the Linux x86-64 ABI (Linux's
 * include/uapi/asm-generic/mman-common.h, mman.h) and the translation of
 * mmap/mprotect's prot and flags into vm_flags (Linux's linux/mman.h:
 * calc_vm_prot_bits, calc_vm_flag_bits).
 */
#ifndef FAULTLINE_MMAN_H
#define FAULTLINE_MMAN_H

#include <stdint.h>
#include "paging/vma.h"

#define PROT_READ   0x1
#define PROT_WRITE  0x2
#define PROT_EXEC   0x4
#define MAP_SHARED  0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE    0x0f
#define MAP_FIXED   0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x0100
#define MAP_DENYWRITE 0x0800
#define MAP_EXECUTABLE 0x1000
#define MAP_LOCKED  0x2000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_NONBLOCK 0x10000
#define MAP_STACK   0x20000
#define MAP_HUGETLB 0x40000
#define MAP_FIXED_NOREPLACE 0x100000
#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4
#define MADV_FREE 8
#define MADV_HUGEPAGE 14
#define MADV_COLD 20
#define MADV_PAGEOUT 21
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#define MADV_NOHUGEPAGE 15
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define MREMAP_DONTUNMAP 4

/* PAGE_ALIGN for lengths already known to be at most TASK_SIZE_MAX (no wrap). */
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)

/* The vm_flags of a mapping made with prot and flags (MAP_*): the access
 * rights, may-rights for later mprotect, sharing, growth and noreserve. */
static inline uint64_t calc_vm_flags(uint64_t prot, uint64_t flags)
{
	uint64_t vm = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	if (prot & PROT_READ)
		vm |= VM_READ;
	if (prot & PROT_WRITE)
		vm |= VM_WRITE;
	if (prot & PROT_EXEC)
		vm |= VM_EXEC;
	if ((flags & MAP_TYPE) == MAP_SHARED || (flags & MAP_TYPE) == MAP_SHARED_VALIDATE)
		vm |= VM_SHARED | VM_MAYSHARE;
	if (flags & MAP_GROWSDOWN)
		vm |= VM_GROWSDOWN;
	if (flags & MAP_NORESERVE)
		vm |= VM_NORESERVE;
	return vm;
}

/* msync flags */
#define MS_ASYNC      1
#define MS_INVALIDATE 2
#define MS_SYNC       4

#endif
