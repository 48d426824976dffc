/*
 * Nine processes alive at once - more than the kernel's six dynamic PCIDs
 * per CPU (paging/tlb_asid.h) - each changing its own copy of one address
 * layout and yielding after every change, so the CPUs switch between them
 * all the time and reuse PCIDs: copy-on-write breaks of inherited .bss,
 * mmap / mprotect / mremap / munmap at the same addresses in every process.
 * Every process checks after each step that it reads only its own latest
 * values: a translation kept across a switch that should have been flushed
 * (another process's frame at the same address, or a frame of this process
 * from before an munmap or a CoW break) shows as a wrong word. The parent
 * waits for all and checks each exited 0.
 */
#include "user/rt/rt.h"

RT_PROGRAM(asid_reuse_procs);

#define NPROC 9
#define PAGES 8
#define WORDS_PER_PAGE 512
#define ROUNDS 48

static volatile uint64_t data[PAGES * WORDS_PER_PAGE];   /* 32 KiB of .bss, shared copy-on-write after fork */

/* The word page p of process k holds after round r (k = NPROC: the parent). */
static uint64_t tag(int k, int r, int p)
{
	return 0x5a00000000000000ull | ((uint64_t)k << 40) | ((uint64_t)r << 16) | (uint64_t)p;
}

/* Words of data that differ from what process k wrote (expect[p]). */
static int check_data(const uint64_t *expect)
{
	int bad = 0;
	for (int p = 0; p < PAGES; p++)
		bad += data[p * WORDS_PER_PAGE] != expect[p] || data[p * WORDS_PER_PAGE + WORDS_PER_PAGE - 1] != expect[p];
	return bad;
}

/* One round of mapping changes in a fresh mapping at the same hint in every
 * process; returns the wrong words seen. */
static int mapping_round(int k, int r)
{
	int bad = 0;
	uint64_t v = tag(k, r, 99);
	volatile uint64_t *m = (volatile uint64_t *)sys_mmap((void *)0x500000000000ull, 2 * 4096, PROT_READ | PROT_WRITE,
							      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if ((long)m < 0)
		return 1000;
	m[0] = v;
	m[512] = v + 1;
	sys_sched_yield();
	bad += m[0] != v || m[512] != v + 1;
	if (sys_mprotect((void *)m, 4096, PROT_READ) < 0)
		bad++;
	sys_sched_yield();
	bad += m[0] != v;
	if (sys_mprotect((void *)m, 4096, PROT_READ | PROT_WRITE) < 0)
		bad++;
	m[0] = v + 2;
	/* Move it away and back: the old addresses must not translate to the frames any more. */
	volatile uint64_t *moved = (volatile uint64_t *)sys_mremap((void *)m, 2 * 4096, 2 * 4096,
								   MREMAP_MAYMOVE | MREMAP_FIXED, (void *)0x500000100000ull);
	if ((long)moved < 0)
		return bad + 1000;
	sys_sched_yield();
	bad += moved[0] != v + 2 || moved[512] != v + 1;
	/* A fresh zero page where the mapping was: a stale entry would show v + 2. */
	volatile uint64_t *again = (volatile uint64_t *)sys_mmap((void *)m, 4096, PROT_READ | PROT_WRITE,
								  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if ((long)again < 0)
		return bad + 1000;
	sys_sched_yield();
	bad += again[0] != 0;
	sys_munmap((void *)again, 4096);
	sys_munmap((void *)moved, 2 * 4096);
	return bad;
}

/* Process k's rounds: CoW writes to data, mapping changes; the wrong words. */
static int work(int k)
{
	uint64_t expect[PAGES];
	for (int p = 0; p < PAGES; p++)
		expect[p] = data[p * WORDS_PER_PAGE];
	int bad = 0;
	for (int r = 0; r < ROUNDS; r++) {
		int p = (r + k) % PAGES;
		expect[p] = tag(k, r, p);
		data[p * WORDS_PER_PAGE] = expect[p];
		data[p * WORDS_PER_PAGE + WORDS_PER_PAGE - 1] = expect[p];
		sys_sched_yield();
		bad += check_data(expect);
		bad += mapping_round(k, r);
	}
	return bad;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	for (int p = 0; p < PAGES; p++)
		for (int w = 0; w < WORDS_PER_PAGE; w++)
			data[p * WORDS_PER_PAGE + w] = tag(NPROC, 0, p);
	long pids[NPROC];
	int forked = 0;
	for (int k = 0; k < NPROC; k++) {
		pids[k] = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
		if (pids[k] == 0)
			sys_exit_group(work(k) == 0 ? 0 : 1);
		forked += pids[k] > 0;
	}
	int bad = work(NPROC);
	int ok_children = 0;
	for (int k = 0; k < NPROC; k++) {
		int status = -1;
		long w = pids[k] > 0 ? syscall6(SYS_wait4, pids[k], (long)&status, 0, 0, 0, 0) : -1;
		ok_children += w == pids[k] && status == 0;
	}
	rt_check("forked", forked == NPROC, "%d of %d forks succeeded", forked, NPROC);
	rt_check("children_clean", ok_children == NPROC,
		 "%d of %d children read only their own latest values and exited 0", ok_children, NPROC);
	rt_check("parent_clean", bad == 0, "the parent read %d wrong words", bad);
	return 0;
}
