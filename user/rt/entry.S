/*
 * _start: the ELF entry point of every freestanding ring-3 program.
 *
 * Expects the Linux initial process state: rsp points at argc, above it
 * argv[0..argc-1], NULL, envp[], NULL, then the auxiliary vector as
 * (type, value) pairs ending with AT_NULL. No other register is relied on
 * (rdx, an exit hook for dynamically linked programs, is ignored: we are
 * static).
 *
 * Leaves: rdi = the initial rsp (for rt_start to parse), rbp = 0 so frame
 * walks end here, rsp aligned to 16 at the call as the ABI requires. It
 * calls rt_start (user/rt/start.c), which never returns.
 */
	.text
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp
	movq	%rsp, %rdi
	andq	$-16, %rsp
	callq	rt_start
	ud2
	.size	_start, . - _start

	/* The stack is not executable. */
	.section .note.GNU-stack, "", @progbits
