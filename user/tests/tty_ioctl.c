/*
 * tty_ioctl: ioctl(TIOCGWINSZ) on a descriptor that is not a terminal is
 * -ENOTTY (stdout and stderr are pipes or files under both harnesses; on
 * faultline stdin is at end of file, not a terminal, where the Linux
 * reference's stdin is its console); a closed descriptor is -EBADF. musl's
 * stdio asks exactly this to choose its buffering.
 */
#include "user/rt/rt.h"

RT_PROGRAM(tty_ioctl);

#define NR_ioctl   16
#define TIOCGWINSZ 0x5413

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	unsigned short ws[4];
	long r0 = syscall6(NR_ioctl, 0, TIOCGWINSZ, (long)ws, 0, 0, 0);
	long r1 = syscall6(NR_ioctl, 1, TIOCGWINSZ, (long)ws, 0, 0, 0);
	long r2 = syscall6(NR_ioctl, 2, TIOCGWINSZ, (long)ws, 0, 0, 0);
	long rb = syscall6(NR_ioctl, 1000, TIOCGWINSZ, (long)ws, 0, 0, 0);
	long rn = syscall6(NR_ioctl, -1, TIOCGWINSZ, (long)ws, 0, 0, 0);
	rt_check("not_a_tty", r1 == -ENOTTY && r2 == -ENOTTY, "stdout %ld, stderr %ld (want -ENOTTY)", r1, r2);
	if (fl_on_faultline())
		rt_check("stdin", r0 == -ENOTTY, "stdin %ld (want -ENOTTY)", r0);
	else
		rt_test("stdin", r0 == -ENOTTY || r0 == 0 ? RT_SKIP : RT_FAIL,
			"stdin %ld: what stdin is (a terminal: 0) is the host's choice off faultline", r0);
	rt_check("closed_fd", rb == -EBADF && rn == -EBADF, "fd 1000 %ld, fd -1 %ld (want -EBADF)", rb, rn);
	return 0;
}
