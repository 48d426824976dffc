/*
 * A set of CPUs by number (Linux's struct cpumask): mm_cpumask, the targets
 * of a shootdown, the CPUs a call went to, a task's cpus_allowed. One bit per
 * CPU in 64-bit words, CPU n in bit n % 64 of word n / 64: the byte layout of
 * Linux's mask of unsigned longs on x86-64, so sched_getaffinity copies it
 * as it is. Bits are set and cleared atomically, so a CPU can change its own
 * bit while another reads the set.
 *
 * It lives in base/ (hardware-free) because task_struct (base/process.h)
 * holds one. The operations that scan the set look at the first
 * nr_cpumask_words words only (Linux's nr_cpumask_bits = nr_cpu_ids): the
 * bits of CPUs past nr_cpu_ids are never set, and a machine of up to 64 CPUs
 * pays for one word, as before NR_CPUS grew past 64.
 */
#ifndef FAULTLINE_CPUMASK_H
#define FAULTLINE_CPUMASK_H

#include <stdbool.h>
#include <stdint.h>

#define CPUMASK_BITS  512   /* = NR_CPUS (cpu/percpu.h asserts it) */
#define CPUMASK_WORDS ((CPUMASK_BITS + 63) / 64)

struct cpumask {
	uint64_t bits[CPUMASK_WORDS];
};

/*
 * The words that can hold a set bit: (nr_cpu_ids + 63) / 64, 1 .. CPUMASK_WORDS.
 * kernel/smpboot.c raises it before it starts a CPU in a new word
 * (base/cpumask.c). Host tests: one per test program, any value they like.
 */
#ifdef HOST_TEST
static uint32_t nr_cpumask_words __attribute__((unused)) = CPUMASK_WORDS;
#else
extern uint32_t nr_cpumask_words;
#endif

static inline void cpumask_set_cpu(uint32_t cpu, struct cpumask *m)
{
	__atomic_fetch_or(&m->bits[cpu / 64], 1ull << (cpu % 64), __ATOMIC_SEQ_CST);
}

static inline void cpumask_clear_cpu(uint32_t cpu, struct cpumask *m)
{
	__atomic_fetch_and(&m->bits[cpu / 64], ~(1ull << (cpu % 64)), __ATOMIC_SEQ_CST);
}

/* Whether cpu is in m; false for a cpu past CPUMASK_BITS. */
static inline bool cpumask_test_cpu(uint32_t cpu, const struct cpumask *m)
{
	if (cpu >= CPUMASK_BITS)
		return false;
	return (__atomic_load_n(&m->bits[cpu / 64], __ATOMIC_SEQ_CST) >> (cpu % 64)) & 1;
}

/* Empties m (every word, not only the first nr_cpumask_words). */
static inline void cpumask_clear(struct cpumask *m)
{
	for (uint32_t i = 0; i < CPUMASK_WORDS; i++)
		m->bits[i] = 0;
}

/* Sets every CPU of m, all CPUMASK_BITS (Linux's cpumask_setall): a task's
 * cpus_allowed at first, as Linux's all possible CPUs. */
static inline void cpumask_setall(struct cpumask *m)
{
	for (uint32_t i = 0; i < CPUMASK_WORDS; i++)
		m->bits[i] = ~0ull;
}

/* Sets CPUs 0 .. n - 1 in m and clears the others (n <= CPUMASK_BITS):
 * Linux's cpumask_setall for n = nr_cpu_ids. */
static inline void cpumask_setall_below(struct cpumask *m, uint32_t n)
{
	for (uint32_t i = 0; i < CPUMASK_WORDS; i++) {
		uint32_t lo = i * 64;
		m->bits[i] = n >= lo + 64 ? ~0ull : n > lo ? (1ull << (n - lo)) - 1 : 0;
	}
}

/* *dst = *src in the first nr_cpumask_words words, each read atomically (src
 * may change meanwhile: the copy is a snapshot of each word). The words past
 * them are not written (Linux's cpumask_copy: nr_cpumask_bits): no CPU is
 * there, and no scan here reads them. */
static inline void cpumask_copy(struct cpumask *dst, const struct cpumask *src)
{
	for (uint32_t i = 0; i < nr_cpumask_words; i++)
		dst->bits[i] = __atomic_load_n(&src->bits[i], __ATOMIC_SEQ_CST);
}

/* *dst = *a & *b; returns whether the result holds a CPU (Linux's cpumask_and). */
static inline bool cpumask_and(struct cpumask *dst, const struct cpumask *a, const struct cpumask *b)
{
	uint64_t any = 0;
	for (uint32_t i = 0; i < CPUMASK_WORDS; i++) {
		dst->bits[i] = a->bits[i] & b->bits[i];
		any |= dst->bits[i];
	}
	return any != 0;
}

/* Whether a and b have a CPU in common. */
static inline bool cpumask_intersects(const struct cpumask *a, const struct cpumask *b)
{
	for (uint32_t i = 0; i < nr_cpumask_words; i++)
		if (a->bits[i] & b->bits[i])
			return true;
	return false;
}

/* True if no CPU is in m. */
static inline bool cpumask_empty(const struct cpumask *m)
{
	for (uint32_t i = 0; i < nr_cpumask_words; i++)
		if (__atomic_load_n(&m->bits[i], __ATOMIC_SEQ_CST))
			return false;
	return true;
}

/* The number of CPUs in m. */
static inline uint32_t cpumask_weight(const struct cpumask *m)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < nr_cpumask_words; i++)
		n += (uint32_t)__builtin_popcountll(__atomic_load_n(&m->bits[i], __ATOMIC_SEQ_CST));
	return n;
}

/*
 * Whether cpu is the only CPU in m (the fault path's "mm is live here
 * only"). With one word in use, one load and compare against bit, which the
 * caller passes precomputed (1 << cpu % 64: struct pcpu's cpu_mask_bit).
 */
static inline bool cpumask_only_cpu(const struct cpumask *m, uint32_t cpu, uint64_t bit)
{
	if (__builtin_expect(nr_cpumask_words == 1, 1))
		return __atomic_load_n(&m->bits[0], __ATOMIC_SEQ_CST) == bit;
	for (uint32_t i = 0; i < nr_cpumask_words; i++)
		if (__atomic_load_n(&m->bits[i], __ATOMIC_SEQ_CST) != (i == cpu / 64 ? bit : 0))
			return false;
	return true;
}

/* Linux's cpumask_size() (CONFIG_CPUMASK_OFFSTACK, as Debian's kernel): the
 * bytes of a mask as sched_getaffinity copies it, nr_cpumask_words longs. */
static inline uint32_t cpumask_size(void)
{
	return nr_cpumask_words * 8;
}

#endif
