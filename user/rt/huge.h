/*
 * Huge pages from ring 3, the same way on faultline and on Linux: a
 * 2 MiB-aligned anonymous region advised MADV_HUGEPAGE, and whether this
 * kernel gives such a region transparent huge pages at all (faultline: its
 * `thp` config through introspection; Linux:
 * /sys/kernel/mm/transparent_hugepage/enabled).
 */
#ifndef FAULTLINE_USER_HUGE_H
#define FAULTLINE_USER_HUGE_H

#include <stddef.h>
#include <stdint.h>

#define HPAGE_SIZE (2ul << 20)

/* Maps len bytes (a multiple of 2 MiB) of private anonymous read-write memory
 * at a 2 MiB-aligned address and advises MADV_HUGEPAGE. Returns the address,
 * or -errno. */
long rt_map_thp_region(size_t len);

/* 1 if a MADV_HUGEPAGE region gets THPs here (mode always or madvise), 0 if
 * not (never), -errno if it cannot be told. */
int rt_thp_enabled(void);

/* prctl(option, arg2, 0, 0, 0). */
long rt_prctl(long option, long arg2);

#endif
