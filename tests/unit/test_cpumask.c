/*
 * Host tests of base/cpumask.h (a mask of NR_CPUS = 512 bits: CPUs past 63
 * in later words, scans over nr_cpumask_words only) and kernel/affinity.h
 * (sched_getaffinity / sched_setaffinity's length rules, Linux 6.1's):
 * each against a plain model (a bool per CPU, the rules written out).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "kernel/affinity.h"

/* A mask of the CPUs in list (ended by -1). */
static struct cpumask mask_of(const int *list)
{
	struct cpumask m;
	cpumask_clear(&m);
	for (; *list >= 0; list++)
		cpumask_set_cpu((uint32_t)*list, &m);
	return m;
}

TEST(set_test_clear_every_word)
{
	nr_cpumask_words = CPUMASK_WORDS;
	struct cpumask m;
	cpumask_clear(&m);
	CHECK(cpumask_empty(&m));
	for (uint32_t cpu = 0; cpu < CPUMASK_BITS; cpu += 7)
		cpumask_set_cpu(cpu, &m);
	for (uint32_t cpu = 0; cpu < CPUMASK_BITS; cpu++)
		CHECK_EQ_U64(cpumask_test_cpu(cpu, &m), cpu % 7 == 0);
	CHECK_EQ_U64(cpumask_weight(&m), (CPUMASK_BITS + 6) / 7);
	CHECK(!cpumask_test_cpu(CPUMASK_BITS, &m));       /* past the mask: not in it */
	CHECK(!cpumask_test_cpu(UINT32_MAX, &m));
	for (uint32_t cpu = 0; cpu < CPUMASK_BITS; cpu += 7)
		cpumask_clear_cpu(cpu, &m);
	CHECK(cpumask_empty(&m));
	/* CPU 511 alone: the last word only. */
	cpumask_set_cpu(511, &m);
	CHECK(!cpumask_empty(&m));
	CHECK_EQ_U64(m.bits[7], 1ull << 63);
	CHECK_EQ_U64(m.bits[0], 0);
}

TEST(scans_stop_at_nr_cpumask_words)
{
	/* A machine of 72 CPUs: two words scanned. CPU 100 cannot be set
	 * there; the scans must not look past word 1 (this one would be seen). */
	struct cpumask m;
	cpumask_clear(&m);
	cpumask_set_cpu(200, &m);
	nr_cpumask_words = 2;
	CHECK(cpumask_empty(&m));
	CHECK_EQ_U64(cpumask_weight(&m), 0);
	cpumask_set_cpu(65, &m);
	CHECK(!cpumask_empty(&m));
	CHECK_EQ_U64(cpumask_weight(&m), 1);
	struct cpumask c;
	memset(&c, 0xa5, sizeof(c));
	cpumask_copy(&c, &m);
	CHECK_EQ_U64(c.bits[1], 2);
	CHECK_EQ_U64(c.bits[0], 0);
	CHECK_EQ_U64(c.bits[3], 0xa5a5a5a5a5a5a5a5ull);   /* past nr_cpumask_words: not written */
	nr_cpumask_words = CPUMASK_WORDS;
	CHECK_EQ_U64(cpumask_weight(&m), 2);
}

TEST(only_cpu)
{
	struct cpumask m;
	for (uint32_t words = 1; words <= CPUMASK_WORDS; words++) {
		nr_cpumask_words = words;
		uint32_t top = words * 64;
		for (uint32_t cpu = 0; cpu < top; cpu += 13) {
			uint64_t bit = 1ull << (cpu % 64);
			cpumask_clear(&m);
			CHECK(!cpumask_only_cpu(&m, cpu, bit));
			cpumask_set_cpu(cpu, &m);
			CHECK(cpumask_only_cpu(&m, cpu, bit));
			/* Another CPU in the same word or in another one. */
			uint32_t other = (cpu + 64) % top == cpu ? (cpu + 1) % top : (cpu + 64) % top;
			cpumask_set_cpu(other, &m);
			CHECK(!cpumask_only_cpu(&m, cpu, bit));
			cpumask_clear_cpu(other, &m);
			cpumask_set_cpu((cpu + 1) % top == cpu ? cpu : (cpu + 1) % top, &m);
			CHECK_EQ_U64(cpumask_only_cpu(&m, cpu, bit), (cpu + 1) % top == cpu);
		}
	}
	nr_cpumask_words = CPUMASK_WORDS;
}

