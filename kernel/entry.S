/*
 * kernel_enter(struct boot_info *bi [rcx], void *stack_top [rdx])
 *
 * Expects: boot services exited, interrupts off, MS x64 calling convention
 * (the whole kernel is built for the x86_64-windows target).
 * Leaves: rsp on the kernel's own boot stack (16-byte aligned, 32 bytes of
 * shadow space), rbp = 0 to end frame-pointer backtraces, then calls
 * kernel_main(bi), which never returns.
 */
	.text
	.globl kernel_enter
kernel_enter:
	cli
	movq %rdx, %rsp
	andq $-16, %rsp
	xorl %ebp, %ebp
	subq $32, %rsp
	call kernel_main
1:	hlt
	jmp 1b
