/* What the huge-page workloads share (user/bench/huge.h). */
#include "user/bench/huge.h"
#include "user/rt/rt.h"

/* See user/bench/huge.h. */
int bench_huge_start(struct bench *b, const char *workload, int argc, char **argv, struct bench_args defaults,
		     uint64_t size, const char *cls0, long *id0, const char *cls1, long *id1)
{
	if (bench_init(b, workload, argc, argv, defaults, 0, PAGE_SIZE) < 0)
		return 2;
	/* The order array has room for mib * 256 touches: far more than needed. */
	b->pages = (b->args.mib << 20) / size;
	if (!b->pages)
		b->pages = 1;
	b->stride = size;
	bench_fill_order(b->order, b->pages, &b->args);
	*id0 = bench_add_class(b, cls0);
	if (*id0 < 0)
		return bench_fail(b, "sample array", *id0);
	if (cls1) {
		*id1 = bench_add_class(b, cls1);
		if (*id1 < 0)
			return bench_fail(b, "sample array", *id1);
	}
	long r = bench_warm_up(b);
	return r < 0 ? bench_fail(b, "warm-up", r) : 0;
}

/* See user/bench/huge.h. */
long bench_map_huge(uint64_t len, int hugetlb_flags)
{
	if (!hugetlb_flags)
		return rt_map_thp_region(len);
	return sys_mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | hugetlb_flags, -1, 0);
}
