/*
 * mmap, munmap and brk on an mm (paging/mm.h), after Linux's mm/mmap.c, for
 * anonymous memory. The VMA bookkeeping is paging/vma.c; the page-table
 * side (zap, populate) is paging/memory.c.
 *
 * Failure atomicity: a call either completes or leaves the VMAs, every
 * page-table entry and page-table page, and every byte of user data as they
 * were, also when a frame, table or VMA allocation fails part-way. The
 * means: everything that can fail (VMAs: vma_reserve()) is allocated before
 * the first change. The one exception is Linux's: MAP_POPULATE keeps the
 * mapping when population runs out of memory.
 */
#include "paging/mm.h"
#include "paging/mm_account.h"
#include "paging/mlock.h"
#include "paging/mman.h"
#include "paging/hugetlb.h"
#include "paging/huge_memory.h"
#include "paging/memory.h"
#include "paging/range.h"
#include "paging/vma.h"
#include "base/errno.h"

/* The highest user address a mapping may reach: the 47-bit window unless
 * the hint itself lies above it (5-level paging), as Linux's x86
 * arch_get_unmapped_area_topdown. A hint below the window whose range
 * would cross it is not taken (mmap_address_hint_valid): the search then
 * stays below 128 TiB. */
static uint64_t mmap_limit(uint64_t hint)
{
	return hint > DEFAULT_MAP_WINDOW ? TASK_SIZE_MAX : DEFAULT_MAP_WINDOW;
}

/* See paging/mm.h. */
uint64_t count_vma_pages_range(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	uint64_t pages = 0;
	for (struct vm_area_struct *vma = find_vma(mm, start); vma && vma->vm_start < end; vma = vma_next(vma)) {
		uint64_t s = vma->vm_start > start ? vma->vm_start : start;
		uint64_t e = vma->vm_end < end ? vma->vm_end : end;
		pages += (e - s) >> PAGE_SHIFT;
	}
	return pages;
}

/* Linux's mmap_region checks before it maps: RLIMIT_AS/RLIMIT_DATA
 * (may_expand_vm, counting the pages a MAP_FIXED replaces as freed) and
 * the overcommit heuristic for an accounted mapping. 0 or -ENOMEM. */
static int mmap_may_map(struct mm_struct *mm, uint64_t start, uint64_t plen, uint64_t vm_flags)
{
	uint64_t pages = plen >> PAGE_SHIFT;
	if (!may_expand_vm(mm, vm_flags, pages) &&
	    !may_expand_vm(mm, vm_flags, pages - count_vma_pages_range(mm, start, start + plen)))
		return -ENOMEM;
	if (mapping_is_accounted(vm_flags) && vm_enough_memory(pages))
		return -ENOMEM;
	return 0;
}

/* See paging/mm.h. */
int64_t do_mmap(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd,
		uint64_t off)
{
	(void)fd;
	if (!(flags & MAP_ANONYMOUS))
		return -EBADF;           /* no file given: any fd is a bad one */
	return do_mmap_file(mm, addr, len, prot, flags, NULL, off);
}

