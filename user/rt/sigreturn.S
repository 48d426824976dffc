/*
 * rt_sigreturn_restorer, rt_setjmp, rt_longjmp (user/rt/signal.h). System V
 * ABI: rdi, rsi are the first arguments.
 */
	.text
	.globl rt_sigreturn_restorer
	.type rt_sigreturn_restorer, @function
rt_sigreturn_restorer:
	/* rsp points just past the frame's pretcode (the handler's ret popped it). */
	movl $15, %eax
	syscall
	ud2
	.size rt_sigreturn_restorer, . - rt_sigreturn_restorer

	/* buf: rbx, rbp, r12, r13, r14, r15, rsp after return, return address. */
	.globl rt_setjmp
	.type rt_setjmp, @function
rt_setjmp:
	movq %rbx, 0(%rdi)
	movq %rbp, 8(%rdi)
	movq %r12, 16(%rdi)
	movq %r13, 24(%rdi)
	movq %r14, 32(%rdi)
	movq %r15, 40(%rdi)
	leaq 8(%rsp), %rdx
	movq %rdx, 48(%rdi)
	movq (%rsp), %rdx
	movq %rdx, 56(%rdi)
	xorl %eax, %eax
	ret
	.size rt_setjmp, . - rt_setjmp

	.globl rt_longjmp
	.type rt_longjmp, @function
rt_longjmp:
	movl %esi, %eax
	testl %eax, %eax
	jnz 1f
	incl %eax
1:	movq 0(%rdi), %rbx
	movq 8(%rdi), %rbp
	movq 16(%rdi), %r12
	movq 24(%rdi), %r13
	movq 32(%rdi), %r14
	movq 40(%rdi), %r15
	movq 48(%rdi), %rsp
	jmpq *56(%rdi)
	.size rt_longjmp, . - rt_longjmp

	.section .note.GNU-stack, "", @progbits
