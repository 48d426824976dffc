/*
 * The failure-atomicity self-test of the memory calls (kernel/mm_atomic_test.h).
 *
 * For each case: build an address space with populated pages of known data,
 * then for N = 1, 2, ...: rebuild it, snapshot it, arm "fail the Nth
 * allocation" (paging/buddy.h), make the call through the same do_* the
 * syscall uses, disarm. If the injected failure was hit and the call failed,
 * the state must equal the snapshot in every field; if the call succeeded
 * (with or without a failure absorbed on the way), the result must be that
 * of a successful call. The loop ends at the first N the call never reaches.
 *
 * The state compared:
 *   - the VMAs: start, end, flags, and mm's counters (map_count, total_vm,
 *     rss), vma_check() clean;
 *   - every user page-table leaf: address, whole entry (frame and flags),
 *     a checksum of the 4 KiB it maps and the page's reference and map
 *     counts;
 *   - page-table pages in use (allocated less freed, all address spaces);
 *   - free frames after kmem_cache_shrink_all() (no frame leaked or lost).
 */
#include "kernel/mm_atomic_test.h"
#include "base/format.h"
#include "lib/record.h"
#include "base/string.h"
#include "lib/tsc.h"
#include "cpu/x86.h"
#include "paging/buddy.h"
#include "paging/init.h"
#include "paging/lru.h"
#include "paging/memory.h"
#include "paging/mm.h"
#include "paging/mman.h"
#include "paging/page.h"
#include "paging/slab.h"
#include "paging/vma.h"
#include "fs/file.h"
#include "fs/shmem.h"

#define RW            (PROT_READ | PROT_WRITE)
#define ANON          (MAP_PRIVATE | MAP_ANONYMOUS)

#define PG            PAGE_SIZE
#define BASE          0x40000000ull     /* where the cases build their mappings */
#define MAX_VMAS      32
#define MAX_LEAVES    640               /* a split THP: 512 */
#define MAX_TRIES     512               /* injection points tried per case before giving up */

struct leaf_snap { uint64_t va, entry, sum, counts; };
struct vma_snap { uint64_t start, end, flags; };

struct mm_snapshot {
	struct vma_snap vma[MAX_VMAS];
	uint32_t nvma;
	struct leaf_snap leaf[MAX_LEAVES];
	uint32_t nleaf;
	bool overflow;
	uint64_t map_count, total_vm, rss, brk;
	uint64_t pgtables, free_frames;
	int vma_problems;
};

static struct mm_snapshot before, after;

/* FNV-1a over the 4 KiB at phys. */
static uint64_t frame_sum(uint64_t phys)
{
	const uint64_t *w = (const uint64_t *)__va(phys);
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint32_t i = 0; i < PAGE_SIZE / 8; i++)
		h = (h ^ w[i]) * 0x100000001b3ull;
	return h;
}

/* walk_leaves callback: one leaf into the snapshot. */
static int snap_leaf(void *ctx, uint64_t va, int level, uint64_t *entry)
{
	struct mm_snapshot *s = ctx;
	(void)level;
	if (s->nleaf == MAX_LEAVES) {
		s->overflow = true;
		return 1;
	}
	pte_t pte = __pte(*entry);
	uint64_t counts = 0;
	if (pte_present(pte) && !pte_special(pte)) {
		const struct page *page = pfn_to_page(pte_pfn(pte));
		counts = ((uint64_t)(uint32_t)page_ref_count(page) << 32) | (uint32_t)page_mapcount(page);
	}
	s->leaf[s->nleaf++] = (struct leaf_snap){ va, *entry, pte_present(pte) ? frame_sum(pte_pfn(pte) << PAGE_SHIFT) : 0,
						  counts };
	return 0;
}

/* Everything the comparison looks at, frames counted after shrinking the
 * slabs and reference counts after draining the LRU batch (its references
 * are not the call's). */
static void snapshot(struct mm_struct *mm, struct mm_snapshot *s)
{
	lru_add_drain();
	memset(s, 0, sizeof(*s));
	struct vm_area_struct *v;
	for_each_vma(mm, v) {
		if (s->nvma == MAX_VMAS) {
			s->overflow = true;
			break;
		}
		s->vma[s->nvma++] = (struct vma_snap){ v->vm_start, v->vm_end, v->vm_flags };
	}
	walk_leaves(mm->pgd, 0, TASK_SIZE_MAX, snap_leaf, s);
	s->map_count = mm->map_count;
	s->total_vm = mm->total_vm;
	s->rss = get_mm_rss(mm);
	s->brk = mm->brk;
	s->vma_problems = vma_check(mm, NULL);
	s->pgtables = pgtable_pages_allocated - pgtable_pages_freed;
	kmem_cache_shrink_all();
	s->free_frames = nr_free_pages();
}

