/*
 * Memory-management helpers for ring-3 tests, built on the raw syscalls.
 */
#ifndef FAULTLINE_USER_MM_H
#define FAULTLINE_USER_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096ul

/* Returns the process's minor-fault count (getrusage ru_minflt), or -errno. */
int64_t rt_minflt(void);

/* Returns the process's major-fault count (getrusage ru_majflt), or -errno. */
int64_t rt_majflt(void);

/*
 * Maps len bytes of private anonymous memory with prot, anywhere, and asks
 * for 4 KiB pages only (MADV_NOHUGEPAGE), so that every page costs its own
 * fault whatever the host's transparent-huge-page setting. Returns the
 * address or -errno (the mapping is removed again if madvise fails).
 */
long rt_map_small_pages(size_t len, int prot);

/*
 * Whether the page holding addr is part of some mapping, asked without
 * touching it: a MAP_FIXED_NOREPLACE probe that fails with -EEXIST exactly
 * when something is there (a probe that succeeds is unmapped again).
 * Returns 1 (mapped), 0 (not mapped) or -errno from the probe.
 */
int rt_page_is_mapped(const void *addr);

/*
 * Returns the width of the user address space: 57 (5-level paging) if a
 * mapping hinted at 2^52 lands above the 47-bit window, else 47. (Linux and
 * faultline map above 2^47 only when asked with such a hint.) The probe is
 * unmapped again.
 */
uint32_t rt_user_va_bits(void);

#endif
