/*
 * mremap on an mm (paging/mm.h), after Linux's mm/mremap.c: shrink in
 * place, grow in place, or move the page-table entries to a new range.
 *
 * Failure atomicity: everything that can fail (VMAs: vma_reserve(); tables
 * for the moved entries: prepare_move()) is allocated before the first
 * change, so a call completes or changes nothing.
 */
#include "paging/rmap.h"
#include "paging/mm.h"
#include "paging/mm_account.h"
#include "paging/mman.h"
#include "paging/huge_memory.h"
#include "paging/memory.h"
#include "paging/mmu_gather.h"
#include "paging/range.h"
#include "paging/vma.h"
#include "base/errno.h"
#include "paging/init.h"
#include "paging/page.h"
#include "paging/tlb.h"
#include "base/panic.h"

/* vma_range_fn: unmap_pages() keeping the page-table pages (mremap onto a
 * mapping, whose tables were prepared for the entries moving in). */
static void unmap_kept_tables(void *ctx, uint64_t start, uint64_t end)
{
	unmap_page_range((struct mm_struct *)ctx, start, end);
}

struct move_ctx {
	struct mm_struct *mm;
	uint64_t delta;            /* destination - source, mod 2^64 */
	uint64_t start, end;       /* the source range */
	struct pt_ops ops;         /* prepare_move's: tables marked with this call's number */
	uint64_t generation;       /* that number */
	struct mmu_gather *tlb;    /* move_one's: the source entries moved, flushed once */
};

/* Tables prepare_move() makes carry the number of the call in page->private
 * (unused for table pages), so a failed call frees exactly its own. Calls
 * in other mms run at once on other CPUs (no big kernel lock): each takes
 * its own number. */
static uint64_t prepare_generation;

/* pt_ops alloc_table (ctx: the move_ctx): a page-table page, marked as
 * this prepare_move()'s. */
static uint64_t prepared_table_alloc(void *ctx)
{
	const struct move_ctx *m = ctx;
	uint64_t phys = pgtable_alloc_page(NULL);
	if (phys)
		phys_to_page(phys)->private = m->generation;
	return phys;
}

/* pt_table_pred (ctx: the move_ctx): was this empty table made by its
 * prepare_move()? */
static bool prepared_now(void *ctx, uint64_t phys)
{
	const struct move_ctx *m = ctx;
	return phys_to_page(phys)->private == m->generation;
}

/* walk_leaves callback: makes the table for one entry's destination exist;
 * for a THP, the tables for the 4 KiB entries of its part inside [start,
 * end), which it is split into once nothing can fail any more. */
static int prepare_one(void *ctx, uint64_t va, int level, uint64_t *entry)
{
	struct move_ctx *m = ctx;
	if (!*entry)
		return 0;
	if (level == PG_LEVEL_4K)
		return walk_pte(m->mm->pgd, va + m->delta, true, &m->ops) ? 0 : 1;
	if (is_huge_zero_pmd(__pmd(*entry)))
		return 0;   /* dropped, not moved: its pages read as zeros at the destination too */
	uint64_t from = va > m->start ? va : m->start, to = m->end - va < PMD_SIZE ? m->end : va + PMD_SIZE;
	for (uint64_t a = from; a < to; a += PAGE_SIZE)
		if (!walk_pte(m->mm->pgd, a + m->delta, true, &m->ops))
			return 1;
	return 0;
}

/* free_empty_tables of mm's [start, end) (may_free given ctx), each table
 * freed only after a flush on every CPU of mm (their paging-structure
 * caches may hold it). */
static void free_empty_tables_flushed(struct mm_struct *mm, uint64_t start, uint64_t end, pt_table_pred may_free,
				      void *ctx)
{
	struct mmu_gather tlb;
	tlb_gather_mmu(&tlb, mm);
	free_empty_tables_ops(mm->pgd, start, end, may_free, ctx, &tlb.table_ops);
	tlb_finish_mmu(&tlb);
}

