/*
 * GDT, TSS and the segment-register reload. Long mode ignores base and limit
 * for code/data segments, so the descriptors differ only in their type, DPL
 * and L/D bits. The TSS carries RSP0 (entry from ring 3) and three IST stacks
 * so that #DF, NMI and #MC always run on a known-good stack.
 */
#include "cpu/gdt.h"
#include "base/string.h"
#include "cpu/percpu.h"
#include "cpu/x86.h"

#define STACK_BYTES IST_STACK_BYTES

/* The boot CPU's IST stacks and ring-3 entry stack (it needs them before
 * there is an allocator); every other CPU's are allocated when it is brought
 * up (kernel/smpboot.c) and named by pcpu.ist_top and pcpu.entry_top. */
static uint8_t ist_stacks[3][STACK_BYTES] __attribute__((aligned(16)));
static uint8_t entry_stack[ENTRY_STACK_BYTES] __attribute__((aligned(16)));

/* access: P=1<<7, DPL<<5, S=1<<4, type; flags nibble: G=8, D/B=4, L=2 */
#define SEG(access, flags) (((uint64_t)(access) << 40) | ((uint64_t)(flags) << 52) | 0xffffull | (0xfull << 48))

/* The descriptors every CPU's GDT starts from; the TSS's is per CPU. */
static const uint64_t gdt_template[GDT_ENTRIES] = {
	[0] = 0,
	[GDT_KERNEL_CS / 8]   = SEG(0x9a, 0xa),  /* present, ring 0, code exec/read, L=1 G=1 */
	[GDT_KERNEL_DS / 8]   = SEG(0x92, 0xc),  /* present, ring 0, data read/write */
	[GDT_USER_DS / 8]     = SEG(0xf2, 0xc),  /* present, ring 3, data read/write */
	[GDT_USER_CS / 8]     = SEG(0xfa, 0xa),  /* present, ring 3, code, L=1 */
	[GDT_KERNEL32_CS / 8] = SEG(0x9a, 0xc),  /* present, ring 0, code, D=1 (32-bit) */
	/* [6], [7]: the TSS, [8]: CPUNODE, filled at run time */
};

struct __attribute__((packed)) descriptor_pointer {
	uint16_t limit;
	uint64_t base;
};

/* Reloads CS with a far return, and the data segments, after lgdt. */
static void reload_segments(void)
{
	__asm__ volatile(
		"pushq %[cs]\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movl %[ds], %%eax\n\t"
		"movl %%eax, %%ds\n\t"
		"movl %%eax, %%es\n\t"
		"movl %%eax, %%ss\n\t"
		"xorl %%eax, %%eax\n\t"
		"movl %%eax, %%fs\n\t"
		"movl %%eax, %%gs\n\t"
		: : [cs] "i"(GDT_KERNEL_CS), [ds] "i"(GDT_KERNEL_DS) : "rax", "memory");
}

/* See cpu/gdt.h. */
void gdt_init(struct pcpu *p)
{
	struct tss64 *tss = &p->tss;
	uint64_t *gdt = p->gdt;
	memset(tss, 0, sizeof(*tss));
	for (int i = 0; i < 3; i++)
		tss->ist[i] = p->ist_top[i] ? p->ist_top[i] : (uint64_t)(uintptr_t)(ist_stacks[i] + STACK_BYTES);
	_Static_assert(IST_DOUBLE_FAULT == 1 && IST_NMI == 2 && IST_MACHINE_CHECK == 3, "ist_top order");
	p->top_of_stack = p->entry_top ? p->entry_top : (uint64_t)(uintptr_t)(entry_stack + sizeof(entry_stack));
	tss->rsp[0] = p->top_of_stack;
	/* No I/O bitmap: its base lies past the TSS limit (sizeof - 1), so with
	 * IOPL 0 every in/out/ins/outs at CPL 3 is #GP. */
	tss->iomap_base = sizeof(*tss);

	uint64_t base = (uint64_t)(uintptr_t)tss;
	uint64_t limit = sizeof(*tss) - 1;
	memcpy(gdt, gdt_template, sizeof(gdt_template));
	gdt[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
			   (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[GDT_TSS / 8 + 1] = base >> 32;
	/* This CPU's number (node 0) in the limit of a ring-3 read-only data
	 * segment (type 5, D=1, byte granular), as Linux's setup_getcpu: LSL
	 * gives it to ring 3 on any CPU, with or without RDTSCP/RDPID. */
	uint64_t cpunode = p->cpu & 0xfff;
	gdt[GDT_CPUNODE / 8] = (cpunode & 0xffff) | (0xf5ull << 40) | (((cpunode >> 16) & 0xf) << 48) | (0x4ull << 52);

	struct descriptor_pointer gdtr = { sizeof(p->gdt) - 1, (uint64_t)(uintptr_t)gdt };
	__asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
	reload_segments();
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)GDT_TSS) : "memory");
	/* The firmware's LDTR may still name a table (seen: base 0, limit 0xffff), and
	 * a call gate written there would be a way into ring 0: no LDT at all. */
	__asm__ volatile("lldt %w0" : : "r"((uint16_t)0) : "memory");
}

/* See cpu/gdt.h. */
void load_user_segments(void)
{
	/* Null selectors first: on Intel they clear the FS/GS bases, on AMD they
	 * keep them, so the MSRs are written after. The pcpu address is taken
	 * before: GS may read as base 0 until the MSR is back. The user's GS base
	 * waits in KERNEL_GS_BASE for enter_user's swapgs. */
	uint64_t pcpu = (uint64_t)(uintptr_t)this_cpu_ptr();
	__asm__ volatile("movl %0, %%ds; movl %0, %%es; movl %0, %%fs; movl %0, %%gs"
			 : : "r"(0) : "memory");
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_GS_BASE, pcpu);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

/* See cpu/gdt.h. */
void load_kernel_data_segments(void)
{
	uint64_t pcpu = (uint64_t)(uintptr_t)this_cpu_ptr();
	__asm__ volatile("movl %0, %%ds; movl %0, %%es; movl %1, %%fs; movl %1, %%gs"
			 : : "r"((uint32_t)GDT_KERNEL_DS), "r"(0) : "memory");
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_GS_BASE, pcpu);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}
