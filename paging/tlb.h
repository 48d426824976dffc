/*
 * Dropping stale translations from this CPU's TLB (and paging-structure
 * caches) after page-table entries change. Under HOST_TEST only the policy
 * (the ceiling) and flush_tlb_mm_range's declaration are here: host tests
 * define it and count (tests/unit/mm_sim.h).
 *
 *   flush_tlb_page(addr)      one address, current address space (INVLPG)
 *   flush_tlb_local()         all non-global entries of the current PCID (CR3 reload)
 *   flush_tlb_all()           everything, global entries and all PCIDs included
 *   invpcid_flush_*()         by PCID, through INVPCID when tlb_has_invpcid,
 *                             otherwise a correct (broader) fallback
 *
 * INVLPG and CR3 loads also invalidate the paging-structure caches, so after
 * freeing page-table pages a flush that covers the freed range is enough.
 *
 * Every CPU, as Linux's arch/x86/mm/tlb.c:
 *
 *   switch_mm(next)               load next's tables (NULL: the kernel's) on this CPU,
 *                                 keeping mm_cpumask: this CPU's bit set in next, cleared in prev
 *   flush_tlb_mm_range(mm, ...)   drop [start, end) of mm on every CPU in mm_cpumask(mm):
 *                                 here directly, elsewhere by IPI (smp_call_function_many),
 *                                 page by page up to TLB_SINGLE_PAGE_FLUSH_CEILING, else all
 *   flush_tlb_mm_page(mm, addr)   one page of it
 *   flush_tlb_fault_page(mm, a)   the same from the fault path: one inline INVLPG when
 *                                 mm is live on this CPU only
 *   enter_lazy_tlb()              a kernel thread keeps the previous mm loaded (lazy TLB)
 *   flush_tlb_kernel_range(...)   the same for a kernel range, on every online CPU
 *   flush_tlb_all_cpus()          flush_tlb_all on every online CPU
 *
 * Every change of a user mapping that may leave a stale translation goes
 * through flush_tlb_mm_range (teardowns through paging/mmu_gather.h, which
 * frees frames and tables only after it); only permission upgrades (a
 * spurious fault, a reused CoW page) flush locally, as Linux's
 * flush_tlb_fix_spurious_fault (a stale, less permissive entry under
 * another PCID only costs another spurious fault).
 *
 * PCID (paging/tlb_asid.h has the decisions): where the CPU has
 * PCID and `pcid = auto`, CR4.PCIDE is set on every CPU and each mm runs
 * under one of TLB_NR_DYN_ASIDS dynamic PCIDs per CPU (Linux's dynamic
 * ASIDs), so switching between a few processes keeps their translations.
 * A CPU that switched away from an mm keeps its entries under that PCID, but
 * it leaves mm_cpumask, so flushes stop reaching it: every flush bumps the
 * mm's tlb_gen, and a CPU coming back to an mm whose generation moved past
 * its slot's flushes that PCID then. Without PCIDs the same code runs with
 * one slot and a flush on every switch (the CR3 load drops everything).
 * docs/ARCHITECTURE.md, "TLB coherence".
 */
#ifndef FAULTLINE_TLB_H
#define FAULTLINE_TLB_H

#include <stdbool.h>
#include <stdint.h>

/* ---- What host tests see too (the policy; tests/unit/mm_sim.h counts the flushes) ---- */

/*
 * Linux's tlb_single_page_flush_ceiling: a range of up to this many pages
 * (of the flush's stride) is flushed page by page (INVLPG each), a larger
 * one by dropping the whole address space's entries (a CR3 reload). 33 is
 * Linux's value (arch/x86/mm/tlb.c: about where 33 INVLPGs cost what
 * refilling the TLB after a full flush costs).
 */
#define TLB_SINGLE_PAGE_FLUSH_CEILING 33

/* All of an address space (Linux's TLB_FLUSH_ALL as the end). */
#define TLB_FLUSH_ALL (~0ull)

/* True if dropping [start, end) (pages of 1 << stride_shift bytes) takes a
 * full flush rather than one INVLPG per page (Linux's flush_tlb_mm_range test). */
static inline bool tlb_flush_is_full(uint64_t start, uint64_t end, uint32_t stride_shift)
{
	return end == TLB_FLUSH_ALL || ((end - start) >> stride_shift) > TLB_SINGLE_PAGE_FLUSH_CEILING;
}

struct mm_struct;

