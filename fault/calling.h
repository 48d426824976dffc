/*
 * The register save/restore that builds and unwinds a struct pt_regs
 * (base/ptrace.h), shared by exception entry (fault/entry.S) and syscall
 * entry (fault/syscall_entry.S). As Linux's arch/x86/entry/calling.h.
 * PUSH_REGS expects vector and error code already pushed above the hardware
 * frame; POP_REGS leaves rsp pointing at them.
 *
 * Every offset into a C struct comes from the struct's header, where a
 * _Static_assert ties it to offsetof (docs/ARCHITECTURE.md, "The asm/C
 * boundary"); selectors from cpu/gdt.h.
 */
#include "base/process.h"
#include "base/ptrace.h"
#include "cpu/gdt.h"
#include "cpu/percpu.h"

/* Frame arithmetic in pt_regs words: the vector and error code below the
 * hardware frame; rsi and rdi below those; the six callee-saved registers
 * at the bottom (r15 .. rbx, below r11). MS x64 shadow space for a call. */
#define VECTOR_AND_ERROR_BYTES   (PTREGS_IP - PTREGS_VECTOR)
#define SI_DI_BYTES              (PTREGS_VECTOR - PTREGS_SI)
#define CALLEE_SAVED_SLOTS_BYTES PTREGS_R11
#define SHADOW_SPACE_BYTES       32

/* The hardware frame's words, from rsp at the iretq (rip at 0). */
#define IRET_CS     (PTREGS_CS - PTREGS_IP)
#define IRET_FLAGS  (PTREGS_FLAGS - PTREGS_IP)
#define IRET_SS     (PTREGS_SS - PTREGS_IP)
/* The saved CS as an entry stub leaves the stack (vector at 0). */
#define ENTRY_CS    (PTREGS_CS - PTREGS_VECTOR)
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
	movq %r15, PTREGS_R15(%rsp)
	movq %r14, PTREGS_R14(%rsp)
	movq %r13, PTREGS_R13(%rsp)
	movq %r12, PTREGS_R12(%rsp)
	movq %rbp, PTREGS_BP(%rsp)
	movq %rbx, PTREGS_BX(%rsp)
	movq %rsi, PTREGS_SI(%rsp)
	movq %rdi, PTREGS_DI(%rsp)
.endm

/*
 * Saves the kernel's callee-saved registers and rsp into a struct
 * kernel_context (base/process.h) at \ctx; return_to_kernel undoes it.
 */
.macro SAVE_KERNEL_CONTEXT ctx
	movq %rbx, KCTX_RBX(\ctx)
	movq %rbp, KCTX_RBP(\ctx)
	movq %rdi, KCTX_RDI(\ctx)
	movq %rsi, KCTX_RSI(\ctx)
	movq %r12, KCTX_R12(\ctx)
	movq %r13, KCTX_R13(\ctx)
	movq %r14, KCTX_R14(\ctx)
	movq %r15, KCTX_R15(\ctx)
	movq %rsp, KCTX_RSP(\ctx)
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
	andq $~USER_RFLAGS_CLEAR, IRET_FLAGS(%rsp)
	orq $USER_RFLAGS_SET, IRET_FLAGS(%rsp)
	movq $__USER_CS, IRET_CS(%rsp)
	movq $__USER_DS, IRET_SS(%rsp)
.endm

.macro SANITIZE_IRET_FRAME
	testb $3, IRET_CS(%rsp)
	jz .Lsanitized_\@
	SANITIZE_USER_IRET_FRAME
.Lsanitized_\@:
.endm

/*
 * The GS rule (cpu/percpu.h): in the kernel MSR_GS_BASE is this CPU's struct
 * pcpu, in ring 3 the user's. SWAPGS_IF_USER_ENTRY, first thing in an entry
 * stub whose vector and error code are pushed, swaps when the CPU came from
 * ring 3 (an exception from ring 0 already has the kernel's GS).
 * SANITIZE_IRET_FRAME_SWAPGS is SANITIZE_IRET_FRAME plus the swapgs back to
 * the user's GS on the way to ring 3: the last instruction before iretq.
 * Both clobber nothing but the flags.
 */
.macro SWAPGS_IF_USER_ENTRY
	testb $3, ENTRY_CS(%rsp)
	jz .Lkernel_gs_\@
	swapgs
.Lkernel_gs_\@:
.endm

/*
 * The return of a page fault the fast path resolved: it came from ring 3
 * (the entry calls exc_page_fault_fast for nothing else) and C only read the
 * frame, so it is the CPU's own frame from ring 3 and needs no sanitising;
 * only the user's GS comes back.
 */
.macro SWAPGS_FAST_FAULT_RETURN
	swapgs
.endm

.macro SANITIZE_IRET_FRAME_SWAPGS
	testb $3, IRET_CS(%rsp)
	jz .Lsanitized_\@
	SANITIZE_USER_IRET_FRAME
	swapgs
.Lsanitized_\@:
.endm
