/*
 * The register save/restore that builds and unwinds a struct pt_regs
 * (base/ptrace.h), shared by exception entry (fault/entry.S) and syscall
 * entry (fault/syscall_entry.S). As Linux's arch/x86/entry/calling.h.
 * PUSH_REGS expects vector and error code already pushed above the hardware
 * frame; POP_REGS leaves rsp pointing at them.
 */
.macro PUSH_REGS
	pushq %rdi
	pushq %rsi
	PUSH_CLOBBERED_REGS
	PUSH_CALLEE_SAVED_REGS
.endm

.macro POP_REGS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	POP_CLOBBERED_REGS
	popq %rsi
	popq %rdi
.endm

/* The registers the MS x64 convention lets a C function clobber (rdi and
 * rsi excepted: they are callee-saved there), in pt_regs order. */
.macro PUSH_CLOBBERED_REGS
	pushq %rdx
	pushq %rcx
	pushq %rax
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
.endm

.macro POP_CLOBBERED_REGS
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rax
	popq %rcx
	popq %rdx
.endm

.macro PUSH_CALLEE_SAVED_REGS
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

/*
 * Stores the callee-saved registers into the slots a pt_regs frame at rsp
 * left unwritten (fault/entry.S's asm_exc_page_fault): the frame is then
 * what PUSH_REGS would have built.
 */
.macro STORE_CALLEE_SAVED_REGS
	movq %r15, 0(%rsp)
	movq %r14, 8(%rsp)
	movq %r13, 16(%rsp)
	movq %r12, 24(%rsp)
	movq %rbp, 32(%rsp)
	movq %rbx, 40(%rsp)
	movq %rsi, 104(%rsp)
	movq %rdi, 112(%rsp)
.endm

/*
 * Saves the kernel's callee-saved registers and rsp into a struct
 * kernel_context (base/process.h) at \ctx; return_to_kernel undoes it.
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
