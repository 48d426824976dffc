/*
 * swap_pageout: MADV_PAGEOUT of private anonymous memory, then a touch of
 * each page. With swap (sysinfo's totalswap > 0: faultline's `swap =`, or
 * Linux with zram) every page goes out and comes back as one major fault
 * (ru_majflt), its data intact - pages of pseudo-random words, of text and
 * of one repeated word (same-filled: zram keeps only the word) alike; the
 * write after the read-back reuses the page (one minor fault, no copy).
 * After a fork, pages paged out by the parent are read by the child (one
 * major fault each) and then, after the child exited, by the parent: the
 * swap cache still holds them, so those are minor faults; both see the
 * data, and neither sees the other's writes. Without swap MADV_PAGEOUT
 * leaves anonymous memory in place: no major fault at all. (Linux's swap
 * readahead would turn major faults after fork into minor ones: the Linux
 * reference runs with vm.page-cluster = 0, as zram setups do.) On faultline
 * the introspection syscall shows a paged-out page's pte as a swap entry.
 */
#include "user/rt/rt.h"

RT_PROGRAM(swap_pageout);

#define MADV_PAGEOUT 21
#define SYS_sysinfo_NR 99
#define PAGES 48u

struct sysinfo_linux {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char _f[4];
};

/* The process's major and minor faults (getrusage), or -1s. */
static void faults(int64_t *maj, int64_t *min)
{
	struct rusage ru;
	if (sys_getrusage(RUSAGE_SELF, &ru)) {
		*maj = *min = -1;
		return;
	}
	*maj = ru.ru_majflt;
	*min = ru.ru_minflt;
}

/* Word w of page p: kind p % 3 - 0 pseudo-random, 1 text, 2 one repeated word. */
static uint64_t word_of(uint32_t p, uint32_t w, uint32_t gen)
{
	switch (p % 3) {
	case 0: return rt_pattern_word(gen, p, w);
	case 1: return 0x2065676170206120ull + (uint64_t)(w % 7) + ((uint64_t)gen << 56);   /* " a page " and a count */
	default: return 0xfeedfacecafe0000ull + p + ((uint64_t)gen << 40);
	}
}

static void fill(uintptr_t base, uint32_t gen)
{
	for (uint32_t p = 0; p < PAGES; p++)
		for (uint32_t w = 0; w < PAGE_SIZE / 8; w++)
			poke64(base + p * PAGE_SIZE + w * 8, word_of(p, w, gen));
}

/* Pages whose words differ from generation gen (reading them: one touch each). */
static uint32_t bad_pages(uintptr_t base, uint32_t gen)
{
	uint32_t bad = 0;
	for (uint32_t p = 0; p < PAGES; p++)
		for (uint32_t w = 0; w < PAGE_SIZE / 8; w++)
			if (peek64(base + p * PAGE_SIZE + w * 8) != word_of(p, w, gen)) {
				bad++;
				break;
			}
	return bad;
}