/* The first difference between a and b, in words (why[0] = 0 if none). */
static void compare(const struct mm_snapshot *a, const struct mm_snapshot *b, char *why, uint32_t n)
{
	why[0] = 0;
	if (a->overflow || b->overflow) {
		format(why, n, "snapshot overflow");
		return;
	}
	if (b->vma_problems) {
		format(why, n, "vma_check: %d problems", b->vma_problems);
		return;
	}
	if (a->nvma != b->nvma) {
		format(why, n, "%u VMAs, were %u", b->nvma, a->nvma);
		return;
	}
	for (uint32_t i = 0; i < a->nvma; i++)
		if (memcmp(&a->vma[i], &b->vma[i], sizeof(a->vma[i]))) {
			format(why, n, "VMA %u is [0x%llx, 0x%llx) flags 0x%llx, was [0x%llx, 0x%llx) flags 0x%llx", i,
				 b->vma[i].start, b->vma[i].end, b->vma[i].flags, a->vma[i].start, a->vma[i].end,
				 a->vma[i].flags);
			return;
		}
	if (a->nleaf != b->nleaf) {
		format(why, n, "%u page-table leaves, were %u", b->nleaf, a->nleaf);
		return;
	}
	for (uint32_t i = 0; i < a->nleaf; i++)
		if (memcmp(&a->leaf[i], &b->leaf[i], sizeof(a->leaf[i]))) {
			format(why, n, "leaf at 0x%llx: entry 0x%llx sum %llx refs:maps %llx, was 0x%llx: 0x%llx sum %llx %llx",
				 b->leaf[i].va, b->leaf[i].entry, b->leaf[i].sum, b->leaf[i].counts, a->leaf[i].va,
				 a->leaf[i].entry, a->leaf[i].sum, a->leaf[i].counts);
			return;
		}
	if (a->map_count != b->map_count || a->total_vm != b->total_vm || a->rss != b->rss || a->brk != b->brk) {
		format(why, n, "counters map_count %llu total_vm %llu rss %llu brk 0x%llx, were %llu %llu %llu 0x%llx",
			 b->map_count, b->total_vm, b->rss, b->brk, a->map_count, a->total_vm, a->rss, a->brk);
		return;
	}
	if (a->pgtables != b->pgtables) {
		format(why, n, "%llu page-table pages, were %llu", b->pgtables, a->pgtables);
		return;
	}
	if (a->free_frames != b->free_frames)
		format(why, n, "%llu free frames, were %llu", b->free_frames, a->free_frames);
}

/* ---- Building and reading the test address space ------------------------- */

/* The 64-bit word i of the page that was first filled at va (seed tells cases apart). */
static uint64_t pattern(uint64_t va, uint32_t i) { return (va * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)i << 32) ^ i; }

/* Fills the n mapped pages at va with pattern(va of the page). Returns 0 or -1. */
static int fill_pages(struct mm_struct *mm, uint64_t va, uint64_t n)
{
	for (uint64_t p = 0; p < n; p++) {
		struct walk_result w;
		if (follow_addr(mm->pgd, va + p * PG, &w))
			return -1;
		uint64_t *words = (uint64_t *)__va(w.phys);
		for (uint32_t i = 0; i < PAGE_SIZE / 8; i++)
			words[i] = pattern(va + p * PG, i);
	}
	return 0;
}

/* Maps n writable pages at va (MAP_FIXED, populated) and fills each with
 * pattern(va of the page). Returns 0 or -1. */
static int map_filled(struct mm_struct *mm, uint64_t va, uint64_t n)
{
	if (do_mmap(mm, va, n * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, (uint64_t)-1, 0) != (int64_t)va)
		return -1;
	return fill_pages(mm, va, n);
}

/* map_filled for shared anonymous memory as a program gets it: the n pages
 * of a new shmem object (fs/shmem.h), mapped MAP_SHARED, populated, filled. */
static int map_shmem_filled(struct mm_struct *mm, uint64_t va, uint64_t n)
{
	struct file *f = shmem_file_setup(n * PG, 0);
	if (!f)
		return -1;
	struct mmap_file mf;
	int64_t r = f->f_op->mmap(f, &mf) ? -1
		    : do_mmap_file(mm, va, n * PG, RW, MAP_SHARED | MAP_FIXED | MAP_POPULATE, &mf, 0);
	fput(f);   /* the VMA holds the object */
	return r == (int64_t)va ? fill_pages(mm, va, n) : -1;
}

