/*
 * A set of CPUs by number (Linux's struct cpumask): mm_cpumask, the targets
 * of a shootdown, the CPUs a call went to. Bits are set and cleared
 * atomically, so a CPU can change its own bit while another reads the set.
 */
#ifndef FAULTLINE_CPUMASK_H
#define FAULTLINE_CPUMASK_H

#include <stdbool.h>
#include <stdint.h>

#define CPUMASK_BITS 64   /* = NR_CPUS (cpu/percpu.h asserts it) */

struct cpumask {
	uint64_t bits[(CPUMASK_BITS + 63) / 64];
};

static inline void cpumask_set_cpu(uint32_t cpu, struct cpumask *m)
{
	__atomic_fetch_or(&m->bits[cpu / 64], 1ull << (cpu % 64), __ATOMIC_SEQ_CST);
}

static inline void cpumask_clear_cpu(uint32_t cpu, struct cpumask *m)
{
	__atomic_fetch_and(&m->bits[cpu / 64], ~(1ull << (cpu % 64)), __ATOMIC_SEQ_CST);
}

static inline bool cpumask_test_cpu(uint32_t cpu, const struct cpumask *m)
{
	return (__atomic_load_n(&m->bits[cpu / 64], __ATOMIC_SEQ_CST) >> (cpu % 64)) & 1;
}

/* True if no CPU is in m. */
static inline bool cpumask_empty(const struct cpumask *m)
{
	for (uint32_t i = 0; i < (CPUMASK_BITS + 63) / 64; i++)
		if (__atomic_load_n(&m->bits[i], __ATOMIC_SEQ_CST))
			return false;
	return true;
}

#endif
