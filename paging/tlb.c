/* TLB shootdown across CPUs and switching address spaces (paging/tlb.h). */
#include "paging/tlb.h"
#include "base/page_types.h"
#include "cpu/smp.h"
#include "paging/init.h"
#include "paging/mm_types.h"
#include "paging/tlb_asid.h"

struct tlb_shootdown_stats tlb_shootdown_stats;

bool tlb_use_pcid;

/* The last ctx_id handed out (Linux's last_mm_ctx_id): 0 is "none". */
static uint64_t last_mm_ctx_id;

/* What one flush asks of each CPU (Linux's struct flush_tlb_info). */
struct flush_tlb_info {
	struct mm_struct *mm;       /* NULL: a kernel range (every CPU flushes) */
	uint64_t start, end;
	uint32_t stride_shift;
	bool freed_tables;
	bool all;                   /* flush_tlb_all, global entries included */
	uint64_t new_tlb_gen;       /* the generation of mm this flush made */
};

/* Interrupts off, returning the old RFLAGS for irq_restore. */
static inline uint64_t irq_save(void)
{
	uint64_t flags = read_rflags();
	cli();
	return flags;
}

static inline void irq_restore(uint64_t flags)
{
	if (flags & X86_EFLAGS_IF)
		__asm__ volatile("sti" : : : "memory");
}

/* mm's ctx_id, given it on first use (Linux assigns it in init_new_context;
 * here at the first switch_mm or flush, so every mm_struct however made -
 * mm_alloc, the checks' static test spaces - gets one, and one reset to
 * zero gets a new one). */
