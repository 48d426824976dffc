/*
 * x86-64 registers: the bit layouts of CR0, CR4, EFER, RFLAGS, the MSR
 * numbers we use, and the tiny inline-asm accessors (port I/O, MSRs, control
 * registers, CPUID). The paging-entry layout lives in paging/pgtable_types.h.
 */
#ifndef FAULTLINE_X86_H
#define FAULTLINE_X86_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

/* CR0 */
#define X86_CR0_PE  (1ull << 0)
#define X86_CR0_MP  (1ull << 1)
#define X86_CR0_EM  (1ull << 2)
#define X86_CR0_TS  (1ull << 3)
#define X86_CR0_NE  (1ull << 5)
#define X86_CR0_WP  (1ull << 16)
#define X86_CR0_AM  (1ull << 18)
#define X86_CR0_NW  (1ull << 29)
#define X86_CR0_CD  (1ull << 30)
#define X86_CR0_PG  (1ull << 31)

/* CR4 */
#define X86_CR4_PSE        (1ull << 4)
#define X86_CR4_PAE        (1ull << 5)
#define X86_CR4_PGE        (1ull << 7)
#define X86_CR4_OSFXSR     (1ull << 9)
#define X86_CR4_OSXMMEXCPT (1ull << 10)
#define X86_CR4_UMIP       (1ull << 11)
#define X86_CR4_LA57       (1ull << 12)
#define X86_CR4_FSGSBASE   (1ull << 16)
#define X86_CR4_PCIDE      (1ull << 17)
#define X86_CR4_OSXSAVE    (1ull << 18)
#define X86_CR4_SMEP       (1ull << 20)
#define X86_CR4_SMAP       (1ull << 21)
#define X86_CR4_PKE        (1ull << 22)
#define X86_CR4_CET        (1ull << 23)

/* EFER (MSR 0xc0000080) */
#define MSR_EFER        0xc0000080u
#define EFER_SCE        (1ull << 0)
#define EFER_LME        (1ull << 8)
#define EFER_LMA        (1ull << 10)
#define EFER_NXE        (1ull << 11)

#define MSR_STAR        0xc0000081u
#define MSR_LSTAR       0xc0000082u
#define MSR_CSTAR       0xc0000083u
#define MSR_SYSCALL_MASK 0xc0000084u
#define MSR_FS_BASE     0xc0000100u
#define MSR_GS_BASE     0xc0000101   /* no suffix: assembly uses it (fault/entry.S) */
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define MSR_TSC_AUX     0xc0000103u
#define MSR_PLATFORM_INFO 0xceu

/* RFLAGS */
#define X86_EFLAGS_CF   (1ull << 0)
#define X86_EFLAGS_FIXED (1ull << 1)
#define X86_EFLAGS_PF   (1ull << 2)
#define X86_EFLAGS_AF   (1ull << 4)
#define X86_EFLAGS_ZF   (1ull << 6)
#define X86_EFLAGS_SF   (1ull << 7)
#define X86_EFLAGS_TF   (1ull << 8)
#define X86_EFLAGS_IF   (1ull << 9)
#define X86_EFLAGS_DF   (1ull << 10)
#define X86_EFLAGS_OF   (1ull << 11)
#define X86_EFLAGS_IOPL (3ull << 12)
#define X86_EFLAGS_NT   (1ull << 14)
#define X86_EFLAGS_RF   (1ull << 16)
#define X86_EFLAGS_AC   (1ull << 18)
#define X86_EFLAGS_ID   (1ull << 21)

#ifndef __ASSEMBLER__   /* assembly takes the constants above, nothing below */
#ifndef HOST_TEST
static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void io_delay(void) { outb(0x80, 0); }

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

#define DEFINE_CR_ACCESSORS(n) \
	static inline uint64_t read_cr##n(void) { uint64_t v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
	static inline void write_cr##n(uint64_t v) { __asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); }
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

static inline uint64_t read_rflags(void) { uint64_t f; __asm__ volatile("pushfq; popq %0" : "=r"(f)); return f; }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

/* PKRU, the protection-key rights (2 bits per key: AD, WD); needs CR4.PKE. Linux's names. */
static inline uint32_t rdpkru(void)
{
	uint32_t eax, edx;
	__asm__ volatile("rdpkru" : "=a"(eax), "=d"(edx) : "c"(0));
	return eax;
}
static inline void wrpkru(uint32_t pkru) { __asm__ volatile("wrpkru" : : "a"(pkru), "c"(0), "d"(0) : "memory"); }

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
/* rdtsc ordered after all earlier instructions (lfence; rdtsc; lfence). */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}
#endif /* HOST_TEST */

#endif /* !__ASSEMBLER__ */
#endif
