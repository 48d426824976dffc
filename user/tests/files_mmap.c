/*
 * files_mmap: file mappings as Linux has them. The cached pages of a file
 * are what read() returns and what a mapping shows, both ways:
 *   - a read-only private mapping of the stick's pages.bin (64 pages and 4
 *     bytes, page i filled with 'A' + i % 26) holds the file, the tail of
 *     the last page reads zeros, and with the file cached (read() first)
 *     touching its 64 pages costs 4 faults: fault-around maps the 16 cached
 *     pages of each 64 KiB window (Linux's default fault_around_bytes);
 *   - a write to a private mapping is a private copy: read() and another
 *     mapping still see the file;
 *   - a write to a shared mapping is seen by pread at once, a pwrite by the
 *     mapping, and msync(MS_SYNC) + munmap keep it in the file;
 *   - mmap's errors for files: no fd -EBADF, a write-only fd -EACCES, a
 *     read-only fd shared with PROT_WRITE -EACCES (and mprotect to it
 *     later), an unaligned offset -EINVAL, a directory -ENODEV.
 * On faultline only: the first touch of cold.bin's 16 pages (no read()
 * before; nothing cached) is 16 major faults (Linux reads ahead instead).
 */
#include "user/rt/rt.h"

RT_PROGRAM(files_mmap);

#define PAGES 64

static void expect(const char *name, long got, long want)
{
	rt_check(name, got == want, "returned %ld, expected %ld", got, want);
}

static uint8_t buf[PAGES * 4096 + 4];

