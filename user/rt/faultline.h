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
 *   counters and timings (struct fault_stats, fault/fault_stats.h; reset when
 *   the program starts) into buf, at most len bytes. Returns the bytes copied
 *   or -EFAULT.
 *
 * Any other op: -EINVAL.
 */
#ifndef FAULTLINE_USER_FAULTLINE_H
#define FAULTLINE_USER_FAULTLINE_H

#include <stdbool.h>
#include <stdint.h>

#define SYS_faultline_introspect 0x4000fa17

#define FL_INTROSPECT_PRESENT 0
#define FL_INTROSPECT_PTE     1
#define FL_INTROSPECT_FAULT_STATS 2

/*
 * What the page-table walk for one address found.
 *   va        arg rounded down to 4 KiB
 *   levels    paging levels of the address space (4 or 5)
 *   entry[i]  the raw entry at walk step i: entry[0] is the top level (PML5E
 *             with 5 levels, PML4E with 4), entry[levels-1] the PTE. Steps
 *             after a non-present entry or after a huge leaf are 0.
 *   pfn       physical frame number of the 4 KiB frame holding va when the
 *             walk ended at a present leaf (inside a huge page: that frame),
 *             else 0
 *   flags     FL_PTE_* summary of the leaf
 */
struct fl_pte_info {
	uint64_t va;
	uint64_t levels;
	uint64_t entry[5];
	uint64_t pfn;
	uint64_t flags;
};

#define FL_PTE_PRESENT   (1ull << 0)  /* a present leaf maps va */
#define FL_PTE_WRITE     (1ull << 1)  /* writable (all levels allow it) */
#define FL_PTE_USER      (1ull << 2)  /* user-accessible (all levels allow it) */
#define FL_PTE_NX        (1ull << 3)  /* no-execute at some level */
#define FL_PTE_HUGE      (1ull << 4)  /* the leaf is a 2 MiB or 1 GiB page */
#define FL_PTE_ZERO_PAGE (1ull << 5)  /* the frame is the shared zero page */

/* The raw call. Returns the kernel's result (>= 0, or -errno; -ENOSYS off faultline). */
long fl_introspect(uint64_t op, uint64_t arg, void *buf, uint64_t len);

/* True when running on faultline (introspection answers). The answer is cached. */
bool fl_on_faultline(void);

/* FL_INTROSPECT_PTE for va into *out. Returns 0 or -errno (-ENOSYS off faultline). */
long fl_describe_va(const void *va, struct fl_pte_info *out);

#endif
