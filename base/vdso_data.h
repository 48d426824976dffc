/*
 * The vDSO's data page ("vvar", Linux's struct vdso_data for faultline):
 * what the kernel fills and the vDSO (user/vdso/) reads. It is mapped
 * read-only in every process in the page just below the vDSO's ELF header
 * (kernel/vdso.c), so the vDSO finds it from its own address.
 */
#ifndef FAULTLINE_VDSO_DATA_H
#define FAULTLINE_VDSO_DATA_H

#include <stdint.h>

#define VDSO_VVAR_SIZE 4096   /* the data page(s) below the vDSO */

struct vdso_data {
	uint64_t tsc_hz;      /* the TSC's frequency: ns since boot = cycles_to_ns(rdtsc, tsc_hz) */
	uint64_t boot_tsc;    /* the TSC at boot time 0 (0: the TSC counts from reset) */
	/* ---- Programs on every CPU ---- */
	uint32_t getcpu_rdtscp;  /* 1: RDTSCP's TSC_AUX holds the CPU number (Linux's
				  * encoding: cpu | node << 12); getcpu reads it there;
				  * 0: getcpu reads it with LSL from VDSO_CPUNODE_SEG */
};

/* The selector of every CPU's CPUNODE segment (cpu/gdt.h's __CPUNODE_SEG,
 * checked in kernel/vdso.c): its limit is cpu | node << 12, as Linux's __CPUNODE_SEG. */
#define VDSO_CPUNODE_SEG 0x43

#endif
