/*
 * Targeted checks of what the CPU records in the tables and keeps in its
 * TLB: accessed/dirty bits, INVLPG, CR3 reloads and global pages, PCIDs and
 * INVPCID.
 *
 * The TLB checks share one pattern: a page maps frame A, a read caches the
 * translation, the PTE is switched to frame B without a flush, and then an
 * operation is done that the architecture says must drop the translation.
 * Whether the stale A is still seen *before* that operation is the CPU's
 * choice (it may drop entries at any time) and is only reported.
 */
#include "checks/targeted.h"
#include "base/format.h"
#include "cpu/cpufeature.h"
#include "cpu/x86.h"
#include "lib/record.h"
#include "paging/tlb.h"

#define FRAME_A_PATTERN 0xaaaa00000000aaaaull
#define FRAME_B_PATTERN 0xbbbb00000000bbbbull

/* Two frames holding the A and B patterns in their first word; false if none. */
static bool two_frames(struct scratch *s, struct page **a, struct page **b)
{
	*a = scratch_alloc(s, 0);
	*b = scratch_alloc(s, 0);
	if (!*a || !*b)
		return false;
	*(uint64_t *)page_address(*a) = FRAME_A_PATTERN;
	*(uint64_t *)page_address(*b) = FRAME_B_PATTERN;
	return true;
}

/* The frame a read of va sees: 'A', 'B', or '?' (a fault or anything else). */
static char frame_seen(uint64_t va)
{
	struct probe_result r;
	uint64_t v;
	if (kernel_read(va, &v, &r))
		return '?';
	return v == FRAME_A_PATTERN ? 'A' : v == FRAME_B_PATTERN ? 'B' : '?';
}

/* Points the 4 KiB leaf of va at frame b, keeping its flags, without any flush. */
static void repoint_no_flush(struct scratch *s, uint64_t va, struct page *b)
{
	uint64_t *pte = scratch_pte(s, va);
	uint64_t v = __atomic_load_n(pte, __ATOMIC_RELAXED);
	__atomic_store_n(pte, (v & ~PTE_PFN_MASK) | page_to_phys(b), __ATOMIC_SEQ_CST);
}

/*
 * accessed_dirty: a supervisor page whose entries all have A (and the leaf
 * D) clear; after a ring-0 read every level has A set and the leaf D is
 * still clear; after a write the leaf has D set.
 */
void check_accessed_dirty(struct scratch *s)
{
	const uint64_t va = KERN_VA(0);
	struct page *f = scratch_alloc(s, 0);
	if (!f || scratch_map(s, va, page_to_phys(f), PAGE_SIZE, PROT_KDATA & ~(_PAGE_ACCESSED | _PAGE_DIRTY),
			      PG_LEVEL_4K)) {
		check_record("accessed_dirty", TEST_FAIL, "could not map the test page");
		return;
	}
	uint64_t *e[5];
	int n = scratch_walk(s, va, e);
	for (int i = 0; i < n; i++)
		__atomic_fetch_and(e[i], ~(_PAGE_ACCESSED | _PAGE_DIRTY), __ATOMIC_SEQ_CST);
	flush_tlb_all();

	uint32_t a_before = 0, a_after_read = 0;
	for (int i = 0; i < n; i++)
		a_before |= (__atomic_load_n(e[i], __ATOMIC_RELAXED) & _PAGE_ACCESSED) ? 1u << i : 0;
	struct probe_result r1, r2;
	uint64_t v;
	bool f1 = kernel_read(va, &v, &r1);
	for (int i = 0; i < n; i++)
		a_after_read |= (__atomic_load_n(e[i], __ATOMIC_RELAXED) & _PAGE_ACCESSED) ? 1u << i : 0;
	bool d_after_read = __atomic_load_n(e[n - 1], __ATOMIC_RELAXED) & _PAGE_DIRTY;
	bool f2 = kernel_write(va, 0x0123456789abcdefull, &r2);
	bool d_after_write = __atomic_load_n(e[n - 1], __ATOMIC_RELAXED) & _PAGE_DIRTY;
	uint32_t all = (1u << n) - 1;

	bool ok = n == pgtable_levels() && !f1 && !f2 && a_before == 0 && a_after_read == all &&
		  !d_after_read && d_after_write;
	char b1[96], b2[96];
	check_record("accessed_dirty", ok ? TEST_PASS : TEST_FAIL,
		     "%d levels, A bits (top level first, bit 0 = top) before 0x%x, after a read 0x%x "
		     "(want 0x%x); leaf D after the read %d, after a write %d; read: %s, write: %s",
		     n, a_before, a_after_read, all, d_after_read, d_after_write,
		     probe_str(&r1, b1, sizeof(b1)), probe_str(&r2, b2, sizeof(b2)));
	scratch_unmap(s, va, PAGE_SIZE);
}

/*
 * invlpg: after the PTE is switched to another frame the old translation
 * may persist (reported); after INVLPG the new frame must be seen.
 */
