/*
 * The per-CPU areas (cpu/percpu.h) and making one the running CPU's.
 */
#include "cpu/percpu.h"
#include "cpu/x86.h"

struct pcpu pcpu_area[NR_CPUS] __attribute__((aligned(64)));

/* See cpu/percpu.h. */
void pcpu_init(uint32_t cpu)
{
	struct pcpu *p = &pcpu_area[cpu];
	p->self = p;
	p->cpu = cpu;
	p->cpu_mask_bit = 1ull << (cpu % 64);
	/* No FSGSBASE: with it, wrgsbase would let ring 3 write the GS base
	 * directly, the kernel's too between an entry and its swapgs. */
	write_cr4(read_cr4() & ~X86_CR4_FSGSBASE);
	gdt_init(p);   /* reloads GS with the null selector: the base is written after */
	/* Both bases: a swapgs before the first program (an NMI's paranoid entry
	 * deciding by the sign of MSR_GS_BASE while the image still runs at the
	 * firmware's low address) leaves GS on this pcpu either way. */
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)p);
	wrmsr(MSR_KERNEL_GS_BASE, (uint64_t)(uintptr_t)p);
}
