/*
 * bench_dontneed_refault: the write fault on a page that MADV_DONTNEED took
 * away. One mapping of --mib MiB (2 MiB aligned) is written once, untimed;
 * then each repetition drops every page with MADV_DONTNEED and writes one
 * byte per page again in --order, timed. The refault is an ordinary
 * first-write fault (a zeroed frame, class write-anon), but its page tables
 * are normally still there (Linux keeps them after MADV_DONTNEED), so
 * comparing it with bench_write_first shows what the page-table allocation
 * and a fresh VMA cost. See docs/bench.md.
 */
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_dontneed_refault);

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 4, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	long c, r = 0;
	int status = bench_start(&b, "dontneed_refault", argc, argv, defaults, "write-anon", &c, NULL, NULL);
	if (status)
		return status;

	uint64_t len = b.pages * PAGE_SIZE;
	long addr = bench_map(len, PROT_READ | PROT_WRITE, false);
	if (addr < 0)
		return bench_fail(&b, "mmap", addr);
	bench_touch(&b, (uintptr_t)addr, b.order, b.pages, BENCH_WRITE);

	bench_begin(&b);
	for (uint64_t rep = 0; rep < b.args.reps && r >= 0; rep++) {
		r = sys_madvise((void *)addr, len, MADV_DONTNEED);
		if (r >= 0)
			bench_time_pages(&b, (uint32_t)c, (uintptr_t)addr, b.order, b.pages, BENCH_WRITE);
	}
	bench_end(&b);

	if (r < 0)
		return bench_fail(&b, "madvise(MADV_DONTNEED)", r);
	r = bench_unmap((uintptr_t)addr, len);
	if (r < 0)
		return bench_fail(&b, "munmap", r);
	return bench_report(&b) < 0 ? 1 : 0;
}
