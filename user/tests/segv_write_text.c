/*
 * segv_write_text: writing into the program's own code kills the process
 * with SIGSEGV. The text segment is mapped read + execute, never writable.
 */
#include "user/rt/rt.h"

RT_PROGRAM(segv_write_text);

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	uintptr_t target = (uintptr_t)&main;
	uint8_t first = peek8(target);

	rt_test("setup", RT_PASS, "main at 0x%lx is readable (first byte 0x%02x); about to write 0xcc there",
		target, first);
	rt_expect_kill(SIGSEGV, SEGV_ACCERR, target);
	poke8(target, 0xcc);
	rt_survived("writing 0xcc to main's first byte at 0x%lx", target);
}
