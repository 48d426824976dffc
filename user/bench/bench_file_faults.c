/*
 * bench_file_faults: faults on file mappings (docs/bench.md). A file of
 * 16 MiB per --mib is written under files/ (so it is in the page cache), then each
 * repetition maps it afresh and touches one byte per 64 KiB window (the
 * fault-around window: every touch is one fault):
 *   file-read          read, MAP_PRIVATE: the cached page and its cached
 *                      neighbours mapped (do_read_fault with fault-around)
 *   file-cow           write, MAP_PRIVATE: a private copy (do_cow_fault)
 *   file-shared-write  write, MAP_SHARED: the cached page dirtied and mapped
 *                      writable (do_shared_fault)
 *   file-read-major    read of a fresh file's pages that are not cached (a
 *                      file grown by ftruncate: its pages are holes, read as
 *                      zeros; faultline reads the page: a major fault)
 */
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_file_faults);

#define WINDOW 65536ul
#define PATH "files/bench_file_faults.bin"
#define COLD "files/bench_file_faults_cold.bin"

static uint8_t chunk[WINDOW];

/* Maps the file at fd with flags/prot, times one kind access per window into class c, unmaps. */
static long time_mapping(struct bench *b, uint32_t c, long fd, int prot, int flags, enum bench_access kind)
{
	uint64_t len = b->pages * b->stride;
	long addr = sys_mmap(0, len, prot, flags, (int)fd, 0);
	if (addr < 0)
		return addr;
	bench_time_pages(b, c, (uintptr_t)addr, b->order, b->pages, kind);
	return sys_munmap((void *)addr, len);
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	/* --mib N: N * 256 touches a repetition, one per 64 KiB: a file of N * 16 MiB. */
	struct bench_args defaults = { .mib = 1, .reps = 4, .seed = 1, .order = BENCH_SEQ };
	if (bench_init(&b, "file_faults", argc, argv, defaults, 0, WINDOW) < 0)
		return 2;
	long rd = bench_add_class(&b, "file-read"), cow = bench_add_class(&b, "file-cow");
	long sh = bench_add_class(&b, "file-shared-write"), maj = bench_add_class(&b, "file-read-major");
	if (rd < 0 || cow < 0 || sh < 0 || maj < 0)
		return bench_fail(&b, "sample array", rd < 0 ? rd : cow < 0 ? cow : sh < 0 ? sh : maj);
	long r = bench_warm_up(&b);
	if (r < 0)
		return bench_fail(&b, "warm-up", r);
	uint64_t len = b.pages * b.stride;
	long fd = sys_open(PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return bench_fail(&b, "open", fd);
	memset(chunk, 'b', sizeof(chunk));
	for (uint64_t done = 0; done < len && r >= 0; done += WINDOW)
		r = sys_write((int)fd, chunk, WINDOW);
	if (r < 0)
		return bench_fail(&b, "write", r);

	bench_begin(&b);
	for (uint64_t rep = 0; rep < b.args.reps && r >= 0; rep++) {
		r = time_mapping(&b, (uint32_t)rd, fd, PROT_READ, MAP_PRIVATE, BENCH_READ);
		if (r >= 0)
			r = time_mapping(&b, (uint32_t)cow, fd, PROT_READ | PROT_WRITE, MAP_PRIVATE, BENCH_WRITE);
		if (r >= 0)
			r = time_mapping(&b, (uint32_t)sh, fd, PROT_READ | PROT_WRITE, MAP_SHARED, BENCH_WRITE);
		long cfd = r >= 0 ? sys_open(COLD, O_RDWR | O_CREAT | O_TRUNC, 0644) : r;
		if (cfd >= 0 && (r = sys_ftruncate((int)cfd, (long)len)) >= 0)
			r = time_mapping(&b, (uint32_t)maj, cfd, PROT_READ, MAP_PRIVATE, BENCH_READ);
		else if (cfd < 0)
			r = cfd;
		if (cfd >= 0) {
			sys_close((int)cfd);
			sys_unlink(COLD);
		}
	}
	bench_end(&b);
	sys_close((int)fd);
	sys_unlink(PATH);
	if (r < 0)
		return bench_fail(&b, "mmap/munmap", r);
	return bench_report(&b) < 0 ? 1 : 0;
}
