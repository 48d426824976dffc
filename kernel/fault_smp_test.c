/*
 * The fault path on every CPU at once (kernel/fault_smp_test.h). Each
 * worker faults as exc_page_fault does - the mm's mmap_lock for reading,
 * find_vma, the VMA's rights, handle_mm_fault - and retries while the
 * entry does not allow the access yet (a fault that lost a race returns 0
 * having done nothing: the access is retried, as ring 3's would be).
 * Marks are written through the direct map into the frame the entry maps
 * once the access is allowed.
 */
#include "kernel/fault_smp_test.h"
#include "base/format.h"
#include "base/string.h"
#include "cpu/percpu.h"
#include "cpu/smp.h"
#include "cpu/x86.h"
#include "lib/record.h"
#include "lib/tsc.h"
#include "paging/lru.h"
#include "paging/buddy.h"
#include "paging/efi_map.h"
#include "paging/memory.h"
#include "paging/mm.h"
#include "paging/mman.h"
#include "paging/page.h"
#include "paging/slab.h"
#include "paging/verify.h"
#include "paging/huge_memory.h"
#include "paging/hugetlb.h"
#include "paging/vma.h"

#define PG PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define ANON_FIXED (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

#define SAME_BASE 0x10000000ull       /* every CPU faults every page of one pte table */
#define SAME_PAGES 512u
#define DIST_BASE 0x20000000ull       /* each CPU its own slice */
#define DIST_PAGES_PER_CPU 128u
#define COW_BASE 0x30000000ull        /* written, then duplicated, then written by all */
#define COW_PAGES 256u
#define CHURN_BASE 0x40000000ull      /* mprotect / munmap / mmap by the boot CPU, faults by the rest */
#define CHURN_PAGES 64u
#define CHURN_ROUNDS 300u
#define MAX_RETRIES 100000u
#define THP_BASE 0x80000000ull        /* 2 MiB THPs shared by one mm per CPU after fork */
#define THP_COUNT 8u
#define THP_ROUNDS 12u
#define THP_WRITES 4u                 /* 4 KiB pages written in a THP (its first write splits it) */
#define HUGETLB_BASE 0xc0000000ull    /* 2 MiB hugetlb pages, an mm per CPU */
#define HUGETLB_PER_CPU 2u
#define HUGETLB_ROUNDS 40u

/* The mark CPU cpu leaves in the page of index idx (never 0, never a pattern). */
static uint64_t mark(uint32_t cpu, uint32_t idx) { return 0x5a00000000000000ull | (uint64_t)cpu << 32 | idx; }
/* What the cow region's page idx holds before the CPUs write to it. */
static uint64_t pattern(uint32_t idx) { return 0x0101010101010101ull * ((idx & 0x7f) + 1); }

enum scenario { SAME, DISTINCT, COW, CHURN, THP_SHARED, HUGETLB };

/* What a CPU does to THP j of its mm in a round of THP_SHARED: its three
 * pmd-level uses by one mm while other mms use the same THP. */
enum thp_op { THP_WRITE, THP_UNMAP, THP_FORK };

struct smp_ctx {
	struct mm_struct *mm, *child;
	struct mm_struct *sharer[NR_CPUS];   /* THP_SHARED: each CPU's mm, by place (0: mm) */
	uint32_t round;                   /* THP_SHARED: the round being run */
	enum scenario scenario;
	uint32_t ncpu;                    /* CPUs taking part (the boot CPU included) */
	uint32_t order[NR_CPUS];          /* a CPU's number -> its place among them */
	volatile uint32_t done;           /* workers finished */
	volatile uint32_t stop;           /* CHURN: the boot CPU has finished its loop */
	volatile uint64_t faults;         /* handle_mm_fault calls, all CPUs */
	volatile uint64_t raced;          /* of which returned having done nothing (VMF_DONE_SPURIOUS) */
	volatile uint32_t failed;         /* set by the first problem */
	char why[160];
};

