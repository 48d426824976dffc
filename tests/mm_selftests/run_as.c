/*
 * run_as UID PROGRAM [ARGS...]: drops root for an unprivileged uid and gid,
 * then executes /bin/PROGRAM, as the kernel's run_vmtests.sh runs some mm
 * selftests through `su nobody` (on-fault-limit: root's CAP_IPC_LOCK would
 * let mlock go past RLIMIT_MEMLOCK). The same binary runs on faultline and
 * on the Linux reference, where /bin/NAME names the test images' programs.
 * Exits 126 with a message when an id cannot be dropped or exec fails.
 */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[256];

	if (argc < 3) {
		fprintf(stderr, "usage: run_as UID PROGRAM [ARGS...]\n");
		return 126;
	}
	unsigned id = (unsigned)strtoul(argv[1], NULL, 10);
	if (setgroups(0, NULL) || setgid(id) || setuid(id)) {
		perror("run_as: dropping root");
		return 126;
	}
	snprintf(path, sizeof(path), "/bin/%s", argv[2]);
	execv(path, argv + 2);
	perror("run_as: execv");
	return 126;
}
