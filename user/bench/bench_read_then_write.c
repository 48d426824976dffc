/*
 * bench_read_then_write: the write fault after a read fault. The first read
 * of a fresh page maps the shared zero page; the first write after it must
 * copy on write (Linux's do_wp_page on the zero page: a fresh zeroed frame
 * replaces it). Each repetition maps --mib MiB (2 MiB aligned), reads one byte
 * per page in --order (timed: class read-zero), then writes one byte per page
 * in the same order (timed: class cow-zero) and unmaps. See docs/bench.md.
 */
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_read_then_write);

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 4, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	long rd, wr, r = 0;
	int status = bench_start(&b, "read_then_write", argc, argv, defaults, "read-zero", &rd, "cow-zero", &wr);
	if (status)
		return status;

	uint64_t len = b.pages * PAGE_SIZE;
	bench_begin(&b);
	for (uint64_t rep = 0; rep < b.args.reps && r >= 0; rep++) {
		long addr = bench_map(len, PROT_READ | PROT_WRITE, false);
		if (addr < 0) {
			r = addr;
			break;
		}
		bench_time_pages(&b, (uint32_t)rd, (uintptr_t)addr, b.order, b.pages, BENCH_READ);
		bench_time_pages(&b, (uint32_t)wr, (uintptr_t)addr, b.order, b.pages, BENCH_WRITE);
		r = bench_unmap((uintptr_t)addr, len);
	}
	bench_end(&b);

	if (r < 0)
		return bench_fail(&b, "mmap/munmap", r);
	return bench_report(&b) < 0 ? 1 : 0;
}
