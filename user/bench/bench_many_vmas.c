/*
 * bench_many_vmas: does the number of VMAs change what a fault costs? The
 * same first-touch faults, at the same addresses and in the same order, are
 * timed in two arms: first in a region that is one VMA, then in the same
 * region cut into --vmas N one-page VMAs (default 100 000). The touches
 * visit the VMAs in --order (default random, --seed), so consecutive faults
 * are in different VMAs: the kernel's last-VMA cache never answers and every
 * lookup searches among the N.
 *
 * The region is N slots of two pages, 2 MiB aligned, mapped afresh for each
 * arm: the page a touch may hit and, in the N-VMA arm, a hole after it, so
 * that no two VMAs touch and none can merge. It is MAP_NORESERVE: only the
 * touched pages get frames, and Linux's overcommit heuristic would refuse
 * 800 MiB of address space on a small guest. Before the timed loops of each arm the first slot of every
 * 2 MiB is read, untimed: that allocates every page table of the region, so
 * each timed fault is a plain one of its class. Of the other slots, in the
 * touch order, each repetition writes --mib * 256 (class write-anon) and
 * reads as many others (class read-zero); no slot is touched twice in an
 * arm, and both arms use the same slots in the same order.
 *
 * Every bench record carries "vmas": 1 or N. On Linux, vm.max_map_count
 * (65530 by default) can stop the cutting short: the program then writes a
 * bench_error record and a line on fd 2 and exits 1. See docs/bench.md.
 */
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_many_vmas);

#define SLOT_BYTES (2 * PAGE_SIZE)                        /* the touched page and a hole */
#define SLOTS_PER_TABLE (BENCH_PMD_SIZE / SLOT_BYTES)     /* slots one page-table page maps */

/* Reads the first slot of every 2 MiB of the region, untimed: allocates all its page tables. */
static void populate_tables(uintptr_t base, uint64_t nslots)
{
	for (uint64_t s = 0; s < nslots; s += SLOTS_PER_TABLE)
		(void)peek8(base + s * SLOT_BYTES);
}

/*
 * Cuts the region at base, one VMA of n slots, into n one-page VMAs by
 * unmapping the second page of every slot. Returns 0, or -errno with *done
 * set to the holes made before the failing munmap.
 */
static long cut_into_vmas(uintptr_t base, uint64_t n, uint64_t *done)
{
	for (uint64_t i = 0; i < n; i++) {
		long r = sys_munmap((void *)(base + i * SLOT_BYTES + PAGE_SIZE), PAGE_SIZE);
		if (r < 0) {
			*done = i;
			return r;
		}
	}
	*done = n;
	return 0;
}

/* Reports that cut_into_vmas stopped after holes VMAs with err, as a bench_error record
 * and a line on fd 2. Returns the exit status 1. */
static int fail_cut(const struct bench *b, uint64_t holes, long err)
{
	char what[160];
	format(what, sizeof(what), "cutting the region into %lu VMAs: munmap failed after %lu%s",
	       b->args.vmas, holes, fl_on_faultline() ? "" : " (Linux: vm.max_map_count?)");
	rt_printf(2, "bench_many_vmas: %s: error %ld\n", what, err);
	return bench_fail(b, what, err);
}

/*
 * One arm over the region at base: the page tables first, then per
 * repetition the timed writes into class wr and the timed reads into class
 * rd. slots holds the write slots of every repetition, then the read slots.
 */
static void time_arm(struct bench *b, uintptr_t base, const uint32_t *slots, long wr, long rd)
{
	const uint32_t *reads = slots + b->pages * b->args.reps;

	populate_tables(base, b->args.vmas);
	for (uint64_t rep = 0; rep < b->args.reps; rep++) {
		bench_time_pages(b, (uint32_t)wr, base, slots + rep * b->pages, b->pages, BENCH_WRITE);
		bench_time_pages(b, (uint32_t)rd, base, reads + rep * b->pages, b->pages, BENCH_READ);
	}
}

/* Adds the write and read classes of one arm, tagged with its VMA count. Returns 0 or -errno. */
static long add_arm_classes(struct bench *b, uint64_t vmas, long *wr, long *rd)
{
	*wr = bench_add_class(b, "write-anon");
	if (*wr < 0)
		return *wr;
	*rd = bench_add_class(b, "read-zero");
	if (*rd < 0)
		return *rd;
	b->cls[*wr].vmas = b->cls[*rd].vmas = vmas;
	return 0;
}

/*
 * Returns the touch order: the n slots in --order without the first slot of
 * each 2 MiB (those belong to populate_tables), in a pre-faulted array, with
 * the count in *usable; or -errno.
 */
static long make_slot_order(const struct bench *b, uint64_t n, uint64_t *usable)
{
	long addr = bench_alloc_prefaulted((n * sizeof(uint32_t) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
	if (addr < 0)
		return addr;
	uint32_t *slots = (uint32_t *)addr;
	uint64_t k = 0;
	bench_fill_order(slots, n, &b->args);
	for (uint64_t i = 0; i < n; i++)
		if (slots[i] % SLOTS_PER_TABLE != 0)
			slots[k++] = slots[i];
	*usable = k;
	return addr;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	struct bench b;
	struct bench_args defaults = { .mib = 4, .reps = 4, .seed = 1, .order = BENCH_RANDOM, .vmas = 100000 };
	if (bench_init(&b, "many_vmas", argc, argv, defaults, 0, SLOT_BYTES) < 0)
		return 2;
	uint64_t n = b.args.vmas, usable, need = 2 * b.pages * b.args.reps;
	long slots = make_slot_order(&b, n, &usable);
	if (slots < 0)
		return bench_fail(&b, "slot array", slots);
	if (need > usable) {
		rt_printf(2, "bench_many_vmas: --mib %lu --reps %lu touch %lu slots; --vmas %lu has %lu: "
			  "raise --vmas or lower --mib / --reps\n", b.args.mib, b.args.reps, need, n, usable);
		return 2;
	}
	long one_wr, one_rd, many_wr, many_rd;
	long r = add_arm_classes(&b, 1, &one_wr, &one_rd);
	if (r < 0)
		return bench_fail(&b, "sample array", r);
	r = add_arm_classes(&b, n, &many_wr, &many_rd);
	if (r < 0)
		return bench_fail(&b, "sample array", r);
	r = bench_warm_up(&b);
	if (r < 0)
		return bench_fail(&b, "warm-up", r);

	uint64_t len = n * SLOT_BYTES, holes;
	bench_begin(&b);
	long addr = bench_map(len, PROT_READ | PROT_WRITE, true);
	if (addr < 0)
		return bench_fail(&b, "mmap", addr);
	time_arm(&b, (uintptr_t)addr, (const uint32_t *)slots, one_wr, one_rd);
	r = bench_unmap((uintptr_t)addr, len);
	if (r < 0)
		return bench_fail(&b, "munmap", r);

	addr = bench_map(len, PROT_READ | PROT_WRITE, true);
	if (addr < 0)
		return bench_fail(&b, "mmap", addr);
	r = cut_into_vmas((uintptr_t)addr, n, &holes);
	if (r < 0)
		return fail_cut(&b, holes, r);
	time_arm(&b, (uintptr_t)addr, (const uint32_t *)slots, many_wr, many_rd);
	r = bench_unmap((uintptr_t)addr, len);
	bench_end(&b);

	if (r < 0)
		return bench_fail(&b, "munmap", r);
	return bench_report(&b) < 0 ? 1 : 0;
}
