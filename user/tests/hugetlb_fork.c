/*
 * hugetlb_fork: 2 MiB hugetlb pages across fork, as Linux 6.1 has them.
 *
 *   MAP_SHARED   the child sees what the parent wrote, the parent what the
 *                child wrote - in a page the parent had touched before the
 *                fork and in one it had not
 *   MAP_PRIVATE  copy-on-write: the child's write (one fault) copies the
 *                huge page, each side keeps its own data; the parent's
 *                write after the child exited is one fault (its page alone)
 *   no page      the pool's last free pages reserved by another mapping of
 *                the parent: the child's copy-on-write has no page and the
 *                child dies by SIGBUS (the reservations are the parent's;
 *                a child has none), the parent's data and page intact
 *   the owner    the same, but the parent writes: Linux takes the page from
 *                the child for the parent (no copy) and the child dies by
 *                SIGBUS when it touches that mapping again
 *   pool         every page back after each step: as many pages can be
 *                reserved (mmap without MAP_NORESERVE) as before
 *
 * Needs a pool of at least 2 free 2 MiB pages (faultline: hugepages_2m = N;
 * Linux: hugepages=N); with fewer, only that mmap of one page more than the
 * pool has is -ENOMEM is checked.
 */
#include "user/rt/rt.h"

RT_PROGRAM(hugetlb_fork);

#define MB (1ul << 20)
#define HPAGE (2 * MB)
#define MAX_POOL 64
#define SIGBUS 7
#define SYS_pipe 22

/* Pages a new hugetlb mapping can reserve now: the most that mmap accepts. */
static long reservable(void)
{
	for (long n = MAX_POOL; n > 0; n--) {
		long a = sys_mmap(0, (size_t)n * HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB,
				  -1, 0);
		if (a > 0) {
			sys_munmap((void *)a, (size_t)n * HPAGE);
			return n;
		}
	}
	return 0;
}

static long map_huge(long pages, int type)
{
	return sys_mmap(0, (size_t)pages * HPAGE, PROT_READ | PROT_WRITE, type | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
}

static long fork_(void) { return syscall6(SYS_fork, 0, 0, 0, 0, 0, 0); }

/* Waits for pid; its wait status. */
static int wait_for(long pid)
{
	int st = -1;
	syscall6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0);
	return st;
}

/* Writes to the 12 KiB of stack below this frame: after fork, their CoW
 * faults happen here, not in what the caller measures next. */
static __attribute__((noinline)) void warm_stack(void)
{
	volatile uint8_t pad[3 * PAGE_SIZE];
	for (uint32_t i = 0; i < sizeof(pad); i += 512)
		pad[i] = (uint8_t)i;
	rt_minflt();
}

/* MAP_SHARED: both sides see each other's writes. */
static void shared_pages(long free0)
{
	long s = map_huge(2, MAP_SHARED);
	if (!rt_check("shared_map", s > 0, "mmap(MAP_SHARED | MAP_HUGETLB) of 2 pages returned %ld", s))
		return;
	uintptr_t p0 = (uintptr_t)s, p1 = p0 + HPAGE;
	poke64(p0 + 8, 0x1111);   /* page 0 touched before the fork, page 1 not */
	long pid = fork_();
	if (pid == 0) {
		int ok = peek64(p0 + 8) == 0x1111 && peek64(p1 + 64) == 0;
		poke64(p0 + 16, 0x2222);
		poke64(p1 + 24, 0x3333);
		sys_exit_group(ok ? 0 : 1);
	}
	int st = wait_for(pid);
	rt_check("shared_both_ways", pid > 0 && st == 0 && peek64(p0 + 16) == 0x2222 && peek64(p1 + 24) == 0x3333 &&
		 peek64(p0 + 8) == 0x1111,
		 "child status 0x%x (0: it saw the parent's write and zeros); parent reads 0x%lx 0x%lx (expected the "
		 "child's 0x2222 0x3333)", st, (unsigned long)peek64(p0 + 16), (unsigned long)peek64(p1 + 24));
	sys_munmap((void *)s, 2 * HPAGE);
	long now = reservable();
	rt_check("shared_pool_back", now == free0, "%ld pages reservable after the shared mapping went, %ld before",
		 now, free0);
}

/* MAP_PRIVATE: copy-on-write of the whole huge page. */
static void private_cow(long free0)
{
	long a = map_huge(1, MAP_PRIVATE);
	if (!rt_check("private_map", a > 0, "mmap(MAP_PRIVATE | MAP_HUGETLB) of 1 page returned %ld", a))
		return;
	uintptr_t p = (uintptr_t)a;
	poke64(p + 8, 0x4444);
	poke64(p + HPAGE - 8, 0x5555);
	long pid = fork_();
	if (pid == 0) {
		warm_stack();   /* the stack's CoW faults: before measuring */
		int64_t m0 = rt_minflt();
		int ok = peek64(p + 8) == 0x4444;
		int64_t m1 = rt_minflt();
		poke64(p + 8, 0x6666);
		poke64(p + 4096, 0x7777);
		int64_t m2 = rt_minflt();
		ok = ok && m1 == m0 && m2 - m1 == 1 && peek64(p + HPAGE - 8) == 0x5555 && peek64(p + 8) == 0x6666;
		sys_exit_group(ok ? 0 : 1);
	}
	int st = wait_for(pid);
	uint64_t v = peek64(p + 8), v2 = peek64(p + 4096);
	warm_stack();
	int64_t m0 = rt_minflt();
	poke64(p + 16, 0x8888);
	poke64(p + HPAGE / 2, 0x9999);
	int64_t faults = rt_minflt() - m0;
	rt_check("private_cow_isolated", pid > 0 && st == 0 && v == 0x4444 && v2 == 0,
		 "child status 0x%x (0: it read the parent's data for free, its writes took 1 fault and stayed its "
		 "own); the parent reads 0x%lx 0x%lx (expected its own 0x4444 and 0)", st, (unsigned long)v,
		 (unsigned long)v2);
	rt_check("private_alone_one_fault", faults == 1,
		 "the parent's writes after the child exited: %ld minor faults (expected 1: the page is its alone)",
		 (long)faults);
	sys_munmap((void *)a, HPAGE);
	long now = reservable();
	rt_check("private_pool_back", now == free0, "%ld pages reservable after the private mapping went, %ld before",
		 now, free0);
}

