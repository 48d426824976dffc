/*
 * The memory syscalls and the big kernel lock. While programs
 * run on several CPUs (page_fault_smp), do_syscall_64 enters mmap, munmap,
 * mprotect, madvise, brk and mremap without the big kernel lock
 * (cpu/kernel_lock.h): like a page fault, a call that changes only private
 * anonymous memory is serialised by its mm's mmap_lock alone, as on Linux
 * 6.1, so threads of one process (and processes) change their mappings on
 * several CPUs at once. Everything below the mmap_lock that such a call
 * reaches has its own lock (docs/ARCHITECTURE.md, "Locking": the VMA tree
 * and counts under the mmap_lock, page tables, rmap, LRU, swap, slab,
 * buddy, memcg, mmu_gather and the shootdown).
 *
 * What still needs the big lock takes it first, before the mmap_lock (lock
 * order: big kernel lock -> mmap_lock; a CPU never waits for the big lock
 * holding an mmap_lock):
 *   - a file or shared anonymous mmap (the fd table, struct file
 *     references, shmem objects, fs/ metadata) and MAP_HUGETLB (the pools'
 *     reservations, vm_hugetlb_committed): sys_mmap takes it at once;
 *   - a call whose range meets a file, shmem or hugetlb VMA (splitting,
 *     merging or freeing one changes its file's f_count through vm_ops,
 *     its pool's counts, and truncation's unmap_mapping_range walks its
 *     mm's tables under the big lock): mm_syscall_lock finds that out
 *     under the mmap_lock, drops it, takes the big lock, takes it again.
 * A call that took the big lock keeps it to its return (do_syscall_64
 * releases it). mlockall and munlockall (every VMA) keep the big lock.
 * Each call is counted in the task (mm_syscalls_unlocked / _locked,
 * base/process.h), and the process's sums go into its exit record.
 */
#ifndef FAULTLINE_MM_SYSCALL_LOCK_H
#define FAULTLINE_MM_SYSCALL_LOCK_H

#include <stdbool.h>
#include <stdint.h>

struct mm_struct;

/* A range a memory syscall will change: [start, start + len), len 0 none;
 * a range that wraps or passes the top counts up to the end of the
 * address space. */
struct mm_syscall_range {
	uint64_t start, len;
};

/* Whether every VMA of mm meeting the n ranges maps private anonymous
 * memory (no file, no shmem object, not hugetlb). Call with mm's
 * mmap_lock held. */
bool mm_ranges_private_anon(struct mm_struct *mm, const struct mm_syscall_range *r, uint32_t n);

/* mm_syscall_lock's second half, for a call that must read mm under its
 * mmap_lock to know its ranges (brk: the break): called with the mmap_lock
 * held (write or read, as taken), returns with it held and the big lock
 * taken in order if the ranges need it. */
void mm_syscall_lock_ranges(struct mm_struct *mm, bool write, const struct mm_syscall_range *r, uint32_t n);

/* Takes mm's mmap_lock for writing (write) or reading, and the big kernel
 * lock before it unless this CPU holds it already or the n ranges meet
 * only private anonymous memory (mm_ranges_private_anon). Returns with the
 * mmap_lock held; the VMAs seen stay as they were seen. */
void mm_syscall_lock(struct mm_struct *mm, bool write, const struct mm_syscall_range *r, uint32_t n);

/* Drops the mmap_lock mm_syscall_lock took (the big lock, if taken, goes
 * on the way back to ring 3). */
void mm_syscall_unlock(struct mm_struct *mm, bool write);

/* For a call that needs the big lock whatever its range (a file or
 * shared mmap): takes it, and counts the call as locked, unless this CPU
 * holds it already. Never called with an mmap_lock held. */
void mm_syscall_lock_kernel(void);

#endif