static uint64_t mm_ctx_id(struct mm_struct *mm)
{
	uint64_t id = __atomic_load_n(&mm->context.ctx_id, __ATOMIC_ACQUIRE);
	if (__builtin_expect(id != 0, 1))
		return id;
	uint64_t fresh = __atomic_add_fetch(&last_mm_ctx_id, 1, __ATOMIC_SEQ_CST);
	if (__atomic_compare_exchange_n(&mm->context.ctx_id, &id, fresh, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return fresh;
	return id;   /* another CPU gave it one first */
}

/* Linux's inc_mm_tlb_gen: a new generation of mm's tables, after the PTE
 * changes it covers; a full barrier, so the mask read after it is not
 * reordered before it. */
static uint64_t inc_mm_tlb_gen(struct mm_struct *mm)
{
	return __atomic_add_fetch(&mm->context.tlb_gen, 1, __ATOMIC_SEQ_CST);
}

/* Leaves lazy mode on this CPU (Linux 6.1's cpu_tlbstate_shared.is_lazy).
 * The store is ordered before the caller's read of the mm's tlb_gen, as a
 * flusher's generation bump is before its read of is_lazy: either the
 * flusher sees this CPU not lazy (and sends the IPI), or this CPU sees the
 * new generation (and flushes itself). */
static void leave_lazy_tlb(struct pcpu *p)
{
	if (p->tlb_is_lazy)
		__atomic_store_n(&p->tlb_is_lazy, 0, __ATOMIC_SEQ_CST);
}

/* The CR3 value that runs mm under ASID slot asid on this CPU. */
static uint64_t build_cr3(const struct pcpu *p, const struct mm_struct *mm, uint16_t asid, bool noflush)
{
	uint64_t cr3 = __pa(mm->pgd);
	if (p->pcid_on)
		cr3 |= kern_pcid(asid) | (noflush ? CR3_NOFLUSH : 0);
	return cr3;
}

/* switch_mm's work, interrupts off (Linux's switch_mm_irqs_off). */
static void switch_mm_irqs_off(struct pcpu *p, struct mm_struct *next)
{
	struct mm_struct *prev = p->loaded_mm;
	leave_lazy_tlb(p);
	if (prev == next) {
		if (!next)
			return;
		/* Still loaded (lazy mode, or a thread of the same mm): flush only
		 * if a flush skipped this CPU meanwhile. */
		uint64_t next_gen = __atomic_load_n(&next->context.tlb_gen, __ATOMIC_SEQ_CST);
		struct tlb_context *c = &p->tlb_ctxs[p->loaded_mm_asid];
		if (c->tlb_gen >= next_gen)
			return;
		flush_tlb_local();
		c->tlb_gen = next_gen;
		__atomic_fetch_add(&tlb_shootdown_stats.generation_flushes, 1, __ATOMIC_RELAXED);
		return;
	}
	if (next) {
		uint64_t id = mm_ctx_id(next);
		cpumask_set_cpu(p->cpu, mm_cpumask(next));   /* before reading the generation: seq_cst */
		uint64_t next_gen = __atomic_load_n(&next->context.tlb_gen, __ATOMIC_SEQ_CST);
		bool need_flush;
		uint16_t asid = choose_new_asid(p->tlb_ctxs, &p->next_asid, id, next_gen, p->pcid_on, &need_flush);
		struct tlb_context *c = &p->tlb_ctxs[asid];
		if (p->pcid_on) {
			if (!need_flush)
				__atomic_fetch_add(&tlb_shootdown_stats.noflush_loads, 1, __ATOMIC_RELAXED);
			else if (c->ctx_id == id)
				__atomic_fetch_add(&tlb_shootdown_stats.generation_flushes, 1, __ATOMIC_RELAXED);
		}
		write_cr3(build_cr3(p, next, asid, !need_flush));
		c->ctx_id = id;
		c->tlb_gen = next_gen;
		p->loaded_mm_asid = asid;
	} else {
		write_cr3(init_top_pgt_phys);   /* PCID 0: always flushed, whoever used it last */
	}
	p->loaded_mm = next;
	if (prev)
		cpumask_clear_cpu(p->cpu, mm_cpumask(prev));
}

/* See paging/tlb.h. */
void switch_mm(struct mm_struct *next)
{
	uint64_t flags = irq_save();
	switch_mm_irqs_off(this_cpu_ptr(), next);
	irq_restore(flags);
}

/* See paging/tlb.h. */
void enter_lazy_tlb(void)
{
	struct pcpu *p = this_cpu_ptr();
	if (p->loaded_mm && !p->tlb_is_lazy)
		__atomic_store_n(&p->tlb_is_lazy, 1, __ATOMIC_SEQ_CST);
}

/* See paging/tlb.h. */
bool tlb_pcid_cpu_init(bool allowed)
{
	struct pcpu *p = this_cpu_ptr();
	for (uint32_t i = 0; i < TLB_NR_DYN_ASIDS; i++)
		p->tlb_ctxs[i] = (struct tlb_context){ 0, 0 };
	p->next_asid = 0;
	p->loaded_mm_asid = 0;
	bool has = (p->features >> X86_FEATURE_PCID) & 1;
	if (!allowed || !has || p->loaded_mm || (read_cr3() & CR3_PCID_MASK) || !(rdmsr(MSR_EFER) & EFER_LMA)) {
		p->pcid_on = 0;
		return false;
	}
	write_cr4(read_cr4() | X86_CR4_PCIDE);
	p->pcid_on = 1;
	tlb_use_pcid = true;
	return true;
}

/* See paging/tlb.h. */
bool tlb_pcid_cpu_suspend(void)
{
	struct pcpu *p = this_cpu_ptr();
	if (!p->pcid_on)
		return false;
	switch_mm(NULL);
	write_cr4(read_cr4() & ~X86_CR4_PCIDE);
	p->pcid_on = 0;
	for (uint32_t i = 0; i < TLB_NR_DYN_ASIDS; i++)
		p->tlb_ctxs[i] = (struct tlb_context){ 0, 0 };
	return true;
}

/* See paging/tlb.h. */
void tlb_pcid_cpu_resume(bool was_on)
{
	if (was_on)
		tlb_pcid_cpu_init(true);
}

/* The flush on one CPU (Linux's flush_tlb_func). A kernel range: page by
 * page if its entries are global, else (PCIDs: the kernel's non-global
 * entries may be cached under any PCID) everything. An mm this CPU no
 * longer runs: nothing now, its slot's generation tells switch_mm to flush
 * on the way back. A lazy CPU asked because tables are freed leaves the mm
 * for the kernel's tables (as Linux 6.1: it must not walk them again).
 * Else by generation (tlb_flush_decide): nothing if a later flush caught it
 * up already, page by page if this flush is the one change it lacks and
 * its range is within the ceiling, else the whole PCID. Interrupts off. */
static void flush_tlb_func(void *arg)
{
	const struct flush_tlb_info *f = arg;
	if (f->all) {
		flush_tlb_all();
		return;
	}
	bool full = tlb_flush_is_full(f->start, f->end, f->stride_shift);
	if (!f->mm) {
		if (full || this_cpu_read(pcid_on)) {
			flush_tlb_all();    /* kernel entries are global, or may be under any PCID */
			return;
		}
		for (uint64_t a = f->start; a < f->end; a += 1ull << f->stride_shift)
			flush_tlb_page(a);
		return;
	}
	struct pcpu *p = this_cpu_ptr();
	if (p->loaded_mm != f->mm)
		return;
	if (f->freed_tables && p->tlb_is_lazy) {
		switch_mm_irqs_off(p, NULL);
		return;
	}
	struct tlb_context *c = &p->tlb_ctxs[p->loaded_mm_asid];
	uint64_t mm_gen = __atomic_load_n(&f->mm->context.tlb_gen, __ATOMIC_SEQ_CST);
	uint64_t after;
	switch (tlb_flush_decide(c->tlb_gen, mm_gen, f->new_tlb_gen, !full, &after)) {
	case TLB_FLUSH_NONE:
		return;
	case TLB_FLUSH_PARTIAL:
		for (uint64_t a = f->start; a < f->end; a += 1ull << f->stride_shift)
			flush_tlb_page(a);
		break;
	case TLB_FLUSH_FULL:
		flush_tlb_local();
		break;
	}
	c->tlb_gen = after;
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
	if (here) {
		uint64_t flags = irq_save();
		flush_tlb_func(f);
		irq_restore(flags);
	}
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
 * read after the generation bump, so a CPU that leaves lazy mode later sees
 * the new generation in switch_mm and flushes itself (leave_lazy_tlb).
 */
static void skip_lazy_cpus(struct cpumask *mask)
{
	for (uint32_t cpu = 0; cpu < nr_cpu_ids; cpu++) {
		if (!cpumask_test_cpu(cpu, mask) || !__atomic_load_n(&pcpu_area[cpu].tlb_is_lazy, __ATOMIC_SEQ_CST))
			continue;
		cpumask_clear_cpu(cpu, mask);
		__atomic_fetch_add(&tlb_shootdown_stats.lazy_skipped, 1, __ATOMIC_RELAXED);
	}
}

/* Every online CPU. */
static void online_mask(struct cpumask *m)
{
	cpumask_clear(m);
	for (uint32_t cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (cpu_online(cpu))
			cpumask_set_cpu(cpu, m);
}

/* See paging/tlb.h. */
void flush_tlb_mm_range(struct mm_struct *mm, uint64_t start, uint64_t end, uint32_t stride_shift,
			bool freed_tables)
{
	struct flush_tlb_info f = { mm, start, end, stride_shift, freed_tables, false, inc_mm_tlb_gen(mm) };
	/* A snapshot, after the generation bump: a CPU that joins later reads
	 * the new generation in switch_mm; one that left keeps its entries
	 * (PCID) but its slot is behind, so it flushes when it comes back. */
	struct cpumask mask;
	cpumask_copy(&mask, mm_cpumask(mm));
	cpumask_clear_cpu(smp_processor_id(), &mask);
	if (!freed_tables && !cpumask_empty(&mask))
		skip_lazy_cpus(&mask);
	flush_on(&mask, &f, this_cpu_read(loaded_mm) == mm);
}

/* See paging/tlb.h: the machines of more than 64 CPUs and the PCID case. */
void flush_tlb_fault_page_slow(struct mm_struct *mm, uint64_t addr)
{
	if (!tlb_use_pcid && cpumask_only_cpu(mm_cpumask(mm), this_cpu_read(cpu), this_cpu_read(cpu_mask_bit)))
		flush_tlb_page(addr);
	else
		flush_tlb_mm_range(mm, addr, addr + 4096, 12, false);
}

/* See paging/tlb.h. */
void flush_tlb_kernel_range(uint64_t start, uint64_t end)
{
	struct flush_tlb_info f = { NULL, start, end, 12, false, false, 0 };
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
