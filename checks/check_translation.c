/*
 * Targeted checks of what translates and what the walk refuses: 2 MiB and
 * 1 GiB pages, 5-level addresses and the CR4.LA57 lock, reserved bits and
 * the MAXPHYADDR boundary.
 *
 * Large pages are checked against a 2 MiB block of our own whose words at
 * several offsets hold a pattern derived from their physical address, so a
 * read through the large page can only match if it reached the right byte.
 */
#include "checks/targeted.h"
#include "cpu/cpufeature.h"
#include "cpu/x86.h"
#include "base/format.h"
#include "lib/record.h"
#include "paging/tlb.h"

#define LARGE_BLOCK_ORDER 9   /* 2 MiB, aligned to its size by the buddy allocator */

static const uint64_t large_offsets[] = { 0x0, 0x1008, 0xabcd8, 0x100000, 0x1ffff8 };
#define LARGE_OFFSET_COUNT (sizeof(large_offsets) / sizeof(large_offsets[0]))
#define LARGE_WRITE_OFFSET 0x80008

static uint64_t pattern_for(uint64_t phys)
{
	return 0x9e3779b97f4a7c15ull ^ phys;
}

/* A 2 MiB block whose words at large_offsets hold pattern_for(their physical address); NULL if none. */
static struct page *pattern_block(struct scratch *s)
{
	struct page *p = scratch_alloc(s, LARGE_BLOCK_ORDER);
	if (!p)
		return NULL;
	uint8_t *direct = page_address(p);
	for (uint32_t i = 0; i < LARGE_OFFSET_COUNT; i++)
		*(uint64_t *)(direct + large_offsets[i]) = pattern_for(page_to_phys(p) + large_offsets[i]);
	return p;
}

/*
 * Reads va + each of large_offsets in ring 0 and writes one word at
 * va + LARGE_WRITE_OFFSET, where va maps block. Returns how many of the
 * LARGE_OFFSET_COUNT + 1 accesses reached the right byte; the first wrong
 * one is described in bad.
 */
static uint32_t large_accesses_ok(uint64_t va, struct page *block, char *bad, size_t size)
{
	uint32_t good = 0;
	uint64_t phys = page_to_phys(block);
	bad[0] = 0;
	for (uint32_t i = 0; i < LARGE_OFFSET_COUNT; i++) {
		struct probe_result r;
		uint64_t v;
		kernel_read(va + large_offsets[i], &v, &r);
		if (r.vector == PROBE_NO_FAULT && v == pattern_for(phys + large_offsets[i])) {
			good++;
		} else if (!bad[0]) {
			char b[96];
			format(bad, size, "; offset 0x%llx: %s, value 0x%llx (want 0x%llx)", large_offsets[i],
			       probe_str(&r, b, sizeof(b)), v, pattern_for(phys + large_offsets[i]));
		}
	}
	struct probe_result r;
	const uint64_t magic = 0x1a2b3c4d5e6f7788ull;
	kernel_write(va + LARGE_WRITE_OFFSET, magic, &r);
	uint64_t seen = *(uint64_t *)((uint8_t *)page_address(block) + LARGE_WRITE_OFFSET);
	if (r.vector == PROBE_NO_FAULT && seen == magic)
		good++;
	else if (!bad[0])
		format(bad, size, "; write at offset 0x%x: direct map sees 0x%llx", LARGE_WRITE_OFFSET, seen);
	return good;
}