/*
 * Drops mm's translations of [start, end) (end TLB_FLUSH_ALL: everything)
 * on every CPU that may hold them (the CPUs of mm_cpumask(mm), this one
 * included; a CPU in lazy TLB mode only when freed_tables), and returns
 * when all have done it: page by page up to TLB_SINGLE_PAGE_FLUSH_CEILING,
 * else the whole address space. stride_shift is the page size's shift
 * (PAGE_SHIFT, PMD_SHIFT for 2 MiB leaves); freed_tables says page-table
 * pages are about to be freed. Not from a function another CPU asked this
 * one to run. Cannot fail.
 */
void flush_tlb_mm_range(struct mm_struct *mm, uint64_t start, uint64_t end, uint32_t stride_shift,
			bool freed_tables);

/* One 4 KiB page of mm on every CPU that may hold it (Linux's flush_tlb_page(vma, addr)). */
static inline void flush_tlb_mm_page(struct mm_struct *mm, uint64_t addr)
{
	flush_tlb_mm_range(mm, addr, addr + 4096, 12, false);
}

#ifdef HOST_TEST
static inline void flush_tlb_fault_page(struct mm_struct *mm, uint64_t addr) { flush_tlb_mm_page(mm, addr); }
#else

#include "cpu/percpu.h"
#include "cpu/x86.h"
#include "paging/mm_types.h"

/* Set at boot if CPUID.(EAX=7,ECX=0):EBX[10] (INVPCID) is present. Defined in paging/pgtable.c. */
extern bool tlb_has_invpcid;

/* True once some CPU runs with CR4.PCIDE set (tlb_pcid_cpu_init); each
 * CPU's own pcid_on says whether it does. Defined in paging/tlb.c. */
extern bool tlb_use_pcid;

#define CR3_PCID_MASK  0xfffull           /* CR3 bits 11..0 hold the PCID when CR4.PCIDE=1 */
#define CR3_NOFLUSH    (1ull << 63)       /* on a CR3 write: keep this PCID's entries */

/* INVPCID types (Intel SDM, INVPCID). */
#define INVPCID_TYPE_INDIV_ADDR       0
#define INVPCID_TYPE_SINGLE_CTXT      1
#define INVPCID_TYPE_ALL_INCL_GLOBAL  2
#define INVPCID_TYPE_ALL_NON_GLOBAL   3

/* Runs INVPCID of the given type; the CPU must have it. */
static inline void __invpcid(uint64_t pcid, uint64_t addr, uint64_t type)
{
	struct { uint64_t pcid, addr; } desc = { pcid, addr };
	__asm__ volatile("invpcid %0, %1" : : "m"(desc), "r"(type) : "memory");
}

/* Drops the translation (global or not) of addr in the current PCID. */
static inline void flush_tlb_page(uint64_t addr)
{
	__asm__ volatile("invlpg (%0)" : : "r"(addr) : "memory");
}

/* Drops all non-global translations of the current PCID by reloading CR3
 * (read_cr3 never shows bit 63, so the load flushes). */
static inline void flush_tlb_local(void)
{
	write_cr3(read_cr3() & ~CR3_NOFLUSH);
}

/*
 * Drops every translation, global ones and all PCIDs included: INVPCID type
 * 2 if available, else toggling CR4.PGE (any change of PGE flushes it all),
 * with interrupts off so nothing runs between the two CR4 writes.
 */
static inline void flush_tlb_all(void)
{
	if (tlb_has_invpcid) {
		__invpcid(0, 0, INVPCID_TYPE_ALL_INCL_GLOBAL);
		return;
	}
	uint64_t flags = read_rflags();
	cli();
	uint64_t cr4 = read_cr4();
	write_cr4(cr4 ^ X86_CR4_PGE);
	write_cr4(cr4);
	if (flags & X86_EFLAGS_IF)
		__asm__ volatile("sti" : : : "memory");
}

/*
 * Drops the translation of addr tagged with pcid. Without INVPCID, INVLPG
 * if pcid is the current one (it only reaches the current PCID), else
 * everything.
 */
static inline void invpcid_flush_one(uint64_t pcid, uint64_t addr)
{
	if (tlb_has_invpcid)
		__invpcid(pcid, addr, INVPCID_TYPE_INDIV_ADDR);
	else if (!(read_cr4() & X86_CR4_PCIDE) || (read_cr3() & CR3_PCID_MASK) == pcid)
		flush_tlb_page(addr);
	else
		flush_tlb_all();
}

/* flush_tlb_fault_page's other cases, out of line (paging/tlb.c). */
void flush_tlb_fault_page_slow(struct mm_struct *mm, uint64_t addr);

