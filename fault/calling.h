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

/*
 * Sanitises the hardware frame at 0(%rsp) (rip, cs, rflags, rsp, ss) just
 * before an iretq that returns to ring 3: RFLAGS gets IOPL 0, NT 0, VM 0 and
 * IF 1, and CS/SS become __USER_CS/__USER_DS, whatever a handler (or a bug)
 * left in the frame. A program cannot set IOPL with popf at CPL 3; this makes
 * sure the kernel never hands it back either. SANITIZE_USER_IRET_FRAME is for
 * paths that only ever return to ring 3 (syscall return, enter_user);
 * SANITIZE_IRET_FRAME for exception returns, which leave a frame returning
 * to ring 0 alone. Both clobber nothing but the flags.
 */
#define USER_RFLAGS_CLEAR 0x23000   /* VM (1 << 17) | NT (1 << 14) | IOPL (3 << 12) */
#define USER_RFLAGS_SET   0x200     /* IF */
.macro SANITIZE_USER_IRET_FRAME
	andq $~USER_RFLAGS_CLEAR, 16(%rsp)
	orq $USER_RFLAGS_SET, 16(%rsp)
	movq $0x23, 8(%rsp)        /* __USER_CS */
	movq $0x1b, 32(%rsp)       /* __USER_DS */
.endm

.macro SANITIZE_IRET_FRAME
	testb $3, 8(%rsp)
	jz .Lsanitized_\@
	SANITIZE_USER_IRET_FRAME
.Lsanitized_\@:
.endm
