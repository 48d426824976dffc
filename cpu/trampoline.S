/*
 * ap_trampoline_start: where an application processor starts after its
 * STARTUP IPI (layout and header: cpu/trampoline.h).
 *
 * Expects: real mode, CS = the page's physical address >> 4, IP = 0; the
 * header filled in by the boot CPU.
 * Does: real mode -> 32-bit protected mode (the header's GDT) -> CR4 (PAE,
 * PGE, LA57 when the kernel runs 5 levels: LA57 can only be set while
 * paging is off), CR3 = the trampoline root, EFER (LME), CR0.PG -> 64-bit
 * code at its identity address -> the header's stack, then calls the
 * header's entry(arg) (Microsoft x64 convention: arg in rcx, 32 bytes of
 * shadow space), which never returns.
 * Writes the stage it reached to the header, so a CPU that never calls in
 * can be told apart (1 real mode, 2 protected mode, 3 long mode).
 * Uses no stack before the 64-bit part; ebx holds the page's address.
 */
#include "cpu/trampoline.h"

	.text
	.globl ap_trampoline_start, ap_trampoline_end
	.p2align 4
	.code16
ap_trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	movl $1, AP_TR_STAGE
	cmpl $0, AP_TR_REFUSE
	jne refuse
	xorl %ebx, %ebx
	movw %cs, %bx
	shll $4, %ebx
	lgdtl AP_TR_GDT_DESC
	movl %cr0, %eax
	orl $1, %eax                 /* PE */
	movl %eax, %cr0
	ljmpl *AP_TR_FAR32
refuse:
	hlt
	jmp refuse

	.code32
code32:
	movl $AP_TR_SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl $2, AP_TR_STAGE(%ebx)
	movl AP_TR_CR4(%ebx), %eax
	movl %eax, %cr4
	movl AP_TR_CR3(%ebx), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx      /* MSR_EFER */
	movl AP_TR_EFER(%ebx), %eax
	xorl %edx, %edx
	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax        /* PG | WP | PE: long mode becomes active */
	movl %eax, %cr0
	ljmpl *AP_TR_FAR64(%ebx)

	.code64
code64:
	movl %ebx, %ebx              /* the upper halves are undefined after 32-bit mode */
	movl $3, AP_TR_STAGE(%rbx)
	movq AP_TR_STACK(%rbx), %rsp
	movq AP_TR_ARG(%rbx), %rcx
	movq AP_TR_ENTRY(%rbx), %rax
	subq $32, %rsp               /* shadow space; rsp stays 16-aligned for the call */
	call *%rax
1:	hlt
	jmp 1b
ap_trampoline_end:

	.section .rdata
	.p2align 2
	.globl ap_trampoline_offsets
ap_trampoline_offsets:
	.long code32 - ap_trampoline_start
	.long code64 - ap_trampoline_start