/* True if the n pages at va hold the data first written at from (and are mapped). */
static bool holds(struct mm_struct *mm, uint64_t va, uint64_t from, uint64_t n)
{
	for (uint64_t p = 0; p < n; p++) {
		struct walk_result w;
		if (follow_addr(mm->pgd, va + p * PG, &w))
			return false;
		const uint64_t *words = (const uint64_t *)__va(w.phys);
		for (uint32_t i = 0; i < PAGE_SIZE / 8; i++)
			if (words[i] != pattern(from + p * PG, i))
				return false;
	}
	return true;
}

/* walk_leaves callback: counts leaves. */
static int count_leaf(void *ctx, uint64_t va, int level, uint64_t *entry)
{
	(void)va; (void)level; (void)entry;
	(*(uint64_t *)ctx)++;
	return 0;
}

static uint64_t leaves_in(struct mm_struct *mm, uint64_t va, uint64_t n)
{
	uint64_t c = 0;
	walk_leaves(mm->pgd, va, va + n * PG, count_leaf, &c);
	return c;
}

/* True if [va, va + n pages) has no VMA and no page-table entry. */
static bool unmapped(struct mm_struct *mm, uint64_t va, uint64_t n)
{
	return !find_vma_intersection(mm, va, va + n * PG) && leaves_in(mm, va, n) == 0;
}

/* True if exactly one VMA covers [va, va + n pages) and it has these access flags. */
static bool one_vma(struct mm_struct *mm, uint64_t va, uint64_t n, uint64_t access)
{
	struct vm_area_struct *v = vma_lookup(mm, va);
	return v && v->vm_start == va && v->vm_end == va + n * PG && (v->vm_flags & VM_ACCESS_FLAGS) == access;
}

/* ---- The cases ----------------------------------------------------------- */

struct mm_case {
	const char *name;
	int (*setup)(struct mm_struct *mm);        /* 0, or -1 if it could not be built */
	int64_t (*call)(struct mm_struct *mm);
	bool (*failed)(struct mm_struct *mm, int64_t ret);   /* NULL: ret < 0 */
	bool (*succeeded)(struct mm_struct *mm, int64_t ret); /* the result of a successful call */
};

#define RWX_RW (VM_READ | VM_WRITE)

/* mremap move: 16 pages across a 2 MiB line (two pte tables), a VMA above blocks growing in place. */
#define MV_SRC (BASE + 0x200000 - 8 * PG)
static int mv_setup(struct mm_struct *mm)
{
	if (map_filled(mm, MV_SRC, 16))
		return -1;
	return do_mmap(mm, MV_SRC + 16 * PG, PG, PROT_READ, ANON | MAP_FIXED, (uint64_t)-1, 0) < 0 ? -1 : 0;
}
static int64_t mv_call(struct mm_struct *mm) { return do_mremap(mm, MV_SRC, 16 * PG, 32 * PG, MREMAP_MAYMOVE, 0); }
static bool mv_ok(struct mm_struct *mm, int64_t ret)
{
	uint64_t to = (uint64_t)ret;
	return ret > 0 && to != MV_SRC && one_vma(mm, to, 32, RWX_RW) && holds(mm, to, MV_SRC, 16) &&
	       leaves_in(mm, to + 16 * PG, 16) == 0 && unmapped(mm, MV_SRC, 16);
}

/* mremap grow in place: 8 pages become 16, the space above is free. */
static int grow_setup(struct mm_struct *mm) { return map_filled(mm, BASE, 8); }
static int64_t grow_call(struct mm_struct *mm) { return do_mremap(mm, BASE, 8 * PG, 16 * PG, 0, 0); }
static bool grow_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == (int64_t)BASE && one_vma(mm, BASE, 16, RWX_RW) && holds(mm, BASE, BASE, 8) &&
	       leaves_in(mm, BASE + 8 * PG, 8) == 0;
}

/* mremap MREMAP_FIXED of 12 pages onto a 16-page mapping across a 2 MiB
 * line whose first 8 pages are populated: the move replaces 6 populated
 * pages, then needs a new pte table for the rest. */
#define FX_SRC BASE
#define FX_DST (BASE + 0x400000 - 8 * PG)
static int fx_setup(struct mm_struct *mm)
{
	if (map_filled(mm, FX_SRC, 12) || map_filled(mm, FX_DST, 8))
		return -1;
	return do_mmap(mm, FX_DST + 8 * PG, 8 * PG, RW, ANON | MAP_FIXED, (uint64_t)-1, 0) < 0 ? -1 : 0;
}
static int64_t fx_call(struct mm_struct *mm)
{
	return do_mremap(mm, FX_SRC, 12 * PG, 12 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, FX_DST + 2 * PG);
}
static bool fx_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == (int64_t)(FX_DST + 2 * PG) && holds(mm, FX_DST + 2 * PG, FX_SRC, 12) &&
	       holds(mm, FX_DST, FX_DST, 2) && leaves_in(mm, FX_DST + 14 * PG, 2) == 0 &&
	       one_vma(mm, FX_DST, 16, RWX_RW) && unmapped(mm, FX_SRC, 12);
}

