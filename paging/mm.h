/*
 * The address space of a program, in one place (Linux's kernel/fork.c for
 * its life, mm/mmap.c, mm/mprotect.c, mm/mremap.c, mm/madvise.c for the
 * memory calls on it):
 *
 *   paging/mm.c        mm_alloc, mmput -> exit_mmap; dup_mmap (fork) goes here
 *   paging/mmap.c      do_mmap, do_munmap, do_brk
 *   paging/mprotect.c  do_mprotect
 *   paging/mremap.c    do_mremap
 *   paging/madvise.c   do_madvise
 *
 * The do_* take the mm explicitly: the syscalls (kernel/sys_mm.c) pass
 * current->mm, the failure-atomicity self-test (kernel/mm_atomic_test.c) an
 * mm of its own. Each validates its arguments and returns what the syscall
 * returns (a negative errno, or for do_brk the break). Each either
 * completes or changes nothing - VMAs, page-table entries and pages, user
 * data - also when an allocation fails part-way; the Linux-compatible
 * exception: do_mmap with MAP_POPULATE keeps the mapping when population
 * runs out of memory.
 */
#ifndef FAULTLINE_MM_H
#define FAULTLINE_MM_H

#include <stdbool.h>
#include <stdint.h>
#include "paging/mm_types.h"

/* The top of the initial stack and the default mmap window: 47-bit user
 * addresses in both paging modes, as Linux's DEFAULT_MAP_WINDOW (a program
 * reaches above 2^47 in 5-level mode only by asking for it with a hint). */
#define DEFAULT_MAP_WINDOW ((1ull << 47) - PAGE_SIZE)
#define STACK_TOP          DEFAULT_MAP_WINDOW

/* Linux's default RLIMIT_STACK (8 MiB): the gap the mmap layout keeps below
 * the stack. Stack growth obeys the task's own RLIMIT_STACK (fault/fault.c,
 * mm_rlimit()); the guard gap below a stack is STACK_GUARD_GAP (paging/vma.h). */
#define STACK_LIMIT_BYTES (8ull << 20)

/* Every mm that mm_alloc made and mmput has not freed, linked through
 * mmlist_next (newest first), under mmlist_lock (Linux's name, for its
 * swapoff list): mms are made and dropped on several CPUs at once, and a
 * walker (hugetlb's unmap_ref_private) must not meet one half gone. A
 * walker holding it sees every mm whole: mmput takes an mm off the list
 * before its root table and the mm itself go. */
extern struct mm_struct *mm_list;
extern spinlock_t mmlist_lock;

/* A new empty address space: no VMAs, a pgd sharing the kernel half, the
 * mmap layout of a program. NULL if out of memory. */
struct mm_struct *mm_alloc(void);

/* Gives back every VMA, page and page-table page of the user half of mm
 * (Linux's exit_mmap). The pgd and the mm itself stay. */
void exit_mmap(struct mm_struct *mm);

/* Drops one user of mm (a thread, a vfork child, the process itself); the
 * last one frees it: exit_mmap, then the pgd and the mm. The caller must
 * not have mm loaded in CR3 when it may be the last. */
void mmput(struct mm_struct *mm);

/* Takes one more user of mm (a thread, a vfork child sharing it). */
static inline void mmget(struct mm_struct *mm) { __atomic_fetch_add(&mm->mm_users, 1, __ATOMIC_RELAXED); }

/*
 * fork's address space (Linux's dup_mm + dup_mmap): a new mm with a copy of
 * every VMA of old but VM_DONTCOPY ones and of their page-table entries,
 * private writable pages write-protected in both (copy-on-write), shared
 * ones kept writable, the zero page kept special, map counts and references
 * raised. The parent's TLB is flushed. Returns the new mm, or NULL when
 * memory ran out (everything copied so far is given back; the parent's
 * pages stay as they were, only possibly write-protected, which costs a
 * reuse fault later, as on Linux).
 */
struct mm_struct *dup_mm(struct mm_struct *old);

int64_t do_mmap(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd,
		uint64_t off);

/* What do_mmap_file needs of an open file; fs/ fills it (f_op->mmap), as
 * paging does not look into struct file. */
struct mmap_file {
	struct file *file;
	struct address_space *mapping;                  /* its page cache */
	bool readable, writable;                        /* FMODE_READ, FMODE_WRITE */
	const struct vm_operations_struct *vm_ops;      /* references on file per VMA */
};

/*
 * mmap with Linux's checks and errors (do_mmap above is this with no file:
 * anything but MAP_ANONYMOUS is -EBADF). With mf, a file mapping of the
 * pages from off: MAP_SHARED with PROT_WRITE of a file not open for writing
 * is -EACCES, any mapping of a file not open for reading -EACCES, an offset
 * whose pages overflow -EOVERFLOW; a shared mapping of a read-only file is
 * private (Linux clears VM_SHARED and VM_MAYWRITE). Returns the address.
 */
int64_t do_mmap_file(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags,
		     const struct mmap_file *mf, uint64_t off);
int64_t do_munmap(struct mm_struct *mm, uint64_t addr, uint64_t len);

/*
 * do_munmap for a caller holding mm's mmap_lock for writing, which it
 * drops: faults and readers elsewhere in mm go on while the pages go (as
 * Linux's munmap, __do_munmap with downgrade). The VMAs leave the tree
 * under the write hold (the THPs cut by the ends split there too), which
 * then becomes a read hold (mmap_write_downgrade) for the pages' teardown:
 * no fault can reach a range without a VMA, and no writer can map it again
 * until the read hold goes. The tables left empty are freed last under the
 * write lock taken again (a fault elsewhere in mm may be walking a table
 * the range shares, and reclaim walks tables under the read lock). A range
 * that meets a hugetlb VMA goes all under the write hold. Returns what
 * do_munmap returns.
 */
int64_t do_munmap_unlock(struct mm_struct *mm, uint64_t addr, uint64_t len);
/* msync (paging/msync.c): -EINVAL for bad flags or an unaligned start,
 * -ENOMEM if part of the range is unmapped, -EIO/-ENOSPC if writeback failed. */
int64_t do_msync(struct mm_struct *mm, uint64_t start, uint64_t len, uint64_t flags);
int64_t do_mprotect(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t prot);
int64_t do_brk(struct mm_struct *mm, uint64_t brk);
int64_t do_madvise(struct mm_struct *mm, uint64_t addr, uint64_t len, uint64_t advice);

/* Linux's madvise_need_mmap_write: whether do_madvise(advice) must run
 * with the mmap_lock held for writing (it changes VMAs or frees page
 * tables); the others (WILLNEED, COLD, PAGEOUT, POPULATE_*) need it for
 * reading only, so that reclaim (paging/rmap.h) can still reach the mm. */
bool madvise_need_mmap_write(uint64_t advice);

int64_t do_mremap(struct mm_struct *mm, uint64_t addr, uint64_t old_len, uint64_t new_len, uint64_t flags,
		  uint64_t new_addr);

/* Pages of [start, end) that VMAs map (Linux's count_vma_pages_range). */
uint64_t count_vma_pages_range(struct mm_struct *mm, uint64_t start, uint64_t end);

/* vma_range_fn (paging/vma.h) with ctx the mm: drops the pages and tables
 * of a range that stopped being mapped (zap_page_range). */
void unmap_pages(void *ctx, uint64_t start, uint64_t end);

#endif
