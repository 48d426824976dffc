/*
 * oom_fork_bomb: forks until the kernel says no. On faultline (256 MiB in
 * its test boot) that is memory or the task limit: fork must then fail with
 * ENOMEM or EAGAIN, as Linux's does, not panic or hang; every child is
 * released, reaped with status 0, and a fork afterwards works again (the
 * memory came back). On Linux the bomb stops at 300 children (the
 * reference machine is not the one under test).
 */
#include "user/rt/rt.h"

RT_PROGRAM(oom_fork_bomb);

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define LINUX_CAP 300

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long m = sys_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m < 0) {
		rt_test("setup", RT_FAIL, "mmap MAP_SHARED returned %ld", m);
		return 1;
	}
	volatile uint32_t *go = (volatile uint32_t *)m;
	*go = 0;
	bool faultline = fl_on_faultline();
	long forks = 0, err = 0;
	for (;;) {
		if (!faultline && forks == LINUX_CAP)
			break;
		long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
		if (pid == 0) {
			while (*go == 0)
				syscall6(SYS_futex, (long)go, FUTEX_WAIT, 0, 0, 0, 0);
			sys_exit_group(0);
		}
		if (pid < 0) {
			err = pid;
			break;
		}
		forks++;
	}
	*go = 1;
	syscall6(SYS_futex, (long)go, FUTEX_WAKE, 0x7fffffff, 0, 0, 0);
	long reaped = 0, bad_status = 0;
	for (;;) {
		int st = -1;
		long w = syscall6(SYS_wait4, -1, (long)&st, 0, 0, 0, 0);
		if (w < 0)
			break;
		reaped++;
		bad_status += st != 0;
	}
	if (faultline)
		rt_check("bounded", forks > 100 && (err == -12 || err == -11),
			 "%ld forks, then fork returned %ld (expected -ENOMEM or -EAGAIN)", forks, err);
	rt_check("all_reaped", reaped == forks && bad_status == 0, "%ld children forked, %ld reaped, %ld with a status other than 0",
		 forks, reaped, bad_status);
	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0)
		sys_exit_group(9);
	int st = -1;
	long w = syscall6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0);
	rt_check("fork_after", pid > 0 && w == pid && st == (9 << 8), "fork after the bomb returned %ld, status 0x%x", pid, st);
	return 0;
}
