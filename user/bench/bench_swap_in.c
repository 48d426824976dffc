/*
 * bench_swap_in: major faults that read a page back from swap (docs/bench.md,
 * "Swap"). Needs swap: faultline's `swap =` (bench/run_bench.py sets it) or
 * Linux with zram (tools/linux_ref.py --zram). Each repetition maps --mib
 * MiB afresh, writes every page, pages it all out with MADV_PAGEOUT (not
 * timed) and times a read of each page:
 *   swap-in              pages of text-like data: LZ4-compressed in zram, so
 *                        each fault decompresses one (the kernel's clear
 *                        cycles of the class are that decompression: the
 *                        report shows p50 without it)
 *   swap-in-same-filled  pages of one repeated 8-byte word: zram keeps only
 *                        the word, the fault fills the frame with it
 * Without swap MADV_PAGEOUT leaves the pages mapped and nothing faults: a
 * bench_error record says so.
 */
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_swap_in);

#define MADV_PAGEOUT 21

/* Writes every page of [base, base + pages pages): text-like words, or one word per page. */
static void fill(uintptr_t base, uint64_t pages, bool same_filled, uint64_t *seed)
{
	static const uint64_t words[] = { 0x2065676170206120ull, 0x6e6f206874697720ull, 0x6172207a20646e61ull,
					  0x0a2e6d6172207a20ull };
	for (uint64_t p = 0; p < pages; p++) {
		uint64_t mix = bench_random(seed);
		for (uint32_t w = 0; w < PAGE_SIZE / 8; w++)
			poke64(base + p * PAGE_SIZE + w * 8,
			       same_filled ? mix : words[(w + (mix >> (w % 61))) % 4] ^ ((mix >> (w % 64)) & 0xff));
	}
}

/* One repetition of class c: map, fill, page out, time a read of each page, unmap. */
static long one_rep(struct bench *b, uint32_t c, bool same_filled, uint64_t *seed)
{
	uint64_t len = b->pages * PAGE_SIZE;
	long addr = bench_map(len, PROT_READ | PROT_WRITE, false);
	if (addr < 0)
		return addr;
	fill((uintptr_t)addr, b->pages, same_filled, seed);
	long r = sys_madvise((void *)addr, len, MADV_PAGEOUT);
	if (r == 0)
		bench_time_pages(b, c, (uintptr_t)addr, b->order, b->pages, BENCH_READ);
	long u = bench_unmap((uintptr_t)addr, len);
	return r < 0 ? r : u;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	long in, same;
	struct bench_args defaults = { .mib = 1, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	int st = bench_start(&b, "swap_in", argc, argv, defaults, "swap-in", &in, "swap-in-same-filled", &same);
	if (st)
		return st;
	uint64_t seed = b.args.seed * 0x9e3779b97f4a7c15ull + 1;
	long r = 0;
	bench_begin(&b);
	for (uint64_t rep = 0; rep < b.args.reps && r >= 0; rep++) {
		r = one_rep(&b, (uint32_t)in, false, &seed);
		if (r >= 0)
			r = one_rep(&b, (uint32_t)same, true, &seed);
	}
	bench_end(&b);
	if (r < 0)
		return bench_fail(&b, "mmap/madvise/munmap", r);
	struct rusage ru;
	if (sys_getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_majflt == 0)
		return bench_fail(&b, "no swap: MADV_PAGEOUT paged nothing out (no major fault)", 0);
	return bench_report(&b) < 0 ? 1 : 0;
}