/* pages_2m: a 2 MiB leaf translates at several offsets, for reads and a write; the walker sees a 2 MiB leaf. */
void check_pages_2m(struct scratch *s)
{
	struct page *block = pattern_block(s);
	if (!block || scratch_map(s, LARGE_2M_VA, page_to_phys(block), PMD_SIZE, PROT_KDATA, PG_LEVEL_2M)) {
		check_record("pages_2m", TEST_FAIL, "no 2 MiB block or could not map it");
		return;
	}
	struct walk_result w;
	int wr = follow_addr(s->pgd, LARGE_2M_VA + 0x12345, &w);
	char bad[200];
	uint32_t good = large_accesses_ok(LARGE_2M_VA, block, bad, sizeof(bad));
	bool ok = wr == 0 && w.level == PG_LEVEL_2M && w.phys == page_to_phys(block) + 0x12345 &&
		  good == LARGE_OFFSET_COUNT + 1;
	check_record("pages_2m", ok ? TEST_PASS : TEST_FAIL,
		     "0x%llx -> 0x%llx as a level-%d leaf; %u of %u accesses at offsets up to 0x1ffff8 right%s",
		     LARGE_2M_VA, page_to_phys(block), w.level, good, (uint32_t)LARGE_OFFSET_COUNT + 1, bad);
	scratch_unmap(s, LARGE_2M_VA, PMD_SIZE);
}

/*
 * pages_1g: a 1 GiB leaf over the gigabyte holding our 2 MiB block
 * translates at several offsets into it (reads and a write).
 */
void check_pages_1g(struct scratch *s)
{
	if (!boot_cpu_has(X86_FEATURE_PDPE1GB)) {
		check_record("pages_1g", TEST_SKIP, "no 1 GiB pages (CPUID.80000001H:EDX[26] = 0)");
		return;
	}
	struct page *block = pattern_block(s);
	uint64_t phys = block ? page_to_phys(block) : 0, base = phys & PUD_MASK, delta = phys - base;
	if (!block || scratch_map(s, LARGE_1G_VA, base, PUD_SIZE, PROT_KDATA, PG_LEVEL_1G)) {
		check_record("pages_1g", TEST_FAIL, "no 2 MiB block or could not map the 1 GiB page");
		return;
	}
	struct walk_result w;
	int wr = follow_addr(s->pgd, LARGE_1G_VA + delta + 0x12345, &w);
	char bad[200];
	uint32_t good = large_accesses_ok(LARGE_1G_VA + delta, block, bad, sizeof(bad));
	bool ok = wr == 0 && w.level == PG_LEVEL_1G && w.phys == phys + 0x12345 && good == LARGE_OFFSET_COUNT + 1;
	check_record("pages_1g", ok ? TEST_PASS : TEST_FAIL,
		     "0x%llx -> 0x%llx as a level-%d leaf; %u of %u accesses right at offsets 0x%llx + up to 0x1ffff8%s",
		     LARGE_1G_VA, base, w.level, good, (uint32_t)LARGE_OFFSET_COUNT + 1, delta, bad);
	scratch_unmap(s, LARGE_1G_VA, PUD_SIZE);
}

static void toggle_la57(void *arg)
{
	(void)arg;
	write_cr4(read_cr4() ^ X86_CR4_LA57);
}

/*
 * la57: changing CR4.LA57 while in long mode raises #GP (on a CPU without
 * LA57 the bit is reserved: #GP too). In 5-level mode a page above 2^47 is
 * mapped and read and written through its 5-level address.
 *
 * Not attempted where the bit is reserved and we run under QEMU TCG: its
 * CR4 write helper answers a reserved bit with an SVM exit instead of #GP
 * (QEMU 7.2), which leaves the VM spinning on the MOV to CR4 for ever.
 */
