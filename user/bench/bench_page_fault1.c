/*
 * bench_page_fault1: anonymous first writes on many CPUs (will-it-scale's
 * page_fault1 idea; user/bench/scale.h). Each task maps --mib MiB of private
 * anonymous memory (default 128; 2 MiB aligned, small pages only), writes one
 * byte per page and unmaps it, again and again for --ms; k = 1..N tasks, in
 * threads mode (one mm) and processes mode. Every write is a
 * do_anonymous_page fault: class write-anon. Records bench_scale (faults per
 * second) and bench (task 0's faults timed). See docs/bench.md, "Many CPUs".
 */
#include "user/bench/harness.h"
#include "user/bench/scale.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_page_fault1);

/* A fresh anonymous region (bench_map: 2 MiB aligned, MADV_NOHUGEPAGE). */
static long map_anon(struct scale_run *r, uint32_t index, uint64_t len)
{
	(void)r, (void)index;
	return bench_map(len, PROT_READ | PROT_WRITE, false);
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	static const struct scale_workload w = {
		.name = "page_fault1", .cls = "write-anon", .default_mib = 128, .map = map_anon,
	};
	return scale_main(&w, argc, argv);
}
