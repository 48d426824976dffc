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

/* See paging/tlb.h. */
void switch_mm(struct mm_struct *next)
{
	struct pcpu *p = this_cpu_ptr();
	struct mm_struct *prev = p->loaded_mm;
	if (prev == next)
		return;
	if (next)
		cpumask_set_cpu(p->cpu, mm_cpumask(next));
	write_cr3(next ? __pa(next->pgd) : init_top_pgt_phys);
	p->loaded_mm = next;
	if (prev)
		cpumask_clear_cpu(p->cpu, mm_cpumask(prev));
}

/* The flush on one CPU (Linux's flush_tlb_func): nothing for an mm this CPU
 * no longer runs (its CR3 load dropped the entries), else page by page up
 * to the ceiling, else everything non-global (or, for the kernel, all). */
static void flush_tlb_func(void *arg)
{
	const struct flush_tlb_info *f = arg;
	if (f->all) {
		flush_tlb_all();
		return;
	}
	if (f->mm && this_cpu_read(loaded_mm) != f->mm)
		return;
	uint64_t pages = f->end == TLB_FLUSH_ALL ? UINT64_MAX : (f->end - f->start) >> f->stride_shift;
	if (f->freed_tables || pages > TLB_SINGLE_PAGE_FLUSH_CEILING) {
		if (f->mm)
			flush_tlb_local();
		else
			flush_tlb_all();    /* kernel entries are global */
		return;
	}
	for (uint64_t a = f->start; a < f->end; a += 1ull << f->stride_shift)
		flush_tlb_page(a);
}

/* Runs f here (if wanted) and on the CPUs of mask, counting the IPIs. */
static void flush_on(const struct cpumask *mask, struct flush_tlb_info *f, bool here)
{
	tlb_shootdown_stats.flushes++;
	if (here)
		flush_tlb_func(f);
	uint32_t n = smp_call_function_many(mask, flush_tlb_func, f, true);
	if (n) {
		tlb_shootdown_stats.remote++;
		tlb_shootdown_stats.ipis += n;
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
