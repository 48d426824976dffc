/*
 * The memory syscalls: mmap, munmap, mprotect, brk, madvise, mremap, after
 * Linux's mm/mmap.c, mm/mprotect.c, mm/madvise.c and mm/mremap.c, for
 * anonymous memory. The VMA bookkeeping is paging/vma.c; the page-table side
 * (zap, protection change, populate) is paging/memory.c.
 *
 * Each sys_* decodes nothing more than current->mm and hands its arguments
 * to do_* (kernel/sys_mm.h), which validates them and works on the mm it
 * is given: the self-test (kernel/mm_atomic_test.c) drives the do_* on an
 * mm of its own.
 *
 * Failure atomicity: a call either completes or leaves the VMAs, every
 * page-table entry and page-table page, and every byte of user data as they
 * were, also when a frame, table or VMA allocation fails part-way. The
 * means: everything that can fail (VMAs: vma_reserve(); tables for moved
 * entries: prepare_move()) is allocated before the first change. The one
 * exception is Linux's: MAP_POPULATE keeps the mapping when population runs
 * out of memory.
 */
#include "fault/syscall.h"
#include "kernel/sys_mm.h"
#include "base/panic.h"
#include "kernel/exec.h"
#include "base/process.h"
#include "cpu/percpu.h"
#include "base/string.h"
#include "paging/range.h"
#include "paging/init.h"
#include "paging/memory.h"
#include "paging/page.h"
#include "paging/tlb.h"
#include "paging/vma.h"

#define PROT_READ   0x1
#define PROT_WRITE  0x2
#define PROT_EXEC   0x4
#define MAP_SHARED  0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE    0x0f
#define MAP_FIXED   0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x0100
#define MAP_DENYWRITE 0x0800
#define MAP_EXECUTABLE 0x1000
#define MAP_LOCKED  0x2000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_NONBLOCK 0x10000
#define MAP_STACK   0x20000
#define MAP_HUGETLB 0x40000
#define MAP_FIXED_NOREPLACE 0x100000
#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4
#define MADV_FREE 8
#define MADV_HUGEPAGE 14
#define MADV_NOHUGEPAGE 15
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2

/* PAGE_ALIGN for lengths already known to be at most TASK_SIZE_MAX (no wrap). */
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)

/* The highest user address a mapping may reach: the 47-bit window unless a
 * hint asks for more (5-level paging, as Linux). */
static uint64_t mmap_limit(uint64_t hint, uint64_t len)
{
	if (hint && !range_in_user(hint, len, DEFAULT_MAP_WINDOW))
		return TASK_SIZE_MAX;
	return DEFAULT_MAP_WINDOW;
}

static uint64_t calc_vm_flags(uint64_t prot, uint64_t flags)
{
	uint64_t vm = VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
	if (prot & PROT_READ)
		vm |= VM_READ;
	if (prot & PROT_WRITE)
		vm |= VM_WRITE;
	if (prot & PROT_EXEC)
		vm |= VM_EXEC;
	if ((flags & MAP_TYPE) == MAP_SHARED || (flags & MAP_TYPE) == MAP_SHARED_VALIDATE)
		vm |= VM_SHARED | VM_MAYSHARE;
	if (flags & MAP_GROWSDOWN)
		vm |= VM_GROWSDOWN;
	if (flags & MAP_NORESERVE)
		vm |= VM_NORESERVE;
	return vm;
}

/* vma_range_fn: the pages of a range that stopped being mapped. */
static void unmap_pages(void *ctx, uint64_t start, uint64_t end)
{
	zap_page_range((struct mm_struct *)ctx, start, end);
}

/* vma_range_fn: unmap_pages() keeping the page-table pages (mremap onto a
 * mapping, whose tables were prepared for the entries moving in). */
static void unmap_kept_tables(void *ctx, uint64_t start, uint64_t end)
{
	unmap_page_range((struct mm_struct *)ctx, start, end);
}

/* vma_range_fn: a range whose VMA got new rights (mprotect). */
static void reprotect_pages(void *ctx, uint64_t start, uint64_t end)
{
	struct vm_area_struct *vma = find_vma((struct mm_struct *)ctx, start);
	if (vma)
		change_protection(vma, start, end);
}

