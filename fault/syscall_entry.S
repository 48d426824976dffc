/*
 * Ring 3 <-> kernel transitions.
 *
 * entry_SYSCALL_64: the SYSCALL instruction lands here (MSR_LSTAR) with
 *   rcx = user rip, r11 = user rflags, rsp = user rsp, IF/TF/DF/AC cleared by
 *   MSR_SYSCALL_MASK. swapgs makes GS this CPU's struct pcpu (cpu/percpu.h);
 *   the user rsp is parked there (interrupts are off) while we switch to the
 *   kernel entry stack (pcpu top_of_stack, which TSS.RSP0 names too). We
 *   build the same struct pt_regs
 *   an exception from ring 3 would (vector SYSCALL_VECTOR, error code = rax,
 *   the syscall number), call do_syscall_64(regs) and return with iretq:
 *   unlike sysret, iretq cannot be tricked by a non-canonical user rip.
 *   Every register, rip, rsp and rflags come back from regs, so a signal
 *   frame built on the way out or an rt_sigreturn (kernel/signal*.c) takes
 *   effect whole: nothing is assumed from the entry (not rcx/r11 as sysret
 *   would).
 *
 * enter_user(regs [rcx], ctx [rdx]): saves the kernel's callee-saved registers
 *   and rsp in *ctx, then loads every register from *regs (a struct pt_regs
 *   whose hardware frame says ring 3), swapgs to the user's GS base and
 *   iretq's into the program.
 *
 * return_to_kernel(ctx [rcx], status [rdx]): the way back, from any kernel
 *   stack depth inside a syscall or fault: restores the callee-saved registers
 *   and rsp saved by enter_user and makes enter_user return status. GS is
 *   the kernel's already (the entry that led here swapped it).
 *
 * C declarations: fault/entry.h.
 */
#include "fault/calling.h"
#include "fault/idt.h"

	.text

	.globl entry_SYSCALL_64
entry_SYSCALL_64:
	swapgs
	movq %rsp, %gs:PCPU_USER_RSP
	movq %gs:PCPU_TOP_OF_STACK, %rsp
	pushq $__USER_DS                   /* ss */
	pushq %gs:PCPU_USER_RSP            /* rsp */
	pushq %r11                         /* rflags */
	pushq $__USER_CS                   /* cs */
	pushq %rcx                         /* rip */
	pushq %rax                         /* error_code: the syscall number */
	pushq $SYSCALL_VECTOR              /* vector */
	PUSH_REGS
	xorl %ebp, %ebp
	movq %rsp, %rcx
	subq $SHADOW_SPACE_BYTES, %rsp
	call do_syscall_64
	addq $SHADOW_SPACE_BYTES, %rsp
	jmp restore_user_regs

	.globl enter_user
enter_user:
	SAVE_KERNEL_CONTEXT %rdx
	movq %rcx, %rsp
	.globl restore_user_regs
restore_user_regs:
	POP_REGS
	addq $VECTOR_AND_ERROR_BYTES, %rsp
	SANITIZE_USER_IRET_FRAME           /* this iretq always goes to ring 3 */
	swapgs
	iretq

	.globl return_to_kernel
return_to_kernel:
	movq KCTX_RBX(%rcx), %rbx
	movq KCTX_RBP(%rcx), %rbp
	movq KCTX_RDI(%rcx), %rdi
	movq KCTX_RSI(%rcx), %rsi
	movq KCTX_R12(%rcx), %r12
	movq KCTX_R13(%rcx), %r13
	movq KCTX_R14(%rcx), %r14
	movq KCTX_R15(%rcx), %r15
	movq KCTX_RSP(%rcx), %rsp
	movq %rdx, %rax
	ret

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
	subq $(SHADOW_SPACE_BYTES + 8), %rsp   /* shadow space; rsp 16-aligned at the call */
	call *%rax
	addq $(SHADOW_SPACE_BYTES + 8), %rsp
	xorl %eax, %eax
	ret
