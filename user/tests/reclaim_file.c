/*
 * reclaim_file [MIB]: file pages under pressure, without swap. Writes a
 * file of MIB MiB through write() (dirty page-cache pages), reads it back
 * twice through read() and once through a shared mapping, changes every
 * page through that mapping, unmaps, and reads it once more: every byte
 * must be as written each time. Under `mem_limit` (tests/qemu/reclaim.py:
 * a limit of a third of the file, no swap) the cache cannot hold the file:
 * reclaim writes dirty pages back and drops clean ones, mapped or not.
 * Default 8 MiB.
 */
#include "user/rt/rt.h"

RT_PROGRAM(reclaim_file);

#define PATH "reclaim_file.dat"
#define WORDS (PAGE_SIZE / 8)

static uint64_t arg_u64(int argc, char **argv, int i, uint64_t def)
{
	if (argc <= i)
		return def;
	uint64_t n = 0;
	for (const char *p = argv[i]; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (uint64_t)(*p - '0');
	return n ? n : def;
}

static uint64_t word_of(uint64_t gen, uint64_t page, uint64_t w)
{
	return (gen << 56) ^ (page * 0x9e3779b97f4a7c15ull) ^ (w * 0xff51afd7ed558ccdull) ^ 0x1234;
}

static uint64_t buf[WORDS];

/* Pages of the file (read through read()) not holding generation gen. */
static uint64_t bad_by_read(long fd, uint64_t pages, uint64_t gen)
{
	uint64_t bad = 0;
	for (uint64_t i = 0; i < pages; i++) {
		if (sys_pread((int)fd, buf, PAGE_SIZE, (long)(i * PAGE_SIZE)) != PAGE_SIZE) {
			bad++;
			continue;
		}
		for (uint64_t w = 0; w < WORDS; w++)
			if (buf[w] != word_of(gen, i, w)) {
				bad++;
				break;
			}
	}
	return bad;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	uint64_t pages = arg_u64(argc, argv, 1, 8) * 256;
	long fd = sys_open(PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		rt_test("open", RT_FAIL, "open failed: %ld", fd);
		return 1;
	}
	uint64_t short_writes = 0;
	for (uint64_t i = 0; i < pages; i++) {
		for (uint64_t w = 0; w < WORDS; w++)
			buf[w] = word_of(1, i, w);
		short_writes += sys_write((int)fd, buf, PAGE_SIZE) != PAGE_SIZE;
	}
	rt_check("written", short_writes == 0, "%llu of %llu page writes were short", (unsigned long long)short_writes,
		 (unsigned long long)pages);
	uint64_t bad1 = bad_by_read(fd, pages, 1), bad2 = bad_by_read(fd, pages, 1);
	rt_check("read_back", bad1 == 0 && bad2 == 0, "%llu, then %llu pages read back wrong",
		 (unsigned long long)bad1, (unsigned long long)bad2);
	long m = sys_mmap(0, pages * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	if (m < 0) {
		rt_test("mmap", RT_FAIL, "mmap of the file failed: %ld", m);
		return 1;
	}
	uint64_t bad_map = 0;
	for (uint64_t i = 0; i < pages; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(m + i * PAGE_SIZE);
		for (uint64_t w = 0; w < WORDS; w++)
			if (p[w] != word_of(1, i, w)) {
				bad_map++;
				break;
			}
		for (uint64_t w = 0; w < WORDS; w++)
			p[w] = word_of(2, i, w);
	}
	rt_check("mapped_read", bad_map == 0, "%llu pages read wrong through the mapping", (unsigned long long)bad_map);
	sys_munmap((void *)m, pages * PAGE_SIZE);
	uint64_t bad3 = bad_by_read(fd, pages, 2);
	rt_check("mapped_writes_kept", bad3 == 0, "%llu pages written through the mapping read back wrong",
		 (unsigned long long)bad3);
	sys_close((int)fd);
	sys_unlink(PATH);
	return 0;
}
