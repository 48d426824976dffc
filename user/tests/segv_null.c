/*
 * segv_null: reading address 0 kills the process with SIGSEGV. Nothing is
 * ever mapped in the first page (mmap_min_addr), so this is the classic
 * NULL dereference.
 */
#include "user/rt/rt.h"

RT_PROGRAM(segv_null);

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	rt_test("setup", RT_PASS, "about to read 8 bytes at 0x0");
	rt_expect_kill(SIGSEGV, SEGV_MAPERR, 0);
	uint64_t v = peek64(0);
	rt_survived("reading 0x0 (got 0x%lx)", v);
}