/*
 * Allocates every page-table page the move of the entries of [addr,
 * addr+len) to dst will need, so that moving them cannot fail. Returns 0, or
 * -ENOMEM after giving back exactly the tables it made.
 */
static int prepare_move(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t dst)
{
	/* The ops are filled in at run time: the kernel runs at another address than it was linked for. */
	struct move_ctx m = { mm, dst - addr, addr, addr + len, { prepared_table_alloc, pgtable_free_page, NULL },
			      __atomic_add_fetch(&prepare_generation, 1, __ATOMIC_RELAXED), NULL };
	m.ops.ctx = &m;
	if (walk_leaves(mm->pgd, addr, addr + len, prepare_one, &m) == 0)
		return 0;
	free_empty_tables_flushed(mm, dst, dst + len, prepared_now, &m);
	return -ENOMEM;
}

/* walk_leaves callback: moves one entry delta bytes up (move_page_tables);
 * prepare_move() made its destination table. */
static int move_one(void *ctx, uint64_t va, int level, uint64_t *entry)
{
	struct move_ctx *m = ctx;
	if (level != PG_LEVEL_4K || !*entry)
		return 0;
	pte_t *dst = walk_pte(m->mm->pgd, va + m->delta, false, NULL);
	if (!dst)
		panic("move_one: no table for 0x%llx (prepare_move)", va + m->delta);
	pte_t pte = __pte(*entry);
	if (pte_present(pte) && !pte_special(pte))
		page_move_anon_rmap(pfn_to_page(pte_pfn(pte)), va + m->delta);   /* the reverse map follows */
	set_pte_at(m->mm, va + m->delta, dst, pte);
	pte_clear(m->mm, va, leaf_pte(entry, level));
	tlb_remove_tlb_entry(m->tlb, va, PG_LEVEL_4K);
	return 0;
}

/*
 * Moves [addr, addr+old_len) of vma to dst as a VMA of new_len bytes
 * (mremap's move_vma). With fixed, [dst, dst+new_len) may be mapped and is
 * replaced; else it is free. A source longer than new_len loses its tail.
 * The new VMA has vma's flags and, for a file or shmem VMA, its file from
 * the page that was at addr (Linux's copy_vma; merged with a neighbour
 * that maps the pages before or after). With dontunmap (MREMAP_DONTUNMAP,
 * old_len == new_len) the source stays mapped, emptied of its pages: they
 * are all at dst, and the source faults in fresh zero-filled pages, or the
 * file's pages again, as Linux's. old_len 0 (a shared file VMA only, Linux's
 * duplication) maps the same pages a second time and moves nothing. First
 * allocates all it may need (4 VMAs with fixed, else 2; the destination
 * tables), so it either returns dst with everything moved or -ENOMEM with
 * nothing changed.
 */