/* mremap MREMAP_FIXED of 16 pages onto free space across a 2 MiB line: the
 * destination needs a new pte table after the first 8 entries moved. */
#define FF_DST (BASE + 0x600000 - 8 * PG)
static int ff_setup(struct mm_struct *mm) { return map_filled(mm, BASE, 16); }
static int64_t ff_call(struct mm_struct *mm)
{
	return do_mremap(mm, BASE, 16 * PG, 16 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, FF_DST);
}
static bool ff_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == (int64_t)FF_DST && one_vma(mm, FF_DST, 16, RWX_RW) && holds(mm, FF_DST, BASE, 16) &&
	       unmapped(mm, BASE, 16);
}

/* The same onto an unpopulated mapping holding an empty pte table (as a
 * fault that ran out of memory leaves one): a failed call must give back
 * the tables it made and keep that one. */
static int fe_setup(struct mm_struct *mm)
{
	if (map_filled(mm, BASE, 16) || do_mmap(mm, FF_DST, 16 * PG, RW, ANON | MAP_FIXED, (uint64_t)-1, 0) < 0)
		return -1;
	return walk_pte(mm->pgd, FF_DST, true, NULL) ? 0 : -1;
}

/* mremap MREMAP_FIXED shrinking 8 pages to 4, right after the source: the
 * dropped tail [S+4, S+8) and the destination [S+8, S+12) share a pte table
 * (S+4 is a 2 MiB line) that holds only the tail's entries until the move. */
#define FS_SRC (BASE + 0x800000 - 4 * PG)
static int fs_setup(struct mm_struct *mm) { return map_filled(mm, FS_SRC, 8); }
static int64_t fs_call(struct mm_struct *mm)
{
	return do_mremap(mm, FS_SRC, 8 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, FS_SRC + 8 * PG);
}
static bool fs_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == (int64_t)(FS_SRC + 8 * PG) && one_vma(mm, FS_SRC + 8 * PG, 4, RWX_RW) &&
	       holds(mm, FS_SRC + 8 * PG, FS_SRC, 4) && unmapped(mm, FS_SRC, 8);
}

/* mremap MREMAP_DONTUNMAP|MREMAP_FIXED of 16 pages onto free space across a
 * 2 MiB line: the pages move, the source keeps its VMA with no entries. */
static int64_t du_call(struct mm_struct *mm)
{
	return do_mremap(mm, BASE, 16 * PG, 16 * PG, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, FF_DST);
}
static bool du_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == (int64_t)FF_DST && one_vma(mm, FF_DST, 16, RWX_RW) && holds(mm, FF_DST, BASE, 16) &&
	       one_vma(mm, BASE, 16, RWX_RW) && leaves_in(mm, BASE, 16) == 0;
}

/* The same onto a mapping of 8 populated pages (replaced) and without
 * MREMAP_FIXED (the kernel picks the place): both all or nothing. */
static int dx_setup(struct mm_struct *mm) { return map_filled(mm, BASE, 16) || map_filled(mm, FF_DST + 4 * PG, 8); }
static bool dx_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == (int64_t)FF_DST && holds(mm, FF_DST, BASE, 16) && one_vma(mm, BASE, 16, RWX_RW) &&
	       leaves_in(mm, BASE, 16) == 0;
}
static int64_t dm_call(struct mm_struct *mm)
{
	return do_mremap(mm, BASE, 16 * PG, 16 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
}
static bool dm_ok(struct mm_struct *mm, int64_t ret)
{
	uint64_t to = (uint64_t)ret;
	return ret > 0 && to != BASE && holds(mm, to, BASE, 16) && one_vma(mm, BASE, 16, RWX_RW) &&
	       leaves_in(mm, BASE, 16) == 0;
}

/* mmap MAP_FIXED, read-only, over the middle 8 of 16 populated pages. */
static int mf_setup(struct mm_struct *mm) { return map_filled(mm, BASE, 16); }
static int64_t mf_call(struct mm_struct *mm)
{
	return do_mmap(mm, BASE + 4 * PG, 8 * PG, PROT_READ, ANON | MAP_FIXED, (uint64_t)-1, 0);
}
static bool mf_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == (int64_t)(BASE + 4 * PG) && one_vma(mm, BASE + 4 * PG, 8, VM_READ) &&
	       leaves_in(mm, BASE + 4 * PG, 8) == 0 && holds(mm, BASE, BASE, 4) &&
	       holds(mm, BASE + 12 * PG, BASE + 12 * PG, 4) && one_vma(mm, BASE, 4, RWX_RW);
}

