/* mprotect on an mm (paging/mm.h), after Linux's mm/mprotect.c: the VMAs'
 * new rights (paging/vma.c), then the entries' (change_protection). */
#include "paging/mm.h"
#include "paging/mman.h"
#include "paging/memory.h"
#include "paging/range.h"
#include "paging/vma.h"
#include "base/errno.h"

/* vma_range_fn: a range whose VMA got new rights (mprotect). */
static void reprotect_pages(void *ctx, uint64_t start, uint64_t end)
{
	struct vm_area_struct *vma = find_vma((struct mm_struct *)ctx, start);
	if (vma)
		change_protection(vma, start, end);
}

/* See paging/mm.h. Linux's order: alignment, len 0 (success), a
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

