/*
 * segv_after_munmap: reading a page after munmap kills the process with
 * SIGSEGV, even though the page was present (and in the TLB) just before:
 * munmap must clear the PTE and flush the TLB entry.
 */
#include "user/rt/rt.h"

RT_PROGRAM(segv_after_munmap);

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	long addr = sys_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!rt_check("map", addr >= 0, "mmap of one read-write page returned 0x%lx", addr))
		return 0;
	uintptr_t page = (uintptr_t)addr;
	rt_fill_pages(page, 0, 1, 9);
	uint64_t lost = rt_count_unpatterned(page, 0, 1, 9);  /* the translation is in the TLB now */

	long r = sys_munmap((void *)page, PAGE_SIZE);
	rt_check("munmap", r == 0 && lost == 0, "page at 0x%lx %s its data; munmap returned %ld",
		 page, lost ? "lost" : "held", r);

	rt_expect_kill(SIGSEGV, SEGV_MAPERR, page);
	uint64_t v = peek64(page);
	rt_survived("reading the unmapped page at 0x%lx (got 0x%lx)", page, v);
}
