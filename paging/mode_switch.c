/*
 * Changing the paging mode (paging/mode_switch.h): the trampoline's page,
 * and the run-time switch to the other mode and back.
 *
 * A run-time switch, in order:
 *   1. refuse what cannot work: no LA57, interrupts on, or a kernel
 *      mapping outside K (the table that holds the kernel half); CR4.PCIDE
 *      is cleared for the switch (tlb_pcid_cpu_suspend: on the kernel's
 *      tables first) and set again in the new mode
 *   2. install the trampoline; build the identity chain for its page and
 *      the two roots (4-level: K's entries 256..511; 5-level: slot 511 -> K)
 *   3. CR3 := the root of the current mode (a plain load: same kernel half,
 *      plus the trampoline), then the trampoline loads the other root with
 *      CR4.LA57 flipped
 *   4. init_top_pgt and pgtable_l5_enabled() follow the new mode
 * paging_restore_mode runs 3 backwards into the boot root and frees 2.
 */
#include <stdarg.h>

#include "paging/mode_switch.h"
#include "cpu/smp.h"
#include "cpu/cpufeature.h"
#include "cpu/x86.h"
#include "base/format.h"
#include "base/string.h"
#include "paging/buddy.h"
#include "paging/init.h"
#include "paging/la57_switch.h"
#include "paging/page.h"
#include "paging/tlb.h"


/* ---- The trampoline ------------------------------------------------------ */

/* See paging/mode_switch.h. */
uint64_t alloc_page_below_4g(bool as_table)
{
	struct page *p = alloc_page_below((1ull << 32) >> PAGE_SHIFT);
	if (!p)
		return 0;
	uint64_t found = page_to_phys(p);
	if (as_table)
		__SetPageTable(p);
	memset(__va(found), 0, PAGE_SIZE);
	return found;
}

/* See paging/mode_switch.h. */
uint64_t la57_trampoline_install(void)
{
	uint64_t phys = alloc_page_below_4g(false);
	if (!phys)
		return 0;
	uint8_t *code = (uint8_t *)__va(phys);
	memcpy(code, la57_switch_start, (uint64_t)(la57_switch_end - la57_switch_start));
	uint32_t target = (uint32_t)(phys + la57_switch_ljmp_offset[1]);
	memcpy(code + la57_switch_ljmp_offset[0], &target, 4);
	return phys;
}

/* See paging/mode_switch.h. */
void la57_trampoline_free(uint64_t phys)
{
	__free_page(phys_to_page(phys));
}

/* See paging/mode_switch.h. */
void la57_trampoline_call(uint64_t trampoline, uint64_t cr3, uint64_t cr4)
{
	void (*la57_switch)(uint64_t, uint64_t) = (void (*)(uint64_t, uint64_t))(uintptr_t)trampoline;
	/* The kernel's GS base (this CPU's pcpu, cpu/percpu.h) is 64 bits only
	 * in long mode, which the trampoline leaves: written back after. */
	uint64_t gs_base = rdmsr(MSR_GS_BASE);
	la57_switch(cr3, cr4);
	wrmsr(MSR_GS_BASE, gs_base);
}

/* ---- The run-time switch ------------------------------------------------- */

/* The identity chain below slot 0: p4d (5-level root only), pud, pmd, pte. */
enum { LOW_P4D, LOW_PUD, LOW_PMD, LOW_PTE, LOW_NR };

static struct {
	bool active;
	uint32_t boot_levels;
	pgd_t *boot_root;
	uint64_t boot_root_phys;
	uint64_t boot_cr4;
	bool pcid;                 /* CR4.PCIDE was set before the switch (tlb_pcid_cpu_suspend) */
	uint64_t trampoline;
	uint64_t low[LOW_NR];
	uint64_t root_phys[2];          /* [0]: the 4-level root, [1]: the 5-level one */
} sw;

static uint64_t *root_for(uint32_t levels)
{
	return &sw.root_phys[levels == 5];
}

/*
 * K for the running mode with root `root`: the physical address of the
 * PML4-format table holding every kernel mapping, or 0 (r->why says which
 * entry is in the way) if a kernel mapping lies outside it, or anything is
 * mapped in K's lower half, which the 4-level root cannot carry over.
 */
