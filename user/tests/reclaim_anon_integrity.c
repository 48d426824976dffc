/*
 * reclaim_anon_integrity [MIB [PROCS [ROUNDS [z]]]]: anonymous memory under
 * pressure loses nothing. PROCS processes (forked) each own MIB/PROCS MiB of
 * private memory and share a region the parent filled before fork (copy-on-
 * write pages mapped in every process). Every page holds pseudo-random
 * words and, in its last word, a checksum of the rest; ROUNDS times each
 * process checks every byte of its pages (the previous round's data) and
 * of the shared region, then rewrites its own with the next round's data.
 * Run with `mem_limit` at a quarter of MIB and `swap` (tests/qemu/reclaim.py)
 * the data cycles through swap many times; without a limit (the all-programs
 * run, Linux) it is a plain memory test. Defaults: 16 MiB, 4, 3. With `z`
 * each page repeats a run of 8 random words (compressible 8:1 or better), so
 * more data than RAM fits in compressed swap: the watermarks and kswapd
 * are then what reclaims (tests/qemu/reclaim.py, a machine with less RAM
 * than MIB). The processes hold all their memory at once: each waits after
 * its first fill until every one has filled (or one has ended: died before
 * it got there), so the pressure is MIB whatever the number of CPUs - on
 * several, a process that started late used to find the first ones gone.
 */
#include "user/rt/rt.h"

RT_PROGRAM(reclaim_anon_integrity);

#define WORDS (PAGE_SIZE / 8)
#define SHARED_PAGES 256u   /* 1 MiB shared after fork */