/* See paging/mm.h. */
int64_t do_mmap_file(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags,
		     const struct mmap_file *mf, uint64_t off)
{
	if (flags & MAP_ANONYMOUS)
		mf = NULL;               /* Linux ignores fd for an anonymous mapping */
	if ((flags & MAP_TYPE) != MAP_PRIVATE && (flags & MAP_TYPE) != MAP_SHARED &&
	    (flags & MAP_TYPE) != MAP_SHARED_VALIDATE)
		return -EINVAL;
	/* Linux's ksys_mmap_pgoff: the pool by the size flag, the length rounded up to its pages. */
	struct hstate *h = NULL;
	uint64_t hmask = PAGE_SIZE - 1;
	if (flags & MAP_HUGETLB) {
		h = hstate_sizelog((uint32_t)(flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK);
		if (!h)
			return -EINVAL;
		hmask = huge_page_size(h) - 1;
		if (len > TASK_SIZE_MAX)
			return -ENOMEM;
		len = (len + hmask) & ~hmask;
	}
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
	if (h) {
		vm_flags |= hugetlb_vm_flags(h);
		/* hugetlb_get_unmapped_area: a fixed address must be aligned. */
		if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && (addr & hmask))
			return -EINVAL;
		/* hugetlb_reserve_pages, before anything changes (none with MAP_NORESERVE). */
		if (!(vm_flags & VM_NORESERVE) && !hugetlb_may_reserve(h, plen))
			return -ENOMEM;
	}
	if (mf) {
		if ((off >> PAGE_SHIFT) + (plen >> PAGE_SHIFT) < (off >> PAGE_SHIFT))
			return -EOVERFLOW;
		if ((vm_flags & VM_SHARED) && (prot & PROT_WRITE) && !mf->writable)
			return -EACCES;
		if (!mf->readable)
			return -EACCES;
		if ((vm_flags & VM_SHARED) && !mf->writable)
			vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
	}
	/* mlock (paging/mlock.c): mlockall(MCL_FUTURE)'s flags, MAP_LOCKED,
	 * RLIMIT_MEMLOCK; hugetlb VMAs are never locked (Linux's mmap_region). */
	vm_flags |= mm->def_flags;
	if (flags & MAP_LOCKED) {
		if (!can_do_mlock())
			return -EPERM;
		vm_flags |= VM_LOCKED;
	}
	if (mlock_future_check(mm, vm_flags, plen))
		return -EAGAIN;
	if (h)
		vm_flags &= ~(VM_LOCKED | VM_LOCKONFAULT);
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
			int err = mmap_may_map(mm, start, plen, vm_flags);
			if (err)
				return err;
			/* Unlike Linux, which can fail after the unmap and leave a hole:
			 * the split and the new VMA are set aside before the old
			 * mapping goes, so the call is all-or-nothing. */
			err = vma_reserve(mm, 2);
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
		if (h)
			hint = (hint + hmask) & ~hmask;
		start = get_unmapped_area(mm, plen, hint, MMAP_MIN_ADDR, mmap_limit(hint));
		if (h && !IS_ERR_VALUE(start) && (start & hmask)) {
			/* A free range aligned to the huge page size: the highest fit
			 * of plen + the alignment, rounded up. */
			start = get_unmapped_area(mm, plen + hmask + 1 - PAGE_SIZE, 0, MMAP_MIN_ADDR,
						  mmap_limit(hint));
			if (!IS_ERR_VALUE(start))
				start = (start + hmask) & ~hmask;
		}
		if (IS_ERR_VALUE(start))
			return (int64_t)start;
	}
	if (!find_vma_intersection(mm, start, start + plen)) {
		int err = mmap_may_map(mm, start, plen, vm_flags);
		if (err)
			return err;
	}
	int err = mf ? vma_map_file(mm, start, plen, vm_flags, mf->file, mf->mapping, off >> PAGE_SHIFT, mf->vm_ops)
		     : vma_map_range(mm, start, plen, vm_flags);
	vma_unreserve(mm);
	if (err)
		return err;
	if ((flags & MAP_POPULATE) || (vm_flags & (VM_LOCKED | VM_LOCKONFAULT)) == VM_LOCKED) {
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

/* See paging/mm.h. Linux: every bad range is -EINVAL, checked with the
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

/* The ranges do_munmap_unlock took out of the tree, torn down after the
 * downgrade; past MUNMAP_LATER_MAX of them (a call across many VMAs) the
 * rest go at once, under the write hold. */
#define MUNMAP_LATER_MAX 8
struct munmap_later {
	struct mm_struct *mm;
	uint32_t n;
	uint64_t start[MUNMAP_LATER_MAX], end[MUNMAP_LATER_MAX];
};

/* vma_range_fn of do_munmap_unlock: notes the range (the THPs its ends cut
 * split now, while no fault runs), or drops it at once when the list is full. */
static void unmap_later(void *ctx, uint64_t start, uint64_t end)
{
	struct munmap_later *l = ctx;
	if (l->n == MUNMAP_LATER_MAX) {
		unmap_pages(l->mm, start, end);
		return;
	}
	split_huge_pmd_address(l->mm, start);
	split_huge_pmd_address(l->mm, end);
	l->start[l->n] = start;
	l->end[l->n++] = end;
}

/* See paging/mm.h. */
int64_t do_munmap_unlock(struct mm_struct *mm, uint64_t addr, uint64_t len)
{
	if ((addr & ~PAGE_MASK) || !range_in_user(addr, len, TASK_SIZE_MAX) || !PAGE_ALIGN(len)) {
		mmap_write_unlock(mm);
		return -EINVAL;
	}
	/* A hugetlb range keeps the write hold (its pool's accounting). */
	uint64_t end = addr + PAGE_ALIGN(len);
	for (struct vm_area_struct *v = find_vma(mm, addr); v && v->vm_start < end; v = v->vm_next)
		if (v->vm_flags & VM_HUGETLB) {
			int64_t r = do_munmap(mm, addr, len);
			mmap_write_unlock(mm);
			return r;
		}
	struct munmap_later l = { .mm = mm, .n = 0 };
	int64_t ret = vma_unmap_range(mm, addr, PAGE_ALIGN(len), unmap_later, &l);
	if (!l.n) {
		mmap_write_unlock(mm);
		return ret;
	}
	mmap_write_downgrade(mm);
	for (uint32_t i = 0; i < l.n; i++)
		unmap_page_range(mm, l.start[i], l.end[i]);
	mmap_read_unlock(mm);
	mmap_write_lock(mm);
	for (uint32_t i = 0; i < l.n; i++)
		free_pgtables_range(mm, l.start[i], l.end[i]);
	mmap_write_unlock(mm);
	return ret;
}

/*
 * See paging/mm.h. Linux semantics (without CONFIG_COMPAT_BRK): returns
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
	/* Linux's check_data_rlimit: the heap and the data segment within RLIMIT_DATA. */
	uint64_t data_limit = mm_rlimit(RLIMIT_DATA);
	if (data_limit != RLIM_INFINITY && brk - mm->start_brk + (mm->end_data - mm->start_data) > data_limit)
		return (int64_t)mm->brk;
	/* newbrk <= TASK_SIZE_MAX: newbrk + PAGE_SIZE cannot wrap. */
	struct vm_area_struct *next = find_vma(mm, oldbrk);
	if (next && newbrk + PAGE_SIZE > vm_start_gap(mm, next))
		return (int64_t)mm->brk;
	if (oldbrk < MMAP_MIN_ADDR)
		return (int64_t)mm->brk;
	/* check_brk_limits: after mlockall(MCL_FUTURE) the heap is locked too,
	 * within RLIMIT_MEMLOCK (paging/mlock.c). */
	uint64_t brk_flags = VM_DATA_FLAGS_NON_EXEC | mm->def_flags;
	if (mlock_future_check(mm, brk_flags, newbrk - oldbrk))
		return (int64_t)mm->brk;
	/* do_brk_flags: RLIMIT_AS/RLIMIT_DATA and the overcommit heuristic. */
	if (!may_expand_vm(mm, VM_DATA_FLAGS_NON_EXEC, (newbrk - oldbrk) >> PAGE_SHIFT) ||
	    vm_enough_memory((newbrk - oldbrk) >> PAGE_SHIFT))
		return (int64_t)mm->brk;
	if (vma_map_range(mm, oldbrk, newbrk - oldbrk, brk_flags))
		return (int64_t)mm->brk;
	mm->brk = brk;
	/* Linux 6.1's brk populates a locked heap (also with MCL_ONFAULT). */
	struct vm_area_struct *heap = (brk_flags & VM_LOCKED) ? find_vma(mm, oldbrk) : NULL;
	if (heap)
		populate_range(heap, oldbrk, newbrk);
	return (int64_t)brk;
}