/* Shared with the child (MAP_SHARED) to report back. */
struct child_report {
	int64_t majflt, minflt;
	uint32_t bad, bad_after_write;
};

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	struct sysinfo_linux si;
	long r = syscall6(SYS_sysinfo_NR, (long)&si, 0, 0, 0, 0, 0);
	bool swap = r == 0 && si.totalswap > 0;
	rt_test("swap_present", RT_PASS, "totalswap %llu bytes: %s", (unsigned long long)si.totalswap,
		swap ? "every paged-out page must come back as one major fault" : "no swap: MADV_PAGEOUT keeps anonymous pages");
	long addr = rt_map_small_pages(PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE);
	if (addr < 0) {
		rt_test("mmap", RT_FAIL, "mmap of %u pages failed: %ld", PAGES, addr);
		return 1;
	}
	uintptr_t base = (uintptr_t)addr;
	uint32_t want = swap ? PAGES : 0;

	/* Out and back: a read of each page, then a write. */
	fill(base, 1);
	int64_t maj0, min0, maj1, min1, maj2, min2;
	long adv = sys_madvise((void *)base, PAGES * PAGE_SIZE, MADV_PAGEOUT);
	if (fl_on_faultline()) {
		/* The introspection's view of a paged-out page: a swap entry and its slot. */
		struct fl_pte_info info;
		long d = fl_describe_va((const void *)base, &info);
		bool is_swap = d == 0 && (info.flags & FL_PTE_SWAP) && info.pfn != 0;
		rt_check("introspect_swap_pte", swap ? is_swap : d == 0 && (info.flags & FL_PTE_PRESENT),
			 "FL_INTROSPECT_PTE of a paged-out page: %ld, flags 0x%llx, slot/pfn %llu (expected %s)", d,
			 (unsigned long long)info.flags, (unsigned long long)info.pfn,
			 swap ? "FL_PTE_SWAP and a slot" : "still present");
	} else {
		rt_test("introspect_swap_pte", RT_SKIP, "no introspection off faultline");
	}
	faults(&maj0, &min0);
	uint32_t bad = bad_pages(base, 1);
	faults(&maj1, &min1);
	fill(base, 2);
	faults(&maj2, &min2);
	rt_check("read_back_major", adv == 0 && maj1 - maj0 == want && bad == 0,
		 "MADV_PAGEOUT returned %ld; reading %u paged-out pages cost %lld major faults (expected %u), %u pages wrong",
		 adv, PAGES, (long long)(maj1 - maj0), want, bad);
	rt_check("write_after_read_reuses", maj2 == maj1 && min2 - min1 == (swap ? PAGES : 0),
		 "writing them afterwards cost %lld major and %lld minor faults (expected 0 and %u)",
		 (long long)(maj2 - maj1), (long long)(min2 - min1), swap ? PAGES : 0);

	/* A write as the first touch: one major fault, mapped writable at once. */
	adv = sys_madvise((void *)base, PAGES * PAGE_SIZE, MADV_PAGEOUT);
	faults(&maj0, &min0);
	for (uint32_t p = 0; p < PAGES; p++)
		poke64(base + p * PAGE_SIZE, word_of(p, 0, 2));
	faults(&maj1, &min1);
	bad = bad_pages(base, 2);
	rt_check("write_back_major", adv == 0 && maj1 - maj0 == want && min1 == min0 && bad == 0,
		 "writing %u paged-out pages cost %lld major and %lld minor faults (expected %u and 0), %u pages wrong",
		 PAGES, (long long)(maj1 - maj0), (long long)(min1 - min0), want, bad);

	/* Fork with the pages out: the slots are shared. */
	long rep_addr = sys_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rep_addr < 0) {
		rt_test("fork", RT_FAIL, "mmap of the report page failed: %ld", rep_addr);
		return 1;
	}
	volatile struct child_report *rep = (volatile struct child_report *)rep_addr;
	rep->bad = rep->bad_after_write = ~0u;
	adv = sys_madvise((void *)base, PAGES * PAGE_SIZE, MADV_PAGEOUT);
	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		int64_t a0, b0, a1, b1;
		faults(&a0, &b0);
		uint32_t cbad = bad_pages(base, 2);
		faults(&a1, &b1);
		rep->majflt = a1 - a0;
		rep->minflt = b1 - b0;
		rep->bad = cbad;
		fill(base, 3);   /* the child's own copies */
		rep->bad_after_write = bad_pages(base, 3);
		sys_exit_group(0);
	}
	int st = 0;
	long w = syscall6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0);
	faults(&maj0, &min0);
	bad = bad_pages(base, 2);
	faults(&maj1, &min1);
	rt_check("fork_child_reads_major", adv == 0 && w == pid && rep->majflt == want && rep->bad == 0 &&
		 rep->bad_after_write == 0,
		 "the child's reads of %u pages paged out before fork cost %lld major faults (expected %u), %u pages "
		 "wrong; %u wrong after its writes", PAGES, (long long)rep->majflt, want, rep->bad, rep->bad_after_write);
	rt_check("fork_parent_reads_swap_cache", maj1 == maj0 && min1 - min0 == (swap ? PAGES : 0) && bad == 0,
		 "after the child exited, the parent's reads cost %lld major and %lld minor faults (expected 0 and %u: "
		 "the swap cache), %u pages wrong", (long long)(maj1 - maj0), (long long)(min1 - min0),
		 swap ? PAGES : 0, bad);
	sys_munmap((void *)base, PAGES * PAGE_SIZE);
	sys_munmap((void *)rep_addr, PAGE_SIZE);
	return 0;
}
