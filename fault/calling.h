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
