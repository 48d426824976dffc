/*
 * shmem_fork: MAP_SHARED|MAP_ANONYMOUS memory is one shmem object that fork
 * shares, as on Linux, also for pages neither side had touched at the fork:
 *   - a page the child writes first (after the fork) is seen by the parent,
 *     and one the parent writes first by a child still running; a page both
 *     first touch after the fork (a flag the child polls) is one page;
 *   - MADV_DONTNEED drops the entries, not the data: a refault finds it;
 *   - after that, reading the 8 pages in order takes 4 minor faults: one
 *     that maps the 5 cached pages by fault-around, and one per page nobody
 *     touched (a new zeroed page each); no major fault;
 *   - mremap of the mapping in a child (moved with MREMAP_FIXED) still shows
 *     the parent's pages and the parent sees the child's writes;
 *   - mremap with old_len 0 maps the same object a second time (Linux's
 *     duplication of a shared mapping);
 *   - mmap of shared anonymous memory with an unaligned offset is -EINVAL.
 */
#include "user/rt/rt.h"

RT_PROGRAM(shmem_fork);

#define PAGES 8
#define HUGE_2M (2ull * 1024 * 1024)
#define RW (PROT_READ | PROT_WRITE)
#define SHARED_ANON (MAP_SHARED | MAP_ANONYMOUS)

static volatile uint8_t *area;

static uint8_t at(int page, int off) { return area[page * PAGE_SIZE + off]; }

/* fork; the child runs fn and exits with what it returns. Returns the child's
 * exit status as wait4 reports it, or -1. */
static int run_child(int (*fn)(void))
{
	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0)
		sys_exit_group(fn());
	if (pid < 0)
		return -1;
	int status = -1;
	if (syscall6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0) != pid)
		return -1;
	return status;
}

/* The child writes page 0 first and reads page 1 first. */
static int child_writes(void)
{
	area[0 * PAGE_SIZE + 10] = 'C';
	return at(1, 20) == 0 ? 0 : 1;
}

/* Polls the flag in page 7 (first touched here, after the fork) until the
 * parent sets it, then checks the parent's page 2 and answers in page 3. */
static int child_polls(void)
{
	for (long i = 0; i < 2000000 && at(7, 0) != 1; i++)
		sys_sched_yield();
	if (at(7, 0) != 1)
		return 2;   /* never saw the parent's write: not the same page */
	int ok = at(2, 30) == 'P';
	area[3 * PAGE_SIZE + 40] = 'Q';
	area[7 * PAGE_SIZE] = 2;
	return ok ? 0 : 3;
}

static uintptr_t moved_to;

/* Moves the whole mapping to moved_to and writes page 5 through it. */
static int child_moves(void)
{
	long r = sys_mremap((void *)area, PAGES * PAGE_SIZE, PAGES * PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
			    (void *)moved_to);
	if (r != (long)moved_to)
		return 4;
	volatile uint8_t *m = (volatile uint8_t *)moved_to;
	if (m[0 * PAGE_SIZE + 10] != 'C' || m[2 * PAGE_SIZE + 30] != 'P')
		return 5;
	m[5 * PAGE_SIZE + 50] = 'M';
	return 0;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	/* The pages inside one 2 MiB page table: fault-around stops at a
	 * table's end (on both kernels) and Linux places mappings at random, so
	 * the refault count below must not depend on where they land. */
	long r = sys_mmap(0, 2 * HUGE_2M, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long p = -1;
	if (r > 0) {
		uintptr_t aligned = ((uintptr_t)r + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1);
		p = sys_mmap((void *)aligned, PAGES * PAGE_SIZE, RW, SHARED_ANON | MAP_FIXED, -1, 0);
		sys_munmap((void *)r, aligned - (uintptr_t)r);
		sys_munmap((void *)(aligned + PAGES * PAGE_SIZE), (uintptr_t)r + 2 * HUGE_2M - aligned - PAGES * PAGE_SIZE);
	}
	rt_check("mmap", p > 0, "mmap of %d shared anonymous pages: %ld", PAGES, p);
	if (p < 0)
		return 0;
	area = (volatile uint8_t *)p;

	int st = run_child(child_writes);
	rt_check("child_write_seen", st == 0 && at(0, 10) == 'C',
		 "child exited with status 0x%x (0: it read zeros in page 1); parent reads %u in page 0 (expected 'C')",
		 st, at(0, 10));

	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0)
		sys_exit_group(child_polls());
	area[2 * PAGE_SIZE + 30] = 'P';
	area[7 * PAGE_SIZE] = 1;
	int status = -1;
	long w = syscall6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
	rt_check("parent_write_seen", w == pid && status == 0 && at(3, 40) == 'Q' && at(7, 0) == 2,
		 "child status 0x%x (2: never saw the flag, 3: missed page 2), its answer %u, flag %u", status,
		 at(3, 40), at(7, 0));

	long dn = sys_madvise((void *)area, PAGES * PAGE_SIZE, MADV_DONTNEED);
	rt_check("dontneed_keeps_data", dn == 0 && at(0, 10) == 'C' && at(2, 30) == 'P' && at(3, 40) == 'Q',
		 "madvise %ld; then pages read %u %u %u", dn, at(0, 10), at(2, 30), at(3, 40));

	sys_madvise((void *)area, PAGES * PAGE_SIZE, MADV_DONTNEED);
	struct rusage r0, r1;
	sys_getrusage(RUSAGE_SELF, &r0);
	uint32_t sum = 0;
	for (int i = 0; i < PAGES; i++)
		sum += at(i, 0);
	sys_getrusage(RUSAGE_SELF, &r1);
	rt_check("refault_counts", r1.ru_minflt - r0.ru_minflt == 4 && r1.ru_majflt == r0.ru_majflt,
		 "8 pages read after MADV_DONTNEED: %ld minor faults (expected 4: fault-around, then 3 new pages), "
		 "%ld major (expected 0)", r1.ru_minflt - r0.ru_minflt, r1.ru_majflt - r0.ru_majflt);
	(void)sum;

	long hole = sys_mmap(0, PAGES * PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	moved_to = (uintptr_t)hole;
	st = hole > 0 ? run_child(child_moves) : -1;
	rt_check("mremap_in_child", st == 0 && at(5, 50) == 'M',
		 "child status 0x%x (4: mremap failed, 5: data lost in the move); parent reads %u (expected 'M')", st,
		 at(5, 50));
	rt_check("parent_mapping_kept", at(0, 10) == 'C', "page 0 reads %u after the child moved its mapping",
		 at(0, 10));

	long dup = sys_mremap((void *)area, 0, PAGES * PAGE_SIZE, MREMAP_MAYMOVE, 0);
	volatile uint8_t *d = (volatile uint8_t *)dup;
	bool same = dup > 0 && d[10] == 'C';
	if (dup > 0)
		d[PAGE_SIZE + 60] = 'D';
	rt_check("mremap_duplicate", same && at(1, 60) == 'D',
		 "mremap(old_len 0) returned %lx; its page 0 reads %u, a write through it seen as %u", dup,
		 dup > 0 ? d[10] : 0, at(1, 60));

	rt_check("mmap_unaligned_offset", sys_mmap(0, PAGE_SIZE, RW, SHARED_ANON, -1, 100) == -EINVAL,
		 "mmap(MAP_SHARED|MAP_ANONYMOUS, offset 100) did not fail with -EINVAL");
	return 0;
}
