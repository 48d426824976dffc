/*
 * Ring 3 <-> kernel transitions.
 *
 * entry_SYSCALL_64: the SYSCALL instruction lands here (MSR_LSTAR) with
 *   rcx = user rip, r11 = user rflags, rsp = user rsp, IF/TF/DF/AC cleared by
 *   MSR_SYSCALL_MASK. The kernel runs on one CPU with interrupts off, so the
 *   user rsp can be parked in a plain variable while we switch to the kernel
 *   entry stack (the one TSS.RSP0 names too). We build the same struct pt_regs
 *   an exception from ring 3 would (vector SYSCALL_VECTOR, error code = rax,
 *   the syscall number), call do_syscall_64(regs) and return with iretq:
 *   unlike sysret, iretq cannot be tricked by a non-canonical user rip.
 *
 * enter_user(regs [rcx], ctx [rdx]): saves the kernel's callee-saved registers
 *   and rsp in *ctx, then loads every register from *regs (a struct pt_regs
 *   whose hardware frame says ring 3) and iretq's into the program.
 *
 * return_to_kernel(ctx [rcx], status [rdx]): the way back, from any kernel
 *   stack depth inside a syscall or fault: restores the callee-saved registers
 *   and rsp saved by enter_user and makes enter_user return status.
 */
#include "fault/calling.h"

	.text

	.globl entry_SYSCALL_64
entry_SYSCALL_64:
	movq %rsp, syscall_user_rsp(%rip)
	movq syscall_kernel_rsp(%rip), %rsp
	pushq $0x1b                        /* ss: __USER_DS */
	pushq syscall_user_rsp(%rip)       /* rsp */
	pushq %r11                         /* rflags */
	pushq $0x23                        /* cs: __USER_CS */
	pushq %rcx                         /* rip */
	pushq %rax                         /* error_code: the syscall number */
	pushq $0x100                       /* vector: SYSCALL_VECTOR */
	PUSH_REGS
	xorl %ebp, %ebp
	movq %rsp, %rcx
	subq $32, %rsp
	call do_syscall_64
	addq $32, %rsp
	jmp restore_user_regs

	.globl enter_user
enter_user:
	SAVE_KERNEL_CONTEXT %rdx
	movq %rcx, %rsp
restore_user_regs:
	POP_REGS
	addq $16, %rsp
	SANITIZE_USER_IRET_FRAME           /* this iretq always goes to ring 3 */
	iretq

	.globl return_to_kernel
return_to_kernel:
	movq 0(%rcx), %rbx
	movq 8(%rcx), %rbp
	movq 16(%rcx), %rdi
	movq 24(%rcx), %rsi
	movq 32(%rcx), %r12
	movq 40(%rcx), %r13
	movq 48(%rcx), %r14
	movq 56(%rcx), %r15
	movq 64(%rcx), %rsp
	movq %rdx, %rax
	ret

	.data
	.p2align 3
	.globl syscall_user_rsp, syscall_kernel_rsp
syscall_user_rsp:
	.quad 0
syscall_kernel_rsp:
	.quad 0

/*
 * call_saving_context(fn [rcx], arg [rdx], ctx [r8]) -> 0, or what a later
 * return_to_kernel(ctx, status) passes: saves the callee-saved registers and
 * rsp in *ctx (the layout enter_user uses), then calls fn(arg). Used by
 * probes that may fault in ring 0 and be resumed here.
 */
	.text
	.globl call_saving_context
call_saving_context:
	SAVE_KERNEL_CONTEXT %r8
	movq %rcx, %rax
	movq %rdx, %rcx
	subq $40, %rsp
	call *%rax
	addq $40, %rsp
	xorl %eax, %eax
	ret
