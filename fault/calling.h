/*
 * The register save/restore that builds and unwinds a struct pt_regs
 * (fault/ptrace.h), shared by exception entry (fault/entry.S) and syscall
 * entry (fault/syscall_entry.S). As Linux's arch/x86/entry/calling.h.
 * PUSH_REGS expects vector and error code already pushed above the hardware
 * frame; POP_REGS leaves rsp pointing at them.
 */
.macro PUSH_REGS
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %rcx
	pushq %rax
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro POP_REGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rax
	popq %rcx
	popq %rdx
	popq %rsi
	popq %rdi
.endm

/*
 * Saves the kernel's callee-saved registers and rsp into a struct
 * kernel_context (kernel/process.h) at \ctx; return_to_kernel undoes it.
 */
.macro SAVE_KERNEL_CONTEXT ctx
	movq %rbx, 0(\ctx)
	movq %rbp, 8(\ctx)
	movq %rdi, 16(\ctx)
	movq %rsi, 24(\ctx)
	movq %r12, 32(\ctx)
	movq %r13, 40(\ctx)
	movq %r14, 48(\ctx)
	movq %r15, 56(\ctx)
	movq %rsp, 64(\ctx)
.endm