void check_la57(struct scratch *s)
{
	uint64_t cr4 = read_cr4();
	if (!boot_cpu_has(X86_FEATURE_LA57) && hypervisor_is_tcg()) {
		check_record("la57", TEST_SKIP,
			     "CPU without LA57 under QEMU TCG: setting the reserved CR4.LA57 not attempted (QEMU "
			     "takes a bogus SVM exit instead of #GP and hangs); 4-level paging: no address above "
			     "2^47 to map");
		return;
	}
	struct probe_result r;
	probe_kernel(toggle_la57, NULL, &r);
	bool gp = probe_is_gp(&r) && read_cr4() == cr4;
	char b[96];
	probe_str(&r, b, sizeof(b));
	if (!pgtable_l5_enabled()) {
		check_record("la57", gp ? TEST_PASS : TEST_FAIL,
			     "CR4.LA57 0, CPU la57 %d; setting CR4.LA57 in long mode: %s (must be #GP); "
			     "4-level paging: no address above 2^47 to map",
			     boot_cpu_has(X86_FEATURE_LA57), b);
		return;
	}
	struct page *f = scratch_alloc(s, 0);
	if (!f || scratch_map(s, LA57_HIGH_VA, page_to_phys(f), PAGE_SIZE, PROT_KDATA, PG_LEVEL_4K)) {
		check_record("la57", TEST_FAIL, "could not map 0x%llx; clearing CR4.LA57: %s", LA57_HIGH_VA, b);
		return;
	}
	*(uint64_t *)page_address(f) = pattern_for(page_to_phys(f));
	uint64_t *e[5];
	int levels = scratch_walk(s, LA57_HIGH_VA, e);
	struct probe_result rd, wr;
	uint64_t v;
	kernel_read(LA57_HIGH_VA, &v, &rd);
	kernel_write(LA57_HIGH_VA + 8, LA57_HIGH_VA, &wr);
	uint64_t seen = ((uint64_t *)page_address(f))[1];
	bool ok = gp && levels == 5 && rd.vector == PROBE_NO_FAULT && v == pattern_for(page_to_phys(f)) &&
		  wr.vector == PROBE_NO_FAULT && seen == LA57_HIGH_VA;
	check_record("la57", ok ? TEST_PASS : TEST_FAIL,
		     "CR4.LA57 1; clearing it in long mode: %s (must be #GP); 0x%llx through %d levels: "
		     "read 0x%llx (want 0x%llx), write seen through the direct map %d",
		     b, LA57_HIGH_VA, levels, v, pattern_for(page_to_phys(f)), seen == LA57_HIGH_VA);
	scratch_unmap(s, LA57_HIGH_VA, PAGE_SIZE);
}

/*
 * reserved_bits: PS in a PML4E (always reserved) makes a ring-0 read fault
 * with P|RSVD (0x9) and a ring-3 read with P|U|RSVD (0xd); bit 13 of a
 * 2 MiB leaf (an address bit below the page size) gives 0x9 too. The same
 * reads work once the entries are restored.
 */
void check_reserved_bits(struct scratch *s)
{
	const uint64_t kva = RSVD_BASE, uva = RSVD_BASE + 0x2000, lva = RSVD_BASE + PUD_SIZE;
	struct page *kf = scratch_alloc(s, 0), *uf = scratch_alloc(s, 0), *block = pattern_block(s);
	if (!kf || !uf || !block ||
	    scratch_map(s, kva, page_to_phys(kf), PAGE_SIZE, PROT_KDATA, PG_LEVEL_4K) ||
	    scratch_map(s, uva, page_to_phys(uf), PAGE_SIZE, PROT_UDATA, PG_LEVEL_4K) ||
	    scratch_map(s, lva, page_to_phys(block), PMD_SIZE, PROT_KDATA, PG_LEVEL_2M)) {
		check_record("reserved_bits", TEST_FAIL, "could not map the test pages");
		return;
	}
	uint64_t *e[5];
	uint64_t v;
	struct probe_result k_before, k_ps, u_ps, k_after, l_before, l_b13;

	scratch_walk(s, kva, e);
	uint64_t *pml4e = e[pgtable_levels() - 4];
	uint64_t saved = *pml4e;
	kernel_read(kva, &v, &k_before);
	scratch_set_entry(pml4e, saved | _PAGE_PSE);
	kernel_read(kva, &v, &k_ps);
	user_run(SNIP_LOAD, uva, 0, &u_ps);
	scratch_set_entry(pml4e, saved);
	kernel_read(kva, &v, &k_after);

	int n = scratch_walk(s, lva, e);
	uint64_t *pmd = e[n - 1];
	uint64_t saved_pmd = *pmd;
	bool pmd_leaf_ok = n == pgtable_levels() - 1 && (saved_pmd & _PAGE_PSE);
	kernel_read(lva, &v, &l_before);
	scratch_set_entry(pmd, saved_pmd | (1ull << 13));
	kernel_read(lva, &v, &l_b13);
	scratch_set_entry(pmd, saved_pmd);

	bool p_clear = false;
	bool ok = k_before.vector == PROBE_NO_FAULT && probe_is_rsvd_pf(&k_ps, 0, kva, &p_clear) &&
		  probe_is_rsvd_pf(&u_ps, X86_PF_USER, uva, &p_clear) && k_after.vector == PROBE_NO_FAULT &&
		  pmd_leaf_ok && l_before.vector == PROBE_NO_FAULT && probe_is_rsvd_pf(&l_b13, 0, lva, &p_clear);
	char b[4][80];
	check_record("reserved_bits", ok ? TEST_PASS : TEST_FAIL,
		     "PML4E.PS: ring 0 read %s (want 0x9), ring 3 read %s (want 0xd), after restoring %s; "
		     "2 MiB leaf bit 13: read %s (want 0x9)%s",
		     probe_str(&k_ps, b[0], 80), probe_str(&u_ps, b[1], 80), probe_str(&k_after, b[2], 80),
		     probe_str(&l_b13, b[3], 80), p_clear ? RSVD_WITHOUT_P_NOTE : "");
	scratch_unmap(s, kva, PAGE_SIZE);
	scratch_unmap(s, uva, PAGE_SIZE);
	scratch_unmap(s, lva, PMD_SIZE);
}

