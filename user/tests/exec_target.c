/*
 * exec_target: the program vfork_exec runs with execve. Started with the
 * arguments "check", "two words" and the environment FAULTLINE_EXEC=1 it
 * checks that they arrived and exits 0 (7 if not), printing nothing; run on
 * its own (as every test program is) it reports that it started with its
 * name as argv[0].
 */
#include "user/rt/rt.h"

RT_PROGRAM(exec_target);

int main(int argc, char **argv, char **envp)
{
	if (argc >= 2 && strcmp(argv[1], "check") == 0) {
		bool ok = argc == 3 && strcmp(argv[2], "two words") == 0 && envp[0] &&
			  strcmp(envp[0], "FAULTLINE_EXEC=1") == 0 && envp[1] == NULL;
		sys_exit_group(ok ? 0 : 7);
	}
	size_t n = strlen(argv[0]);
	rt_check("standalone", argc >= 1 && n >= 11 && strcmp(argv[0] + n - 11, "exec_target") == 0,
		 "argc %d, argv[0] \"%s\"", argc, argc ? argv[0] : "");
	return 0;
}
