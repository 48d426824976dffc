/*
 * Where a CPU sits in the machine: package, core and thread, decoded from
 * its APIC id with the field widths CPUID reports (Intel SDM Vol. 3A 9.9;
 * Linux's arch/x86/kernel/cpu/topology.c):
 *
 *   leaf 0x1F, else 0xB: for each level (subleaf), EAX[4:0] is the shift to
 *     the next level's id, ECX[15:8] the level type (1 SMT, 2 core, 3..5
 *     module/tile/die), EDX the x2APIC id. The SMT level's shift gives the
 *     thread bits; the last level's shift the package bits.
 *   otherwise leaf 1: EBX[31:24] the initial APIC id, EBX[23:16] the logical
 *     CPUs per package (rounded up to a power of two: the package bits), and
 *     one thread per core when leaf 4 (Intel) says as many cores as logical
 *     CPUs, else the threads are not told apart (thread 0).
 *
 * Pure: takes its CPUID values from a callback (cpu/cpufeature.h's cpuid_fn),
 * so host tests feed it hand-made CPUs.
 */
#ifndef FAULTLINE_TOPOLOGY_H
#define FAULTLINE_TOPOLOGY_H

#include <stdint.h>
#include "cpu/cpufeature.h"

struct cpu_topology {
	uint32_t apic_id;                /* the x2APIC id (CPUID 0xB/0x1F EDX), else the initial APIC id */
	uint32_t package, core, thread;  /* core: within its package; thread: within its core */
	uint8_t smt_shift, pkg_shift;    /* APIC id bits below the core and below the package */
	uint8_t source;                  /* the leaf it came from: 0x1f, 0xb or 1 */
};

/* Decodes this CPU's topology from the CPUID values fn returns. Cannot fail. */
void cpu_topology_decode(struct cpu_topology *t, cpuid_fn fn, void *ctx);

/* The running CPU's topology, from the CPUID instruction (kernel only). */
void cpu_topology_detect(struct cpu_topology *t);

#endif