/* munmap of 4 pages in the middle of 16. */
static int64_t mu_call(struct mm_struct *mm) { return do_munmap(mm, BASE + 6 * PG, 4 * PG); }
static bool mu_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == 0 && unmapped(mm, BASE + 6 * PG, 4) && one_vma(mm, BASE, 6, RWX_RW) &&
	       one_vma(mm, BASE + 10 * PG, 6, RWX_RW) && holds(mm, BASE, BASE, 6) &&
	       holds(mm, BASE + 10 * PG, BASE + 10 * PG, 6);
}

/* mprotect read-only of 4 pages in the middle of 16 (two splits). */
static int64_t mp_call(struct mm_struct *mm) { return do_mprotect(mm, BASE + 6 * PG, 4 * PG, PROT_READ); }
static bool mp_ok(struct mm_struct *mm, int64_t ret)
{
	struct walk_result w;
	bool ro = follow_addr(mm->pgd, BASE + 7 * PG, &w) == 0 && !(*w.entry & _PAGE_RW);
	return ret == 0 && ro && one_vma(mm, BASE + 6 * PG, 4, VM_READ) && one_vma(mm, BASE, 6, RWX_RW) &&
	       one_vma(mm, BASE + 10 * PG, 6, RWX_RW) && holds(mm, BASE, BASE, 16);
}

/* madvise MADV_DONTNEED of the middle 8 of 16 pages. */
static int64_t md_call(struct mm_struct *mm) { return do_madvise(mm, BASE + 4 * PG, 8 * PG, MADV_DONTNEED); }
static bool md_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == 0 && leaves_in(mm, BASE + 4 * PG, 8) == 0 && one_vma(mm, BASE, 16, RWX_RW) &&
	       holds(mm, BASE, BASE, 4) && holds(mm, BASE + 12 * PG, BASE + 12 * PG, 4);
}

/* madvise MADV_HUGEPAGE of the middle 8 of 16 pages: Linux splits the VMA
 * (two allocations); whether split or not, the range must end up with
 * VM_HUGEPAGE and every byte where it was. */
static int64_t mh_call(struct mm_struct *mm) { return do_madvise(mm, BASE + 4 * PG, 8 * PG, MADV_HUGEPAGE); }
static bool mh_ok(struct mm_struct *mm, int64_t ret)
{
	struct vm_area_struct *v = vma_lookup(mm, BASE + 4 * PG), *w = vma_lookup(mm, BASE + 11 * PG);
	return ret == 0 && v && w && (v->vm_flags & VM_HUGEPAGE) && (w->vm_flags & VM_HUGEPAGE) &&
	       vma_lookup(mm, BASE) && vma_lookup(mm, BASE + 15 * PG) && holds(mm, BASE, BASE, 16);
}

/* brk: the heap starts at BASE; grow by 8 pages, or shrink 8 populated pages to 2. */
static int brk_setup(struct mm_struct *mm)
{
	mm->start_brk = mm->brk = BASE;
	return 0;
}
static int64_t brk_grow_call(struct mm_struct *mm) { return do_brk(mm, BASE + 8 * PG); }
static bool brk_failed(struct mm_struct *mm, int64_t ret) { (void)mm; return ret == (int64_t)BASE; }
static bool brk_grow_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == (int64_t)(BASE + 8 * PG) && mm->brk == BASE + 8 * PG && one_vma(mm, BASE, 8, RWX_RW);
}
static int brk_shrink_setup(struct mm_struct *mm)
{
	brk_setup(mm);
	if (do_brk(mm, BASE + 8 * PG) != (int64_t)(BASE + 8 * PG))
		return -1;
	for (uint64_t p = 0; p < 8; p++) {
		/* Fill as map_filled() does, on the heap's pages. */
		struct vm_area_struct *v = vma_lookup(mm, BASE);
		if (!v || populate_range(v, BASE + p * PG, BASE + (p + 1) * PG))
			return -1;
		struct walk_result w;
		if (follow_addr(mm->pgd, BASE + p * PG, &w))
			return -1;
		for (uint32_t i = 0; i < PAGE_SIZE / 8; i++)
			((uint64_t *)__va(w.phys))[i] = pattern(BASE + p * PG, i);
	}
	return 0;
}
static int64_t brk_shrink_call(struct mm_struct *mm) { return do_brk(mm, BASE + 2 * PG); }
static bool brk_shrink_failed(struct mm_struct *mm, int64_t ret) { (void)mm; return ret == (int64_t)(BASE + 8 * PG); }
static bool brk_shrink_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == (int64_t)(BASE + 2 * PG) && one_vma(mm, BASE, 2, RWX_RW) && holds(mm, BASE, BASE, 2) &&
	       unmapped(mm, BASE + 2 * PG, 6);
}

