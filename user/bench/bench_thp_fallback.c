/*
 * bench_thp_fallback: a write that wanted a THP and got 4 KiB pages, as on a
 * machine whose free memory has no whole 2 MiB block left: the fault tries
 * the order-9 allocation, fails, and maps one 4 KiB page (class
 * thp-fallback, Linux's thp_fault_fallback). faultline makes its order-9
 * allocations fail for this program through introspection
 * (FL_INTROSPECT_THP_FAIL); Linux cannot be asked to, so there the workload
 * reports a bench_error. Each repetition maps --mib MiB (2 MiB aligned,
 * MADV_HUGEPAGE), writes one byte per 2 MiB in --order (each the first touch
 * of its 2 MiB: a fallback), unmaps. See docs/bench.md, "Huge pages".
 */
#include "user/bench/huge.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_thp_fallback);

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 64, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	long c, r = 0;
	int status = bench_huge_start(&b, "thp_fallback", argc, argv, defaults, HPAGE_SIZE, "thp-fallback", &c, NULL,
				      NULL);
	if (status)
		return status;
	long inj = fl_introspect(FL_INTROSPECT_THP_FAIL, 1, NULL, 0);
	if (inj < 0)
		return bench_fail(&b, "no THP fault injection here (faultline's introspection only)", inj);
	uint64_t len = b.pages * b.stride;
	bench_begin(&b);
	for (uint64_t rep = 0; rep < b.args.reps && r >= 0; rep++) {
		long a = bench_map_huge(len, 0);
		if (a < 0) {
			r = a;
			break;
		}
		bench_time_pages(&b, (uint32_t)c, (uintptr_t)a, b.order, b.pages, BENCH_WRITE);
		r = bench_unmap((uintptr_t)a, len);
	}
	bench_end(&b);
	fl_introspect(FL_INTROSPECT_THP_FAIL, 0, NULL, 0);
	if (r < 0)
		return bench_fail(&b, "mmap/munmap", r);
	return bench_report(&b) < 0 ? 1 : 0;
}
