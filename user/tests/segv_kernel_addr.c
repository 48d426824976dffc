/*
 * segv_kernel_addr: reading a kernel address from ring 3 kills the process
 * with SIGSEGV. 0xffffffff80000000 is where Linux (and faultline) keep the
 * kernel image: present in the page tables, but supervisor-only.
 */
#include "user/rt/rt.h"

RT_PROGRAM(segv_kernel_addr);

#define KERNEL_TEXT 0xffffffff80000000ul

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	rt_test("setup", RT_PASS, "about to read 8 bytes at 0x%lx", KERNEL_TEXT);
	rt_expect_kill(SIGSEGV, SEGV_MAPERR, KERNEL_TEXT);   /* Linux: any kernel address is MAPERR */
	uint64_t v = peek64(KERNEL_TEXT);
	rt_survived("reading 0x%lx (got 0x%lx)", KERNEL_TEXT, v);
}
