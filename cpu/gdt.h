/*
 * The kernel's GDT and TSS. Selector order is the one SYSCALL/SYSRET need:
 * STAR[47:32] = KERNEL_CS (SS = KERNEL_CS + 8); STAR[63:48] = USER_DS - 8,
 * so SYSRET loads CS = USER_CS and SS = USER_DS.
 */
#ifndef FAULTLINE_GDT_H
#define FAULTLINE_GDT_H

#define GDT_KERNEL_CS   0x08
#define GDT_KERNEL_DS   0x10
#define GDT_USER_DS     0x18   /* used with RPL 3: 0x1b */
#define GDT_USER_CS     0x20   /* used with RPL 3: 0x23 */
#define GDT_KERNEL32_CS 0x28   /* 32-bit code, for the LA57 trampoline */
#define GDT_TSS         0x30   /* 16-byte system descriptor */
#define GDT_CPUNODE     0x40   /* Linux's GDT_ENTRY_CPUNODE: limit = cpu | node << 12, DPL 3;
				* the vDSO's getcpu reads it with LSL (base/vdso_data.h) */
#define GDT_ENTRIES     9
#define __KERNEL_CS GDT_KERNEL_CS
#define __KERNEL_DS GDT_KERNEL_DS
#define __USER_DS   (GDT_USER_DS | 3)
#define __USER_CS   (GDT_USER_CS | 3)
#define __CPUNODE_SEG (GDT_CPUNODE | 3)

/* Interrupt stack table slots (1-based, as in the IDT gate's IST field). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI          2
#define IST_MACHINE_CHECK 3

/* The size of each IST stack and of the ring-3 entry stack (per CPU). */
#define IST_STACK_BYTES   (16 * 1024)
#define ENTRY_STACK_BYTES (32 * 1024)

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct pcpu;   /* cpu/percpu.h */

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(offsetof(struct tss64, rsp) == 4 && offsetof(struct tss64, ist) == 36 &&
	       offsetof(struct tss64, iomap_base) == 102 && sizeof(struct tss64) == 104,
	       "struct tss64 is the SDM's 64-bit TSS (Figure 8-11)");

/* Builds p's GDT and TSS (its own IST and entry stacks), loads the GDT,
 * reloads every segment register (GS with the null selector: pcpu_init
 * writes the GS base after), loads the TSS and a null LDTR (no LDT: ring 3
 * cannot reach a descriptor the kernel did not write). Called by pcpu_init.
 * Cannot fail. */
void gdt_init(struct pcpu *p);

/*
 * A new program's segment state, as Linux's start_thread leaves it for a
 * 64-bit process: DS, ES, FS, GS null; FS base 0 and the user's GS base 0
 * (in MSR_KERNEL_GS_BASE: enter_user's swapgs makes it the GS base), while
 * MSR_GS_BASE stays this CPU's pcpu (written again: on Intel the null
 * selector load clears it). Call in ring 0 just before entering a program
 * (the kernel itself runs on with DS = 0 until load_kernel_data_segments).
 * Cannot fail.
 */
void load_user_segments(void);

/* The kernel's own data segments back after a program (DS = ES = KERNEL_DS,
 * FS = GS = 0, FS base and the user's GS base 0, GS base this CPU's pcpu):
 * nothing the program loaded outlives it. */
void load_kernel_data_segments(void);
#endif /* !__ASSEMBLER__ */

#endif
