/*
 * sigbus_file_eof: a mapping of a 17-byte file may be two pages long; the
 * first page reads the file then zeros, the second lies wholly past the end
 * of the file: touching it is SIGBUS (BUS_ADRERR, at that address), as on
 * Linux.
 */
#include "user/rt/rt.h"

RT_PROGRAM(sigbus_file_eof);

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long fd = sys_open("files/hello.txt", O_RDONLY, 0);
	long p = sys_mmap(0, 2 * 4096, PROT_READ, MAP_PRIVATE, (int)fd, 0);
	rt_check("mmap_past_end", p > 0, "mmap of 2 pages of a 17-byte file: %ld", p);
	if (p < 0)
		return 1;
	rt_check("first_page", peek8((uintptr_t)p) == 'h' && peek8((uintptr_t)p + 17) == 0 &&
				   peek8((uintptr_t)p + 4095) == 0, "first page: %c, then %u", peek8((uintptr_t)p),
		 peek8((uintptr_t)p + 17));
	rt_expect_kill(SIGBUS, BUS_ADRERR, (uint64_t)p + 4096 + 8);
	peek8((uintptr_t)p + 4096 + 8);
	rt_survived("read of a page past the end of the file");
}
