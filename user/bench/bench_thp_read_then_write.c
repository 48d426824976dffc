/*
 * bench_thp_read_then_write: the huge zero page and its copy-on-write. The
 * first read of a 2 MiB region that may have a THP maps the huge zero page
 * read-only (class thp-read: no clearing, one pmd entry); the first write
 * after it replaces it with a cleared THP (class thp-cow-zero; Linux 6.1
 * splits the huge zero page and copies 4 KiB instead: its number is a 4 KiB
 * CoW fault). Each repetition maps --mib MiB (2 MiB aligned, MADV_HUGEPAGE),
 * reads one byte per 2 MiB in --order, writes one per 2 MiB in the same
 * order, unmaps. See docs/bench.md, "Huge pages".
 */
#include "user/bench/huge.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_thp_read_then_write);

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 64, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	long rd, wr, r = 0;
	int status = bench_huge_start(&b, "thp_read_then_write", argc, argv, defaults, HPAGE_SIZE, "thp-read", &rd,
				      "thp-cow-zero", &wr);
	if (status)
		return status;
	uint64_t len = b.pages * b.stride;
	bench_begin(&b);
	for (uint64_t rep = 0; rep < b.args.reps && r >= 0; rep++) {
		long a = bench_map_huge(len, 0);
		if (a < 0) {
			r = a;
			break;
		}
		bench_time_pages(&b, (uint32_t)rd, (uintptr_t)a, b.order, b.pages, BENCH_READ);
		bench_time_pages(&b, (uint32_t)wr, (uintptr_t)a, b.order, b.pages, BENCH_WRITE);
		r = bench_unmap((uintptr_t)a, len);
	}
	bench_end(&b);
	if (r < 0)
		return bench_fail(&b, "mmap/munmap", r);
	return bench_report(&b) < 0 ? 1 : 0;
}