/* MAP_POPULATE of 16 pages: like Linux, a population that runs out of
 * memory still returns the mapping (what is populated is zero). */
static int no_setup(struct mm_struct *mm) { (void)mm; return 0; }
static int64_t pop_call(struct mm_struct *mm)
{
	return do_mmap(mm, BASE, 16 * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, (uint64_t)-1, 0);
}
static bool pop_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == (int64_t)BASE && one_vma(mm, BASE, 16, RWX_RW);
}

/* Transparent huge pages (thp = always, the default): 2 MiB populated at a
 * 2 MiB boundary is one THP leaf, filled like map_filled; the calls below
 * cut into it (split_huge_pmd, from the deposited table) or move it. */
#define THP_PAGES 512
static int thp_setup(struct mm_struct *mm)
{
	struct walk_result w;
	if (map_filled(mm, BASE, THP_PAGES) || follow_addr(mm->pgd, BASE, &w))
		return -1;
	return w.level == PG_LEVEL_2M ? 0 : -1;   /* no THP (thp = never?): nothing to test */
}
static int64_t thp_mu_call(struct mm_struct *mm) { return do_munmap(mm, BASE + 100 * PG, 4 * PG); }
static bool thp_mu_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == 0 && unmapped(mm, BASE + 100 * PG, 4) && holds(mm, BASE, BASE, 100) &&
	       holds(mm, BASE + 104 * PG, BASE + 104 * PG, THP_PAGES - 104) && one_vma(mm, BASE, 100, RWX_RW);
}
static int64_t thp_mp_call(struct mm_struct *mm) { return do_mprotect(mm, BASE + 8 * PG, 8 * PG, PROT_READ); }
static bool thp_mp_ok(struct mm_struct *mm, int64_t ret)
{
	struct walk_result w;
	bool ro = follow_addr(mm->pgd, BASE + 9 * PG, &w) == 0 && !(*w.entry & _PAGE_RW);
	bool rw = follow_addr(mm->pgd, BASE + 7 * PG, &w) == 0 && (*w.entry & _PAGE_RW);
	return ret == 0 && ro && rw && one_vma(mm, BASE + 8 * PG, 8, VM_READ) && holds(mm, BASE, BASE, THP_PAGES);
}
static int64_t thp_md_call(struct mm_struct *mm) { return do_madvise(mm, BASE + 16 * PG, 16 * PG, MADV_DONTNEED); }
static bool thp_md_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == 0 && leaves_in(mm, BASE + 16 * PG, 16) == 0 && holds(mm, BASE, BASE, 16) &&
	       holds(mm, BASE + 32 * PG, BASE + 32 * PG, THP_PAGES - 32) && one_vma(mm, BASE, THP_PAGES, RWX_RW);
}
#define THP_MV_DST (BASE + 0x1000000 + 4 * PG)
static int64_t thp_mv_call(struct mm_struct *mm)
{
	return do_mremap(mm, BASE, THP_PAGES * PG, THP_PAGES * PG, MREMAP_MAYMOVE | MREMAP_FIXED, THP_MV_DST);
}
static bool thp_mv_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == (int64_t)THP_MV_DST && holds(mm, THP_MV_DST, BASE, THP_PAGES) && unmapped(mm, BASE, THP_PAGES) &&
	       one_vma(mm, THP_MV_DST, THP_PAGES, RWX_RW);
}
static int64_t thp_pop_call(struct mm_struct *mm)
{
	return do_mmap(mm, BASE, THP_PAGES * PG, RW, ANON | MAP_FIXED | MAP_POPULATE, (uint64_t)-1, 0);
}
static bool thp_pop_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == (int64_t)BASE && one_vma(mm, BASE, THP_PAGES, RWX_RW);
}

/* fork's address space (dup_mm) of an mm holding a THP and 4 KiB pages:
 * either a child that shares the THP leaf (copy_huge_pmd), or NULL with
 * every frame, table, deposit and VMA of the half-made child given back.
 * A fork write-protects the parent's entries even when it fails (Linux's
 * too), so the setup forks once first and the comparison sees the rest. */
