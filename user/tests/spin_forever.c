/*
 * spin_forever: a hostile program that never ends. The expected outcome is
 * death by SIGKILL from faultline's per-program time limit (the harness runs
 * it with `time_limit = 2`); the next program must run normally. Not run on
 * the Linux reference (nothing there would stop it).
 */
#include "user/rt/rt.h"

RT_PROGRAM(spin_forever);

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	rt_test("setup", RT_PASS, "about to spin until the time limit");
	rt_expect_kill_anywhere(SIGKILL, SI_KERNEL);
	for (volatile uint64_t i = 0;; i++)
		;
}
