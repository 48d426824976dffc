/*
 * The context switch's register part (kernel/sched.c does the rest).
 *
 * __switch_to_asm(prev_ctx [rcx], next_ctx [rdx], prev [r8]) -> prev [rax]:
 *   saves the callee-saved registers and rsp of the running task in
 *   *prev_ctx, loads next's from *next_ctx and returns on next's stack: to
 *   where next called it, or for a new task to ret_from_fork. The value
 *   returned is the task switched away from, as Linux's switch_to's `last`.
 *
 * ret_from_fork: a new task's first return. alloc'd stacks put its address
 *   just below the task's pt_regs; it calls schedule_tail(prev) and leaves
 *   to ring 3 through the syscall return path with those registers.
 */
#include "fault/calling.h"

	.text
	.globl __switch_to_asm
__switch_to_asm:
	SAVE_KERNEL_CONTEXT %rcx
	movq %rdx, %rcx                    /* return_to_kernel(next_ctx, prev): */
	movq %r8, %rdx                     /* next's registers back, rax = prev */
	jmp return_to_kernel

	.globl ret_from_fork
ret_from_fork:
	movq %rax, %rcx
	subq $SHADOW_SPACE_BYTES, %rsp
	call schedule_tail
	addq $SHADOW_SPACE_BYTES, %rsp
	jmp restore_user_regs

/*
 * ret_from_kthread: a kernel thread's first return (kthread_create put its
 *   address where ret_from_fork's goes, the function in rbx and its
 *   argument in r12 of its saved context). Finishes the switch
 *   (kthread_schedule_tail(prev)), then calls the function, which never
 *   returns.
 */
	.globl ret_from_kthread
ret_from_kthread:
	movq %rax, %rcx
	subq $SHADOW_SPACE_BYTES, %rsp
	call kthread_schedule_tail
	movq %r12, %rcx
	call *%rbx
	ud2

