/*
 * spin_sleep: a program that sleeps far longer than its time limit
 * (nanosleep of a day) dies by SIGKILL from faultline's per-program time
 * limit while asleep, as a spinning one does (the harness runs it with
 * `time_limit = 2`); the kernel's wait for it is no way around the limit.
 * Not run on the Linux reference (nothing there would stop it).
 */
#include "user/rt/rt.h"

RT_PROGRAM(spin_sleep);

#define NR_nanosleep 35

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	struct timespec day = { 86400, 0 };
	rt_test("setup", RT_PASS, "about to sleep for a day");
	rt_expect_kill_anywhere(SIGKILL, SI_KERNEL);
	long r = syscall6(NR_nanosleep, (long)&day, 0, 0, 0, 0, 0);
	rt_survived("a nanosleep of a day returned %ld", r);
}
