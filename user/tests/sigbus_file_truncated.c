/*
 * sigbus_file_truncated: a file truncated under a shared mapping: the pages
 * past the new end are unmapped at once, the page holding the end keeps the
 * bytes below it, and touching a page past the end is SIGBUS (BUS_ADRERR),
 * as on Linux.
 */
#include "user/rt/rt.h"

RT_PROGRAM(sigbus_file_truncated);

static uint8_t buf[4 * 4096];

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long fd = sys_open("files/sigbus_trunc.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	memset(buf, 'q', sizeof(buf));
	rt_check("write", sys_write((int)fd, buf, sizeof(buf)) == (long)sizeof(buf), "write failed");
	long p = sys_mmap(0, sizeof(buf), PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	if (p < 0)
		return 1;
	for (int i = 0; i < 4; i++)
		poke8((uintptr_t)p + (uintptr_t)i * 4096, 'r');
	/* Gone from the directory first: the mapping keeps the file alive. */
	rt_check("unlink", sys_unlink("files/sigbus_trunc.bin") == 0, "unlink failed");
	rt_check("truncate", sys_ftruncate((int)fd, 100) == 0, "ftruncate failed");
	rt_check("end_page_kept", peek8((uintptr_t)p) == 'r' && peek8((uintptr_t)p + 99) == 'q' &&
				      peek8((uintptr_t)p + 100) == 0, "page 0: %c %c %u", peek8((uintptr_t)p),
		 peek8((uintptr_t)p + 99), peek8((uintptr_t)p + 100));
	rt_expect_kill(SIGBUS, BUS_ADRERR, (uint64_t)p + 2 * 4096);
	peek8((uintptr_t)p + 2 * 4096);
	rt_survived("read of a page past the new end of a truncated file");
}