static uint64_t kernel_pml4(uint32_t levels, const uint64_t *root, struct mode_switch_report *r)
{
	uint64_t k = __pa(root);
	if (levels == 5) {
		for (uint32_t i = PTRS_PER_PTE / 2; i < PTRS_PER_PTE - 1; i++) {
			if (root[i]) {
				format(r->why, sizeof(r->why), "PML5 slot %u is in use (the direct map is at 0x%llx): "
				       "4-level paging cannot reach it; only a kernel booted with checks_paging = both "
				       "(or checks = full) keeps it under slot 511", i, direct_map_base);
				return 0;
			}
		}
		if (!(root[PTRS_PER_PTE - 1] & _PAGE_PRESENT)) {
			format(r->why, sizeof(r->why), "PML5 slot 511 is empty: no kernel half to share");
			return 0;
		}
		k = root[PTRS_PER_PTE - 1] & PTE_PFN_MASK;
	}
	const uint64_t *kt = (const uint64_t *)__va(k);
	for (uint32_t i = 0; i < PTRS_PER_PTE / 2; i++) {
		if (kt[i]) {
			format(r->why, sizeof(r->why), "entry %u of the kernel's PML4 is in use: the other mode's "
			       "root would not carry it", i);
			return 0;
		}
	}
	return k;
}

/* Frees what paging_switch_mode built (any part of it may be missing). */
static void free_switch_pages(void)
{
	for (uint32_t i = 0; i < 2; i++)
		if (sw.root_phys[i])
			pgtable_free_page(NULL, sw.root_phys[i]);
	for (uint32_t i = 0; i < LOW_NR; i++)
		if (sw.low[i])
			pgtable_free_page(NULL, sw.low[i]);
	if (sw.trampoline)
		la57_trampoline_free(sw.trampoline);
	sw.root_phys[0] = sw.root_phys[1] = sw.trampoline = 0;
	memset(sw.low, 0, sizeof(sw.low));
}

/*
 * The trampoline page at its own address, by hand (the walker follows the
 * running mode, and the chain serves both): below 4 GiB the PML5 and PML4
 * indices are 0, so the same pud/pmd/pte tables hang under slot 0 of the
 * 4-level root and under slot 0 of the p4d table of the 5-level one.
 * Returns 0, -ENOMEM.
 */
static int build_identity_chain(uint64_t t)
{
	for (uint32_t i = 0; i < LOW_NR; i++) {
		sw.low[i] = pgtable_alloc_page(NULL);
		if (!sw.low[i])
			return -ENOMEM;
		memset(__va(sw.low[i]), 0, PAGE_SIZE);
	}
	uint64_t *p4d = __va(sw.low[LOW_P4D]), *pud = __va(sw.low[LOW_PUD]);
	uint64_t *pmd = __va(sw.low[LOW_PMD]), *pte = __va(sw.low[LOW_PTE]);
	pte[pte_index(t)] = t | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;   /* RWX, not global */
	pmd[pmd_index(t)] = sw.low[LOW_PTE] | _KERNPG_TABLE;
	pud[pud_index(t)] = sw.low[LOW_PMD] | _KERNPG_TABLE;
	p4d[0] = sw.low[LOW_PUD] | _KERNPG_TABLE;
	return 0;
}

/* The root for `levels` over K (see the top of paging/mode_switch.h); 0 if no page below 4 GiB. */
static uint64_t build_root(uint32_t levels, uint64_t k)
{
	uint64_t phys = alloc_page_below_4g(true);
	if (!phys)
		return 0;
	uint64_t *root = (uint64_t *)__va(phys);
	if (levels == 5)
		root[PTRS_PER_PTE - 1] = k | _KERNPG_TABLE;
	else
		memcpy(&root[PTRS_PER_PTE / 2], (const uint64_t *)__va(k) + PTRS_PER_PTE / 2,
		       PTRS_PER_PTE / 2 * sizeof(uint64_t));
	root[0] = sw.low[levels == 5 ? LOW_P4D : LOW_PUD] | _KERNPG_TABLE;
	return phys;
}

