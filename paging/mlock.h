/*
 * mlockall, munlockall and the RLIMIT_MEMLOCK check of mmap (Linux's
 * mm/mlock.c). A locked VMA carries VM_LOCKED (and VM_LOCKONFAULT when its
 * pages are only locked once faulted in); mm->def_flags carries them for
 * the mappings still to come (mlockall(MCL_FUTURE)). faultline never
 * reclaims anonymous memory yet, so "locked" changes what is counted and
 * populated, not what stays resident.
 */
#ifndef FAULTLINE_MLOCK_H
#define FAULTLINE_MLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "paging/mm_types.h"

#define MCL_CURRENT 1
#define MCL_FUTURE  2
#define MCL_ONFAULT 4

/* Linux's can_do_mlock: RLIMIT_MEMLOCK is not 0, or CAP_IPC_LOCK (root's euid). */
bool can_do_mlock(void);

/* Linux's mm->locked_vm: the pages of mm's VM_LOCKED VMAs. */
uint64_t mm_locked_pages(const struct mm_struct *mm);

/*
 * Linux's mlock_future_check: may a mapping of len bytes with vm_flags be
 * added? Returns 0, or -EAGAIN when it is VM_LOCKED and the locked pages
 * would pass RLIMIT_MEMLOCK without CAP_IPC_LOCK (root's euid).
 */
int mlock_future_check(const struct mm_struct *mm, uint64_t vm_flags, uint64_t len);

/*
 * Linux's mlockall: MCL_FUTURE sets mm->def_flags, MCL_CURRENT locks (and,
 * without MCL_ONFAULT, populates) every VMA. Returns 0; -EINVAL for no
 * flag, an unknown one or MCL_ONFAULT alone; -EPERM when RLIMIT_MEMLOCK is
 * 0 without CAP_IPC_LOCK; -ENOMEM when MCL_CURRENT would lock more than
 * RLIMIT_MEMLOCK without CAP_IPC_LOCK, or a VMA could not be split.
 */
int64_t do_mlockall(struct mm_struct *mm, uint64_t flags);

/* Linux's munlockall: clears def_flags' and every VMA's lock. Returns 0. */
int64_t do_munlockall(struct mm_struct *mm);

#endif