static int64_t move_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr, uint64_t old_len,
			uint64_t dst, uint64_t new_len, bool fixed, bool dontunmap)
{
	uint64_t len = old_len < new_len ? old_len : new_len;
	/* vma may be cut below (the tail, a fixed destination inside it): what
	 * the new VMA copies is read now. Its file stays referenced by the
	 * source VMA until the new one holds its own. */
	uint64_t vm_flags = vma->vm_flags;
	struct file *file = vma->vm_file;
	struct address_space *mapping = vma->vm_mapping;
	const struct vm_operations_struct *vm_ops = vma->vm_ops;
	uint64_t pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	int err = vma_reserve(mm, fixed ? 4 : 2);
	if (err)
		return err;
	/* THPs of a fixed destination become pte tables first, so that the
	 * tables for the entries moving in can be prepared where their leaves
	 * were: from their deposits (nothing allocated; same data and rights),
	 * but the one change made before the call may still fail. */
	if (fixed)
		split_huge_pmd_range(mm, dst, dst + new_len);
	err = len ? prepare_move(mm, addr, len, dst) : 0;
	if (err) {
		vma_unreserve(mm);
		return err;
	}
	/* The source's THPs move as 4 KiB entries (their tables are prepared). */
	if (len)
		split_huge_pmd_range(mm, addr, addr + len);
	/* Nothing below can fail. The pages of the destination and of a dropped
	 * tail go, but not their tables before the move: a prepared table may
	 * be one of them, left empty for a moment. */
	if (fixed && vma_unmap_range(mm, dst, new_len, unmap_kept_tables, mm))
		panic("move_vma: unmap of the destination failed with VMAs reserved");
	if (len < old_len && vma_unmap_range(mm, addr + len, old_len - len, unmap_kept_tables, mm))
		panic("move_vma: shrink failed with VMAs reserved");
	if (file ? vma_map_file(mm, dst, new_len, vm_flags, file, mapping, pgoff, vm_ops)
		 : vma_map_range(mm, dst, new_len, vm_flags))
		panic("move_vma: map failed with VMAs reserved");
	if (len) {
		struct mmu_gather tlb;
		tlb_gather_mmu(&tlb, mm);
		struct move_ctx m = { .mm = mm, .delta = dst - addr, .tlb = &tlb };
		walk_leaves(mm->pgd, addr, addr + len, move_one, &m);
		tlb_finish_mmu(&tlb);   /* no CPU reaches a page through its old address any more */
		if (dontunmap)
			free_empty_tables_flushed(mm, addr, addr + len, NULL, NULL);   /* the source keeps its VMA, no entries */
		else if (vma_unmap_range(mm, addr, len, unmap_pages, mm))
			panic("move_vma: unmap of the source failed with VMAs reserved");
	}
	if (fixed)
		free_empty_tables_flushed(mm, dst, dst + new_len, NULL, NULL);
	if (len < old_len)
		free_empty_tables_flushed(mm, addr + len, addr + old_len, NULL, NULL);
	vma_unreserve(mm);
	return (int64_t)dst;
}

/* Linux's vma_to_resize allows old_len 0 (a second mapping of the same
 * pages) only for a shared mapping; here only where the pages have an
 * object to be found in (a file or shmem VMA). */
static bool may_duplicate(const struct vm_area_struct *vma)
{
	return (vma->vm_flags & (VM_SHARED | VM_MAYSHARE)) && vma->vm_mapping;
}

/* Linux's vma_to_resize: the file page at the end of the grown range must
 * not wrap the page offset (-EINVAL). */
static bool pgoff_wraps(const struct vm_area_struct *vma, uint64_t addr, uint64_t new_len)
{
	uint64_t pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	return pgoff + (new_len >> PAGE_SHIFT) < pgoff;
}

/*
 * mremap with MREMAP_DONTUNMAP (len == old_len == new_len, page-aligned,
 * vma the VMA at addr): Linux 6.1's mremap_to checks in its order: new_addr
 * aligned and inside user space and the ranges not overlapping (-EINVAL,
 * also without MREMAP_FIXED, where new_addr is a hint); the old range
 * non-empty (-EINVAL) and inside the VMA (-EFAULT); the grown address space
 * (RLIMIT_AS, the overcommit heuristic: the source stays, so the whole
 * length is new: -ENOMEM); with MREMAP_FIXED new_addr below mmap_min_addr
 * -EPERM. A file or shmem mapping moves too (Linux 5.13 on): the source
 * refaults the object's pages; a shared anonymous VMA without an object
 * (in-kernel mm tests only) is -EINVAL. Then the move, all or nothing.
 */
