/*
 * Time-stamp counter reads for timing measured intervals in ring 3.
 *
 *   rdtsc_ordered():  lfence; rdtsc; lfence  — the read waits for every
 *                     earlier instruction and nothing later starts before it.
 *   rdtscp_ordered(): rdtscp; lfence — rdtscp waits for earlier instructions
 *                     by itself and also returns IA32_TSC_AUX (Linux keeps the
 *                     CPU number there). Only where cpu_has_rdtscp() is true:
 *                     without the feature the instruction raises #UD.
 */
#ifndef FAULTLINE_USER_TSC_H
#define FAULTLINE_USER_TSC_H

#include <stdbool.h>
#include <stdint.h>

static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* Stores IA32_TSC_AUX in *aux when aux is not NULL. */
static inline uint64_t rdtscp_ordered(uint32_t *aux)
{
	uint32_t lo, hi, c;
	__asm__ volatile("rdtscp; lfence" : "=a"(lo), "=d"(hi), "=c"(c) : : "memory");
	if (aux)
		*aux = c;
	return ((uint64_t)hi << 32) | lo;
}

/* True when CPUID 0x80000001 EDX bit 27 (RDTSCP) is set. */
static inline bool cpu_has_rdtscp(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0));
	if (a < 0x80000001u)
		return false;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000001u), "c"(0));
	return (d >> 27) & 1;
}

#endif