/* ru_majflt now, or -errno. */
static long majflt(void)
{
	struct rusage ru;
	long r = sys_getrusage(RUSAGE_SELF, &ru);
	return r < 0 ? r : ru.ru_majflt;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	/* Cold file first, before anything else reads it. */
	long cfd = sys_open("files/cold.bin", O_RDONLY, 0);
	long cold = sys_mmap(0, 16 * 4096, PROT_READ, MAP_PRIVATE, (int)cfd, 0);
	long maj0 = majflt();
	uint32_t sum = 0;
	for (int i = 0; i < 16 && cold > 0; i++)
		sum += peek8((uintptr_t)cold + (uintptr_t)i * 4096);
	long maj1 = majflt();
	if (fl_on_faultline())
		rt_check("cold_major_faults", maj1 - maj0 == 16 && sum == 16 * 97 + 120,
			 "16 uncached pages touched: %ld major faults (expected 16), sum %u", maj1 - maj0, sum);
	else
		rt_test("cold_major_faults", RT_SKIP, "Linux reads ahead: fewer major faults (%ld here)", maj1 - maj0);
	sys_munmap((void *)cold, 16 * 4096);
	sys_close((int)cfd);

	long fd = sys_open("files/pages.bin", O_RDONLY, 0);
	expect("read_whole_file", sys_read((int)fd, buf, sizeof(buf)), PAGES * 4096 + 4);
	/* At a 64 KiB-aligned address: the fault-around windows are aligned so. */
	long area = sys_mmap(0, (PAGES + 1) * 4096 + 65536, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long p = sys_mmap((void *)((area + 65535) & ~65535l), (PAGES + 1) * 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED,
			  (int)fd, 0);
	rt_check("mmap_file", p > 0 && (p & 65535) == 0, "mmap: %lx", p);
	if (p < 0)
		return 0;
	int64_t before = rt_minflt();
	uint32_t bad = 0;
	for (int i = 0; i < PAGES; i++)
		if (peek8((uintptr_t)p + (uintptr_t)i * 4096 + 100) != (uint8_t)('A' + i % 26))
			bad++;
	int64_t after = rt_minflt();
	rt_check("fault_around_4_faults", after - before == 4 && bad == 0,
		 "64 cached pages read in order: %ld faults (expected 4 with 64 KiB fault-around), %u wrong",
		 (long)(after - before), bad);
	uint8_t *last = (uint8_t *)p + PAGES * 4096;
	rt_check("tail_page", !memcmp(last, "tail", 4) && last[4] == 0 && last[4095] == 0,
		 "last page: %.4s then %u %u", (char *)last, last[4], last[4095]);
	sys_munmap((void *)area, (PAGES + 1) * 4096 + 65536);

	/* Private writes stay private. */
	p = sys_mmap(0, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, (int)fd, 0);
	long q = sys_mmap(0, 4 * 4096, PROT_READ, MAP_PRIVATE, (int)fd, 0);
	peek8((uintptr_t)q + 4096);
	poke8((uintptr_t)p + 4096 + 5, 'x');
	uint8_t c = 0;
	sys_pread((int)fd, &c, 1, 4096 + 5);
	rt_check("private_write_not_in_file", c == 'B', "file byte %c (expected B)", c);
	rt_check("private_write_not_in_other_mapping", peek8((uintptr_t)q + 4096 + 5) == 'B', "other mapping %c",
		 peek8((uintptr_t)q + 4096 + 5));
	rt_check("private_write_seen_here", peek8((uintptr_t)p + 4096 + 5) == 'x', "own mapping %c",
		 peek8((uintptr_t)p + 4096 + 5));
	sys_munmap((void *)p, 4 * 4096);
	sys_munmap((void *)q, 4 * 4096);

	/* mmap's errors for files. */
	expect("mmap_no_fd", sys_mmap(0, 4096, PROT_READ, MAP_PRIVATE, -1, 0), -EBADF);
	expect("mmap_closed_fd", sys_mmap(0, 4096, PROT_READ, MAP_PRIVATE, 77, 0), -EBADF);
	expect("mmap_unaligned_offset", sys_mmap(0, 4096, PROT_READ, MAP_PRIVATE, (int)fd, 100), -EINVAL);
	expect("mmap_zero_len", sys_mmap(0, 0, PROT_READ, MAP_PRIVATE, (int)fd, 0), -EINVAL);
	expect("mmap_rdonly_shared_write", sys_mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0), -EACCES);
	long ro = sys_mmap(0, 4096, PROT_READ, MAP_SHARED, (int)fd, 0);
	rt_check("mmap_rdonly_shared_read", ro > 0, "mmap: %ld", ro);
	expect("mprotect_rdonly_shared_write", sys_mprotect((void *)ro, 4096, PROT_READ | PROT_WRITE), -EACCES);
	sys_munmap((void *)ro, 4096);
	long pw = sys_mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, (int)fd, 0);
	rt_check("mmap_rdonly_private_write", pw > 0, "mmap: %ld", pw);
	sys_munmap((void *)pw, 4096);
	sys_close((int)fd);
	long wfd = sys_open("files/mm_tmp.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	expect("mmap_wronly", sys_mmap(0, 4096, PROT_READ, MAP_SHARED, (int)wfd, 0), -EACCES);
	sys_close((int)wfd);
	long dfd = sys_open("files", O_RDONLY, 0);
	expect("mmap_directory", sys_mmap(0, 4096, PROT_READ, MAP_PRIVATE, (int)dfd, 0), -ENODEV);
	sys_close((int)dfd);

	/* Shared mappings: coherent with read/write both ways, kept by msync. */
	fd = sys_open("files/mm_tmp.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	memset(buf, '.', 4 * 4096);
	expect("write_tmp", sys_write((int)fd, buf, 4 * 4096), 4 * 4096);
	long s = sys_mmap(0, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	rt_check("mmap_shared", s > 0, "mmap: %ld", s);
	if (s < 0)
		return 0;
	poke8((uintptr_t)s + 2 * 4096 + 7, 'S');
	c = 0;
	sys_pread((int)fd, &c, 1, 2 * 4096 + 7);
	rt_check("shared_write_seen_by_pread", c == 'S', "pread %c", c);
	sys_pwrite((int)fd, "W", 1, 3 * 4096 + 9);
	rt_check("pwrite_seen_by_mapping", peek8((uintptr_t)s + 3 * 4096 + 9) == 'W', "mapping %c",
		 peek8((uintptr_t)s + 3 * 4096 + 9));
	expect("msync_sync", sys_msync((void *)s, 4 * 4096, MS_SYNC), 0);
	poke8((uintptr_t)s + 7, 'T');                 /* after the msync: must be seen again */
	expect("msync_async", sys_msync((void *)s, 4096, MS_ASYNC), 0);
	expect("msync_both_flags", sys_msync((void *)s, 4096, MS_SYNC | MS_ASYNC), -EINVAL);
	expect("msync_bad_flag", sys_msync((void *)s, 4096, 8), -EINVAL);
	expect("msync_unaligned", sys_msync((void *)(s + 1), 4096, MS_SYNC), -EINVAL);
	sys_munmap((void *)s, 4 * 4096);
	expect("msync_unmapped", sys_msync((void *)s, 4096, MS_SYNC), -ENOMEM);
	sys_close((int)fd);
	fd = sys_open("files/mm_tmp.bin", O_RDONLY, 0);
	char got[3] = { 0, 0, 0 };
	sys_pread((int)fd, &got[0], 1, 2 * 4096 + 7);
	sys_pread((int)fd, &got[1], 1, 3 * 4096 + 9);
	sys_pread((int)fd, &got[2], 1, 7);
	rt_check("shared_writes_kept", got[0] == 'S' && got[1] == 'W' && got[2] == 'T', "%c%c%c (expected SWT)",
		 got[0], got[1], got[2]);
	/* A write() into a page a private mapping shows but never copied is seen there. */
	long pr = sys_mmap(0, 4096, PROT_READ, MAP_PRIVATE, (int)fd, 0);
	peek8((uintptr_t)pr);
	long wr = sys_open("files/mm_tmp.bin", O_WRONLY, 0);
	sys_pwrite((int)wr, "N", 1, 100);
	rt_check("write_seen_by_private_uncopied", peek8((uintptr_t)pr + 100) == 'N', "mapping %c",
		 peek8((uintptr_t)pr + 100));
	sys_close((int)wr);
	sys_munmap((void *)pr, 4096);
	sys_close((int)fd);
	expect("unlink_tmp", sys_unlink("files/mm_tmp.bin"), 0);
	return 0;
}