static int64_t mremap_dontunmap(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr, uint64_t len,
				uint64_t flags, uint64_t new_addr)
{
	if ((new_addr & ~PAGE_MASK) || !range_in_user(new_addr, len, TASK_SIZE_MAX))
		return -EINVAL;
	if (range_in_user(addr, len, TASK_SIZE_MAX) && ranges_overlap(addr, len, new_addr, len))
		return -EINVAL;
	if (!len)
		return -EINVAL;
	if ((vma->vm_flags & VM_SHARED) && !vma->vm_mapping)
		return -EINVAL;
	if (len > vma->vm_end - addr)
		return -EFAULT;
	bool fixed = (flags & MREMAP_FIXED) != 0;
	uint64_t pages = len >> PAGE_SHIFT;
	uint64_t freed = fixed ? count_vma_pages_range(mm, new_addr, new_addr + len) : 0;
	if (!may_expand_vm(mm, vma->vm_flags, pages - freed))
		return -ENOMEM;
	if (mapping_is_accounted(vma->vm_flags) && vm_enough_memory(pages))
		return -ENOMEM;
	uint64_t dst = new_addr;
	if (fixed) {
		if (new_addr < MMAP_MIN_ADDR)
			return -EPERM;
	} else {
		uint64_t hint = new_addr && new_addr >= MMAP_MIN_ADDR ? new_addr : 0;
		dst = get_unmapped_area(mm, len, hint, MMAP_MIN_ADDR, DEFAULT_MAP_WINDOW);
		if (IS_ERR_VALUE(dst))
			return (int64_t)dst;
	}
	return move_vma(mm, vma, addr, len, dst, len, fixed, true);
}

/*
 * Grows vma, whose range [addr, addr+old_len) ends it, into the free pages
 * above (vma_adjust in Linux's do_mremap): an anonymous VMA by mapping
 * them with its flags, a file VMA by mapping the file's next pages, each
 * merged into vma. Returns 0 or -ENOMEM (nothing changed).
 */
static int grow_in_place(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr, uint64_t old_len,
			 uint64_t new_len)
{
	uint64_t end = addr + old_len;
	if (!vma->vm_file)
		return vma_map_range(mm, end, new_len - old_len, vma->vm_flags);
	return vma_map_file(mm, end, new_len - old_len, vma->vm_flags, vma->vm_file, vma->vm_mapping,
			    vma->vm_pgoff + ((end - vma->vm_start) >> PAGE_SHIFT), vma->vm_ops);
}

/*
 * See paging/mm.h. Shrinks in place, grows in place when the pages
 * above are free, else moves (MREMAP_MAYMOVE, to new_addr with
 * MREMAP_FIXED) by moving the page-table entries, as Linux does.
 *
 * The arguments are checked as Linux 6.1's do_mremap/mremap_to/vma_to_resize
 * do, each range with range_in_user() and before anything changes: flags
 * and alignment (-EINVAL), the new length (0 after rounding, which includes
 * a rounding that wraps: -EINVAL), the VMA at addr (-EFAULT); with
 * MREMAP_FIXED new_addr's alignment and range (-EINVAL) and the overlap of
 * old and new (-EINVAL). Then the old range: for a shrink its tail must be
 * a range munmap takes (-EINVAL); for a grow or a move it must be non-empty
 * (-EINVAL), unless the VMA is a shared file or shmem one (old_len 0 then
 * maps the same pages again, as Linux), and inside the VMA (-EFAULT); the
 * grown range's file page offset must not wrap (-EINVAL). An old range that
 * wraps past 2^64 fails these, never "ends" low. Last, new_addr below
 * mmap_min_addr is -EPERM. A shrink, as in Linux, just unmaps the tail,
 * whatever VMAs it covers. (Linux 6.17 and later refuse a new length beyond
 * user space up front with -EINVAL; 6.1 gets to -EFAULT or -ENOMEM.)
 *
 * File and shmem VMAs (Linux's rules): a move keeps the page offset of
 * every page (the new VMA maps the file from the page that was at addr),
 * the page-cache pages keep their map counts (the entries move), growth
 * maps the file's next pages (past its end they are SIGBUS, as Linux's
 * shmem after a grow). Linux's -EAGAIN for VM_LOCKED growth past
 * RLIMIT_MEMLOCK cannot happen here: there is no mlock, and every program
 * runs as root (CAP_IPC_LOCK).
 */
