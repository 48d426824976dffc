/*
 * call_on_stack(void (*fn)(void *) [rcx], void *arg [rdx], void *stack_top [r8])
 *
 * Switches rsp to stack_top (16-byte aligned, 32 bytes of shadow space), clears
 * rbp so backtraces end here, and calls fn(arg). fn must not return; if it
 * does, the CPU halts. Used to move the kernel to its final addresses.
 */
	.text
	.globl call_on_stack
call_on_stack:
	movq %r8, %rsp
	andq $-16, %rsp
	xorl %ebp, %ebp
	movq %rcx, %rax
	movq %rdx, %rcx
	subq $32, %rsp
	call *%rax
1:	hlt
	jmp 1b