void check_invlpg(struct scratch *s)
{
	const uint64_t va = KERN_VA(1);
	struct page *a, *b;
	if (!two_frames(s, &a, &b) || scratch_map(s, va, page_to_phys(a), PAGE_SIZE, PROT_KDATA, PG_LEVEL_4K)) {
		check_record("invlpg", TEST_FAIL, "could not map the test page");
		return;
	}
	char first = frame_seen(va);
	repoint_no_flush(s, va, b);
	char stale = frame_seen(va);
	flush_tlb_page(va);
	char after = frame_seen(va);
	bool ok = first == 'A' && (stale == 'A' || stale == 'B') && after == 'B';
	check_record("invlpg", ok ? TEST_PASS : TEST_FAIL,
		     "frame seen: %c before, %c after the PTE change without a flush (%s), %c after INVLPG",
		     first, stale, stale == 'A' ? "stale translation kept" : "already re-walked", after);
	scratch_unmap(s, va, PAGE_SIZE);
}

/*
 * cr3_reload_global: a global and a non-global page, both switched to a new
 * frame without a flush, then CR3 is reloaded. Architecturally only the
 * non-global translation must be gone (asserted); the CPU may drop the
 * global one too (reported). INVLPG must then drop the global one.
 */
void check_cr3_reload_global(struct scratch *s)
{
	const uint64_t vg = KERN_VA(2), vn = KERN_VA(3);
	struct page *a, *b;
	if (!two_frames(s, &a, &b) ||
	    scratch_map(s, vg, page_to_phys(a), PAGE_SIZE, PROT_KDATA | _PAGE_GLOBAL, PG_LEVEL_4K) ||
	    scratch_map(s, vn, page_to_phys(a), PAGE_SIZE, PROT_KDATA, PG_LEVEL_4K)) {
		check_record("cr3_reload_global", TEST_FAIL, "could not map the test pages");
		return;
	}
	bool pge = read_cr4() & X86_CR4_PGE;
	bool g_in_pte = *scratch_pte(s, vg) & _PAGE_GLOBAL;
	char g0 = frame_seen(vg), n0 = frame_seen(vn);
	repoint_no_flush(s, vg, b);
	repoint_no_flush(s, vn, b);
	flush_tlb_local();
	char g1 = frame_seen(vg), n1 = frame_seen(vn);
	flush_tlb_page(vg);
	char g2 = frame_seen(vg);
	bool ok = g0 == 'A' && n0 == 'A' && n1 == 'B' && (g1 == 'A' || g1 == 'B') && g2 == 'B';
	check_record("cr3_reload_global", ok ? TEST_PASS : TEST_FAIL,
		     "CR4.PGE %d, G in PTE %d; after CR3 reload: non-global sees %c (must be B), global sees %c (%s); "
		     "global after INVLPG %c",
		     pge, g_in_pte, n1, g1,
		     g1 == 'A' ? "global entry survived" : "global entry dropped too, which is allowed", g2);
	scratch_unmap(s, vg, PAGE_SIZE);
	scratch_unmap(s, vn, PAGE_SIZE);
}

/* PCIDs of the check's own, above the dynamic ones (1..TLB_NR_DYN_ASIDS,
 * paging/tlb_asid.h) so that no mm's slot ever sees the scratch tables'
 * entries; flush_tlb_all drops them at the end. */
#define CHECK_PCID_A 0x801
#define CHECK_PCID_B 0x802

/*
 * pcid: with CR4.PCIDE set (by the check if the kernel does not use PCIDs),
 * a translation cached under PCID A is not used under PCID B (whose entries
 * a CR3 load without NOFLUSH drops); going back to A with NOFLUSH may find
 * it still cached (reported); a flush of the address under A drops it.
 * With INVPCID: both PCIDs cache the page, INVPCID single-context on A must
 * drop A's entry, and B's is reported (kept: only that PCID was dropped, as
 * the SDM says; dropped: allowed, the CPU may evict at any time).
 * Everything is restored (CR3, PCIDE as it was) and all PCIDs flushed.
 */