int64_t do_mremap(struct mm_struct *mm, uint64_t addr, uint64_t old_len, uint64_t new_len, uint64_t flags,
		  uint64_t new_addr)
{
	if (flags & ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	/* MREMAP_DONTUNMAP is always a move, and of the same length (compared as given). */
	if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	page_align_len(old_len, &old_len);   /* a rounding that wraps leaves 0, as PAGE_ALIGN */
	page_align_len(new_len, &new_len);
	if (!new_len)
		return -EINVAL;
	struct vm_area_struct *vma = vma_lookup(mm, addr);
	if (!vma)
		return -EFAULT;
	bool old_ok = range_in_user(addr, old_len, TASK_SIZE_MAX);
	if (flags & MREMAP_DONTUNMAP)
		return mremap_dontunmap(mm, vma, addr, old_len, flags, new_addr);
	if (flags & MREMAP_FIXED) {
		if ((new_addr & ~PAGE_MASK) || !range_in_user(new_addr, new_len, TASK_SIZE_MAX))
			return -EINVAL;
		if (old_ok && ranges_overlap(addr, old_len, new_addr, new_len))
			return -EINVAL;
		if (!old_ok && old_len > new_len)
			return -EINVAL;   /* the tail's munmap refuses it */
		uint64_t kept = old_len < new_len ? old_len : new_len;
		if (!kept && !may_duplicate(vma))
			return -EINVAL;
		if (kept > vma->vm_end - addr)
			return -EFAULT;
		if (new_len > kept && pgoff_wraps(vma, addr, new_len))
			return -EINVAL;
		if (new_addr < MMAP_MIN_ADDR)
			return -EPERM;
	} else if (old_len >= new_len) {
		if (!old_ok && old_len != new_len)
			return -EINVAL;   /* the tail's munmap refuses it */
	} else {
		if (!old_len && !may_duplicate(vma))
			return -EINVAL;
		if (old_len > vma->vm_end - addr)
			return -EFAULT;   /* the old range must lie in one VMA */
		if (pgoff_wraps(vma, addr, new_len))
			return -EINVAL;
	}
	uint64_t vm_flags = vma->vm_flags;

	if (vm_flags & VM_HUGETLB)
		return -EINVAL;   /* faultline: Linux 6.1 moves and shrinks aligned hugetlb ranges */

	if (new_len > old_len) {
		/* Linux's vma_to_resize: RLIMIT_AS/RLIMIT_DATA (what MREMAP_FIXED
		 * replaces counts as freed: Linux unmaps it first) and the
		 * overcommit heuristic for an accounted mapping. */
		uint64_t grow = (new_len - old_len) >> PAGE_SHIFT;
		uint64_t freed = (flags & MREMAP_FIXED) ? count_vma_pages_range(mm, new_addr, new_addr + new_len) : 0;
		if (!may_expand_vm(mm, vm_flags, grow > freed ? grow - freed : 0))
			return -ENOMEM;
		if (mapping_is_accounted(vm_flags) && vm_enough_memory(grow))
			return -ENOMEM;
	}

	if (flags & MREMAP_FIXED)
		return move_vma(mm, vma, addr, old_len, new_addr, new_len, true, false);
	if (new_len <= old_len) {
		if (new_len < old_len && old_ok) {
			int err = vma_unmap_range(mm, addr + new_len, old_len - new_len, unmap_pages, mm);
			if (err)
				return err;
		}
		return (int64_t)addr;
	}
	if (range_in_user(addr, new_len, TASK_SIZE_MAX) &&
	    !find_vma_intersection(mm, addr + old_len, addr + new_len) && !grow_in_place(mm, vma, addr, old_len, new_len))
		return (int64_t)addr;
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	uint64_t dst = get_unmapped_area(mm, new_len, 0, MMAP_MIN_ADDR, DEFAULT_MAP_WINDOW);
	if (IS_ERR_VALUE(dst))
		return (int64_t)dst;
	return move_vma(mm, vma, addr, old_len, dst, new_len, false, false);
}

