/*
 * segv_io_port: an I/O instruction in ring 3 (inb from port 0x80) kills the
 * process with SIGSEGV: IOPL is 0 and the TSS has no I/O permission bitmap,
 * so the CPU raises #GP, as under Linux for a process that never called
 * iopl/ioperm.
 */
#include "user/rt/rt.h"

RT_PROGRAM(segv_io_port);

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	uint64_t flags;

	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	rt_check("iopl_0", ((flags >> 12) & 3) == 0, "RFLAGS 0x%lx: IOPL %lu (expected 0)", flags, (flags >> 12) & 3);
	rt_test("setup", RT_PASS, "about to read I/O port 0x80");
	rt_expect_kill(SIGSEGV, SI_KERNEL, 0);          /* #GP: IOPL 0, no I/O bitmap */
	uint8_t v;
	__asm__ volatile("inb $0x80, %0" : "=a"(v) : : "memory");
	rt_survived("inb from port 0x80 (got 0x%x)", v);
}