void check_pcid(struct scratch *s)
{
	if (!boot_cpu_has(X86_FEATURE_PCID)) {
		check_record("pcid", TEST_SKIP, "no PCID (CPUID.01H:ECX[17] = 0)");
		return;
	}
	const uint64_t va = KERN_VA(4);
	uint64_t cr3 = read_cr3(), cr4 = read_cr4();
	bool was_on = cr4 & X86_CR4_PCIDE;
	struct page *a, *b;
	if (cr3 & CR3_PCID_MASK) {
		check_record("pcid", TEST_FAIL, "unexpected state: CR3 0x%llx CR4 0x%llx (the scratch tables run under "
			     "PCID 0)", cr3, cr4);
		return;
	}
	if (!two_frames(s, &a, &b) || scratch_map(s, va, page_to_phys(a), PAGE_SIZE, PROT_KDATA, PG_LEVEL_4K)) {
		check_record("pcid", TEST_FAIL, "could not map the test page");
		return;
	}
	if (!was_on)
		write_cr4(cr4 | X86_CR4_PCIDE);
	write_cr3(s->pgd_phys | CHECK_PCID_A);
	char p1 = frame_seen(va);
	repoint_no_flush(s, va, b);
	write_cr3(s->pgd_phys | CHECK_PCID_B);
	char p2 = frame_seen(va);
	write_cr3(s->pgd_phys | CHECK_PCID_A | CR3_NOFLUSH);
	uint64_t pcid_now = read_cr3() & CR3_PCID_MASK;
	char p1_kept = frame_seen(va);
	invpcid_flush_one(CHECK_PCID_A, va);
	char p1_flushed = frame_seen(va);
	/* Single context: A and B both cache va -> B; the PTE goes back to A. */
	char sa = '-', sb = '-';
	if (tlb_has_invpcid) {
		write_cr3(s->pgd_phys | CHECK_PCID_B);
		(void)frame_seen(va);
		write_cr3(s->pgd_phys | CHECK_PCID_A | CR3_NOFLUSH);
		(void)frame_seen(va);
		repoint_no_flush(s, va, a);
		__invpcid(CHECK_PCID_A, 0, INVPCID_TYPE_SINGLE_CTXT);
		sa = frame_seen(va);
		write_cr3(s->pgd_phys | CHECK_PCID_B | CR3_NOFLUSH);
		sb = frame_seen(va);
	}
	write_cr3(s->pgd_phys);
	if (!was_on)
		write_cr4(cr4);
	write_cr3(cr3);
	flush_tlb_all();
	bool ok = p1 == 'A' && p2 == 'B' && pcid_now == CHECK_PCID_A && (p1_kept == 'A' || p1_kept == 'B') &&
		  p1_flushed == 'B' && (!tlb_has_invpcid || (sa == 'A' && (sb == 'A' || sb == 'B')));
	char single[160] = "no INVPCID: single-context not tried";
	if (tlb_has_invpcid)
		format(single, sizeof(single), "INVPCID single-context on PCID A: A sees %c (must be A), PCID B %c (%s)",
			 sa, sb, sb == 'B' ? "kept: only A dropped" : sb == 'A' ? "dropped too, which is allowed" :
			 "unexpected");
	check_record("pcid", ok ? TEST_PASS : TEST_FAIL,
		     "PCIDE %s; PCID A sees %c; PTE changed; PCID B sees %c (must be B); back to PCID 0x%llx with "
		     "NOFLUSH sees %c (%s); after flushing the address in PCID A sees %c (must be B); %s",
		     was_on ? "on (the kernel's)" : "set by the check", p1, p2, pcid_now, p1_kept,
		     p1_kept == 'A' ? "entry kept" : "entry dropped", p1_flushed, single);
	scratch_unmap(s, va, PAGE_SIZE);
}

static void invpcid_bad_type(void *arg)
{
	(void)arg;
	__invpcid(0, 0, 4);
}

/*
 * invpcid: type 0 drops one address, type 2 drops global entries too
 * (asserted); what type 3 (all but global) did to a global page is
 * reported; an undefined type (4) raises #GP.
 */
void check_invpcid(struct scratch *s)
{
	if (!boot_cpu_has(X86_FEATURE_INVPCID)) {
		check_record("invpcid", TEST_SKIP, "no INVPCID (CPUID.(EAX=07H,ECX=0):EBX[10] = 0)");
		return;
	}
	const uint64_t vn = KERN_VA(5), vg = KERN_VA(6);
	struct page *a, *b;
	if (!two_frames(s, &a, &b) ||
	    scratch_map(s, vn, page_to_phys(a), PAGE_SIZE, PROT_KDATA, PG_LEVEL_4K) ||
	    scratch_map(s, vg, page_to_phys(a), PAGE_SIZE, PROT_KDATA | _PAGE_GLOBAL, PG_LEVEL_4K)) {
		check_record("invpcid", TEST_FAIL, "could not map the test pages");
		return;
	}
	uint64_t pcid = read_cr3() & CR3_PCID_MASK;
	char n0 = frame_seen(vn), g0 = frame_seen(vg);
	repoint_no_flush(s, vn, b);
	repoint_no_flush(s, vg, b);
	__invpcid(pcid, vn, INVPCID_TYPE_INDIV_ADDR);
	char n1 = frame_seen(vn);
	__invpcid(0, 0, INVPCID_TYPE_ALL_NON_GLOBAL);
	char g1 = frame_seen(vg);
	__invpcid(0, 0, INVPCID_TYPE_ALL_INCL_GLOBAL);
	char g2 = frame_seen(vg);
	struct probe_result r;
	probe_kernel(invpcid_bad_type, NULL, &r);
	char b1[96];
	bool ok = n0 == 'A' && g0 == 'A' && n1 == 'B' && (g1 == 'A' || g1 == 'B') && g2 == 'B' && probe_is_gp(&r);
	check_record("invpcid", ok ? TEST_PASS : TEST_FAIL,
		     "type 0 (address): %c (must be B); type 3 (all but global) left the global page at %c (%s); "
		     "type 2 (all): %c (must be B); type 4: %s (must be #GP)",
		     n1, g1, g1 == 'A' ? "kept" : "dropped", g2, probe_str(&r, b1, sizeof(b1)));
	scratch_unmap(s, vn, PAGE_SIZE);
	scratch_unmap(s, vg, PAGE_SIZE);
}
