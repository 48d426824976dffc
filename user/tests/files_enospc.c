/*
 * files_enospc: a full RAM disk (faultline only: on a host the same loop
 * would fill its disk; there the checks say skip). Writing 1 MiB at a time
 * until the disk is full ends with a short write and then -ENOSPC, nothing
 * else breaks (the file reads back, fsync works), and unlinking the file
 * gives every block back: the same amount can be written again.
 */
#include "user/rt/rt.h"

RT_PROGRAM(files_enospc);

#define CHUNK (1024 * 1024)
static uint8_t chunk[CHUNK];

/* Writes path full; returns the bytes written and the error that stopped it. */
static long fill(const char *path, long *err)
{
	long fd = sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), total = 0, r;
	if (fd < 0) {
		*err = fd;
		return 0;
	}
	while ((r = sys_write((int)fd, chunk, CHUNK)) > 0)
		total += r;
	*err = r;
	sys_close((int)fd);
	return total;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	if (!fl_on_faultline()) {
		/* Every check by name, so that the two machines' records line up. */
		static const char *const checks[] = { "full_disk_enospc", "full_file_reads_back", "fsync_when_full",
						      "unlink_full_file", "space_comes_back" };
		for (unsigned i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
			rt_test(checks[i], RT_SKIP, "would fill this host's disk");
		return 0;
	}
	memset(chunk, 'f', sizeof(chunk));
	long err1, err2;
	long first = fill("files/enospc.bin", &err1);
	rt_check("full_disk_enospc", err1 == -ENOSPC && first > 0 && first % 4096 == 0,
		 "wrote %ld bytes, then %ld (expected -ENOSPC)", first, err1);
	long fd = sys_open("files/enospc.bin", O_RDONLY, 0);
	uint8_t c = 0;
	rt_check("full_file_reads_back", sys_pread((int)fd, &c, 1, first - 1) == 1 && c == 'f', "last byte %u", c);
	rt_check("fsync_when_full", sys_fsync((int)fd) == 0, "fsync failed");
	sys_close((int)fd);
	rt_check("unlink_full_file", sys_unlink("files/enospc.bin") == 0, "unlink failed");
	long second = fill("files/enospc2.bin", &err2);
	rt_check("space_comes_back", second == first && err2 == -ENOSPC, "wrote %ld bytes the second time (first %ld)",
		 second, first);
	sys_unlink("files/enospc2.bin");
	return 0;
}
