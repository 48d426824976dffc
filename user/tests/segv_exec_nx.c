/*
 * segv_exec_nx: jumping into a data page (mapped read + write, not execute)
 * kills the process with SIGSEGV, although the page holds a valid `ret`
 * instruction: the NX bit is in force for user pages.
 */
#include "user/rt/rt.h"

RT_PROGRAM(segv_exec_nx);

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	long addr = sys_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!rt_check("map", addr >= 0, "mmap of one read-write page returned 0x%lx", addr))
		return 0;
	uintptr_t page = (uintptr_t)addr;
	poke8(page, 0xc3);  /* ret */

	rt_test("setup", RT_PASS, "page 0x%lx (PROT_READ|PROT_WRITE) holds a ret (0x%02x); about to call it",
		page, peek8(page));
	rt_expect_kill(SIGSEGV, SEGV_ACCERR, page);   /* a fetch from a present page: access error */
	void (*code)(void) = (void (*)(void))page;
	code();
	rt_survived("calling a ret instruction in the non-executable page at 0x%lx", page);
}
