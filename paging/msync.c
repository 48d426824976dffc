/*
 * msync (Linux's mm/msync.c): MS_SYNC writes the dirty page-cache pages of
 * the shared file mappings in the range back to the disk (write-protecting
 * their entries first, so a later write dirties them again); MS_ASYNC
 * schedules nothing (the page cache is the file, as on Linux since 2.6.19).
 */
#include "paging/mm.h"
#include "paging/filemap.h"
#include "paging/mman.h"
#include "paging/vma.h"
#include "base/errno.h"

/* See paging/mm.h. */
int64_t do_msync(struct mm_struct *mm, uint64_t start, uint64_t len, uint64_t flags)
{
	if (flags & ~(uint64_t)(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	uint64_t end = start + ((len + PAGE_SIZE - 1) & PAGE_MASK);
	if (end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	int64_t err = 0;
	bool unmapped = false;
	uint64_t at = start;
	struct vm_area_struct *vma = find_vma(mm, start);
	for (;;) {
		if (!vma || vma->vm_start >= end)
			return unmapped || at < end ? -ENOMEM : err;
		if (vma->vm_start > at)
			unmapped = true;
		if ((flags & MS_INVALIDATE) && (vma->vm_flags & VM_LOCKED))
			return -EBUSY;
		if ((flags & MS_SYNC) && vma->vm_file && (vma->vm_flags & VM_SHARED)) {
			uint64_t s = vma->vm_start > start ? vma->vm_start : start;
			uint64_t e = vma->vm_end < end ? vma->vm_end : end;
			uint64_t first = vma->vm_pgoff + ((s - vma->vm_start) >> PAGE_SHIFT);
			int r = filemap_write_range(vma->vm_mapping, first, first + ((e - s) >> PAGE_SHIFT) - 1);
			if (r && !err)
				err = r == -ENOSPC ? -ENOSPC : -EIO;
		}
		at = vma->vm_end;
		if (at >= end)
			return unmapped ? -ENOMEM : err;
		vma = vma->vm_next;
	}
}
