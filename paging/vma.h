/*
 * The VMAs of an address space, with Linux's names and semantics
 * (mm/mmap.c, mm/mprotect.c): looking ranges up (find_vma), the building
 * blocks (insert_vm_struct, vma_merge, split_vma) and the three range
 * operations mmap, munmap and mprotect are made of, the free-gap search
 * (get_unmapped_area) and stack growth (expand_stack).
 *
 * Rules the operations keep (vma_check() verifies them):
 *   - VMAs are page-aligned, non-empty, inside [0, mm->task_size), ordered
 *     and disjoint; the tree and the list hold the same VMAs in the same
 *     order; mm->map_count counts them and total_vm/exec_vm/stack_vm/data_vm
 *     sum their pages;
 *   - two VMAs that touch always differ in something that forbids merging
 *     (vm_flags): a range mapped with the same flags as a neighbour extends
 *     it, and mprotect re-merges what it split. Only split_vma() called on
 *     its own leaves two mergeable VMAs side by side;
 *   - vm_page_prot is always vm_get_page_prot(vm_flags);
 *   - an operation that fails returns a negative errno and has changed
 *     nothing: every VMA it may need is allocated before the first change.
 *
 * Addresses are user virtual addresses; lengths are rounded up to whole
 * pages as Linux does, starts must be page-aligned. Single CPU, no locking:
 * the caller serialises operations on one mm (Linux's mmap_lock).
 */
#ifndef FAULTLINE_VMA_H
#define FAULTLINE_VMA_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/check_result.h"
#include "paging/mm_types.h"
#include "paging/pgtable.h"
#include "base/errno.h"

/* Linux's defaults: 256 pages kept free below a stack, at least 128 MiB between
 * the top of user space and mmap_base. */
#define STACK_GUARD_GAP (256 * PAGE_SIZE)
#define MMAP_MIN_GAP    ((uint64_t)128 << 20)

/* Error returns of the uint64_t-valued get_unmapped_area(): -4095 .. -1. */
#ifndef IS_ERR_VALUE
#define IS_ERR_VALUE(x) ((uint64_t)(x) >= (uint64_t)-4095)
#endif

/* Pages (4 KiB units) of hugetlb VMAs in all mms but VM_NORESERVE ones: [0]
 * 2 MiB pages, [1] 1 GiB pages; what the hugetlb pools have reserved
 * (paging/hugetlb.h). */
extern uint64_t vm_hugetlb_committed[2];

/* Told about a range [start, end) whose mapping went away or changed. */
typedef void (*vma_range_fn)(void *ctx, uint64_t start, uint64_t end);

/* ---- Small helpers ---------------------------------------------------------- */

static inline uint64_t vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

/* The lowest VMA, the next and previous in address order; NULL past either end. */
static inline struct vm_area_struct *vma_first(const struct mm_struct *mm) { return mm->mmap; }
static inline struct vm_area_struct *vma_next(const struct vm_area_struct *vma) { return vma->vm_next; }
static inline struct vm_area_struct *vma_prev(const struct vm_area_struct *vma) { return vma->vm_prev; }

/* Walks every VMA of mm in address order; the body must not add or remove VMAs. */
#define for_each_vma(mm, vma) for ((vma) = vma_first(mm); (vma); (vma) = vma_next(vma))

/*
 * The protection PTEs of a VMA with these flags get, as Linux's x86
 * protection_map: private writable mappings are read-only (PAGE_COPY: the
 * fault handler copies on write), shared writable ones PAGE_SHARED, no
 * access PAGE_NONE; without VM_EXEC the page is NX.
 */
pgprot_t vm_get_page_prot(uint64_t vm_flags);

/* ---- The address space ------------------------------------------------------ */

/*
 * Clears *mm entirely (no VMAs, counters 0, pgd NULL) and sets task_size to
 * TASK_SIZE_MAX, mmap_base to task_size - MMAP_MIN_GAP and stack_guard_gap to
 * STACK_GUARD_GAP; the caller sets pgd and may move mmap_base. Creates the
 * VMA cache on first use. Returns 0, or -ENOMEM if the cache cannot be made.
 */
int mm_init(struct mm_struct *mm);

/* Removes and frees every VMA, lowest first, calling on_removed (if not NULL)
 * with each one's range after it left the tree. */
void mm_release_vmas(struct mm_struct *mm, vma_range_fn on_removed, void *ctx);

/* A zeroed VMA from the VMA cache with vm_mm set, NULL if out of memory or
 * mm_init() never ran; and freeing one that is in no tree. */
struct vm_area_struct *vm_area_alloc(struct mm_struct *mm);
void vm_area_free(struct vm_area_struct *vma);

