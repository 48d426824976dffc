/*
 * hugetlb: pools of 2 MiB and 1 GiB pages set aside at boot (config
 * `hugepages_2m = N`, `hugepages_1g = N`, Linux's hugepages= on the command
 * line), mapped by mmap(MAP_HUGETLB | MAP_HUGE_2MB / MAP_HUGE_1GB) with one
 * pmd / pud leaf per page (Linux's mm/hugetlb.c, without hugetlbfs files).
 *
 *   mmap         the size flag picks the pool (hstate_sizelog: 0 is the
 *                default, 2 MiB; 1 GiB only where the CPU has pdpe1gb, else
 *                -EINVAL as an unknown size); the length is rounded up to
 *                the page size, a MAP_FIXED address must be aligned
 *                (-EINVAL); the pages are reserved now: -ENOMEM when the
 *                pool cannot cover them (hugetlb_may_reserve)
 *   fault        hugetlb_fault: the pool page is cleared (timed apart) and
 *                mapped (read: read-only if private; write: writable in the
 *                same fault, as Linux's hugetlb_no_page does the CoW at once);
 *                a write to a private read-only leaf: hugetlb_wp (fork)
 *   munmap, exit the pages go back to the pool, the reservation with them;
 *                a range that cuts a huge page is -EINVAL (the VMA calls)
 *   mprotect     whole leaves; cutting one is -EINVAL
 *   madvise      MADV_DONTNEED from an aligned start (end rounded down)
 *                gives pages back, the reservation stays; MADV_FREE -EINVAL
 *   mremap       -EINVAL (faultline: Linux 6.1 moves aligned hugetlb ranges)
 *
 * Reservations: a hugetlb VMA mmap made (the owner, Linux's
 * HPAGE_RESV_OWNER) reserves every page it covers for as long as it covers
 * it, faulted or not (what Linux's reserve map amounts to), so the pages
 * reserved by all such VMAs are vm_hugetlb_committed (paging/vma.c, counted
 * as the VMAs are mapped and unmapped). A pool page an owner's fault takes
 * consumes its slot's reservation (page->private names the mm, counted in
 * resv_consumed) until that mm unmaps it; the pool keeps free at least the
 * reservations not consumed (unconsumed_reservations), so an owner's fault
 * always finds a page. VM_NORESERVE VMAs (MAP_NORESERVE, and every copy fork
 * makes: Linux resets the child's reservation map) reserve nothing: their
 * faults take a free page beyond those, or get SIGBUS; mmap may reserve
 * what is free beyond them (hugetlb_may_reserve).
 *
 * A pool page is one buddy block of order 9 or 18 that never goes back to
 * the buddy allocator: PG_hugetlb on its head, its one reference the pool's,
 * its map count one per leaf mapping it; free ones are linked through
 * lru_next. RSS does not count them (Linux counts hugetlb pages apart).
 *
 * fork (copy_hugetlb_page_range): every leaf is copied into the child, the
 * page's map count raised. Private leaves are write-protected in both, and
 * a write to one mapped elsewhere too copies the huge page into a new pool
 * page (hugetlb_wp), one no reservation holds: with none, a child gets
 * SIGBUS; the owner (the VMA mmap made) takes the page back from the
 * children instead (unmap_ref_private: found through mm_list, the other
 * mms that map the page at the same address through a VMA fork made) and
 * reuses it, and those children get SIGBUS where they touch that VMA's
 * none entries (VM_HUGETLB_UNMAPPED), as Linux kills them.
 * Shared leaves stay writable and are the same pages in both; Linux keeps
 * a MAP_SHARED hugetlb mapping's pages in its hugetlbfs file, so a page
 * either side faults later is the other's too; faultline has no such file,
 * so fork first faults in every page of a shared hugetlb VMA the parent has
 * not touched yet (its reservation pays for them; fork fails, -ENOMEM, only
 * for want of a page table or, MAP_NORESERVE, of a pool page). A page goes
 * back to the pool when the last leaf mapping it goes.
 */
#ifndef FAULTLINE_HUGETLB_H
#define FAULTLINE_HUGETLB_H

#include <stdbool.h>
#include <stdint.h>

