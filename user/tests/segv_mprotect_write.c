/*
 * segv_mprotect_write: after mprotect(PROT_READ), a page that was written
 * before still reads back its data, and a write to it kills the process with
 * SIGSEGV (the kernel must have dropped the writable bit from the already
 * present PTE and flushed the TLB entry, not just changed the mapping's flags).
 */
#include "user/rt/rt.h"

RT_PROGRAM(segv_mprotect_write);

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	long addr = sys_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!rt_check("map", addr >= 0, "mmap of one read-write page returned 0x%lx", addr))
		return 0;
	uintptr_t page = (uintptr_t)addr;
	rt_fill_pages(page, 0, 1, 5);  /* present, dirty, writable in the TLB */

	long r = sys_mprotect((void *)page, PAGE_SIZE, PROT_READ);
	rt_check("mprotect", r == 0, "mprotect(PROT_READ) returned %ld", r);
	uint64_t lost = rt_count_unpatterned(page, 0, 1, 5);
	rt_check("still_readable", lost == 0, "the page %s its data after mprotect(PROT_READ)",
		 lost ? "lost" : "kept");

	rt_expect_kill(SIGSEGV, SEGV_ACCERR, page + 128);
	poke8(page + 128, 0x42);
	rt_survived("writing a byte to the read-only page at 0x%lx", page + 128);
}
