/*
 * sigbus_shmem_grown: a MAP_SHARED|MAP_ANONYMOUS mapping is a shmem object
 * of the mapping's size. mremap may grow the mapping (here by moving it),
 * but not the object: the first page still holds its data, and touching
 * the grown page, past the object's end, is SIGBUS (BUS_ADRERR), as on
 * Linux.
 */
#include "user/rt/rt.h"

RT_PROGRAM(sigbus_shmem_grown);

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long p = sys_mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p > 0)
		poke8((uintptr_t)p + 5, 'x');
	long g = sys_mremap((void *)p, 4096, 2 * 4096, MREMAP_MAYMOVE, 0);
	rt_check("grown", g > 0 && peek8((uintptr_t)g + 5) == 'x', "mremap 1 -> 2 pages: %lx, first page reads %u",
		 g, g > 0 ? peek8((uintptr_t)g + 5) : 0);
	if (g < 0)
		return 1;
	rt_expect_kill(SIGBUS, BUS_ADRERR, (uint64_t)g + 4096 + 8);
	peek8((uintptr_t)g + 4096 + 8);
	rt_survived("read of a grown page past the shmem object's end");
}