/*
 * Sets aside VMAs in mm until it holds n (at most VMA_RESERVE_MAX), which
 * vm_area_alloc(mm) hands out before the cache: the next range operations,
 * needing up to n new VMAs between them, then cannot fail for want of one.
 * This is how a call made of several operations (MAP_FIXED: unmap then map;
 * mremap: unmap, map, unmap) is all-or-nothing. Returns 0; -ENOMEM with
 * nothing set aside (an earlier reserve is released too); -EINVAL for n too
 * large. vma_unreserve() frees what is still set aside.
 */
int vma_reserve(struct mm_struct *mm, uint32_t n);
void vma_unreserve(struct mm_struct *mm);

/* ---- Lookup -------------------------------------------------------------------- */

/* The tree search behind find_vma(): the first VMA with vm_end > addr, NULL
 * if none; leaves the result in mm->mmap_cache. O(log n). */
struct vm_area_struct *__find_vma(struct mm_struct *mm, uint64_t addr);

/* The first VMA with vm_end > addr (it may start above addr), NULL if none.
 * Tries mm->mmap_cache first (inline: the fault path's common case). */
static inline struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr)
{
	struct vm_area_struct *vma = mm->mmap_cache;
	if (vma && vma->vm_start <= addr && addr < vma->vm_end)
		return vma;
	return __find_vma(mm, addr);
}

/* find_vma(), with *pprev set to the VMA before the result (the last VMA if
 * the result is NULL, NULL if there is none). */
struct vm_area_struct *find_vma_prev(struct mm_struct *mm, uint64_t addr,
				     struct vm_area_struct **pprev);

/* The first VMA meeting [start, end), NULL if none does. */
struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, uint64_t start, uint64_t end);

/* The VMA containing addr, NULL if addr is in no VMA. */
static inline struct vm_area_struct *vma_lookup(struct mm_struct *mm, uint64_t addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	return (vma && vma->vm_start <= addr) ? vma : NULL;
}

/* Where the free space below vma ends: a stack keeps stack_guard_gap free below it. */
uint64_t vm_start_gap(const struct mm_struct *mm, const struct vm_area_struct *vma);

/* ---- Building blocks ----------------------------------------------------------- */

/*
 * Links vma (from vm_area_alloc(), vm_start/vm_end/vm_flags set) into mm
 * without merging; sets vm_mm and vm_page_prot and accounts its pages.
 * Returns 0; -EINVAL if the range is empty, unaligned or beyond task_size;
 * -EEXIST if it overlaps a VMA. On failure vma is still the caller's.
 */
int insert_vm_struct(struct mm_struct *mm, struct vm_area_struct *vma);

/*
 * Covers the free range [start, end), which must lie between prev (NULL:
 * below the first VMA) and prev's successor, by extending prev and/or the
 * next VMA when they touch it and have exactly vm_flags; when both do they
 * become one VMA. Returns the VMA now covering the range (pages accounted),
 * or NULL, with nothing changed, if neither neighbour can take it or the
 * arguments do not describe such a hole.
 */
struct vm_area_struct *vma_merge(struct mm_struct *mm, struct vm_area_struct *prev,
				 uint64_t start, uint64_t end, uint64_t vm_flags);

/*
 * Splits vma at addr into two VMAs with the same attributes. With new_below
 * the new VMA is the lower part [vm_start, addr) and vma keeps [addr,
 * vm_end); otherwise the new one is the upper part. Returns 0, -EINVAL if
 * addr is unaligned or not strictly inside vma, -ENOMEM.
 */
int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr, int new_below);

/* ---- Range operations ---------------------------------------------------------- */

/*
 * mmap of an anonymous range at a fixed address: maps [start, start+len)
 * with vm_flags, merging with neighbours of the same flags. For MAP_FIXED
 * semantics the caller first calls vma_unmap_range(). Returns 0; -EINVAL for
 * an unaligned start or len 0; -ENOMEM if the range leaves user space or no
 * VMA could be allocated; -EEXIST if some page of it is already mapped.
 */
int vma_map_range(struct mm_struct *mm, uint64_t start, uint64_t len, uint64_t vm_flags);


/*
 * A VMA just made as a copy of another (split, and fork's dup_mmap: call it
 * on each copy): a file VMA gets its own entry on the mapping's i_mmap list
 * and its own reference on the file (vm_ops->open); anonymous ones nothing.
 */
void vma_copied(struct vm_area_struct *vma);

/* Links / unlinks a file VMA on its mapping's i_mmap list (paging/filemap.h). */
void vma_link_file(struct vm_area_struct *vma);
void vma_unlink_file(struct vm_area_struct *vma);

/*
 * vma_map_range for a file: a new VMA mapping page pgoff of file (whose
 * page cache is mapping) at start; vm_ops->open takes its reference on
 * file, and it goes on mapping's i_mmap list. A neighbour with the same
 * flags that maps the file's pages just before or after absorbs it (Linux's
 * vma_merge for files: mremap's growth and moves rely on it). Errors as
 * vma_map_range's.
 */
int vma_map_file(struct mm_struct *mm, uint64_t start, uint64_t len, uint64_t vm_flags, struct file *file,
		 struct address_space *mapping, uint64_t pgoff, const struct vm_operations_struct *vm_ops);

