/*
 * The bodies of the memory syscalls (kernel/sys_mm.c), on an mm given
 * explicitly: the sys_* of fault/syscall.h call them with current->mm, the
 * failure-atomicity self-test with an mm of its own. Each validates its
 * arguments and returns what the syscall returns (a negative errno, or for
 * do_brk the break). Each either completes or changes nothing - VMAs,
 * page-table entries and pages, user data - also when an allocation fails
 * part-way; the Linux-compatible exception: do_mmap with MAP_POPULATE keeps
 * the mapping when population runs out of memory.
 */
#ifndef FAULTLINE_SYS_MM_H
#define FAULTLINE_SYS_MM_H

#include <stdint.h>
#include "paging/mm_types.h"

int64_t do_mmap(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd,
		uint64_t off);
int64_t do_munmap(struct mm_struct *mm, uint64_t addr, uint64_t len);
int64_t do_mprotect(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t prot);
int64_t do_brk(struct mm_struct *mm, uint64_t brk);
int64_t do_madvise(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t advice);
int64_t do_mremap(struct mm_struct *mm, uint64_t addr, uint64_t old_len, uint64_t new_len, uint64_t flags,
		  uint64_t new_addr);

#endif
