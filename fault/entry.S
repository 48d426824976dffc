/*
 * Exception and interrupt entry stubs.
 *
 * Each entry point makes the stack look the same whatever the vector: it pushes a
 * zero where the CPU pushes no error code, then the vector number, and jumps
 * to exception_common. exception_common saves the general registers to form
 * a struct pt_regs (base/ptrace.h), calls exception_dispatch(regs) with the
 * MS x64 convention (rcx = regs, 32 bytes of shadow space, rsp 16-aligned:
 * the CPU aligns rsp before pushing its 5-word frame, and 2 + 15 more words
 * keep it aligned), restores the registers and returns with iretq.
 * Expects: interrupts off (all gates are interrupt gates). Leaves: the
 * interrupted context, possibly changed through regs (e.g. a fixup's rip);
 * a return to ring 3 always with IOPL 0, NT 0, IF 1 and the user selectors
 * (SANITIZE_IRET_FRAME, fault/calling.h).
 *
 * GS (cpu/percpu.h): an entry from ring 3 swaps to the kernel's GS first and
 * back just before the iretq; an entry from ring 0 keeps it. NMI, #DF and #MC
 * arrive on IST stacks at any instruction, also between the swapgs and the
 * iretq of a return to ring 3, so they go through paranoid_common, which
 * decides by the GS base itself, below.
 *
 * The page fault (vector 14) has its own entry, asm_exc_page_fault, below:
 * the same frame, but only the registers C may clobber are saved on the way
 * in, so that the faults a program takes by the million cost as little as
 * the architecture allows.
 */
#include "fault/calling.h"
#include "cpu/x86.h"

	.text

.macro STUB vector, has_error, common=exception_common
	.globl exception_stub_\vector
exception_stub_\vector:
	.if \has_error == 0
	pushq $0
	.endif
	pushq $\vector
	jmp \common
	.p2align 4
.endm

	.p2align 4
	.globl exception_stubs_start
exception_stubs_start:
	STUB 0, 0
	STUB 1, 0
	STUB 2, 0, paranoid_common        /* NMI: IST_NMI */
	STUB 3, 0
	STUB 4, 0
	STUB 5, 0
	STUB 6, 0
	STUB 7, 0
	STUB 8, 1, paranoid_common        /* #DF: IST_DOUBLE_FAULT */
	STUB 9, 0
	STUB 10, 1
	STUB 11, 1
	STUB 12, 1
	STUB 13, 1
	/* Vector 14: the same 16-byte slot, but on to asm_exc_page_fault. */
	.globl exception_stub_14
exception_stub_14:
	pushq $14
	jmp asm_exc_page_fault
	.p2align 4
	STUB 15, 0
	STUB 16, 0
	STUB 17, 1
	STUB 18, 0, paranoid_common       /* #MC: IST_MACHINE_CHECK */
	STUB 19, 0
	STUB 20, 0
	STUB 21, 1
	STUB 22, 0
	STUB 23, 0
	STUB 24, 0
	STUB 25, 0
	STUB 26, 0
	STUB 27, 0
	STUB 28, 0
	STUB 29, 1
	STUB 30, 1
	STUB 31, 0
	/* The legacy PIC's 16 lines, remapped to 0x20..0x2f and masked. */
	STUB 32, 0
	STUB 33, 0
	STUB 34, 0
	STUB 35, 0
	STUB 36, 0
	STUB 37, 0
	STUB 38, 0
	STUB 39, 0
	STUB 40, 0
	STUB 41, 0
	STUB 42, 0
	STUB 43, 0
	STUB 44, 0
	STUB 45, 0
	STUB 46, 0
	STUB 47, 0
	/* The local APIC timer (LOCAL_TIMER_VECTOR), the IPI (CALL_FUNCTION_VECTOR)
	 * and the spurious-interrupt vector. */
	STUB 236, 0
	STUB 251, 0
	STUB 253, 0                       /* RESCHEDULE_VECTOR */
	STUB 255, 0

	/* Vector 14 while programs run on several CPUs (fault/fault_lock.h):
	 * the same entry, around exc_page_fault_fast_smp. */
	.p2align 4
	.globl exception_stub_14_smp
exception_stub_14_smp:
	pushq $14
	jmp asm_exc_page_fault_smp

exception_common:
	cld
	SWAPGS_IF_USER_ENTRY
	PUSH_REGS
exception_common_dispatch:            /* asm_exc_page_fault joins here with a whole frame */
	movq %rsp, %rcx
	subq $SHADOW_SPACE_BYTES, %rsp
	call exception_dispatch
exception_common_return:              /* and exception_exit_work's return, shadow space still reserved */
	addq $SHADOW_SPACE_BYTES, %rsp
	POP_REGS
	addq $VECTOR_AND_ERROR_BYTES, %rsp
	SANITIZE_IRET_FRAME_SWAPGS
	iretq