#define FORK_SMALL (BASE + 0x400000)
static int fork_setup_copy(struct mm_struct *mm)
{
	struct mm_struct *child = dup_mm(mm);
	if (!child)
		return -1;
	mmput(child);
	return 0;
}
static int fork_thp_setup(struct mm_struct *mm)
{
	if (thp_setup(mm) || map_filled(mm, FORK_SMALL, 8))
		return -1;
	return fork_setup_copy(mm);
}
static int64_t fork_thp_call(struct mm_struct *mm)
{
	struct mm_struct *child = dup_mm(mm);
	if (!child)
		return -ENOMEM;
	struct walk_result p, c;
	bool shared = follow_addr(mm->pgd, BASE, &p) == 0 && follow_addr(child->pgd, BASE, &c) == 0 &&
		      c.level == PG_LEVEL_2M && c.phys == p.phys && !(*c.entry & _PAGE_RW);
	mmput(child);
	return shared ? 0 : -EINVAL;   /* not shared: a wrong result, reported as a failure without injection */
}
static bool fork_thp_ok(struct mm_struct *mm, int64_t ret)
{
	return ret == 0 && holds(mm, BASE, BASE, THP_PAGES) && holds(mm, FORK_SMALL, FORK_SMALL, 8);
}

/* fork's dup_mm of 16 populated pages across a 2 MiB line (two pte tables)
 * and 4 read-only ones 1 GiB above (more upper tables): a failed copy must
 * give back every table and reference it took; a successful call's child
 * holds the same data (checked, then dropped). */
#define FORK_HIGH (BASE + 0x40000000)
static int fork_setup(struct mm_struct *mm)
{
	if (map_filled(mm, MV_SRC, 16) || map_filled(mm, FORK_HIGH, 4) ||
	    do_mprotect(mm, FORK_HIGH, 4 * PG, PROT_READ))
		return -1;
	return fork_setup_copy(mm);
}
static int64_t fork_call(struct mm_struct *mm) { return (int64_t)(uintptr_t)dup_mm(mm); }
static bool fork_failed(struct mm_struct *mm, int64_t ret) { (void)mm; return ret == 0; }
static bool fork_ok(struct mm_struct *mm, int64_t ret)
{
	struct mm_struct *child = (struct mm_struct *)(uintptr_t)ret;
	bool ok = holds(child, MV_SRC, MV_SRC, 16) && holds(child, FORK_HIGH, FORK_HIGH, 4) &&
		  one_vma(child, MV_SRC, 16, RWX_RW) && one_vma(child, FORK_HIGH, 4, VM_READ) &&
		  get_mm_rss(child) == get_mm_rss(mm) && !vma_check(child, NULL);
	mmput(child);
	return ok;
}

/* Not an mm call: a deliberately broken one (drops a page, then fails on
 * an allocation), to show the comparison catches lost data. */
static int64_t broken_call(struct mm_struct *mm)
{
	zap_page_range(mm, BASE + 3 * PG, BASE + 4 * PG);
	return do_mmap(mm, BASE + 0x100000, PG, RW, ANON | MAP_FIXED, (uint64_t)-1, 0);
}
static bool broken_ok(struct mm_struct *mm, int64_t ret) { (void)mm; (void)ret; return false; }
static const struct mm_case broken_case = { "broken", mf_setup, broken_call, NULL, broken_ok };

/* The mremap moves of shmem mappings (file VMAs: the destination maps the
 * object from the same page offset): all or nothing too. */
static int shm_setup(struct mm_struct *mm) { return map_shmem_filled(mm, BASE, 16); }

static const struct mm_case cases[] = {
	{ "mremap_move", mv_setup, mv_call, NULL, mv_ok },
	{ "mremap_grow_in_place", grow_setup, grow_call, NULL, grow_ok },
	{ "mremap_fixed_over_mapping", fx_setup, fx_call, NULL, fx_ok },
	{ "mremap_fixed_across_tables", ff_setup, ff_call, NULL, ff_ok },
	{ "mremap_fixed_keeps_empty_table", fe_setup, ff_call, NULL, ff_ok },
	{ "mremap_fixed_shrink", fs_setup, fs_call, NULL, fs_ok },
	{ "mremap_dontunmap_fixed", ff_setup, du_call, NULL, du_ok },
	{ "mremap_dontunmap_over_mapping", dx_setup, du_call, NULL, dx_ok },
	{ "mremap_dontunmap_anywhere", ff_setup, dm_call, NULL, dm_ok },
	{ "mremap_shmem_fixed_across_tables", shm_setup, ff_call, NULL, ff_ok },
	{ "mremap_shmem_dontunmap", shm_setup, du_call, NULL, du_ok },
	{ "mmap_fixed_over_populated", mf_setup, mf_call, NULL, mf_ok },
	{ "munmap_split", mf_setup, mu_call, NULL, mu_ok },
	{ "mprotect_split", mf_setup, mp_call, NULL, mp_ok },
	{ "madvise_dontneed", mf_setup, md_call, NULL, md_ok },
	{ "madvise_hugepage_middle", mf_setup, mh_call, NULL, mh_ok },
	{ "brk_grow", brk_setup, brk_grow_call, brk_failed, brk_grow_ok },
	{ "brk_shrink", brk_shrink_setup, brk_shrink_call, brk_shrink_failed, brk_shrink_ok },
	{ "mmap_populate", no_setup, pop_call, NULL, pop_ok },
	{ "thp_munmap_middle", thp_setup, thp_mu_call, NULL, thp_mu_ok },
	{ "thp_mprotect_middle", thp_setup, thp_mp_call, NULL, thp_mp_ok },
	{ "thp_madvise_dontneed_middle", thp_setup, thp_md_call, NULL, thp_md_ok },
	{ "thp_mremap_move", thp_setup, thp_mv_call, NULL, thp_mv_ok },
	{ "thp_mmap_populate", no_setup, thp_pop_call, NULL, thp_pop_ok },
	{ "fork_thp", fork_thp_setup, fork_thp_call, NULL, fork_thp_ok },
	{ "fork_dup_mm", fork_setup, fork_call, fork_failed, fork_ok },
};