/* A small decimal argument, or def. */
static uint64_t arg_u64(int argc, char **argv, int i, uint64_t def)
{
	if (argc <= i)
		return def;
	uint64_t n = 0;
	for (const char *p = argv[i]; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (uint64_t)(*p - '0');
	return n ? n : def;
}

/* xorshift64* of the page's identity. */
static uint64_t next_word(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static uint64_t page_seed(uint64_t who, uint64_t round, uint64_t page)
{
	return (who * 0x9e3779b97f4a7c15ull) ^ (round << 40) ^ (page << 1) ^ 0x5bd1e995ull;
}

static bool compressible;

/* The word w of a page from the generator state s (advanced per word, or
 * per run of 8 words when compressible). */
static uint64_t data_word(uint64_t *s, uint32_t w)
{
	static uint64_t run[8];
	if (!compressible)
		return next_word(s);
	if (w == 0)
		for (int i = 0; i < 8; i++)
			run[i] = next_word(s);
	return run[w & 7];
}

/* Fills one page: random words, the last one their checksum. */
static void fill_page(volatile uint64_t *p, uint64_t who, uint64_t round, uint64_t page)
{
	uint64_t s = page_seed(who, round, page), sum = 0;
	for (uint32_t w = 0; w < WORDS - 1; w++) {
		uint64_t v = data_word(&s, w);
		p[w] = v;
		sum = (sum << 7 | sum >> 57) ^ v;
	}
	p[WORDS - 1] = sum;
}

/* True if the page holds exactly what fill_page wrote (every byte). */
static bool page_ok(const volatile uint64_t *p, uint64_t who, uint64_t round, uint64_t page)
{
	uint64_t s = page_seed(who, round, page), sum = 0;
	for (uint32_t w = 0; w < WORDS - 1; w++) {
		uint64_t v = data_word(&s, w);
		if (p[w] != v)
			return false;
		sum = (sum << 7 | sum >> 57) ^ v;
	}
	return p[WORDS - 1] == sum;
}

/* Where the processes meet after their first fill (a MAP_SHARED page). */
struct fill_barrier {
	uint32_t filled;   /* processes that have filled their memory */
	uint32_t open;     /* 1: go on (every one filled, or one ended) */
};

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

/* Opens the barrier and wakes whoever waits at it. */
static void barrier_open(struct fill_barrier *b)
{
	__atomic_store_n(&b->open, 1, __ATOMIC_SEQ_CST);
	syscall6(SYS_futex, (long)&b->open, FUTEX_WAKE, 1 << 30, 0, 0, 0);
}

/* Counts this process filled and waits until the barrier opens. */
static void barrier_wait(struct fill_barrier *b, uint64_t procs)
{
	if (__atomic_add_fetch(&b->filled, 1, __ATOMIC_SEQ_CST) >= procs)
		barrier_open(b);
	while (!__atomic_load_n(&b->open, __ATOMIC_SEQ_CST))
		syscall6(SYS_futex, (long)&b->open, FUTEX_WAIT, 0, 0, 0, 0);
}

/* One process's work; returns the pages found damaged. */
static uint64_t cycle(uintptr_t own, uint64_t pages, uintptr_t shared, uint64_t who, uint64_t rounds,
		      struct fill_barrier *b, uint64_t procs)
{
	uint64_t bad = 0;
	for (uint64_t i = 0; i < pages; i++)
		fill_page((volatile uint64_t *)(own + i * PAGE_SIZE), who, 0, i);
	barrier_wait(b, procs);
	for (uint64_t r = 1; r <= rounds; r++) {
		for (uint64_t i = 0; i < pages; i++) {
			volatile uint64_t *p = (volatile uint64_t *)(own + i * PAGE_SIZE);
			bad += !page_ok(p, who, r - 1, i);
			fill_page(p, who, r, i);
		}
		for (uint64_t i = 0; i < SHARED_PAGES; i++)
			bad += !page_ok((volatile uint64_t *)(shared + i * PAGE_SIZE), 0, 0, i);
	}
	for (uint64_t i = 0; i < pages; i++)
		bad += !page_ok((volatile uint64_t *)(own + i * PAGE_SIZE), who, rounds, i);
	return bad;
}

/* Private anonymous memory in 4 KiB pages (reclaim's unit). */
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
	uint64_t mib = arg_u64(argc, argv, 1, 16), procs = arg_u64(argc, argv, 2, 4), rounds = arg_u64(argc, argv, 3, 3);
	if (procs > 64)
		procs = 64;
	compressible = argc > 4 && argv[4][0] == 'z';
	uint64_t pages = mib * 256 / procs;
	long shared = map_anon(SHARED_PAGES * PAGE_SIZE);
	if (shared < 0) {
		rt_test("map", RT_FAIL, "mmap of the shared region failed: %ld", shared);
		return 1;
	}
	for (uint64_t i = 0; i < SHARED_PAGES; i++)
		fill_page((volatile uint64_t *)(shared + i * PAGE_SIZE), 0, 0, i);
	long bpage = sys_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (bpage < 0) {
		rt_test("map", RT_FAIL, "mmap of the barrier's shared page failed: %ld", bpage);
		return 1;
	}
	struct fill_barrier *b = (struct fill_barrier *)bpage;
	long pids[64];
	uint64_t started = 0;
	for (uint64_t k = 0; k < procs; k++) {
		long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
		if (pid == 0) {
			long own = map_anon(pages * PAGE_SIZE);
			if (own < 0)
				sys_exit_group(2);
			uint64_t bad = cycle((uintptr_t)own, pages, (uintptr_t)shared, k + 1, rounds, b, procs);
			sys_exit_group(bad ? 1 : 0);
		}
		if (pid < 0)
			break;
		pids[started++] = pid;
	}
	if (started < procs)
		barrier_open(b);   /* nobody waits for the processes that did not start */
	/* The first to end opens the barrier: it passed it, or died before (the
	 * OOM killer, a failed mmap) and the others must not wait for it. */
	uint64_t failed = 0;
	for (uint64_t k = 0; k < started; k++) {
		int status = -1;
		long w = syscall6(SYS_wait4, -1, (long)&status, 0, 0, 0, 0);
		barrier_open(b);
		bool ours = false;
		for (uint64_t j = 0; j < started; j++)
			ours |= w == pids[j];
		if (!ours || status != 0)
			failed++;
	}
	uint64_t shared_bad = 0;
	for (uint64_t i = 0; i < SHARED_PAGES; i++)
		shared_bad += !page_ok((volatile uint64_t *)(shared + i * PAGE_SIZE), 0, 0, i);
	rt_check("forked", started == procs, "%llu of %llu processes started", (unsigned long long)started,
		 (unsigned long long)procs);
	rt_check("every_byte_kept", failed == 0 && shared_bad == 0,
		 "%llu of %llu processes found damaged pages (or died) in %llu MiB x %llu rounds; %llu shared pages damaged",
		 (unsigned long long)failed, (unsigned long long)started, (unsigned long long)mib,
		 (unsigned long long)rounds, (unsigned long long)shared_bad);
	return 0;
}