TEST(setall_below_and_and)
{
	nr_cpumask_words = CPUMASK_WORDS;
	static const uint32_t counts[] = { 0, 1, 63, 64, 65, 72, 128, 511, 512 };
	for (uint32_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct cpumask m;
		cpumask_setall_below(&m, counts[i]);
		CHECK_EQ_U64(cpumask_weight(&m), counts[i]);
		for (uint32_t cpu = 0; cpu < CPUMASK_BITS; cpu++)
			CHECK_EQ_U64(cpumask_test_cpu(cpu, &m), cpu < counts[i]);
	}
	struct cpumask all;
	cpumask_setall(&all);
	CHECK_EQ_U64(cpumask_weight(&all), CPUMASK_BITS);
	int a_list[] = { 0, 63, 64, 71, 300, -1 }, b_list[] = { 1, 64, 300, 511, -1 }, c_list[] = { 2, 65, -1 };
	struct cpumask a = mask_of(a_list), b = mask_of(b_list), c = mask_of(c_list), r;
	CHECK(cpumask_and(&r, &a, &b));
	CHECK_EQ_U64(cpumask_weight(&r), 2);
	CHECK(cpumask_test_cpu(64, &r) && cpumask_test_cpu(300, &r));
	CHECK(cpumask_intersects(&a, &b));
	CHECK(!cpumask_and(&r, &a, &c));
	CHECK(!cpumask_intersects(&a, &c));
	CHECK(cpumask_empty(&r));
}

TEST(getaffinity_length)
{
	/* Linux 6.1: len * 8 (32-bit) < nr_cpu_ids or len not whole longs:
	 * -EINVAL; else min(len, cpumask_size()) bytes. */
	for (uint32_t ncpu = 1; ncpu <= 512; ncpu += 7) {
		uint32_t size = (ncpu + 63) / 64 * 8;
		for (uint32_t len = 0; len <= 160; len++) {
			int64_t want = len * 8 < ncpu || len % 8 ? -EINVAL : (int64_t)(len < size ? len : size);
			CHECK_EQ_U64((uint64_t)affinity_get_len(len, ncpu, size), (uint64_t)want);
		}
	}
	CHECK_EQ_U64((uint64_t)affinity_get_len(8, 72, 16), (uint64_t)-EINVAL);    /* 64 bits < 72 CPUs */
	CHECK_EQ_U64((uint64_t)affinity_get_len(16, 72, 16), 16);
	CHECK_EQ_U64((uint64_t)affinity_get_len(128, 72, 16), 16);                 /* glibc's cpu_set_t */
	CHECK_EQ_U64((uint64_t)affinity_get_len(0x20000000u, 72, 16), (uint64_t)-EINVAL);   /* len * 8 wraps to 0 */
}

TEST(setaffinity_copy_and_apply)
{
	nr_cpumask_words = 2;    /* 72 CPUs */
	CHECK_EQ_U64(cpumask_size(), 16);
	CHECK_EQ_U64(affinity_set_len(4, cpumask_size()), 4);      /* shorter: the rest stays clear */
	CHECK_EQ_U64(affinity_set_len(16, cpumask_size()), 16);
	CHECK_EQ_U64(affinity_set_len(128, cpumask_size()), 16);   /* longer: cut */
	/* A user mask of CPUs 3 and 70 as bytes, copied the way the syscall does. */
	uint8_t user[128] = { 0 };
	user[0] = 1u << 3;
	user[70 / 8] = 1u << (70 % 8);
	user[100] = 0xff;       /* past cpumask_size(): never read */
	struct cpumask want, online, allowed;
	cpumask_clear(&want);
	memcpy(&want, user, affinity_set_len(sizeof(user), cpumask_size()));
	CHECK(cpumask_test_cpu(3, &want) && cpumask_test_cpu(70, &want));
	CHECK_EQ_U64(cpumask_weight(&want), 2);
	cpumask_setall_below(&online, 72);
	cpumask_setall_below(&allowed, 512);
	CHECK_EQ_U64((uint64_t)affinity_apply(&allowed, &want, &online), 0);
	CHECK_EQ_U64(cpumask_weight(&allowed), 2);
	/* CPU 100 alone: not online, -EINVAL, the mask unchanged. */
	cpumask_clear(&want);
	cpumask_set_cpu(100, &want);
	CHECK_EQ_U64((uint64_t)affinity_apply(&allowed, &want, &online), (uint64_t)-EINVAL);
	CHECK(cpumask_test_cpu(70, &allowed) && cpumask_weight(&allowed) == 2);
	/* A 4-byte mask of CPU 3 (the rest of the 16 bytes clear). */
	cpumask_clear(&want);
	memcpy(&want, user, affinity_set_len(4, cpumask_size()));
	CHECK_EQ_U64(cpumask_weight(&want), 1);
	nr_cpumask_words = CPUMASK_WORDS;
}

UNIT_MAIN(UNIT(set_test_clear_every_word), UNIT(scans_stop_at_nr_cpumask_words), UNIT(only_cpu),
	  UNIT(setall_below_and_and), UNIT(getaffinity_length), UNIT(setaffinity_copy_and_apply))
