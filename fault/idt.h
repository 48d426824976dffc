/* The IDT: all 32 exception vectors, the PIC's 16 (masked), the APIC timer, IPI and spurious vectors. */
#ifndef FAULTLINE_IDT_H
#define FAULTLINE_IDT_H

#include <stdbool.h>

#define X86_TRAP_DE   0
#define X86_TRAP_DB   1
#define X86_TRAP_NMI  2
#define X86_TRAP_BP   3
#define X86_TRAP_OF   4
#define X86_TRAP_BR   5
#define X86_TRAP_UD   6
#define X86_TRAP_NM   7
#define X86_TRAP_DF   8
#define X86_TRAP_OLD_MF 9
#define X86_TRAP_TS   10
#define X86_TRAP_NP   11
#define X86_TRAP_SS   12
#define X86_TRAP_GP   13
#define X86_TRAP_PF   14
#define X86_TRAP_SPURIOUS 15
#define X86_TRAP_MF   16
#define X86_TRAP_AC   17
#define X86_TRAP_MC   18
#define X86_TRAP_XF   19
#define X86_TRAP_VE   20
#define X86_TRAP_CP   21
#define X86_TRAP_HV   28
#define X86_TRAP_VC   29
#define X86_TRAP_SX   30

#define PIC_VECTOR_BASE 0x20
#define SPURIOUS_APIC_VECTOR 0xff
/* pt_regs.vector of a SYSCALL (fault/syscall_entry.S): past the IDT's 256. */
#define SYSCALL_VECTOR 0x100

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Builds and loads the IDT, remaps and masks the 8259 PICs. Cannot fail. */
void idt_init(void);

/* Loads the IDT idt_init built on this CPU (another CPU's bring-up). */
void idt_load(void);

/* Points vector 14 at the SMP page-fault entry (smp: programs run on
 * several CPUs; interrupts on in the fault, no global lock unless a slow
 * half needs it, fault/fault_lock.h) or at the one-CPU entry (the fast path
 * as it was), and tells fault_lock.c which. The IDT is every CPU's: call it
 * while no program runs. */
void idt_set_page_fault_entry(bool smp);

/* Human name of an exception vector ("#PF page fault"), or "interrupt". */
const char *exception_name(uint64_t vector);

#endif /* !__ASSEMBLER__ */
#endif