/* No free page beyond the parent's reservations: the child's CoW is SIGBUS. */
static void child_cow_without_page(long free0)
{
	long a = map_huge(1, MAP_PRIVATE);
	long rest = map_huge(free0 - 1, MAP_PRIVATE);   /* reserves every other free page, maps none */
	if (!rt_check("nopage_setup", a > 0 && rest > 0, "mmap of 1 page returned %ld, of %ld more %ld", a, free0 - 1,
		      rest))
		return;
	uintptr_t p = (uintptr_t)a;
	poke64(p + 8, 0xaaaa);
	long pid = fork_();
	if (pid == 0) {
		if (peek64(p + 8) != 0xaaaa)
			sys_exit_group(1);
		poke64(p + 8, 0xbbbb);   /* no page for the copy: SIGBUS */
		sys_exit_group(2);
	}
	int st = wait_for(pid);
	uint64_t v = peek64(p + 8);
	poke64(p + 8, 0xcccc);
	rt_check("child_cow_sigbus", pid > 0 && (st & 0x7f) == SIGBUS && v == 0xaaaa && peek64(p + 8) == 0xcccc,
		 "child wait status 0x%x (expected killed by SIGBUS, %d); the parent reads 0x%lx (expected its 0xaaaa) "
		 "and writes its page", st, SIGBUS, (unsigned long)v);
	sys_munmap((void *)rest, (size_t)(free0 - 1) * HPAGE);
	sys_munmap((void *)a, HPAGE);
	long now = reservable();
	rt_check("nopage_pool_back", now == free0, "%ld pages reservable afterwards, %ld before", now, free0);
}

/* No free page beyond the parent's reservations and the parent (the owner)
 * writes the page its child shares: Linux takes the page from the child
 * (unmap_ref_private), the parent's write goes to it in place, and the
 * child dies by SIGBUS when it touches that mapping again. */
static void owner_takes_page_back(long free0)
{
	int up[2], down[2];
	long a = map_huge(1, MAP_PRIVATE);
	long rest = map_huge(free0 - 1, MAP_PRIVATE);
	long p1 = syscall6(SYS_pipe, (long)up, 0, 0, 0, 0, 0), p2 = syscall6(SYS_pipe, (long)down, 0, 0, 0, 0, 0);
	if (!rt_check("steal_setup", a > 0 && rest > 0 && !p1 && !p2, "mmap of 1 page returned %ld, of %ld more %ld; "
		      "pipes %ld %ld", a, free0 - 1, rest, p1, p2))
		return;
	uintptr_t p = (uintptr_t)a;
	poke64(p + 8, 0xdddd);
	char byte = 0;
	long pid = fork_();
	if (pid == 0) {
		int ok = peek64(p + 8) == 0xdddd;
		sys_write(up[1], ok ? "r" : "x", 1);
		sys_read(down[0], &byte, 1);
		peek64(p + 8);           /* the page went back to the parent: SIGBUS */
		sys_exit_group(3);
	}
	sys_read(up[0], &byte, 1);
	poke64(p + 8, 0xeeee);           /* no page for a copy: the parent takes its page back */
	sys_write(down[1], "g", 1);
	int st = wait_for(pid);
	rt_check("owner_takes_page_back", pid > 0 && byte == 'r' && (st & 0x7f) == SIGBUS && peek64(p + 8) == 0xeeee,
		 "child read the shared page: %c (r: yes); after the parent's write the child's wait status is 0x%x "
		 "(expected killed by SIGBUS, %d), the parent reads 0x%lx (expected its 0xeeee)", byte ? byte : '?',
		 st, SIGBUS, (unsigned long)peek64(p + 8));
	sys_munmap((void *)rest, (size_t)(free0 - 1) * HPAGE);
	sys_munmap((void *)a, HPAGE);
	long now = reservable();
	rt_check("steal_pool_back", now == free0, "%ld pages reservable afterwards, %ld before", now, free0);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long free0 = reservable();
	if (free0 < 2) {
		/* Too small a pool for the fork checks (they are not recorded): what
		 * can be checked is Linux's answer to one page more than it has. */
		long a = map_huge(free0 + 1, MAP_PRIVATE);
		rt_check("pool", a == -ENOMEM, "%ld free 2 MiB hugetlb pages here (2 needed for the fork checks); "
			 "mmap of %ld returned %ld (expected -ENOMEM)", free0, free0 + 1, a);
		return 0;
	}
	rt_test("pool", RT_PASS, "%ld free 2 MiB hugetlb pages", free0);
	shared_pages(free0);
	private_cow(free0);
	child_cow_without_page(free0);
	owner_takes_page_back(free0);
	return 0;
}