/*
 * flush_tlb_mm_page for the fault path, which runs in mm (loaded here): one
 * INVLPG when mm is live on this CPU only - the instructions of the
 * single-CPU fault path stay those of a local flush - else
 * flush_tlb_mm_range. (A lazy CPU keeps its bit, so it is not "only here".)
 * With PCIDs other CPUs may hold mm's entries under its PCID without being
 * in the mask: then the generation must move, through flush_tlb_mm_range.
 * Inline only the one-word test (a machine of up to 64 CPUs: two
 * instructions more than before NR_CPUS grew); with more words,
 * flush_tlb_fault_page_slow reads them all.
 */
static __attribute__((always_inline)) inline void flush_tlb_fault_page(struct mm_struct *mm, uint64_t addr)
{
	if (__builtin_expect(mm_cpumask(mm)->bits[0] == this_cpu_read(cpu_mask_bit) && !tlb_use_pcid &&
			     nr_cpumask_words == 1, 1))
		flush_tlb_page(addr);
	else
		flush_tlb_fault_page_slow(mm, addr);
}

/* Shootdown counts since boot (for the records). */
struct tlb_shootdown_stats {
	uint64_t flushes;         /* flush_tlb_mm_range / _kernel_range calls */
	uint64_t remote;          /* of those, the ones that sent IPIs */
	uint64_t ipis;            /* CPUs interrupted */
	uint64_t lazy_skipped;    /* CPUs in lazy mode left out (they flush when they leave it) */
	/* PCID (switch_mm, with PCIDs only): loads of an mm's tables that kept
	 * the PCID's entries (CR3_NOFLUSH), and the ones that flushed them
	 * because the mm's tlb_gen had moved past the slot's. */
	uint64_t noflush_loads;
	uint64_t generation_flushes;
};
extern struct tlb_shootdown_stats tlb_shootdown_stats;

/*
 * Makes next the address space this CPU translates with (NULL: the kernel's
 * init_top_pgt, under PCID 0, always with a flush): sets this CPU's bit in
 * mm_cpumask(next) and then reads next's tlb_gen before loading CR3 (so a
 * flush started meanwhile either reaches it or is seen in the generation),
 * then clears its bit in the previous mm's. With PCIDs next runs under the
 * slot choose_new_asid picks, loaded with CR3_NOFLUSH when that slot is up
 * to date. If next is loaded already only a generation it missed (in lazy
 * mode) costs a flush. Runs with interrupts off inside. Cannot fail.
 */
void switch_mm(struct mm_struct *next);

/*
 * Sets CR4.PCIDE on this CPU if allowed (`pcid = auto`), the CPU has PCID
 * (CPUID.01H:ECX[17]) and CR3 holds the kernel's tables (low 12 bits 0, as
 * the SDM requires for the CR4 write), and forgets every ASID slot. The boot
 * CPU calls it after paging_finish_boot, every AP after loading
 * init_top_pgt; true if PCIDE is now set here. Cannot fail otherwise.
 */
bool tlb_pcid_cpu_init(bool allowed);

/*
 * Clears CR4.PCIDE on this CPU (the paging-mode switch leaves long mode,
 * which needs it clear): loads the kernel's tables first (switch_mm(NULL));
 * clearing PCIDE drops every TLB entry. Returns whether it was set, for
 * tlb_pcid_cpu_resume. Cannot fail.
 */
bool tlb_pcid_cpu_suspend(void);

/* Sets CR4.PCIDE again after tlb_pcid_cpu_suspend returned true. */
void tlb_pcid_cpu_resume(bool was_on);

/*
 * Lazy TLB (Linux's enter_lazy_tlb): the scheduler calls it when this CPU
 * runs a task without an mm (a kernel thread: kswapd; the idle task). The
 * previous mm stays loaded (no CR3 write now, none when the same mm comes
 * back) and this CPU stays in its mm_cpumask, but flushes of it leave this
 * CPU out, marking it instead; switch_mm flushes when it leaves lazy mode if
 * one was skipped. A flush that frees page-table pages still reaches it, and
 * it then switches to the kernel's tables. Nothing without a loaded mm.
 */
void enter_lazy_tlb(void);

/* Drops [start, end) of the kernel half (global entries too) on every online CPU. */
void flush_tlb_kernel_range(uint64_t start, uint64_t end);

/* flush_tlb_all (global entries, every PCID) on every online CPU. */
void flush_tlb_all_cpus(void);

#endif /* HOST_TEST */

#endif
