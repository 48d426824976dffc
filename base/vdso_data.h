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
	uint32_t cpu;         /* getcpu without RDTSCP: the boot CPU's number */
	uint32_t node;        /* getcpu: its NUMA node */
	/* ---- Programs on every CPU (issue 16) ---- */
	uint32_t getcpu_rdtscp;  /* 1: RDTSCP's TSC_AUX holds the CPU number (Linux's
				  * encoding: cpu | node << 12); getcpu reads it there */
};

#endif
