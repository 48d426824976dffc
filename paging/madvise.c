/* madvise on an mm (paging/mm.h), after Linux's mm/madvise.c: advice that
 * changes vm_flags splits and merges VMAs, MADV_DONTNEED / MADV_FREE drop
 * the private pages of the range, MADV_POPULATE_READ / MADV_POPULATE_WRITE
 * fault them in, MADV_COLD / MADV_PAGEOUT deactivate or reclaim them. */
#include "paging/mm.h"
#include "paging/mman.h"
#include "paging/hugetlb.h"
#include "paging/memory.h"
#include "paging/range.h"
#include "paging/vma.h"
#include "paging/vmscan.h"
#include "base/errno.h"

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
 * Linux 6.1's madvise_populate for one VMA: a VMA without the right for the
 * access (PROT_NONE; read-only for MADV_POPULATE_WRITE) is -EINVAL (Linux
 * reports permission problems so, not as -EFAULT); running out of memory
 * -ENOMEM, a fault that would be a signal -EFAULT. The pages before the
 * failure stay populated, as on Linux.
 */
static int madvise_populate(struct vm_area_struct *vma, uint64_t start, uint64_t end, bool write)
{
	if (write ? !(vma->vm_flags & VM_WRITE) : !(vma->vm_flags & VM_READ))
		return -EINVAL;
	vm_fault_t ret = faultin_page_range(vma, start, end, write);
	if (ret & VM_FAULT_OOM)
		return -ENOMEM;
	if (ret & VM_FAULT_ERROR)
		return -EFAULT;
	return 0;
}

/*
 * See paging/mm.h. Linux's order: the advice, the alignment, a length
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
	bool populate = advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE;
	bool lru_advice = advice == MADV_COLD || advice == MADV_PAGEOUT;
	if (!changes_flags && !populate && !lru_advice && advice != MADV_WILLNEED && advice != MADV_DONTNEED &&
	    advice != MADV_FREE)
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
		/* Linux's madvise_free_single_vma: only anonymous (not shmem) memory
		 * can be freed lazily; the VMAs before this one were advised. */
		if (advice == MADV_FREE && (vma->vm_flags & VM_SHARED))
			return -EINVAL;
		/* Linux's madvise_dontneed_free_valid_vma: on hugetlb only
		 * MADV_DONTNEED, from a huge-page boundary, the end rounded down. */
		if ((advice == MADV_DONTNEED || advice == MADV_FREE) && (vma->vm_flags & VM_HUGETLB)) {
			uint64_t hmask = huge_page_size(hstate_vm_flags(vma->vm_flags)) - 1;
			if (advice == MADV_FREE || (s & hmask))
				return -EINVAL;
			e &= ~hmask;
			if (e > s)
				zap_page_range(mm, s, e);   /* the pages go back to the pool, the reservation stays */
			cursor = vma->vm_end < end ? vma->vm_end : end;
			continue;
		}
		/* Linux's madvise_cold / madvise_pageout: not on locked or hugetlb
		 * VMAs (can_madv_lru_vma); the pages this mm alone maps are
		 * deactivated, or reclaimed now (paging/vmscan.h). */
		if (lru_advice) {
			if (vma->vm_flags & (VM_LOCKED | VM_HUGETLB))
				return -EINVAL;
			if (advice == MADV_COLD)
				deactivate_range(vma, s, e);
			else
				reclaim_range(vma, s, e);
			cursor = e;
			continue;
		}
		if (populate) {
			int err = madvise_populate(vma, s, e, advice == MADV_POPULATE_WRITE);
			if (err)
				return err;
		}
		/* Pages of a file or shmem object live on in its page cache: the
		 * entries go, a refault maps the same page. A shared anonymous VMA
		 * with no object (the mm calls of in-kernel tests) would lose its
		 * data: kept mapped. */
		if ((advice == MADV_DONTNEED || advice == MADV_FREE) &&
		    (!(vma->vm_flags & VM_SHARED) || vma->vm_mapping))
			zap_page_range(mm, s, e);
		cursor = e;
	}
	if (cursor < end)
		ret = -ENOMEM;
	return ret;
}

/* See paging/mm.h. */
bool madvise_need_mmap_write(uint64_t advice)
{
	switch (advice) {
	case MADV_WILLNEED:
	case MADV_COLD:
	case MADV_PAGEOUT:
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
		return false;
	default:
		return true;
	}
}