/*
 * maxphyaddr: with CPUID's MAXPHYADDR M < 52, setting any one of PTE bits
 * M..51 (address bits the CPU does not implement) makes a read fault with
 * P|RSVD (0x9), none of them performing the access; bit 52 is ignored by
 * the CPU and the read works.
 */
void check_maxphyaddr(struct scratch *s)
{
	uint32_t m = boot_cpu_data.x86_phys_bits;
	if (m == 0 || m >= 52) {
		check_record("maxphyaddr", TEST_SKIP, "MAXPHYADDR %u: no address bit of an entry is reserved", m);
		return;
	}
	const uint64_t va = KERN_VA(10);
	struct page *f = scratch_alloc(s, 0);
	if (!f || scratch_map(s, va, page_to_phys(f), PAGE_SIZE, PROT_KDATA, PG_LEVEL_4K)) {
		check_record("maxphyaddr", TEST_FAIL, "could not map the test page");
		return;
	}
	*(uint64_t *)page_address(f) = USER_DATA_PATTERN;
	uint64_t *pte = scratch_pte(s, va);
	uint64_t saved = *pte, v;
	uint32_t rsvd = 0, tried = 0;
	bool p_clear = false;
	char bad[160] = "";
	for (uint32_t bit = m; bit < 52; bit++) {
		struct probe_result r;
		scratch_set_entry(pte, saved | (1ull << bit));
		kernel_read(va, &v, &r);
		tried++;
		if (probe_is_rsvd_pf(&r, 0, va, &p_clear)) {
			rsvd++;
		} else if (!bad[0]) {
			char b[96];
			format(bad, sizeof(bad), "; bit %u: %s", bit, probe_str(&r, b, sizeof(b)));
		}
	}
	struct probe_result ign;
	scratch_set_entry(pte, saved | (1ull << 52));
	kernel_read(va, &v, &ign);
	bool ignored_ok = ign.vector == PROBE_NO_FAULT && v == USER_DATA_PATTERN;
	scratch_set_entry(pte, saved);
	check_record("maxphyaddr", rsvd == tried && ignored_ok ? TEST_PASS : TEST_FAIL,
		     "CPUID MAXPHYADDR %u: %u of %u PTE bits %u..51 raised #PF P|RSVD (0x9); bit 52 ignored %d%s%s",
		     m, rsvd, tried, m, ignored_ok, bad, p_clear ? RSVD_WITHOUT_P_NOTE : "");
	scratch_unmap(s, va, PAGE_SIZE);
}