/* Notes the first problem a worker met. */
static void fail(struct smp_ctx *c, const char *what, uint64_t addr)
{
	uint32_t zero = 0;
	if (__atomic_compare_exchange_n(&c->failed, &zero, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		format(c->why, sizeof(c->why), "cpu %u at 0x%llx: %s", (uint32_t)smp_processor_id(), addr, what);
}

/* The frame mapped at addr if the entry allows the access (writable for a
 * write), else NULL. Caller holds the mmap_lock. */
static uint64_t *mapped_page(struct mm_struct *mm, uint64_t addr, bool write)
{
	struct walk_result w;
	if (follow_addr(mm->pgd, addr, &w) != 0 || (write && !(*w.entry & _PAGE_RW)))
		return NULL;
	return (uint64_t *)__va(w.phys & PAGE_MASK);
}

/*
 * Faults addr in as the fault path does, until the access is allowed; then,
 * if slot < 512, stores value in that word of the page (under the same
 * mmap_lock hold, so munmap cannot take the page meanwhile). Returns 0,
 * 1 if the VMA does not allow the access (none there, or its rights), -1 on
 * a fault error or no progress.
 */
static int touch(struct smp_ctx *c, struct mm_struct *mm, uint64_t addr, bool write, uint32_t slot, uint64_t value)
{
	for (uint32_t tries = 0; tries < MAX_RETRIES; tries++) {
		mmap_read_lock(mm);
		struct vm_area_struct *vma = find_vma(mm, addr);
		if (!vma || vma->vm_start > addr || !(vma->vm_flags & (write ? VM_WRITE : VM_READ))) {
			mmap_read_unlock(mm);
			return 1;
		}
		uint64_t *page = mapped_page(mm, addr, write);
		if (page) {
			if (slot < PAGE_SIZE / 8)
				__atomic_store_n(&page[slot], value, __ATOMIC_RELAXED);
			mmap_read_unlock(mm);
			return 0;
		}
		struct vm_fault vmf;
		vm_fault_t ret = handle_mm_fault(vma, addr, FAULT_FLAG_USER | (write ? FAULT_FLAG_WRITE : 0), &vmf);
		mmap_read_unlock(mm);
		__atomic_fetch_add(&c->faults, 1, __ATOMIC_RELAXED);
		if (ret & VM_FAULT_ERROR) {
			fail(c, "handle_mm_fault failed", addr);
			return -1;
		}
		if (vmf.done == VMF_DONE_SPURIOUS)
			__atomic_fetch_add(&c->raced, 1, __ATOMIC_RELAXED);
	}
	fail(c, "the access is still not allowed after many faults", addr);
	return -1;
}

/* Which op the CPU at place me applies to THP j in round: CPUs next to each
 * other do different ones to the same THP at about the same time. */
static enum thp_op thp_op_of(uint32_t me, uint32_t j, uint32_t round) { return (enum thp_op)((me + j + round) % 3); }

/* The word a CPU at place me writes into page p of THP j in round. */
static uint64_t thp_mark(uint32_t me, uint32_t j, uint32_t p) { return mark(me, j << 16 | p); }

/* The page of THP j that write number w goes to (its first splits the leaf). */
static uint32_t thp_written_page(uint32_t j, uint32_t w) { return (j * 37 + w * 131) % HPAGE_PMD_NR; }

/* THP_SHARED's share of the CPU at place me: in its own mm, each THP written
 * (a split, then 4 KiB CoW), unmapped (the leaf zapped), or its whole mm
 * forked and the copy dropped (every leaf taken and dropped again). */
static void thp_shared_work(struct smp_ctx *c, uint32_t me)
{
	struct mm_struct *mm = c->sharer[me];
	for (uint32_t j = 0; j < THP_COUNT && !c->failed; j++) {
		uint64_t base = THP_BASE + (uint64_t)j * HPAGE_PMD_SIZE;
		switch (thp_op_of(me, j, c->round)) {
		case THP_WRITE:
			for (uint32_t w = 0; w < THP_WRITES && !c->failed; w++) {
				uint32_t p = thp_written_page(j, w);
				touch(c, mm, base + (uint64_t)p * PG, true, me, thp_mark(me, j, p));
			}
			break;
		case THP_UNMAP:
			mmap_write_lock(mm);
			if (do_munmap(mm, base, HPAGE_PMD_SIZE))
				fail(c, "munmap of a shared THP failed", base);
			mmap_write_unlock(mm);
			break;
		case THP_FORK: {
			struct mm_struct *copy = dup_mm(mm);
			if (!copy)
				fail(c, "dup_mm of an mm sharing THPs failed", base);
			else
				mmput(copy);
			break;
		}
		}
	}
}

/* HUGETLB's share of the CPU at place me: in its own mm, its pages written
 * (each fault takes a page from the shared pool), marked, checked and given
 * back (MADV_DONTNEED), round after round. */
static void hugetlb_work(struct smp_ctx *c, uint32_t me)
{
	struct mm_struct *mm = c->sharer[me];
	for (uint32_t round = 0; round < HUGETLB_ROUNDS && !c->failed; round++) {
		for (uint32_t i = 0; i < HUGETLB_PER_CPU && !c->failed; i++)
			touch(c, mm, HUGETLB_BASE + (uint64_t)i * HPAGE_PMD_SIZE + (uint64_t)me * PG, true, 0,
			      mark(me, round << 8 | i));
		for (uint32_t i = 0; i < HUGETLB_PER_CPU && !c->failed; i++) {
			uint64_t addr = HUGETLB_BASE + (uint64_t)i * HPAGE_PMD_SIZE + (uint64_t)me * PG;
			mmap_read_lock(mm);
			const uint64_t *page = mapped_page(mm, addr, false);
			if (!page || page[0] != mark(me, round << 8 | i))
				fail(c, "a hugetlb page lost its mark: another CPU was given it too", addr);
			mmap_read_unlock(mm);
		}
		mmap_write_lock(mm);
		if (do_madvise(mm, HUGETLB_BASE, HUGETLB_PER_CPU * HPAGE_PMD_SIZE, MADV_DONTNEED))
			fail(c, "MADV_DONTNEED of the hugetlb pages failed", HUGETLB_BASE);
		mmap_write_unlock(mm);
	}
}

/* One CPU's share of the scenario. */
static void work(struct smp_ctx *c)
{
	uint32_t cpu = smp_processor_id(), me = c->order[cpu];
	switch (c->scenario) {
	case SAME:
		/* Reads, then writes, every CPU starting somewhere else. */
		for (uint32_t pass = 0; pass < 2 && !c->failed; pass++)
			for (uint32_t p = 0; p < SAME_PAGES && !c->failed; p++) {
				uint32_t idx = (p + me * 61) % SAME_PAGES;
				touch(c, c->mm, SAME_BASE + (uint64_t)idx * PG, pass == 1, pass == 1 ? cpu : ~0u,
				      mark(cpu, idx));
			}
		break;
	case DISTINCT:
		for (uint32_t p = 0; p < DIST_PAGES_PER_CPU && !c->failed; p++) {
			uint32_t idx = me * DIST_PAGES_PER_CPU + p;
			touch(c, c->mm, DIST_BASE + (uint64_t)idx * PG, true, 0, mark(cpu, idx));
		}
		break;
	case COW:
		/* Odd CPUs write the child, even ones the parent (alone: both). */
		for (uint32_t side = 0; side < 2; side++) {
			if (c->ncpu > 1 && side != (me & 1))
				continue;
			struct mm_struct *mm = side ? c->child : c->mm;
			for (uint32_t p = 0; p < COW_PAGES && !c->failed; p++) {
				uint32_t idx = (p + me * 29) % COW_PAGES;
				touch(c, mm, COW_BASE + (uint64_t)idx * PG, true, cpu, mark(cpu, idx));
			}
		}
		break;
	case THP_SHARED:
		thp_shared_work(c, me);
		break;
	case HUGETLB:
		hugetlb_work(c, me);
		break;
	case CHURN:
		if (cpu == 0 && c->ncpu > 1)
			return;   /* the boot CPU changes the region (run_churn) */
		for (uint32_t round = 0; !c->stop && !c->failed; round++)
			for (uint32_t p = 0; p < CHURN_PAGES && !c->failed; p++)
				if (touch(c, c->mm, CHURN_BASE + (uint64_t)p * PG, (round + p) & 1, ~0u, 0) < 0)
					return;
		break;
	}
}

/* smp_call_function_many's function: the share, then counted done. */
static void worker(void *arg)
{
	struct smp_ctx *c = arg;
	work(c);
	__atomic_fetch_add(&c->done, 1, __ATOMIC_RELEASE);
}

/* The boot CPU's loop of CHURN: the region read-only, writable again, half
 * of it unmapped and mapped again, under the mmap_lock held for writing. */
static void churn(struct smp_ctx *c)
{
	for (uint32_t round = 0; round < CHURN_ROUNDS && !c->failed; round++) {
		int64_t r = 0;
		mmap_write_lock(c->mm);
		switch (round % 3) {
		case 0: r = do_mprotect(c->mm, CHURN_BASE, CHURN_PAGES * PG, PROT_READ); break;
		case 1: r = do_mprotect(c->mm, CHURN_BASE, CHURN_PAGES * PG, RW); break;
		case 2:
			r = do_munmap(c->mm, CHURN_BASE + CHURN_PAGES / 4 * PG, CHURN_PAGES / 2 * PG);
			if (r == 0)
				r = do_mmap(c->mm, CHURN_BASE + CHURN_PAGES / 4 * PG, CHURN_PAGES / 2 * PG, RW, ANON_FIXED,
					    (uint64_t)-1, 0) < 0;
			break;
		}
		mmap_write_unlock(c->mm);
		if (r)
			fail(c, "mprotect / munmap / mmap of the churn region failed", CHURN_BASE);
		if (c->ncpu == 1)   /* alone: some faults between the changes */
			for (uint32_t p = 0; p < 8; p++)
				touch(c, c->mm, CHURN_BASE + (uint64_t)((round * 8 + p) % CHURN_PAGES) * PG, p & 1, ~0u, 0);
	}
	c->stop = 1;
}

/* Runs the scenario on every online CPU at once and waits for all. */
static void run_everywhere(struct smp_ctx *c)
{
	struct cpumask all;
	cpumask_clear(&all);
	for (uint32_t cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (cpu_online(cpu))
			cpumask_set_cpu(cpu, &all);
	c->done = 0;
	c->stop = 0;
	uint32_t sent = smp_call_function_many(&all, worker, c, false);
	if (c->scenario == CHURN)
		churn(c);
	worker(c);
	while (__atomic_load_n(&c->done, __ATOMIC_ACQUIRE) < sent + 1)
		cpu_relax();
}

/* The page of the region page idx in mm, writable and mapped once, or NULL with why. */
static uint64_t *check_page(struct mm_struct *mm, uint64_t addr, char *why, uint32_t n)
{
	uint64_t *page = mapped_page(mm, addr, true);
	if (!page) {
		format(why, n, "0x%llx is not mapped writable", addr);
		return NULL;
	}
	int32_t maps = page_mapcount(virt_to_page(page));
	if (maps != 1) {
		format(why, n, "0x%llx: its page is mapped %d times", addr, maps);
		return NULL;
	}
	return page;
}

/* Checks the result of scenario c->scenario; "" if all is well. */
static void check_result(struct smp_ctx *c, char *why, uint32_t n)
{
	why[0] = 0;
	if (c->failed) {
		format(why, n, "%s", c->why);
		return;
	}
	switch (c->scenario) {
	case SAME:
		for (uint32_t idx = 0; idx < SAME_PAGES; idx++) {
			uint64_t *page = check_page(c->mm, SAME_BASE + (uint64_t)idx * PG, why, n);
			if (!page)
				return;
			for (uint32_t cpu = 0; cpu < nr_cpu_ids; cpu++)
				if (cpu_online(cpu) && page[cpu] != mark(cpu, idx)) {
					format(why, n, "page %u lacks cpu %u's mark (0x%llx): it wrote to a page that lost the race",
					       idx, cpu, page[cpu]);
					return;
				}
		}
		break;
	case DISTINCT:
		for (uint32_t idx = 0; idx < c->ncpu * DIST_PAGES_PER_CPU; idx++) {
			uint64_t *page = check_page(c->mm, DIST_BASE + (uint64_t)idx * PG, why, n);
			if (!page)
				return;
			uint32_t writer = idx / DIST_PAGES_PER_CPU, cpu = 0;
			while (cpu < nr_cpu_ids && !(cpu_online(cpu) && c->order[cpu] == writer))
				cpu++;
			if (page[0] != mark(cpu, idx)) {
				format(why, n, "page %u holds 0x%llx, not cpu %u's mark", idx, page[0], cpu);
				return;
			}
		}
		break;
	case COW:
		for (uint32_t idx = 0; idx < COW_PAGES; idx++) {
			uint64_t addr = COW_BASE + (uint64_t)idx * PG;
			uint64_t *mine = check_page(c->mm, addr, why, n), *theirs = mine ? check_page(c->child, addr, why, n) : NULL;
			if (!theirs)
				return;
			if (mine == theirs) {
				format(why, n, "page %u: parent and child map one frame after both wrote", idx);
				return;
			}
			for (uint32_t side = 0; side < 2; side++) {
				const uint64_t *page = side ? theirs : mine;
				if (page[PAGE_SIZE / 8 - 1] != pattern(idx)) {
					format(why, n, "page %u of the %s lost its contents", idx, side ? "child" : "parent");
					return;
				}
				for (uint32_t cpu = 0; cpu < nr_cpu_ids; cpu++) {
					if (!cpu_online(cpu))
						continue;
					bool wrote = c->ncpu == 1 || (c->order[cpu] & 1) == side;
					if (page[cpu] != (wrote ? mark(cpu, idx) : pattern(idx))) {
						format(why, n, "page %u of the %s: cpu %u's word is 0x%llx", idx,
						       side ? "child" : "parent", cpu, page[cpu]);
						return;
					}
				}
			}
		}
		break;
	case CHURN:
		break;   /* the tables and the frames tell */
	case HUGETLB:
		break;   /* each CPU checked its marks; the pool's counts tell the rest */
	case THP_SHARED:
		for (uint32_t me = 0; me < c->ncpu; me++)
			for (uint32_t j = 0; j < THP_COUNT; j++) {
				uint64_t base = THP_BASE + (uint64_t)j * HPAGE_PMD_SIZE;
				enum thp_op op = thp_op_of(me, j, c->round);
				uint64_t *page = mapped_page(c->sharer[me], base, false);
				if ((op == THP_UNMAP) != !page) {
					format(why, n, "round %u, mm %u: THP %u is %s", c->round, me, j,
					       page ? "still mapped after munmap" : "gone");
					return;
				}
				for (uint32_t w = 0; page && w < THP_WRITES; w++) {
					uint32_t p = thp_written_page(j, w);
					const uint64_t *words = mapped_page(c->sharer[me], base + (uint64_t)p * PG, false);
					uint64_t want = op == THP_WRITE ? thp_mark(me, j, p) : pattern(j << 9 | p);
					if (words[me] != want || words[PAGE_SIZE / 8 - 1] != pattern(j << 9 | p)) {
						format(why, n, "round %u, mm %u, THP %u page %u holds 0x%llx (want 0x%llx)",
						       c->round, me, j, p, words[me], want);
						return;
					}
				}
			}
		break;
	}
}

/* Verifies the tables of the test's mms (every one at once: a frame they
 * share is counted in all) with the kernel's; returns the problems. */
static uint64_t verify_ctx(struct smp_ctx *c, struct pgtable_verify *v)
{
	static pgd_t *roots[NR_CPUS + 8];   /* 4 KiB at 512 CPUs: off the stack */
	uint32_t nroots = 0;
	roots[nroots++] = c->mm->pgd;
	if (c->child)
		roots[nroots++] = c->child->pgd;
	for (uint32_t me = 1; (c->scenario == THP_SHARED || c->scenario == HUGETLB) && me < c->ncpu; me++)
		roots[nroots++] = c->sharer[me]->pgd;
	nroots += kernel_page_table_roots(roots + nroots);
	return verify_page_tables(roots, nroots, v);
}

/* Verifies the test's mms' tables with the kernel's; records name.verify. */
static void verify(struct smp_ctx *c, const char *name)
{
	struct pgtable_verify v;
	uint64_t problems = verify_ctx(c, &v);
	char test[64];
	format(test, sizeof(test), "fault_smp.%s.verify", name);
	record_check(test, problems == 0, "%llu tables, %llu leaves; %llu problems%s%s", v.tables, v.leaves, problems,
		     problems ? ": " : "", v.first_problem);
}

/* The context of a scenario's run, cleared (one for all: a scenario runs
 * at a time; static, as its per-CPU arrays are large at 512 CPUs). */
static struct smp_ctx *new_ctx(enum scenario s, uint32_t ncpu, const uint32_t *order)
{
	static struct smp_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.scenario = s;
	ctx.ncpu = ncpu;
	memcpy(ctx.order, order, sizeof(ctx.order));
	return &ctx;
}

/* One scenario on a fresh mm: setup, the run, its record, the verifier. */
static void run_scenario(enum scenario s, const char *name, uint32_t ncpu, const uint32_t *order)
{
	struct smp_ctx *c = new_ctx(s, ncpu, order);
	char test[64], why[200];
	format(test, sizeof(test), "fault_smp.%s", name);
	c->mm = mm_alloc();
	if (!c->mm) {
		record_test(test, TEST_FAIL, "no memory for the test mm");
		return;
	}
	int64_t r = 0;
	switch (s) {
	case SAME: r = do_mmap(c->mm, SAME_BASE, SAME_PAGES * PG, RW, ANON_FIXED, (uint64_t)-1, 0); break;
	case DISTINCT:
		r = do_mmap(c->mm, DIST_BASE, ncpu * DIST_PAGES_PER_CPU * PG, RW, ANON_FIXED, (uint64_t)-1, 0);
		break;
	case COW:
		r = do_mmap(c->mm, COW_BASE, COW_PAGES * PG, RW, ANON_FIXED, (uint64_t)-1, 0);
		if (r >= 0)
			r = do_madvise(c->mm, COW_BASE, COW_PAGES * PG, MADV_NOHUGEPAGE);
		if (r >= 0)
			r = do_madvise(c->mm, COW_BASE, COW_PAGES * PG, MADV_POPULATE_WRITE);
		for (uint32_t idx = 0; r >= 0 && idx < COW_PAGES; idx++) {
			uint64_t *page = mapped_page(c->mm, COW_BASE + (uint64_t)idx * PG, true);
			if (!page) {
				r = -1;
				break;
			}
			for (uint32_t w = 0; w < PAGE_SIZE / 8; w++)
				page[w] = pattern(idx);
		}
		if (r >= 0 && !(c->child = dup_mm(c->mm)))
			r = -1;
		break;
	case CHURN: r = do_mmap(c->mm, CHURN_BASE, CHURN_PAGES * PG, RW, ANON_FIXED, (uint64_t)-1, 0); break;
	case THP_SHARED:
	case HUGETLB: r = -1; break;   /* their own runs: run_thp_shared, run_hugetlb */
	}
	/* 4 KiB pages: the pte path and its locks (a THP is one pmd leaf under
	 * the mm's page_table_lock; its tail pages have no map count). */
	uint64_t base = s == SAME ? SAME_BASE : s == DISTINCT ? DIST_BASE : s == COW ? COW_BASE : CHURN_BASE;
	if (r >= 0 && s != COW)
		r = do_madvise(c->mm, base, s == DISTINCT ? ncpu * DIST_PAGES_PER_CPU * PG : s == SAME ? SAME_PAGES * PG
									: CHURN_PAGES * PG, MADV_NOHUGEPAGE);
	if (r < 0) {
		record_test(test, TEST_FAIL, "setup failed (%lld)", r);
	} else {
		uint64_t t0 = rdtsc_ordered();
		run_everywhere(c);
		uint64_t us = (rdtsc_ordered() - t0) * 1000000 / (tsc_hz ? tsc_hz : 1);
		check_result(c, why, sizeof(why));
		if (why[0])
			record_test(test, TEST_FAIL, "%s", why);
		else
			record_test(test, TEST_PASS,
				    "%u CPUs at once: %llu faults handled, %llu of them found the entry changed by another CPU "
				    "and did nothing; %llu us",
				    ncpu, (uint64_t)c->faults, (uint64_t)c->raced, us);
		verify(c, name);
	}
	if (c->child)
		mmput(c->child);
	mmput(c->mm);
}

/* THP_SHARED's mms for one round: mm with THP_COUNT THPs, each page's
 * words filled with its pattern, and one copy (dup_mm) per other CPU.
 * Returns 0, or -1 with why (nothing left allocated). */
static int thp_shared_setup(struct smp_ctx *c, char *why, uint32_t n)
{
	c->mm = mm_alloc();
	if (!c->mm) {
		format(why, n, "no memory for the test mm");
		return -1;
	}
	uint64_t len = (uint64_t)THP_COUNT * HPAGE_PMD_SIZE;
	int64_t r = do_mmap(c->mm, THP_BASE, len, RW, ANON_FIXED, (uint64_t)-1, 0);
	if (r >= 0)
		r = do_madvise(c->mm, THP_BASE, len, MADV_POPULATE_WRITE);
	for (uint32_t j = 0; r >= 0 && j < THP_COUNT; j++) {
		struct walk_result w;
		uint64_t base = THP_BASE + (uint64_t)j * HPAGE_PMD_SIZE;
		if (follow_addr(c->mm->pgd, base, &w) != 0 || w.level != PG_LEVEL_2M) {
			format(why, n, "0x%llx is not a THP (thp = never, or no 2 MiB frame)", base);
			mmput(c->mm);
			return -1;
		}
		for (uint32_t p = 0; p < HPAGE_PMD_NR; p++) {
			uint64_t *words = (uint64_t *)__va((w.phys & HPAGE_PMD_MASK) + (uint64_t)p * PG);
			for (uint32_t me = 0; me < c->ncpu; me++)
				words[me] = pattern(j << 9 | p);
			words[PAGE_SIZE / 8 - 1] = pattern(j << 9 | p);
		}
	}
	c->sharer[0] = c->mm;
	uint32_t made = 1;
	while (r >= 0 && made < c->ncpu && (c->sharer[made] = dup_mm(c->mm)))
		made++;
	if (r < 0 || made < c->ncpu) {
		format(why, n, "setup failed (%lld, %u of %u mms)", r, made, c->ncpu);
		for (uint32_t me = 1; me < made; me++)
			mmput(c->sharer[me]);
		mmput(c->mm);
		return -1;
	}
	return 0;
}

/*
 * THP_SHARED: THPs that every CPU's mm shares after fork, each CPU at once
 * writing some (a split of the shared leaf, then 4 KiB copies), unmapping
 * some and forking its mm (every leaf taken and dropped again), so that the
 * pmd-level changes of one THP's counts by several mms meet
 * (paging/huge_memory.c, thp_share_lock). Rounds of fresh mms, each checked
 * (contents, then the verifier over every mm: each frame's map count
 * against the entries mapping it) before all are dropped.
 */
static void run_thp_shared(uint32_t ncpu, const uint32_t *order)
{
	struct smp_ctx *c = new_ctx(THP_SHARED, ncpu, order);
	char why[200] = "";
	struct thp_events ev;
	all_thp_events(&ev);
	uint64_t splits0 = ev.split_pmd, faults = 0, raced = 0, problems = 0;
	struct pgtable_verify v, first = { 0 };
	uint64_t t0 = rdtsc_ordered();
	for (uint32_t round = 0; round < THP_ROUNDS && !why[0]; round++) {
		c->round = round;
		if (thp_shared_setup(c, why, sizeof(why)))
			break;
		run_everywhere(c);
		check_result(c, why, sizeof(why));
		uint64_t p = verify_ctx(c, &v);
		if (p && !problems)
			first = v;
		problems += p;
		faults += c->faults;
		raced += c->raced;
		c->faults = c->raced = 0;
		for (uint32_t me = 1; me < ncpu; me++)
			mmput(c->sharer[me]);
		mmput(c->mm);
	}
	uint64_t us = (rdtsc_ordered() - t0) * 1000000 / (tsc_hz ? tsc_hz : 1);
	all_thp_events(&ev);
	uint64_t splits = ev.split_pmd - splits0;
	if (why[0])
		record_test("fault_smp.thp_shared_after_fork", TEST_FAIL, "%s", why);
	else
		record_test("fault_smp.thp_shared_after_fork", TEST_PASS,
			    "%u CPUs at once, %u rounds of %u THPs shared by %u mms: %llu leaves split, %llu faults "
			    "handled (%llu found the entry changed and did nothing); %llu us",
			    ncpu, THP_ROUNDS, THP_COUNT, ncpu, splits, faults, raced, us);
	record_check("fault_smp.thp_shared_after_fork.verify", problems == 0, "%u rounds; %llu problems%s%s", THP_ROUNDS,
		     problems, problems ? ": " : "", first.first_problem);
}

/* The pages on h's free list, counted by walking it (at most limit). */
static uint64_t hugetlb_free_list_length(const struct hstate *h, uint64_t limit)
{
	uint64_t n = 0;
	for (uint32_t pfn = h->free_head; pfn != PFN_NONE && n <= limit; pfn = pfn_to_page(pfn)->lru_next)
		n++;
	return n;
}

/*
 * HUGETLB: one mm per CPU with a private hugetlb mapping, every CPU at once
 * taking pages from the 2 MiB pool by its faults and giving them back
 * (MADV_DONTNEED), round after round: each page holds its writer's mark
 * (none was given to two CPUs), and afterwards the pool has every page
 * back on its free list and no reservation left consumed. Skipped without
 * a pool big enough (hugepages_2m below HUGETLB_PER_CPU per CPU).
 */
static void run_hugetlb(uint32_t ncpu, const uint32_t *order)
{
	struct smp_ctx *c = new_ctx(HUGETLB, ncpu, order);
	const char *name = "fault_smp.hugetlb_pool";
	struct hstate *h = &hstates[HSTATE_2M];
	uint64_t free0 = h->free_huge_pages, consumed0 = h->resv_consumed;
	if (free0 < (uint64_t)ncpu * HUGETLB_PER_CPU) {
		record_test(name, TEST_SKIP, "%llu free 2 MiB hugetlb pages, %u wanted (hugepages_2m)", free0,
			    ncpu * HUGETLB_PER_CPU);
		return;
	}
	uint32_t made = 0;
	int64_t r = 0;
	for (; made < ncpu; made++) {
		if (!(c->sharer[made] = mm_alloc()))
			break;
		r = do_mmap(c->sharer[made], HUGETLB_BASE, HUGETLB_PER_CPU * HPAGE_PMD_SIZE, RW,
			    ANON_FIXED | MAP_HUGETLB, (uint64_t)-1, 0);
		if (r < 0) {
			made++;
			break;
		}
	}
	c->mm = c->sharer[0];
	char why[200] = "";
	uint64_t t0 = rdtsc_ordered();
	if (made < ncpu || r < 0)
		format(why, sizeof(why), "setup failed (%lld, %u of %u mms)", r, made, ncpu);
	else
		run_everywhere(c);
	uint64_t us = (rdtsc_ordered() - t0) * 1000000 / (tsc_hz ? tsc_hz : 1);
	if (!why[0] && c->failed)
		format(why, sizeof(why), "%s", c->why);
	if (made == ncpu && r >= 0)
		verify(c, "hugetlb_pool");
	for (uint32_t me = 0; me < made; me++)
		if (c->sharer[me])
			mmput(c->sharer[me]);
	uint64_t listed = hugetlb_free_list_length(h, h->nr_huge_pages);
	if (!why[0] && (h->free_huge_pages != free0 || listed != free0 || h->resv_consumed != consumed0))
		format(why, sizeof(why), "the pool after: %llu free (%llu on its list), %llu reservations consumed; "
			    "before: %llu free, %llu consumed", h->free_huge_pages, listed, h->resv_consumed, free0, consumed0);
	if (why[0])
		record_test(name, TEST_FAIL, "%s", why);
	else
		record_test(name, TEST_PASS,
			    "%u CPUs at once, %u rounds of %u pool pages each taken and given back: %llu faults handled, "
			    "every page its writer's alone, the pool whole after (%llu free); %llu us",
			    ncpu, HUGETLB_ROUNDS, HUGETLB_PER_CPU, (uint64_t)c->faults, free0, us);
}

/* See kernel/fault_smp_test.h. */
void run_fault_smp_test(void)
{
	static uint32_t order[NR_CPUS];   /* 2 KiB at 512 CPUs: off the stack */
	uint32_t ncpu = 0;
	for (uint32_t cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (cpu_online(cpu))
			order[cpu] = ncpu++;
	lru_add_drain_all();   /* every CPU's LRU batch holds references to freed mms' pages */
	kmem_cache_shrink_all();
	uint64_t free_at_start = nr_free_pages();
	run_scenario(SAME, "same_addresses", ncpu, order);
	run_scenario(DISTINCT, "distinct_addresses", ncpu, order);
	run_scenario(COW, "cow_after_dup", ncpu, order);
	run_scenario(CHURN, "against_munmap", ncpu, order);
	run_thp_shared(ncpu, order);
	run_hugetlb(ncpu, order);
	lru_add_drain_all();
	kmem_cache_shrink_all();
	uint64_t free_at_end = nr_free_pages();
	record_check("fault_smp.no_frame_leaked", free_at_end == free_at_start,
		     "%llu free frames before the scenarios, %llu after (every CPU's page list counted)", free_at_start,
		     free_at_end);
}
