/*
 * bench_mprotect_upgrade: the write fault after mprotect made a read-only
 * mapping writable. Each repetition maps --mib MiB PROT_READ (2 MiB aligned),
 * reads one byte per page (untimed: the zero page is mapped everywhere),
 * mprotect()s it PROT_READ|PROT_WRITE, then writes one byte per page in
 * --order, timed, and unmaps. The zero page stays read-only through the
 * upgrade, so every write copies on write: class cow-zero, after an mprotect
 * instead of straight after the read (compare bench_read_then_write).
 * See docs/bench.md.
 */
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_mprotect_upgrade);

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 4, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	long c, r = 0;
	int status = bench_start(&b, "mprotect_upgrade", argc, argv, defaults, "cow-zero", &c, NULL, NULL);
	if (status)
		return status;

	uint64_t len = b.pages * PAGE_SIZE;
	const char *what = "mmap";
	bench_begin(&b);
	for (uint64_t rep = 0; rep < b.args.reps && r >= 0; rep++) {
		long addr = bench_map(len, PROT_READ, false);
		if (addr < 0) {
			r = addr;
			break;
		}
		bench_touch(&b, (uintptr_t)addr, b.order, b.pages, BENCH_READ);
		r = sys_mprotect((void *)addr, len, PROT_READ | PROT_WRITE);
		if (r < 0) {
			what = "mprotect";
			break;
		}
		bench_time_pages(&b, (uint32_t)c, (uintptr_t)addr, b.order, b.pages, BENCH_WRITE);
		r = bench_unmap((uintptr_t)addr, len);
		what = "munmap";
	}
	bench_end(&b);

	if (r < 0)
		return bench_fail(&b, what, r);
	return bench_report(&b) < 0 ? 1 : 0;
}