/*
 * munmap: makes [start, start+len) unmapped, trimming, splitting or removing
 * the VMAs it meets. Calls on_removed (if not NULL) once per VMA that lost
 * pages, lowest first, with the part it lost, after the VMA tree is updated
 * (the caller clears the page tables and frees frames there). A range that
 * meets no VMA is fine. Returns 0; -EINVAL for an unaligned start, len 0 or
 * a range leaving user space, or one that would split a hugetlb VMA off a
 * boundary of its page size; -ENOMEM if a VMA had to be split in two and
 * none could be allocated.
 */
int vma_unmap_range(struct mm_struct *mm, uint64_t start, uint64_t len,
		    vma_range_fn on_removed, void *ctx);

/*
 * mprotect: sets the VM_READ/VM_WRITE/VM_EXEC bits of every VMA in [start,
 * start+len) to new_flags_rwx, splitting at the range's ends and merging
 * with equal neighbours afterwards. Calls on_changed (if not NULL) once per
 * VMA piece whose flags changed, with its range, once that piece holds its
 * new flags and vm_page_prot (before the re-merge); the callback must not
 * change VMAs. Returns 0 (also for len 0); -EINVAL for an unaligned start,
 * a split of a hugetlb VMA off its page size, or
 * bits other than VM_ACCESS_FLAGS; -ENOMEM if part of the range is not
 * mapped or a split could not be allocated; -EACCES if a VMA lacks the
 * VM_MAY* bit for a requested right; when the range has several problems
 * the lowest one decides, as in Linux. Nothing changes on failure.
 */
int vma_protect_range(struct mm_struct *mm, uint64_t start, uint64_t len, uint64_t new_flags_rwx,
		      vma_range_fn on_changed, void *ctx);

/*
 * The flag part of madvise (Linux's madvise_update_vma): every VMA piece in
 * [start, start+len) gets (vm_flags & ~clear) | set; a VMA that reaches past
 * either end of the range is split there first (only if its flags change),
 * and changed pieces re-merge with equal neighbours afterwards. Unmapped
 * holes in the range are skipped; *holes (if not NULL) is set to whether
 * there were any (madvise's -ENOMEM). clear and set must not touch
 * VM_ACCESS_FLAGS, VM_MAYACCESS_FLAGS, VM_SHARED or VM_GROWSDOWN. Returns 0;
 * -EINVAL for an unaligned start or len, len 0, a range wrapping past 2^64,
 * a split of a hugetlb VMA off its page size
 * or forbidden bits; -ENOMEM if a split could not be allocated. Nothing
 * changes on failure: both possible splits are allocated first.
 */
int vma_modify_flags(struct mm_struct *mm, uint64_t start, uint64_t len, uint64_t set, uint64_t clear,
		     int *holes);

/*
 * Finds a free range of len bytes (rounded up to pages) inside [low, high)
 * (high clipped to task_size), keeping stack_guard_gap free below stacks.
 * A nonzero hint (rounded up to a page) is returned as it is if its range is
 * free and inside the window. Otherwise the highest fit below mmap_base, as
 * Linux's top-down layout; if there is none below mmap_base, the highest fit
 * in the whole window. Returns the address, (uint64_t)-EINVAL for len 0, or
 * (uint64_t)-ENOMEM if nothing fits (test with IS_ERR_VALUE()). O(log n).
 */
uint64_t get_unmapped_area(struct mm_struct *mm, uint64_t len, uint64_t hint,
			   uint64_t low, uint64_t high);

/*
 * Grows the stack VMA vma (VM_GROWSDOWN) down to the page of addr. Returns 0
 * (also when addr is already inside or above vma); -EFAULT if vma is not a
 * stack; -EPERM if the page of addr is below MMAP_MIN_ADDR (Linux's
 * expand_downwards: a stack never reaches the NULL pages); -ENOMEM if the stack would exceed stack_limit bytes
 * or RLIMIT_AS (may_expand_vm), overlap the VMA
 * below or come closer than guard_gap to it (a VMA below that is itself a
 * stack or has no access rights needs no gap, as in Linux). If the grown
 * stack touches an equal VMA below, that VMA is absorbed into vma, so vma
 * stays valid.
 */
int expand_stack(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr,
		 uint64_t stack_limit, uint64_t guard_gap);

/* ---- Self-check ---------------------------------------------------------------- */

/*
 * Verifies mm's VMAs: tree order, parent links, AVL heights and balance,
 * subtree gaps, the list against the tree, bounds, no overlap, no mergeable
 * neighbours, vm_mm and vm_page_prot, map_count and the page counters, and
 * that mmap_cache is NULL or in the tree. Returns the number of problems
 * (0: sound); *out (may be NULL) gets the count and the first in words.
 */
uint64_t vma_check(struct mm_struct *mm, struct check_result *out);

#endif