/*
 * One case at injection point nth. Returns 1 if the injected failure was
 * hit, 0 if not, -1 on a broken invariant (why says which). *call_failed
 * tells whether the call failed (else it succeeded, maybe absorbing the
 * failure).
 */
static int run_case_at(const struct mm_case *c, uint64_t nth, char *why, uint32_t n, bool *call_failed)
{
	why[0] = 0;
	struct mm_struct *mm = mm_alloc();
	if (!mm) {
		format(why, n, "no memory for the test mm");
		return -1;
	}
	int result = -1;
	if (c->setup(mm)) {
		format(why, n, "setup failed");
		goto out;
	}
	snapshot(mm, &before);
	fail_alloc_arm(nth);
	int64_t ret = c->call(mm);
	bool hit = fail_alloc_disarm();
	bool failed = c->failed ? c->failed(mm, ret) : ret < 0;
	*call_failed = failed;
	if (failed) {
		snapshot(mm, &after);
		compare(&before, &after, why, n);
		if (!hit && !why[0])
			format(why, n, "failed (%lld) with no failure injected", ret);
	} else if (!c->succeeded(mm, ret) || vma_check(mm, NULL)) {
		format(why, n, "returned %lld but the result is not a successful call's", ret);
	}
	if (!why[0])
		result = hit ? 1 : 0;
	else if (failed)
		format(why + strlen(why), n - strlen(why), " (call returned %lld)", ret);
out:
	mmput(mm);
	return result;
}

/* See kernel/mm_atomic_test.h. */
void run_mm_atomic_test(void)
{
	char why[240];
	uint64_t t0 = rdtsc_ordered();
	kmem_cache_shrink_all();
	uint64_t free_at_start = nr_free_pages();
	for (uint32_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mm_case *c = &cases[i];
		char name[64];
		format(name, sizeof(name), "mm_atomic.%s", c->name);
		uint64_t nth = 1, failed_calls = 0, absorbed = 0;
		bool call_failed;
		int r;
		while ((r = run_case_at(c, nth, why, sizeof(why), &call_failed)) == 1 && nth < MAX_TRIES) {
			if (call_failed)
				failed_calls++;
			else
				absorbed++;
			nth++;
		}
		if (r == 1)
			format(why, sizeof(why), "still failing at injection point %llu", nth);
		if (r != 0)
			record_test(name, TEST_FAIL, "injection point %llu: %s", nth, why);
		else
			record_test(name, TEST_PASS,
				    "%llu allocations failed in turn: %llu calls failed changing nothing, %llu succeeded anyway; "
				    "allocation %llu not reached, the call succeeded",
				    nth - 1, failed_calls, absorbed, nth);
	}
	/* The comparison itself must be able to fail. */
	bool call_failed;
	int r = run_case_at(&broken_case, 1, why, sizeof(why), &call_failed);
	record_check("mm_atomic.check_catches_lost_page", r == -1 && call_failed,
		     "a call that drops a page and then fails: %s", r == -1 ? why : "not caught");
	kmem_cache_shrink_all();
	uint64_t free_at_end = nr_free_pages();
	record_check("mm_atomic.no_frame_leaked", free_at_end == free_at_start,
		     "%llu free frames before the cases, %llu after; the cases took %llu us", free_at_start, free_at_end,
		     (rdtsc_ordered() - t0) * 1000000 / (tsc_hz ? tsc_hz : 1));
}