/* Returns -err with r->why formatted from fmt. */
static int refuse(struct mode_switch_report *r, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vformat(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return -err;
}

/* See paging/mode_switch.h. */
int paging_switch_mode(uint32_t levels, struct mode_switch_report *r)
{
	uint32_t cur = (uint32_t)pgtable_levels();
	*r = (struct mode_switch_report){ .from = cur, .to = levels };

	if (sw.active)
		return refuse(r, EINVAL, "already switched to %u-level paging", cur);
	if (read_rflags() & X86_EFLAGS_IF)
		return refuse(r, EBUSY, "interrupts are on (RFLAGS 0x%llx)", read_rflags());
	if (num_online_cpus() > 1)
		return refuse(r, EBUSY, "%u CPUs are online: the others run on the boot mode's tables",
			      num_online_cpus());
	if ((levels != 4 && levels != 5) || levels == cur)
		return refuse(r, EINVAL, "cannot switch from %u-level to %u-level paging", cur, levels);
	if (levels == 5 && !boot_cpu_has(X86_FEATURE_LA57))
		return refuse(r, ENODEV, "the CPU has no LA57 (CPUID.(EAX=7,ECX=0):ECX[16] clear)");
	uint64_t k = kernel_pml4(cur, (const uint64_t *)init_top_pgt, r);
	if (!k)
		return -EINVAL;

	sw.trampoline = la57_trampoline_install();
	if (!sw.trampoline || build_identity_chain(sw.trampoline) ||
	    !(sw.root_phys[0] = build_root(4, k)) || !(sw.root_phys[1] = build_root(5, k))) {
		free_switch_pages();
		return refuse(r, ENOMEM, "no memory (below 4 GiB) for the trampoline, its identity "
			      "tables and the two roots");
	}
	r->trampoline = sw.trampoline;
	r->tables = 2 + LOW_NR;

	sw.boot_levels = cur;
	sw.boot_root = init_top_pgt;
	sw.boot_root_phys = init_top_pgt_phys;
	sw.pcid = tlb_pcid_cpu_suspend();       /* leaving long mode needs CR4.PCIDE clear */
	sw.boot_cr4 = read_cr4();
	uint64_t cr4 = levels == 5 ? sw.boot_cr4 | X86_CR4_LA57 : sw.boot_cr4 & ~X86_CR4_LA57;

	uint64_t t0 = rdtsc_ordered();
	write_cr3(*root_for(cur));
	la57_trampoline_call(sw.trampoline, *root_for(levels), cr4);
	r->cycles = rdtsc_ordered() - t0;

	if (read_cr4() != cr4) {                /* not reached if the mode is wrong: nothing would run */
		write_cr3(sw.boot_root_phys);
		free_switch_pages();
		tlb_pcid_cpu_resume(sw.pcid);
		return refuse(r, EIO, "the trampoline came back with CR4 0x%llx", read_cr4());
	}
	pgtable_l5_enabled_flag = levels == 5;
	init_top_pgt_phys = *root_for(levels);
	init_top_pgt = (pgd_t *)__va(init_top_pgt_phys);
	sw.active = true;
	tlb_pcid_cpu_resume(sw.pcid);           /* CR3 is the new root: low bits 0 */
	return 0;
}

/* See paging/mode_switch.h. */
int paging_restore_mode(struct mode_switch_report *r)
{
	*r = (struct mode_switch_report){ .from = (uint32_t)pgtable_levels(), .to = sw.boot_levels };
	if (!sw.active)
		return refuse(r, EINVAL, "no paging-mode switch in force (%d-level paging)", pgtable_levels());
	r->trampoline = sw.trampoline;
	r->tables = 2 + LOW_NR;
	bool pcid = tlb_pcid_cpu_suspend();       /* clearing CR0.PG with PCIDE set is #GP */

	uint64_t t0 = rdtsc_ordered();
	write_cr3(init_top_pgt_phys);
	la57_trampoline_call(sw.trampoline, *root_for(sw.boot_levels), sw.boot_cr4);
	write_cr3(sw.boot_root_phys);
	r->cycles = rdtsc_ordered() - t0;

	pgtable_l5_enabled_flag = sw.boot_levels == 5;
	init_top_pgt = sw.boot_root;
	init_top_pgt_phys = sw.boot_root_phys;
	sw.active = false;
	flush_tlb_all();
	free_switch_pages();
	tlb_pcid_cpu_resume(pcid);
	return 0;
}

/* See paging/mode_switch.h. */
bool paging_mode_switched(void)
{
	return sw.active;
}
