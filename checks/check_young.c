/*
 * reclaim_young: what reclaim relies on (paging/rmap.c page_referenced).
 * A translation is first cached (a read with A set); the kernel then clears
 * A (and D) in the entry the way ptep_test_and_clear_young does and flushes
 * that TLB entry (INVLPG); the next read must set A again in memory, and
 * the next write D. Without the flush a CPU may keep using the cached
 * translation and never set A: reclaim would then take a page in use for
 * an idle one. Done on a 4 KiB leaf (pte) and a 2 MiB leaf (pmd: THPs).
 */
#include "checks/targeted.h"
#include "base/format.h"
#include "lib/record.h"
#include "paging/tlb.h"

#define YOUNG_4K_VA  KERN_VA(12)
#define YOUNG_2M_VA  (LARGE_2M_VA + 2 * PMD_SIZE)   /* beside pages_2m's */

/* Clears bits in *leaf and drops va's translation (ptep_test_and_clear_young). */
static void clear_and_flush(uint64_t *leaf, uint64_t bits, uint64_t va)
{
	__atomic_fetch_and(leaf, ~bits, __ATOMIC_SEQ_CST);
	flush_tlb_page(va);
}

/* One leaf: returns true if A came back after a read and D after a write;
 * describes what was seen in out. */
static bool young_cycle(uint64_t *leaf, uint64_t va, char *out, size_t n)
{
	struct probe_result r;
	uint64_t v;
	bool f0 = kernel_read(va, &v, &r);                    /* caches the translation, A set */
	bool a_cached = (__atomic_load_n(leaf, __ATOMIC_RELAXED) & _PAGE_ACCESSED) != 0;
	clear_and_flush(leaf, _PAGE_ACCESSED | _PAGE_DIRTY, va);
	bool a_cleared = (__atomic_load_n(leaf, __ATOMIC_RELAXED) & _PAGE_ACCESSED) == 0;
	bool f1 = kernel_read(va, &v, &r);
	uint64_t after_read = __atomic_load_n(leaf, __ATOMIC_RELAXED);
	clear_and_flush(leaf, _PAGE_ACCESSED, va);
	bool f2 = kernel_write(va, 0x5eed, &r);
	uint64_t after_write = __atomic_load_n(leaf, __ATOMIC_RELAXED);
	bool ok = !f0 && !f1 && !f2 && a_cached && a_cleared && (after_read & _PAGE_ACCESSED) &&
		  !(after_read & _PAGE_DIRTY) && (after_write & _PAGE_ACCESSED) && (after_write & _PAGE_DIRTY);
	format(out, n, "A after the caching read %d; after clear+INVLPG and a read: A %d D %d; after clear+INVLPG "
	       "and a write: A %d D %d%s", a_cached, (after_read & _PAGE_ACCESSED) != 0,
	       (after_read & _PAGE_DIRTY) != 0, (after_write & _PAGE_ACCESSED) != 0,
	       (after_write & _PAGE_DIRTY) != 0, f0 || f1 || f2 ? "; an access faulted" : "");
	return ok;
}

/* See checks/targeted.h. */
void check_reclaim_young(struct scratch *s)
{
	char d4[256], d2[256];
	bool ok4 = false, ok2 = false;
	struct page *f = scratch_alloc(s, 0);
	if (f && !scratch_map(s, YOUNG_4K_VA, page_to_phys(f), PAGE_SIZE, PROT_KDATA, PG_LEVEL_4K)) {
		ok4 = young_cycle(scratch_pte(s, YOUNG_4K_VA), YOUNG_4K_VA, d4, sizeof(d4));
		scratch_unmap(s, YOUNG_4K_VA, PAGE_SIZE);
	} else {
		format(d4, sizeof(d4), "could not map the 4 KiB page");
	}
	struct page *b = scratch_alloc(s, PMD_SHIFT - PAGE_SHIFT);
	uint64_t *e[5];
	if (b && !scratch_map(s, YOUNG_2M_VA, page_to_phys(b), PMD_SIZE, PROT_KDATA, PG_LEVEL_2M)) {
		int n = scratch_walk(s, YOUNG_2M_VA, e);
		ok2 = young_cycle(e[n - 1], YOUNG_2M_VA + 0x1000 * 7, d2, sizeof(d2));
		scratch_unmap(s, YOUNG_2M_VA, PMD_SIZE);
	} else {
		format(d2, sizeof(d2), "could not map the 2 MiB page");
	}
	check_record("reclaim_young", ok4 && ok2 ? TEST_PASS : TEST_FAIL, "pte: %s; pmd leaf: %s", d4, d2);
}