/* See kernel/sys_mm.h. */
int64_t do_mmap(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd,
		uint64_t off)
{
	(void)fd;
	if (!(flags & MAP_ANONYMOUS))
		return -EBADF;           /* no files: any fd is a bad one */
	if ((flags & MAP_TYPE) != MAP_PRIVATE && (flags & MAP_TYPE) != MAP_SHARED &&
	    (flags & MAP_TYPE) != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (flags & MAP_HUGETLB)
		return -EINVAL;          /* no hugetlbfs */
	if (off & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return -EINVAL;
	uint64_t plen;
	if (!page_align_len(len, &plen) || plen > TASK_SIZE_MAX)
		return -ENOMEM;
	if (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;

	uint64_t vm_flags = calc_vm_flags(prot, flags);
	uint64_t start;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		/* Linux's order: the range (get_unmapped_area), the alignment, then
		 * security_mmap_addr's mmap_min_addr. */
		if (!range_in_user(addr, plen, TASK_SIZE_MAX))
			return -ENOMEM;   /* includes the never-mapped top user page */
		if (addr & ~PAGE_MASK)
			return -EINVAL;
		if (addr < MMAP_MIN_ADDR)
			return -EPERM;
		start = addr;
		if (find_vma_intersection(mm, start, start + plen)) {
			if (!(flags & MAP_FIXED))
				return -EEXIST;  /* MAP_FIXED_NOREPLACE */
			/* Unlike Linux, which can fail after the unmap and leave a hole:
			 * the split and the new VMA are set aside before the old
			 * mapping goes, so the call is all-or-nothing. */
			int err = vma_reserve(mm, 2);
			if (err)
				return err;
			err = vma_unmap_range(mm, start, plen, unmap_pages, mm);
			if (err) {
				vma_unreserve(mm);
				return err;
			}
		}
	} else {
		/* Linux's round_hint_to_min: the hint's page, raised to mmap_min_addr. */
		uint64_t hint = addr & PAGE_MASK;
		if (hint && hint < MMAP_MIN_ADDR)
			hint = MMAP_MIN_ADDR;
		start = get_unmapped_area(mm, plen, hint, MMAP_MIN_ADDR, mmap_limit(hint, plen));
		if (IS_ERR_VALUE(start))
			return (int64_t)start;
	}
	int err = vma_map_range(mm, start, plen, vm_flags);
	vma_unreserve(mm);
	if (err)
		return err;
	if (flags & MAP_POPULATE) {
		struct vm_area_struct *vma = find_vma(mm, start);
		/* Like Linux, a population that runs out of memory still returns the mapping. */
		for (; vma && vma->vm_start < start + plen; vma = vma_next(vma)) {
			uint64_t s = vma->vm_start > start ? vma->vm_start : start;
			uint64_t e = vma->vm_end < start + plen ? vma->vm_end : start + plen;
			if (vma->vm_flags & VM_ACCESS_FLAGS)
				populate_range(vma, s, e);
		}
	}
	return (int64_t)start;
}

/* See fault/syscall.h. */
int64_t sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd, uint64_t off)
{
	return do_mmap(current->mm, addr, len, prot, flags, fd, off);
}

/* See kernel/sys_mm.h. Linux: every bad range is -EINVAL, checked with the
 * length as given, before it is rounded up. */
int64_t do_munmap(struct mm_struct *mm, uint64_t addr, uint64_t len)
{
	if ((addr & ~PAGE_MASK) || !range_in_user(addr, len, TASK_SIZE_MAX))
		return -EINVAL;
	uint64_t plen = PAGE_ALIGN(len);   /* len <= TASK_SIZE_MAX - addr: cannot wrap */
	if (!plen)
		return -EINVAL;
	return vma_unmap_range(mm, addr, plen, unmap_pages, mm);
}

/* See fault/syscall.h. */
int64_t sys_munmap(uint64_t addr, uint64_t len)
{
	return do_munmap(current->mm, addr, len);
}

/* See kernel/sys_mm.h. Linux's order: alignment, len 0 (success), a
 * wrapping range (-ENOMEM), the prot bits; a range beyond user space has no
 * VMA there: -ENOMEM. */
int64_t do_mprotect(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t prot)
{
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	uint64_t plen;
	if (!page_align_len(len, &plen) || !range_in_user(addr, plen, ~(uint64_t)0))
		return -ENOMEM;
	if (prot & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	if (!range_in_user(addr, plen, TASK_SIZE_MAX))
		return -ENOMEM;
	return vma_protect_range(mm, addr, plen, calc_vm_flags(prot, MAP_PRIVATE) & VM_ACCESS_FLAGS,
				 reprotect_pages, mm);
}

/* See fault/syscall.h. */
int64_t sys_mprotect(uint64_t addr, uint64_t len, uint64_t prot)
{
	return do_mprotect(current->mm, addr, len, prot);
}

/*
 * See kernel/sys_mm.h. Linux semantics (without CONFIG_COMPAT_BRK): returns
 * the new break, or the current one, with nothing changed, when the request
 * cannot be met: below start_brk (brk(0) and brk(-1)'s wrap included), a
 * break whose page rounding wraps or passes the top of user space, growth
 * into (or within a page of, or into the guard gap of) the next mapping, or
 * out of memory.
 */
int64_t do_brk(struct mm_struct *mm, uint64_t brk)
{
	uint64_t newbrk, oldbrk = PAGE_ALIGN(mm->brk);
	if (brk < mm->start_brk)
		return (int64_t)mm->brk;
	if (!page_align_len(brk, &newbrk) || newbrk > TASK_SIZE_MAX)
		return (int64_t)mm->brk;
	if (newbrk == oldbrk) {
		mm->brk = brk;
		return (int64_t)brk;
	}
	if (newbrk < oldbrk) {
		/* brk >= start_brk, so only the heap's own pages are cut. */
		if (vma_unmap_range(mm, newbrk, oldbrk - newbrk, unmap_pages, mm))
			return (int64_t)mm->brk;
		mm->brk = brk;
		return (int64_t)brk;
	}
	/* newbrk <= TASK_SIZE_MAX: newbrk + PAGE_SIZE cannot wrap. */
	struct vm_area_struct *next = find_vma(mm, oldbrk);
	if (next && newbrk + PAGE_SIZE > vm_start_gap(mm, next))
		return (int64_t)mm->brk;
	if (oldbrk < MMAP_MIN_ADDR)
		return (int64_t)mm->brk;
	if (vma_map_range(mm, oldbrk, newbrk - oldbrk, VM_DATA_FLAGS_NON_EXEC))
		return (int64_t)mm->brk;
	mm->brk = brk;
	return (int64_t)brk;
}

/* See fault/syscall.h. */
int64_t sys_brk(uint64_t brk)
{
	return do_brk(current->mm, brk);
}

/* The vm_flags an advice sets and clears (Linux's madvise_update_vma
 * behaviours); false for advice that changes no flag. */
static bool madvise_vm_flags(uint64_t advice, uint64_t *set, uint64_t *clear)
{
	switch (advice) {
	case MADV_NORMAL:     *set = 0;             *clear = VM_RAND_READ | VM_SEQ_READ; return true;
	case MADV_RANDOM:     *set = VM_RAND_READ;  *clear = VM_SEQ_READ;                return true;
	case MADV_SEQUENTIAL: *set = VM_SEQ_READ;   *clear = VM_RAND_READ;               return true;
	case MADV_HUGEPAGE:   *set = VM_HUGEPAGE;   *clear = VM_NOHUGEPAGE;              return true;
	case MADV_NOHUGEPAGE: *set = VM_NOHUGEPAGE; *clear = VM_HUGEPAGE;                return true;
	default:              return false;
	}
}

/*
 * See kernel/sys_mm.h. Linux's order: the advice, the alignment, a length
 * whose rounding wraps or a range that wraps past 2^64 (-EINVAL), an empty
 * range (0). There is no user-space limit: a range beyond it simply has no
 * VMAs (-ENOMEM). Advice that changes vm_flags splits the VMAs at the range's
 * ends and re-merges equal neighbours (vma_modify_flags); like Linux, the
 * mapped parts are advised and unmapped holes make the result -ENOMEM.
 */
int64_t do_madvise(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t advice)
{
	uint64_t set = 0, clear = 0;
	bool changes_flags = madvise_vm_flags(advice, &set, &clear);
	if (!changes_flags && advice != MADV_WILLNEED && advice != MADV_DONTNEED && advice != MADV_FREE)
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	uint64_t plen;
	if (!page_align_len(len, &plen) || !range_in_user(addr, plen, ~(uint64_t)0))
		return -EINVAL;
	if (!plen)
		return 0;
	uint64_t end = addr + plen;   /* range_in_user: no wrap */
	if (changes_flags) {
		int holes = 0;
		int err = vma_modify_flags(mm, addr, plen, set, clear, &holes);
		if (err)
			return err;
		return holes ? -ENOMEM : 0;
	}
	/* Like Linux: the whole range must be mapped (else -ENOMEM), holes are skipped. */
	int64_t ret = 0;
	uint64_t cursor = addr;
	for (struct vm_area_struct *vma = find_vma(mm, addr); vma && vma->vm_start < end; vma = vma_next(vma)) {
		if (vma->vm_start > cursor)
			ret = -ENOMEM;
		uint64_t s = vma->vm_start > addr ? vma->vm_start : addr;
		uint64_t e = vma->vm_end < end ? vma->vm_end : end;
		/* Shared anonymous pages live on in Linux's shmem object; with no such
		 * object here, dropping them would lose the data: keep them mapped. */
		if ((advice == MADV_DONTNEED || advice == MADV_FREE) && !(vma->vm_flags & VM_SHARED))
			zap_page_range(mm, s, e);
		cursor = e;
	}
	if (cursor < end)
		ret = -ENOMEM;
	return ret;
}

/* See fault/syscall.h. */
int64_t sys_madvise(uint64_t addr, uint64_t len, uint64_t advice)
{
	return do_madvise(current->mm, addr, len, advice);
}

struct move_ctx {
	struct mm_struct *mm;
	uint64_t delta;            /* destination - source, mod 2^64 */
	struct pt_ops ops;         /* prepare_move's: tables marked with this call's number */
};

/* Tables prepare_move() makes carry the number of the call in page->private
 * (unused for table pages), so a failed call frees exactly its own. */
static uint64_t prepare_generation;

/* pt_ops alloc_table: a page-table page, marked as this prepare_move()'s. */
static uint64_t prepared_table_alloc(void *ctx)
{
	(void)ctx;
	uint64_t phys = pgtable_alloc_page(NULL);
	if (phys)
		phys_to_page(phys)->private = prepare_generation;
	return phys;
}

/* pt_table_pred: was this empty table made by the current prepare_move()? */
static bool prepared_now(void *ctx, uint64_t phys)
{
	(void)ctx;
	return phys_to_page(phys)->private == prepare_generation;
}

/* walk_leaves callback: makes the table for one entry's destination exist. */
static int prepare_one(void *ctx, uint64_t va, int level, uint64_t *entry)
{
	struct move_ctx *m = ctx;
	if (level != PG_LEVEL_4K || !*entry)
		return 0;
	return walk_pte(m->mm->pgd, va + m->delta, true, &m->ops) ? 0 : 1;
}

/*
 * Allocates every page-table page the move of the entries of [addr,
 * addr+len) to dst will need, so that moving them cannot fail. Returns 0, or
 * -ENOMEM after giving back exactly the tables it made.
 */
static int prepare_move(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t dst)
{
	/* The ops are filled in at run time: the kernel runs at another address than it was linked for. */
	struct move_ctx m = { mm, dst - addr, { prepared_table_alloc, pgtable_free_page, NULL } };
	prepare_generation++;
	if (walk_leaves(mm->pgd, addr, addr + len, prepare_one, &m) == 0)
		return 0;
	free_empty_tables(mm->pgd, dst, dst + len, prepared_now, NULL);
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
	set_pte_at(m->mm, va + m->delta, dst, __pte(*entry));
	pte_clear(m->mm, va, leaf_pte(entry, level));
	flush_tlb_page(va);
	return 0;
}

/*
 * Moves [addr, addr+old_len) to dst as a VMA of new_len bytes (mremap's
 * move_vma). With fixed, [dst, dst+new_len) may be mapped and is replaced;
 * else it is free. A source longer than new_len loses its tail. First
 * allocates all it may need (4 VMAs with fixed, else 2; the destination
 * tables), so it either returns dst with everything moved or -ENOMEM with
 * nothing changed.
 */
static int64_t move_vma(struct mm_struct *mm, uint64_t addr, uint64_t old_len, uint64_t dst, uint64_t new_len,
			uint64_t vm_flags, bool fixed)
{
	uint64_t len = old_len < new_len ? old_len : new_len;
	int err = vma_reserve(mm, fixed ? 4 : 2);
	if (err)
		return err;
	err = prepare_move(mm, addr, len, dst);
	if (err) {
		vma_unreserve(mm);
		return err;
	}
	/* Nothing below can fail. The pages of the destination and of a dropped
	 * tail go, but not their tables before the move: a prepared table may
	 * be one of them, left empty for a moment. */
	if (fixed && vma_unmap_range(mm, dst, new_len, unmap_kept_tables, mm))
		panic("move_vma: unmap of the destination failed with VMAs reserved");
	if (len < old_len && vma_unmap_range(mm, addr + len, old_len - len, unmap_kept_tables, mm))
		panic("move_vma: shrink failed with VMAs reserved");
	if (vma_map_range(mm, dst, new_len, vm_flags))
		panic("move_vma: map failed with VMAs reserved");
	struct move_ctx m = { .mm = mm, .delta = dst - addr };
	walk_leaves(mm->pgd, addr, addr + len, move_one, &m);
	if (vma_unmap_range(mm, addr, len, unmap_pages, mm))
		panic("move_vma: unmap of the source failed with VMAs reserved");
	if (fixed)
		free_empty_tables(mm->pgd, dst, dst + new_len, NULL, NULL);
	if (len < old_len)
		free_empty_tables(mm->pgd, addr + len, addr + old_len, NULL, NULL);
	vma_unreserve(mm);
	return (int64_t)dst;
}

/*
 * See kernel/sys_mm.h. Shrinks in place, grows in place when the pages
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
 * (-EINVAL: no shared-mapping duplication) and inside the VMA (-EFAULT);
 * an old range that wraps past 2^64 fails these, never "ends" low. Last,
 * new_addr below mmap_min_addr is -EPERM. A shrink, as in Linux, just unmaps
 * the tail, whatever VMAs it covers. (Linux 6.17 and later refuse a new
 * length beyond user space up front with -EINVAL; 6.1 gets to -EFAULT or
 * -ENOMEM.)
 */
int64_t do_mremap(struct mm_struct *mm, uint64_t addr, uint64_t old_len, uint64_t new_len, uint64_t flags,
		  uint64_t new_addr)
{
	if ((addr & ~PAGE_MASK) || (flags & ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED)))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	page_align_len(old_len, &old_len);   /* a rounding that wraps leaves 0, as PAGE_ALIGN */
	page_align_len(new_len, &new_len);
	if (!new_len)
		return -EINVAL;
	struct vm_area_struct *vma = vma_lookup(mm, addr);
	if (!vma)
		return -EFAULT;
	bool old_ok = range_in_user(addr, old_len, TASK_SIZE_MAX);
	if (flags & MREMAP_FIXED) {
		if ((new_addr & ~PAGE_MASK) || !range_in_user(new_addr, new_len, TASK_SIZE_MAX))
			return -EINVAL;
		if (old_ok && ranges_overlap(addr, old_len, new_addr, new_len))
			return -EINVAL;
		if (!old_ok && old_len > new_len)
			return -EINVAL;   /* the tail's munmap refuses it */
		uint64_t kept = old_len < new_len ? old_len : new_len;
		if (!kept)
			return -EINVAL;
		if (kept > vma->vm_end - addr)
			return -EFAULT;
		if (new_addr < MMAP_MIN_ADDR)
			return -EPERM;
	} else if (old_len >= new_len) {
		if (!old_ok && old_len != new_len)
			return -EINVAL;   /* the tail's munmap refuses it */
	} else {
		if (!old_len)
			return -EINVAL;
		if (old_len > vma->vm_end - addr)
			return -EFAULT;   /* the old range must lie in one VMA */
	}
	uint64_t vm_flags = vma->vm_flags;

	if (flags & MREMAP_FIXED)
		return move_vma(mm, addr, old_len, new_addr, new_len, vm_flags, true);
	if (new_len <= old_len) {
		if (new_len < old_len && old_ok) {
			int err = vma_unmap_range(mm, addr + new_len, old_len - new_len, unmap_pages, mm);
			if (err)
				return err;
		}
		return (int64_t)addr;
	}
	if (range_in_user(addr, new_len, TASK_SIZE_MAX) &&
	    !find_vma_intersection(mm, addr + old_len, addr + new_len) &&
	    !vma_map_range(mm, addr + old_len, new_len - old_len, vm_flags))
		return (int64_t)addr;
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	uint64_t dst = get_unmapped_area(mm, new_len, 0, MMAP_MIN_ADDR, DEFAULT_MAP_WINDOW);
	if (IS_ERR_VALUE(dst))
		return (int64_t)dst;
	return move_vma(mm, addr, old_len, dst, new_len, vm_flags, false);
}

/* See fault/syscall.h. */
int64_t sys_mremap(uint64_t addr, uint64_t old_len, uint64_t new_len, uint64_t flags, uint64_t new_addr)
{
	return do_mremap(current->mm, addr, old_len, new_len, flags, new_addr);
}

