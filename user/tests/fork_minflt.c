/*
 * fork_minflt: the minor faults copy-on-write costs after fork, counted by
 * getrusage as Linux counts them. 64 pages written before the fork: the
 * child's write to each is one fault (a copy, the parent still maps them),
 * its reads none; after the child has exited, the parent's write to each is
 * one fault again (the entry was write-protected at fork; reuse in place)
 * and a second write none. 4 KiB pages (MADV_NOHUGEPAGE), so a host with
 * transparent huge pages counts per page too.
 */
#include "user/rt/rt.h"

RT_PROGRAM(fork_minflt);

#define PAGES 64

struct counts {
	volatile int64_t child_read, child_write, child_bad;
};

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long buf = rt_map_small_pages(PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE);
	long sh = sys_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (buf < 0 || sh < 0) {
		rt_test("setup", RT_FAIL, "mmap returned %ld, %ld", buf, sh);
		return 1;
	}
	struct counts *c = (struct counts *)sh;
	c->child_read = c->child_write = c->child_bad = -1;
	for (int i = 0; i < PAGES; i++)
		poke8((uintptr_t)buf + i * PAGE_SIZE, (uint8_t)i);
	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		int64_t m0 = rt_minflt(), bad = 0;
		for (int i = 0; i < PAGES; i++)
			bad += peek8((uintptr_t)buf + i * PAGE_SIZE) != (uint8_t)i;
		int64_t m1 = rt_minflt();
		for (int i = 0; i < PAGES; i++)
			poke8((uintptr_t)buf + i * PAGE_SIZE, (uint8_t)(i + 1));
		int64_t m2 = rt_minflt();
		c->child_read = m1 - m0;
		c->child_write = m2 - m1;
		c->child_bad = bad;
		sys_exit_group(0);
	}
	int st;
	long w = syscall6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0);
	int64_t m0 = rt_minflt();
	for (int i = 0; i < PAGES; i++)
		poke8((uintptr_t)buf + i * PAGE_SIZE, (uint8_t)(i + 2));
	int64_t m1 = rt_minflt();
	for (int i = 0; i < PAGES; i++)
		poke8((uintptr_t)buf + i * PAGE_SIZE, (uint8_t)(i + 3));
	int64_t m2 = rt_minflt();
	uint64_t bad = 0;
	for (int i = 0; i < PAGES; i++)
		bad += peek8((uintptr_t)buf + i * PAGE_SIZE) != (uint8_t)(i + 3);
	rt_check("child_reads_free", w == pid && c->child_read == 0 && c->child_bad == 0,
		 "the child's reads of %d pages cost %lld minor faults (expected 0), %lld pages differed", PAGES,
		 (long long)c->child_read, (long long)c->child_bad);
	rt_check("child_write_copies", c->child_write == PAGES, "the child's writes to %d shared pages cost %lld minor "
		 "faults (expected %d: one copy each)", PAGES, (long long)c->child_write, PAGES);
	rt_check("parent_write_reuses", m1 - m0 == PAGES && m2 - m1 == 0 && bad == 0,
		 "after the child exited, the parent's writes cost %lld minor faults (expected %d), the next ones %lld "
		 "(expected 0); %llu pages wrong", (long long)(m1 - m0), PAGES, (long long)(m2 - m1),
		 (unsigned long long)bad);
	return 0;
}