/*
 * paranoid_common: NMI, #DF and #MC (IST stacks). The saved CS says ring 3:
 * the GS base is the user's, swap. Ring 0: usually the kernel's GS, but the
 * interrupted instruction may lie between the swapgs and the iretq of a
 * return to ring 3, so, as Linux's paranoid_entry without FSGSBASE, read
 * MSR_GS_BASE: the kernel's pcpu lies in the top half (negative), a user's GS
 * base never does (arch_prctl refuses it, and a selector load gives a 32-bit
 * base). Before the image moves to the top half the pcpu is low, but no
 * program has run yet and KERNEL_GS_BASE holds the pcpu too (pcpu_init): a
 * swapgs there changes nothing. Whether we swapped is kept in r12 (saved in
 * the frame, preserved by C) and undone before the iretq, whatever the
 * return goes to.
 */
paranoid_common:
	cld
	PUSH_REGS
	movl $1, %r12d
	testb $3, PTREGS_CS(%rsp)
	jnz 1f
	movl $MSR_GS_BASE, %ecx
	rdmsr                              /* eax, edx: saved in the frame */
	testl %edx, %edx
	js 2f                              /* the kernel's GS already */
1:	swapgs
	jmp 3f
2:	xorl %r12d, %r12d
3:	movq %rsp, %rcx
	subq $SHADOW_SPACE_BYTES, %rsp
	call exception_dispatch
	addq $SHADOW_SPACE_BYTES, %rsp
	testl %r12d, %r12d
	jz 4f
	swapgs
4:	POP_REGS
	addq $VECTOR_AND_ERROR_BYTES, %rsp
	SANITIZE_IRET_FRAME
	iretq

/*
 * asm_exc_page_fault: vector 14, the fast way in.
 *
 * It builds the struct pt_regs frame of exception_common at the same place,
 * but stores only the registers the MS x64 convention lets C clobber (rax,
 * rcx, rdx, r8-r11); the slots of the callee-saved ones (rsi, rdi, rbx, rbp,
 * r12-r15) are reserved and left unwritten. exc_page_fault_fast(regs) may
 * read the hardware frame, the vector, the error code and those seven
 * registers, nothing else; it returns 0 when the fault is resolved, and we
 * return to the access. Any other answer means the fault needs the whole
 * frame (a signal, a fixup, a probe, a panic): the callee-saved registers,
 * which C has preserved and so still hold the interrupted values, are stored
 * into their slots and the fault goes the common way, exception_dispatch.
 */
.macro PAGE_FAULT_ENTRY name, fast
\name:
	cld
	testb $3, ENTRY_CS(%rsp)
	jz .Lpf_from_kernel        /* the fast way is for ring 3's faults only */
	swapgs
	subq $SI_DI_BYTES, %rsp    /* rdi, rsi */
	PUSH_CLOBBERED_REGS
	subq $CALLEE_SAVED_SLOTS_BYTES, %rsp   /* rbx, rbp, r12-r15 */
	movq %rsp, %rcx
	subq $SHADOW_SPACE_BYTES, %rsp
	call \fast
	testl %eax, %eax
	jnz 1f
	addq $(SHADOW_SPACE_BYTES + CALLEE_SAVED_SLOTS_BYTES), %rsp   /* shadow space, rbx, rbp, r12-r15 */
	POP_CLOBBERED_REGS
	addq $(SI_DI_BYTES + VECTOR_AND_ERROR_BYTES), %rsp   /* rsi, rdi, vector, error code */
	SWAPGS_FAST_FAULT_RETURN   /* resolved: from ring 3, the frame untouched */
	iretq
1:	addq $SHADOW_SPACE_BYTES, %rsp
	STORE_CALLEE_SAVED_REGS
	cmpl $2, %eax              /* PF_RESOLVED_EXIT_WORK (fault/fault.h): a signal waits */
	jne exception_common_dispatch
	movq %rsp, %rcx
	subq $SHADOW_SPACE_BYTES, %rsp
	call exception_exit_work
	jmp exception_common_return
.endm

	PAGE_FAULT_ENTRY asm_exc_page_fault, exc_page_fault_fast
	/* The same with the page fault's lock (exc_page_fault_fast_smp takes it
	 * and keeps it only when the fault goes on to exception_dispatch). */
	PAGE_FAULT_ENTRY asm_exc_page_fault_smp, exc_page_fault_fast_smp
.Lpf_from_kernel:                  /* a user copy, a probe, a kernel bug: the whole frame */
	subq $SI_DI_BYTES, %rsp
	PUSH_CLOBBERED_REGS
	subq $CALLEE_SAVED_SLOTS_BYTES, %rsp
	STORE_CALLEE_SAVED_REGS
	jmp exception_common_dispatch
