/*
 * la57_switch(new_cr3 [rcx], new_cr4 [rdx])
 *
 * CR4.LA57 cannot change in long mode, so this code leaves long mode and
 * comes back (Intel SDM 4.1.2): far return to a 32-bit code segment
 * (compatibility mode), clear CR0.PG (long mode off, paging off), load CR3
 * with the new root, write CR4 (LA57 flipped, PCIDE off), set CR0.PG (long
 * mode on again, now with the other number of levels), far jump to 64-bit
 * code. EFER is not touched, so EFER.LME and EFER.NXE stay set.
 *
 * Expects: interrupts off; this code COPIED to a page below 4 GiB that is
 * identity-mapped and executable in both the current and the new tables, with
 * the ljmp target patched to the copy's long64 (la57_switch_ljmp_offset);
 * new_cr3 below 4 GiB; the GDT loaded with GDT_KERNEL32_CS (0x28) and
 * GDT_KERNEL_CS (0x08); the stack and the caller mapped at the same addresses
 * in both (identity-mapped at boot; the shared kernel half when the mode
 * changes at run time, paging/mode_switch.c).
 * Uses no stack and no data in 32-bit mode. Because the upper halves of the
 * registers are lost across 32-bit mode, every callee-saved register is
 * pushed first (in 64-bit mode) and rsp is kept in the page itself.
 * Leaves: the new paging mode, all callee-saved registers as they were.
 * C declarations: paging/la57_switch.h.
 */
#include "cpu/gdt.h"

	.text
	.globl la57_switch_start, la57_switch_end, la57_switch_ljmp_offset
la57_switch_start:
	pushq %rbx
	pushq %rbp
	pushq %rdi
	pushq %rsi
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, saved_rsp(%rip)
	leaq compat32(%rip), %rax
	pushq $GDT_KERNEL32_CS
	pushq %rax
	lretq

	.code32
compat32:
	movl %cr0, %eax
	andl $0x7fffffff, %eax
	movl %eax, %cr0            /* paging off: long mode inactive */
	movl %ecx, %cr3
	movl %edx, %cr4            /* LA57 flipped, PCIDE off, PAE on */
	movl %cr0, %eax
	orl $0x80000000, %eax
	movl %eax, %cr0            /* paging on: long mode active again */
	.byte 0xea                 /* ljmp $0x08, $long64 (patched absolute), GDT_KERNEL_CS */
ljmp_target:
	.long 0
	.word GDT_KERNEL_CS

	.code64
long64:
	movq saved_rsp(%rip), %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rsi
	popq %rdi
	popq %rbp
	popq %rbx
	ret

	.p2align 3
saved_rsp:
	.quad 0
la57_switch_end:

	.section .rdata
	.p2align 3
la57_switch_ljmp_offset:
	.long ljmp_target - la57_switch_start
	.long long64 - la57_switch_start
