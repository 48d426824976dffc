/*
 * What the huge-page workloads share (docs/bench.md, "Huge pages"): one
 * sample per 2 MiB (or 1 GiB) page instead of per 4 KiB page, in regions
 * mapped for huge pages: a 2 MiB-aligned MADV_HUGEPAGE region for THPs, a
 * MAP_HUGETLB one for hugetlb pages.
 */
#ifndef FAULTLINE_BENCH_HUGE_H
#define FAULTLINE_BENCH_HUGE_H

#include "user/bench/harness.h"

/*
 * bench_init for huge pages of `size` bytes: --mib MiB make mib * 1 MiB /
 * size pages (at least 1), touched size bytes apart, then the classes cls0
 * and (if not NULL) cls1 and the warm-up. Returns 0 with the class ids in
 * *id0 / *id1, or the exit status main should return.
 */
int bench_huge_start(struct bench *b, const char *workload, int argc, char **argv, struct bench_args defaults,
		     uint64_t size, const char *cls0, long *id0, const char *cls1, long *id1);

/* A region of len bytes for huge pages: flags 0 for THP (2 MiB-aligned,
 * MADV_HUGEPAGE), else MAP_HUGETLB | MAP_HUGE_*. Returns the address or -errno. */
long bench_map_huge(uint64_t len, int hugetlb_flags);

#endif
