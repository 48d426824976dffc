/*
 * fork_thp: fork of a process whose memory is in transparent huge pages
 * (a 2 MiB-aligned 8 MiB mapping, MADV_HUGEPAGE, written before the fork;
 * THPs on faultline whatever the `thp` mode allows, on Linux where THP is
 * on): the child sees every byte as it was, its writes stay its own, and
 * the parent's data is intact after the child exits.
 */
#include "user/rt/rt.h"

RT_PROGRAM(fork_thp);

#define LEN (8ul << 20)
#define HUGE (2ul << 20)
#define MADV_HUGEPAGE 14

/* Pages of [base, base + LEN) whose first word is not its page number plus salt. */
static uint64_t count_wrong(uintptr_t base, uint64_t salt)
{
	uint64_t bad = 0;
	for (uint64_t off = 0; off < LEN; off += PAGE_SIZE)
		bad += peek64(base + off) != (off >> 12) + salt;
	return bad;
}

/* Writes each page's number plus salt into its first word. */
static void fill(uintptr_t base, uint64_t salt)
{
	for (uint64_t off = 0; off < LEN; off += PAGE_SIZE)
		poke64(base + off, (off >> 12) + salt);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long m = sys_mmap(0, LEN + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m < 0) {
		rt_test("setup", RT_FAIL, "mmap returned %ld", m);
		return 1;
	}
	uintptr_t base = ((uintptr_t)m + HUGE - 1) & ~(HUGE - 1);
	sys_madvise((void *)base, LEN, MADV_HUGEPAGE);
	fill(base, 1000);
	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		uint64_t bad = count_wrong(base, 1000);
		fill(base, 5000);
		sys_exit_group(bad == 0 && count_wrong(base, 5000) == 0 ? 0 : 1);
	}
	int st = -1;
	long w = syscall6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0);
	uint64_t bad = count_wrong(base, 1000);
	fill(base, 9000);
	uint64_t bad_after = count_wrong(base, 9000);
	rt_check("child_sees_and_writes", pid > 0 && w == pid && st == 0,
		 "fork returned %ld, the child's status 0x%x (0: it saw the parent's data and wrote its own)", pid, st);
	rt_check("parent_isolated", bad == 0 && bad_after == 0,
		 "%llu of %lu pages changed by the child's writes; %llu wrong after the parent wrote again",
		 (unsigned long long)bad, LEN / PAGE_SIZE, (unsigned long long)bad_after);
	return 0;
}
