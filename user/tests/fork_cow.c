/*
 * fork and copy-on-write: the child sees the parent's memory as it was at
 * fork, its writes stay its own and the parent's stay the parent's; wait4
 * reports the child's exit status; with no children left it says ECHILD.
 */
#include "user/rt/rt.h"

RT_PROGRAM(fork_cow);

#define WORDS 4096
static volatile uint64_t data[WORDS];   /* 32 KiB: 8 pages of .bss */

/* Words of data that do not hold their index. */
static uint64_t count_changed(void)
{
	uint64_t bad = 0;
	for (int i = 0; i < WORDS; i++)
		bad += data[i] != (uint64_t)i;
	return bad;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	for (int i = 0; i < WORDS; i++)
		data[i] = (uint64_t)i;
	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		uint64_t bad = count_changed();
		for (int i = 0; i < WORDS; i++)
			data[i] = (uint64_t)i + 1;
		sys_exit_group(bad == 0 && count_changed() == WORDS ? 42 : 1);
	}
	int status = -1;
	long w = syscall6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
	uint64_t bad = count_changed();
	rt_check("fork", pid > 0, "fork returned %ld", pid);
	rt_check("wait_status", w == pid && status == (42 << 8),
		 "wait4 returned %ld (expected %ld), status 0x%x (expected 0x%x: the child saw the parent's data)",
		 w, pid, status, 42 << 8);
	rt_check("parent_isolated", bad == 0, "%llu of %d words changed by the child's writes",
		 (unsigned long long)bad, WORDS);
	long again = syscall6(SYS_wait4, -1, 0, 0, 0, 0, 0);
	rt_check("echild", again == -10, "wait4 with no children left returned %ld (expected -ECHILD)", again);
	return 0;
}
