/*
 * reclaim_hotcold [HOT_MIB [COLD_MIB [ROUNDS]]]: a hot set used all the
 * time and a cold set swept once per round. Each round reads and writes
 * every hot page 16 times, then every cold page once. Under a limit that
 * holds the hot set but not both (tests/qemu/reclaim.py: 8 MiB, with 4 MiB
 * hot and 8 MiB cold, and swap), reclaim that follows the Accessed bits
 * keeps the hot pages resident: the major faults are about ROUNDS x the
 * cold pages, and the hot ones add next to nothing. The program checks its
 * data and reports the major faults (ru_majflt) and faults per access; on
 * Linux in a cgroup with the same memory.max it gives the reference count.
 * Defaults 4, 8, 4.
 */
#include "user/rt/rt.h"

RT_PROGRAM(reclaim_hotcold);

#define HOT_PASSES 16

static uint64_t arg_u64(int argc, char **argv, int i, uint64_t def)
{
	if (argc <= i)
		return def;
	uint64_t n = 0;
	for (const char *p = argv[i]; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (uint64_t)(*p - '0');
	return n ? n : def;
}

static long map_anon(uint64_t bytes)
{
	long a = sys_mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a >= 0)
		sys_madvise((void *)a, bytes, MADV_NOHUGEPAGE);
	return a;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	uint64_t hot = arg_u64(argc, argv, 1, 4) * 256, cold = arg_u64(argc, argv, 2, 8) * 256;
	uint64_t rounds = arg_u64(argc, argv, 3, 4);
	long h = map_anon(hot * PAGE_SIZE), c = map_anon(cold * PAGE_SIZE);
	if (h < 0 || c < 0) {
		rt_test("map", RT_FAIL, "mmap failed: %ld, %ld", h, c);
		return 1;
	}
	for (uint64_t i = 0; i < hot; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(h + i * PAGE_SIZE);
		p[0] = 0 ^ (i * 0x9e3779b97f4a7c15ull);
		p[511] = i;
	}
	for (uint64_t i = 0; i < cold; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(c + i * PAGE_SIZE);
		p[0] = 0 ^ (i * 0x9e3779b97f4a7c15ull);
		p[511] = i;
	}
	int64_t before = rt_majflt();
	uint64_t bad = 0, hot_gen = 0, cold_gen = 0, accesses = 0;
	for (uint64_t r = 0; r < rounds; r++) {
		for (int k = 0; k < HOT_PASSES; k++)
			bad += rt_sweep_generation((uintptr_t)h, hot, hot_gen++);
		bad += rt_sweep_generation((uintptr_t)c, cold, cold_gen++);
		accesses += HOT_PASSES * hot + cold;
	}
	int64_t faults = rt_majflt() - before;
	rt_check("data_kept", bad == 0, "%llu page visits found a wrong word", (unsigned long long)bad);
	rt_test("major_faults", RT_PASS, "%lld major faults in %llu rounds of %llu hot x %d and %llu cold pages: "
		"%llu per million accesses (cold pages swept: %llu)", (long long)faults, (unsigned long long)rounds,
		(unsigned long long)hot, HOT_PASSES, (unsigned long long)cold,
		(unsigned long long)(faults > 0 ? (uint64_t)faults * 1000000 / accesses : 0),
		(unsigned long long)(rounds * cold));
	return 0;
}
