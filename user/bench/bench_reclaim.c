/*
 * bench_reclaim: cycles per page reclaimed (docs/bench.md, "Reclaim"). Each
 * repetition maps --mib MiB of private memory, writes every page and then
 * reclaims the pages one by one with MADV_PAGEOUT, each call timed:
 *   reclaim        an anonymous page of text-like words: the reverse map's
 *                  walk, add_to_swap, the swap entry in its pte, LZ4
 *                  compression into zram, the frame freed (needs swap:
 *                  faultline's `swap =`, Linux's zram)
 *   reclaim-file   a clean page-cache page of a shared file mapping (read
 *                  once): its pte cleared, the page dropped from the cache
 * Each sample is one madvise call on one page, the system call's entry and
 * exit included (the same on both machines). A call that reclaimed nothing
 * (no swap) makes a bench_error record.
 */
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_reclaim);

#define MADV_PAGEOUT 21
#define FILE_PATH "bench_reclaim.dat"

/* Times MADV_PAGEOUT of each page of [base, base + pages pages) into class c. */
static long time_pageouts(struct bench *b, uint32_t c, uintptr_t base)
{
	struct bench_class *cls = &b->cls[c];
	for (uint64_t i = 0; i < b->pages; i++) {
		uintptr_t a = base + (uint64_t)b->order[i] * PAGE_SIZE;
		uint64_t t0 = rdtsc_ordered();
		long r = sys_madvise((void *)a, PAGE_SIZE, MADV_PAGEOUT);
		uint64_t t1 = bench_tsc_end();
		if (r < 0)
			return r;
		uint64_t d = t1 - t0;
		if (cls->count < cls->cap)
			cls->samples[cls->count++] = d > b->empty_bracket ? d - b->empty_bracket : 0;
	}
	return 0;
}

/* One anonymous repetition. */
static long anon_rep(struct bench *b, uint32_t c, uint64_t *seed)
{
	uint64_t len = b->pages * PAGE_SIZE;
	long addr = bench_map(len, PROT_READ | PROT_WRITE, false);
	if (addr < 0)
		return addr;
	static const uint64_t words[] = { 0x2065676170206120ull, 0x6e6f206874697720ull, 0x6172207a20646e61ull,
					  0x0a2e6d6172207a20ull };
	for (uint64_t p = 0; p < b->pages; p++) {
		uint64_t mix = bench_random(seed);
		for (uint32_t w = 0; w < PAGE_SIZE / 8; w++)
			poke64((uintptr_t)addr + p * PAGE_SIZE + w * 8, words[(w + (mix >> (w % 61))) % 4] ^ (mix & 0xff));
	}
	long r = time_pageouts(b, c, (uintptr_t)addr);
	long u = bench_unmap((uintptr_t)addr, len);
	return r < 0 ? r : u;
}

/* One file repetition: the file's pages cached and mapped (read), then paged out. */
static long file_rep(struct bench *b, uint32_t c, long fd)
{
	uint64_t len = b->pages * PAGE_SIZE;
	long addr = sys_mmap(0, len, PROT_READ, MAP_SHARED, (int)fd, 0);
	if (addr < 0)
		return addr;
	for (uint64_t p = 0; p < b->pages; p++)
		(void)peek64((uintptr_t)addr + p * PAGE_SIZE);
	long r = time_pageouts(b, c, (uintptr_t)addr);
	long u = sys_munmap((void *)addr, len);
	return r < 0 ? r : u;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	long anon, file;
	struct bench_args defaults = { .mib = 1, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	int st = bench_start(&b, "reclaim", argc, argv, defaults, "reclaim", &anon, "reclaim-file", &file);
	if (st)
		return st;
	long fd = sys_open(FILE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return bench_fail(&b, "open", fd);
	static uint64_t buf[PAGE_SIZE / 8];
	for (uint64_t p = 0; p < b.pages; p++) {
		for (uint32_t w = 0; w < PAGE_SIZE / 8; w++)
			buf[w] = p * 0x9e3779b97f4a7c15ull + w;
		if (sys_write((int)fd, buf, PAGE_SIZE) != PAGE_SIZE)
			return bench_fail(&b, "write", -1);
	}
	sys_fsync((int)fd);   /* clean pages: reclaim drops them without writing */
	uint64_t seed = b.args.seed * 0x9e3779b97f4a7c15ull + 1;
	long r = 0;
	bench_begin(&b);
	for (uint64_t rep = 0; rep < b.args.reps && r >= 0; rep++) {
		r = anon_rep(&b, (uint32_t)anon, &seed);
		if (r >= 0)
			r = file_rep(&b, (uint32_t)file, fd);
	}
	bench_end(&b);
	sys_close((int)fd);
	sys_unlink(FILE_PATH);
	if (r < 0)
		return bench_fail(&b, "mmap/madvise/munmap", r);
	return bench_report(&b) < 0 ? 1 : 0;
}
