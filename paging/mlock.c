/* mlockall, munlockall and mmap's RLIMIT_MEMLOCK check: see paging/mlock.h. */
#include "paging/mlock.h"
#include "paging/memory.h"
#include "paging/mm.h"
#include "paging/mm_account.h"
#include "paging/vma.h"
#include "base/errno.h"
#include "base/process.h"
#include "cpu/percpu.h"

#define VM_LOCKED_MASK (VM_LOCKED | VM_LOCKONFAULT)

/* CAP_IPC_LOCK: root's effective id (faultline's capability model,
 * kernel/sys_creds.c); the in-kernel self-tests run with no task. */
static bool capable_ipc_lock(void)
{
	return !current || current->cred.euid == 0;
}

/* See paging/mlock.h. */
bool can_do_mlock(void)
{
	return mm_rlimit(RLIMIT_MEMLOCK) != 0 || capable_ipc_lock();
}

/* See paging/mlock.h. */
uint64_t mm_locked_pages(const struct mm_struct *mm)
{
	uint64_t pages = 0;
	for (const struct vm_area_struct *v = mm->mmap; v; v = v->vm_next)
		if (v->vm_flags & VM_LOCKED)
			pages += vma_pages(v);
	return pages;
}

/* See paging/mlock.h. */
int mlock_future_check(const struct mm_struct *mm, uint64_t vm_flags, uint64_t len)
{
	if (!(vm_flags & VM_LOCKED) || capable_ipc_lock())
		return 0;
	uint64_t locked = (len >> PAGE_SHIFT) + mm_locked_pages(mm);
	return locked > mm_rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT ? -EAGAIN : 0;
}

/* Linux's mlock_fixup skips these: hugetlb VMAs are never locked. */
static bool vma_lockable(const struct vm_area_struct *vma)
{
	return !(vma->vm_flags & VM_HUGETLB);
}

/* Linux's apply_mlockall_flags for MCL_CURRENT or munlockall: every VMA's
 * lock bits become to_add. Returns 0 or vma_modify_flags' error. */
static int lock_every_vma(struct mm_struct *mm, uint64_t to_add)
{
	uint64_t addr = 0;
	for (;;) {
		struct vm_area_struct *vma = find_vma(mm, addr);
		if (!vma)
			return 0;
		uint64_t start = vma->vm_start, end = vma->vm_end;
		if (vma_lockable(vma) && (vma->vm_flags & VM_LOCKED_MASK) != to_add) {
			int err = vma_modify_flags(mm, start, end - start, to_add, VM_LOCKED_MASK & ~to_add, NULL);
			if (err)
				return err;
		}
		addr = end;
	}
}

/* See paging/mlock.h. */
int64_t do_mlockall(struct mm_struct *mm, uint64_t flags)
{
	if (!flags || (flags & ~(uint64_t)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
		return -EINVAL;
	if (!can_do_mlock())
		return -EPERM;
	if ((flags & MCL_CURRENT) && mm->total_vm > mm_rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT && !capable_ipc_lock())
		return -ENOMEM;
	mm->def_flags &= ~VM_LOCKED_MASK;
	if (flags & MCL_FUTURE)
		mm->def_flags |= VM_LOCKED | ((flags & MCL_ONFAULT) ? VM_LOCKONFAULT : 0);
	if (!(flags & MCL_CURRENT))
		return 0;
	uint64_t to_add = VM_LOCKED | ((flags & MCL_ONFAULT) ? VM_LOCKONFAULT : 0);
	int err = lock_every_vma(mm, to_add);
	if (err)
		return -ENOMEM;
	if (!(flags & MCL_ONFAULT)) {
		/* mm_populate(0, TASK_SIZE): failures are not reported. */
		for (struct vm_area_struct *v = mm->mmap; v; v = v->vm_next)
			if ((v->vm_flags & VM_LOCKED) && (v->vm_flags & VM_ACCESS_FLAGS))
				populate_range(v, v->vm_start, v->vm_end);
	}
	return 0;
}

/* See paging/mlock.h. */
int64_t do_munlockall(struct mm_struct *mm)
{
	mm->def_flags &= ~VM_LOCKED_MASK;
	return lock_every_vma(mm, 0) ? -ENOMEM : 0;
}
