/*
 * faultline's introspection syscall: how a ring-3 test asks the kernel about
 * its own page tables, so it can check things Linux hides (which physical
 * frame backs a page, whether read faults share the zero page).
 *
 * The number is far above Linux's range, so on Linux the same binary gets
 * -ENOSYS; a check that needs introspection then records "skip". Everything
 * else in a test runs the same on both kernels.
 *
 *   long fl_introspect(op, arg, buf, len)
 *
 * Op FL_INTROSPECT_PRESENT (0): arg, buf, len ignored. Returns the
 *   introspection ABI version (>= 1) on faultline, -ENOSYS on Linux.
 *
 * Op FL_INTROSPECT_PTE (1): describe the user virtual address arg.
 *   buf points at a struct fl_pte_info, len >= sizeof(struct fl_pte_info).
 *   Returns 0 with *buf filled in; -EINVAL if arg is not a user address or
 *   len is too small; -EFAULT if buf is not writable user memory. Describing
 *   never faults anything in: it reports the page tables as they are.
 *
 * Op FL_INTROSPECT_FAULT_STATS (2): copies the kernel's per-class fault
 *   counters and timings (struct fault_stats, paging/fault_stats.h; reset when
 *   the program starts) into buf, at most len bytes. Returns the bytes copied
 *   or -EFAULT.
 *
 * Op FL_INTROSPECT_PROGRESS (3): the program has done arg of len units of
 *   its work (a benchmark: samples taken of all it will take); the kernel's
 *   progress bar shows it as the fraction of the program's step. buf is
 *   ignored. Returns 0, or -EINVAL for len 0 or arg > len.
 *
 * Op FL_INTROSPECT_SYSCALLS (4): arg, buf, len ignored. Returns how many
 *   syscalls the program has made before this one (calls answered by the
 *   vDSO are none).
 *
 * Any other op: -EINVAL.
 */
#ifndef FAULTLINE_USER_FAULTLINE_H
#define FAULTLINE_USER_FAULTLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "fault/introspect_abi.h"

/* The raw call. Returns the kernel's result (>= 0, or -errno; -ENOSYS off faultline). */
long fl_introspect(uint64_t op, uint64_t arg, void *buf, uint64_t len);

/* True when running on faultline (introspection answers). The answer is cached. */
bool fl_on_faultline(void);

/* FL_INTROSPECT_PTE for va into *out. Returns 0 or -errno (-ENOSYS off faultline). */
long fl_describe_va(const void *va, struct fl_pte_info *out);

/* FL_INTROSPECT_PROGRESS: done of total units. Off faultline it makes no
 * call at all and returns -ENOSYS. */
long fl_progress(uint64_t done, uint64_t total);

#endif
