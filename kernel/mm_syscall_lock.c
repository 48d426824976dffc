/* The memory syscalls' locks: kernel/mm_syscall_lock.h. */
#include "kernel/mm_syscall_lock.h"
#include "base/process.h"
#include "cpu/kernel_lock.h"
#include "cpu/percpu.h"
#include "paging/mm.h"
#include "paging/mman.h"
#include "paging/vma.h"

/* See kernel/mm_syscall_lock.h. */
bool mm_ranges_private_anon(struct mm_struct *mm, const struct mm_syscall_range *r, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (!r[i].len)
			continue;
		uint64_t start = r[i].start & PAGE_MASK, end = r[i].start + r[i].len;
		if (end < r[i].start || end > UINT64_MAX - PAGE_SIZE)
			end = UINT64_MAX;   /* wraps: everything above start */
		else
			end = PAGE_ALIGN(end);
		for (struct vm_area_struct *vma = find_vma(mm, start); vma && vma->vm_start < end; vma = vma->vm_next)
			if (vma->vm_file || vma->vm_mapping || (vma->vm_flags & VM_HUGETLB))
				return false;
	}
	return true;
}

static void mm_lock(struct mm_struct *mm, bool write)
{
	if (write)
		mmap_write_lock(mm);
	else
		mmap_read_lock(mm);
}

/* See kernel/mm_syscall_lock.h. */
void mm_syscall_unlock(struct mm_struct *mm, bool write)
{
	if (write)
		mmap_write_unlock(mm);
	else
		mmap_read_unlock(mm);
}

/* See kernel/mm_syscall_lock.h. */
void mm_syscall_lock_kernel(void)
{
	if (kernel_locked())
		return;   /* one CPU, or taken already */
	lock_kernel();
	__atomic_fetch_add(&current->mm_syscalls_locked, 1, __ATOMIC_RELAXED);
}

/* See kernel/mm_syscall_lock.h. The check runs under the mmap_lock (the
 * VMAs cannot change while it looks); a range that needs the big lock
 * drops the mmap_lock to take it in order, and takes the mmap_lock again
 * (the VMAs may have changed in between: the call decides on what it
 * finds then, with both held). */
void mm_syscall_lock(struct mm_struct *mm, bool write, const struct mm_syscall_range *r, uint32_t n)
{
	mm_lock(mm, write);
	mm_syscall_lock_ranges(mm, write, r, n);
}

/* See kernel/mm_syscall_lock.h. */
void mm_syscall_lock_ranges(struct mm_struct *mm, bool write, const struct mm_syscall_range *r, uint32_t n)
{
	if (kernel_locked())
		return;   /* one CPU, or a call that took it already (counted there) */
	if (mm_ranges_private_anon(mm, r, n)) {
		__atomic_fetch_add(&current->mm_syscalls_unlocked, 1, __ATOMIC_RELAXED);
		return;
	}
	mm_syscall_unlock(mm, write);
	mm_syscall_lock_kernel();
	mm_lock(mm, write);
}
