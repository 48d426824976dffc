/*
 * The length rules of sched_getaffinity and sched_setaffinity for the user's
 * mask (Linux 6.1, kernel/sched/core.c), apart from the copies so that host
 * tests can check them (tests/unit/test_cpumask.c). The user's mask is
 * Linux's layout: CPU n in bit n % 8 of byte n / 8 (= base/cpumask.h's words
 * on x86-64).
 */
#ifndef FAULTLINE_KERNEL_AFFINITY_H
#define FAULTLINE_KERNEL_AFFINITY_H

#include <stdint.h>

#include "base/cpumask.h"
#include "base/errno.h"

/*
 * sched_getaffinity's length: -EINVAL if len bytes cannot hold nr_cpu_ids
 * bits (len * 8 in 32 bits, as Linux's unsigned int) or len is not whole
 * longs; else the bytes to copy out and return, min(len, size) where size is
 * cpumask_size().
 */
static inline int64_t affinity_get_len(uint32_t len, uint32_t nr_cpu_ids, uint32_t size)
{
	if (len * 8u < nr_cpu_ids || (len & 7))
		return -EINVAL;
	return len < size ? len : size;
}

/*
 * sched_setaffinity's copy (Linux's get_user_cpu_mask): the bytes of the
 * user's mask read, min(len, size); the caller starts from an empty mask, so
 * a shorter mask's missing CPUs are not in it and a longer one is cut.
 */
static inline uint32_t affinity_set_len(uint32_t len, uint32_t size)
{
	return len < size ? len : size;
}

/*
 * The task's new mask from the user's (Linux's __set_cpus_allowed_ptr):
 * *allowed = *want & *online, or -EINVAL (*allowed untouched) when that holds
 * no CPU. Returns 0 on success.
 */
static inline int64_t affinity_apply(struct cpumask *allowed, const struct cpumask *want,
				     const struct cpumask *online)
{
	struct cpumask m;
	if (!cpumask_and(&m, want, online))
		return -EINVAL;
	*allowed = m;
	return 0;
}

#endif
