/* TLB shootdown across CPUs and switching address spaces (paging/tlb.h). */
#include "paging/tlb.h"
#include "base/page_types.h"
#include "cpu/smp.h"
#include "paging/init.h"
#include "paging/mm_types.h"

struct tlb_shootdown_stats tlb_shootdown_stats;

/* What one flush asks of each CPU (Linux's struct flush_tlb_info). */
struct flush_tlb_info {
	struct mm_struct *mm;       /* NULL: a kernel range (every CPU flushes) */
	uint64_t start, end;
	uint32_t stride_shift;
	bool freed_tables;
	bool all;                   /* flush_tlb_all, global entries included */
};

/* Leaves lazy mode on this CPU; true if a flush of the loaded mm skipped it
 * meanwhile (then its entries may be stale). The store of tlb_is_lazy and
 * the read of tlb_lazy_flush are ordered against the flusher's store and
 * re-read (flush_tlb_mm_range): one of the two sides sees the other. */
static bool leave_lazy_tlb(struct pcpu *p)
{
	if (!p->tlb_is_lazy)
		return false;
	__atomic_store_n(&p->tlb_is_lazy, 0, __ATOMIC_SEQ_CST);
	return __atomic_exchange_n(&p->tlb_lazy_flush, 0, __ATOMIC_SEQ_CST) != 0;
}

/* See paging/tlb.h. */
void switch_mm(struct mm_struct *next)
{
	struct pcpu *p = this_cpu_ptr();
	struct mm_struct *prev = p->loaded_mm;
	bool stale = leave_lazy_tlb(p);
	if (prev == next) {
		if (stale)
			flush_tlb_local();   /* back from lazy mode: what the skipped flushes would have done */
		return;
	}
	if (next)
		cpumask_set_cpu(p->cpu, mm_cpumask(next));
	write_cr3(next ? __pa(next->pgd) : init_top_pgt_phys);
	p->loaded_mm = next;
	if (prev)
		cpumask_clear_cpu(p->cpu, mm_cpumask(prev));
}

/* See paging/tlb.h. */
void enter_lazy_tlb(void)
{
	struct pcpu *p = this_cpu_ptr();
	if (p->loaded_mm && !p->tlb_is_lazy)
		__atomic_store_n(&p->tlb_is_lazy, 1, __ATOMIC_SEQ_CST);
}

/* The flush on one CPU (Linux's flush_tlb_func): nothing for an mm this CPU
 * no longer runs (its CR3 load dropped the entries); a lazy CPU asked
 * because tables are freed leaves the mm for the kernel's tables (as
 * Linux 6.1: it must not walk them again); else page by page up to the
 * ceiling, else everything non-global (or, for the kernel, all). */
static void flush_tlb_func(void *arg)
{
	const struct flush_tlb_info *f = arg;
	if (f->all) {
		flush_tlb_all();
		return;
	}
	if (f->mm && this_cpu_read(loaded_mm) != f->mm)
		return;
	if (f->mm && f->freed_tables && this_cpu_read(tlb_is_lazy)) {
		switch_mm(NULL);
		return;
	}
	if (tlb_flush_is_full(f->start, f->end, f->stride_shift)) {
		if (f->mm)
			flush_tlb_local();
		else
			flush_tlb_all();    /* kernel entries are global */
		return;
	}
	for (uint64_t a = f->start; a < f->end; a += 1ull << f->stride_shift)
		flush_tlb_page(a);
}

/* flush_tlb_func asked by another CPU: counted. */
static void flush_tlb_func_remote(void *arg)
{
	this_cpu_read(tlb_flushes_received)++;
	flush_tlb_func(arg);
}

/* Runs f here (if wanted) and on the CPUs of mask, counting the IPIs. */
static void flush_on(const struct cpumask *mask, struct flush_tlb_info *f, bool here)
{
	__atomic_fetch_add(&tlb_shootdown_stats.flushes, 1, __ATOMIC_RELAXED);
	if (here)
		flush_tlb_func(f);
	if (cpumask_empty(mask))
		return;   /* the common case while an mm runs on one CPU */
	uint32_t n = smp_call_function_many(mask, flush_tlb_func_remote, f, true);
	if (n) {
		__atomic_fetch_add(&tlb_shootdown_stats.remote, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&tlb_shootdown_stats.ipis, n, __ATOMIC_RELAXED);
	}
}

/*
 * Takes the CPUs in lazy mode out of mask (Linux 6.1's tlb_is_not_lazy):
 * each is marked to flush when it leaves lazy mode instead. Mark, then look
 * again: a CPU that left lazy mode in between gets the IPI after all (its
 * own leave_lazy_tlb may flush too, which is harmless).
 */
static void skip_lazy_cpus(struct cpumask *mask)
{
	for (uint32_t cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct pcpu *p = &pcpu_area[cpu];
		if (!cpumask_test_cpu(cpu, mask) || !__atomic_load_n(&p->tlb_is_lazy, __ATOMIC_SEQ_CST))
			continue;
		__atomic_store_n(&p->tlb_lazy_flush, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&p->tlb_is_lazy, __ATOMIC_SEQ_CST)) {
			cpumask_clear_cpu(cpu, mask);
			__atomic_fetch_add(&tlb_shootdown_stats.lazy_skipped, 1, __ATOMIC_RELAXED);
		}
	}
}

/* Every online CPU. */
static void online_mask(struct cpumask *m)
{
	*m = (struct cpumask){ { 0 } };
	for (uint32_t cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (cpu_online(cpu))
			cpumask_set_cpu(cpu, m);
}

/* See paging/tlb.h. */
void flush_tlb_mm_range(struct mm_struct *mm, uint64_t start, uint64_t end, uint32_t stride_shift,
			bool freed_tables)
{
	struct flush_tlb_info f = { mm, start, end, stride_shift, freed_tables, false };
	struct cpumask mask = *mm_cpumask(mm);   /* a snapshot: a CPU that joins later loads fresh tables */
	cpumask_clear_cpu(smp_processor_id(), &mask);
	if (!freed_tables && !cpumask_empty(&mask))
		skip_lazy_cpus(&mask);
	flush_on(&mask, &f, this_cpu_read(loaded_mm) == mm);
}

/* See paging/tlb.h. */
void flush_tlb_kernel_range(uint64_t start, uint64_t end)
{
	struct flush_tlb_info f = { NULL, start, end, 12, false, false };
	struct cpumask mask;
	online_mask(&mask);
	flush_on(&mask, &f, true);
}

/* See paging/tlb.h. */
void flush_tlb_all_cpus(void)
{
	struct flush_tlb_info f = { .all = true };
	struct cpumask mask;
	online_mask(&mask);
	flush_on(&mask, &f, true);
}