#include "paging/memory.h"
#include "paging/mm_types.h"

/* mmap's size flag (Linux's MAP_HUGE_SHIFT: log2 of the page size in bits 26..31). */
#define MAP_HUGE_SHIFT 26
#define MAP_HUGE_MASK  0x3f
#define MAP_HUGE_2MB   (21u << MAP_HUGE_SHIFT)
#define MAP_HUGE_1GB   (30u << MAP_HUGE_SHIFT)

enum { HSTATE_2M, HSTATE_1G, HUGE_MAX_HSTATE };

/* One pool (Linux's struct hstate). */
struct hstate {
	const char *name;           /* "2m", "1g" */
	uint32_t order;             /* 9 or 18 */
	bool supported;             /* 1 GiB: the CPU has pdpe1gb */
	uint64_t nr_huge_pages;     /* pool size */
	uint64_t free_huge_pages;   /* of those, mapped nowhere */
	uint64_t resv_consumed;     /* of those, mapped by an owner VMA's slot, paid by its reservation */
	uint32_t free_head;         /* first free page's pfn, PFN_NONE if none */
};
extern struct hstate hstates[HUGE_MAX_HSTATE];

static inline uint64_t huge_page_size(const struct hstate *h) { return PAGE_SIZE << h->order; }

/*
 * Sets up the pools: 1 GiB pages only when has_gbpages; then takes n2m and
 * n1g pages from the buddy allocator (each an aligned block). Returns how
 * many of the asked pages could not be had (0: all), the pool keeping those
 * it got. Call once at boot, before any program.
 */
uint64_t hugetlb_init(uint64_t n2m, uint64_t n1g, bool has_gbpages);

/* The pool for mmap's size flag log (log2 of the size; 0 = the default, 2
 * MiB); NULL if there is none of that size (mmap's -EINVAL). */
struct hstate *hstate_sizelog(uint32_t log);

/* The pool of a VM_HUGETLB VMA's pages, by its flags. */
static inline struct hstate *hstate_vm_flags(uint64_t vm_flags)
{
	return &hstates[(vm_flags & VM_HUGETLB_1G) ? HSTATE_1G : HSTATE_2M];
}

/* The vm_flags a mapping from pool h gets on top of calc_vm_flags'. */
static inline uint64_t hugetlb_vm_flags(const struct hstate *h)
{
	return VM_HUGETLB | (h == &hstates[HSTATE_1G] ? VM_HUGETLB_1G : 0);
}

/* True if bytes more of pool h can be reserved (Linux's hugetlb_reserve_pages: -ENOMEM if not). */
bool hugetlb_may_reserve(const struct hstate *h, uint64_t bytes);

/* The fault on a VM_HUGETLB VMA (see the table above). Returns 0 (vmf->done
 * VMF_DONE_HUGETLB_2M / _1G, REUSE or SPURIOUS), VM_FAULT_OOM for a table,
 * VM_FAULT_SIGBUS with no pool page or a table where the leaf belongs. */
vm_fault_t hugetlb_fault(struct vm_fault *vmf);

/* fork's copy of the leaves of the hugetlb VMA src_vma into dst_mm (see
 * "fork" above; the child's VMA is VM_NORESERVE). Returns 0 or -ENOMEM
 * (what was copied is the caller's to zap with the child). */
int copy_hugetlb_page_range(struct mm_struct *dst_mm, struct vm_area_struct *src_vma);

/* True if the leaf e at level (2 MiB or 1 GiB) maps a hugetlb page. */
bool leaf_is_hugetlb(uint64_t e, int level);

/* Unmaps the hugetlb leaf at entry (level, at va, of tlb->mm): flushed on
 * every CPU of the mm, then the page goes back to its pool. */
struct mmu_gather;
void hugetlb_zap_leaf(struct mmu_gather *tlb, uint64_t *entry, int level, uint64_t va);

/* Re-applies vma's protection to the hugetlb leaf at entry (mprotect); the
 * caller flushes (change_protection's gather). */
void hugetlb_change_leaf(struct vm_area_struct *vma, uint64_t *entry, int level, uint64_t va);

#endif
