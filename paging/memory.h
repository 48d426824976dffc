/*
 * The generic half of the page-fault path (Linux mm/memory.c) and the page-
 * table side of munmap, mprotect and teardown:
 *
 *   handle_mm_fault -> __handle_mm_fault (pgd_offset, p4d_alloc, pud_alloc,
 *   pmd_alloc) -> handle_pte_fault -> do_anonymous_page | do_wp_page
 *
 * A struct vm_fault carries the state down the chain; each step decides one
 * thing. The result, a vm_fault_t, says whether the access can be retried
 * (0) or why not; what was done comes back in the vm_fault (done,
 * clear_cycles, pgtables), in the mm's own terms: turning that into
 * statistics, signals or an OOM kill is the arch side's (fault/fault.c).
 */
#ifndef FAULTLINE_MEMORY_FAULT_H
#define FAULTLINE_MEMORY_FAULT_H

#include <stdbool.h>
#include <stdint.h>
#include "paging/mm_types.h"
#include "paging/pgtable.h"

struct page;

#define FAULT_FLAG_WRITE       (1u << 0)
#define FAULT_FLAG_USER        (1u << 1)   /* from ring 3 (not a kernel user-copy) */
#define FAULT_FLAG_INSTRUCTION (1u << 2)

typedef uint32_t vm_fault_t;
#define VM_FAULT_OOM     (1u << 0)
#define VM_FAULT_SIGBUS  (1u << 1)
#define VM_FAULT_SIGSEGV (1u << 2)
#define VM_FAULT_ERROR   (VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)
/* Inside the fault path only (never returned by handle_mm_fault): the
 * huge-page step could not map a 2 MiB page, map 4 KiB pages instead. */
#define VM_FAULT_FALLBACK (1u << 3)
#define VM_FAULT_MAJOR   (1u << 4)   /* not an error: the page had to be read (ru_majflt) */

/* What a fault that returned 0 did (the table at the top of paging/memory.c). */
enum vm_fault_done {
	VMF_DONE_SPURIOUS = 0,     /* the entry allowed the access already: young/dirty, TLB entry flushed */
	VMF_DONE_ZERO_PAGE,        /* none entry, read, private: the zero page mapped read-only */
	VMF_DONE_NEW_ANON,         /* none entry, write, private: a new zeroed page */
	VMF_DONE_NEW_SHARED,       /* none entry, shared anonymous VMA (its shmem object): a new zeroed page */
	VMF_DONE_COW_ZERO,         /* write to the zero page: a new zeroed page instead */
	VMF_DONE_REUSE,            /* write to a private page mapped once: made writable in place */
	VMF_DONE_COPY,             /* write to a private page mapped more than once: copied */
	/* Huge pages (paging/huge_memory.c, paging/hugetlb.c): */
	VMF_DONE_THP_ZERO,         /* pmd none, read, THP allowed: the huge zero page mapped read-only */
	VMF_DONE_THP_NEW,          /* pmd none, write, THP allowed: a new zeroed 2 MiB page */
	VMF_DONE_THP_COW_ZERO,     /* write to the huge zero page: a new zeroed 2 MiB page instead */
	VMF_DONE_THP_FALLBACK,     /* THP allowed, but no 2 MiB frame (or huge zero page): 4 KiB mapped */
	VMF_DONE_HUGETLB_2M,       /* hugetlb VMA, entry none: a 2 MiB pool page mapped */
	VMF_DONE_HUGETLB_1G,       /* hugetlb VMA, entry none: a 1 GiB pool page mapped */
	VMF_DONE_FILE_READ,        /* none entry of a file VMA, read: the cached page mapped */
	VMF_DONE_FILE_READ_MAJOR,  /* ... that first had to be read from the disk */
	VMF_DONE_FILE_COW,         /* none entry, write, private file VMA: a private copy */
	VMF_DONE_FILE_SHARED_WRITE,/* write, shared file VMA: the cached page dirty and writable */
	/* Swap (paging/swap.h): a swap pte */
	VMF_DONE_SWAP_IN,          /* the slot decompressed into a new frame (major) */
	VMF_DONE_SWAP_IN_SAME,     /* ... a same-filled slot: the frame filled with its word (major) */
	VMF_DONE_SWAP_CACHE,       /* the page was still in the swap cache: mapped again (minor) */
};

/* Linux's fault_around_bytes: a read fault on a file maps the cached pages of
 * this aligned window around it too (debugfs fault_around_bytes, default 64 KiB). */
extern uint64_t fault_around_bytes;

struct vm_fault {
	struct vm_area_struct *vma;
	uint64_t address;          /* page-aligned */
	uint32_t flags;            /* FAULT_FLAG_* */
	pmd_t *pmd;
	pte_t *pte;                /* NULL while the pte table does not exist */
	pte_t orig_pte;
	/* Out: what happened, for the caller to account. */
	enum vm_fault_done done;
	uint64_t clear_cycles;     /* TSC cycles spent filling a new frame: zeroing it, copying (CoW),
	                              or decompressing it from swap */
	uint64_t pgtables;         /* page-table pages allocated on the way */
	uint64_t around;           /* file read: pages fault-around mapped beside the faulting one */
	const char *why;           /* an error's reason in words, or NULL */
};

/* The shared zero page: one frame of zeros, mapped read-only by every read
 * fault on private anonymous memory (marked _PAGE_SPECIAL: no map count). */
extern uint64_t zero_pfn;
static inline bool is_zero_pfn(uint64_t pfn) { return pfn == zero_pfn; }

/* Allocates the zero page. Returns 0, or -1 if no frame. */
int zero_page_init(void);

/*
 * Resolves a fault at address in vma (the caller found the VMA and checked
 * the access against it). Returns 0 when the access can be retried, else
 * VM_FAULT_* bits: VM_FAULT_OOM when a frame or table could not be had,
 * VM_FAULT_SIGBUS for an entry it cannot handle (a swap entry naming no
 * slot in use or whose slot does not decompress; a leaf where the VMA cannot
 * have one; a hugetlb fault with no pool page), with VM_FAULT_MAJOR when a
 * swapped-out page was read back (do_swap_page).
 * Fills *vmf:
 * vmf->done says what was done (when 0 is returned), vmf->clear_cycles the
 * time spent zeroing, vmf->pgtables the page-table pages allocated (also on
 * failure: tables stay). Accounts nothing: that is the caller's
 * (mm_account_fault, fault/fault.c).
 */
vm_fault_t handle_mm_fault(struct vm_area_struct *vma, uint64_t address, uint32_t flags, struct vm_fault *vmf);

/*
 * handle_mm_fault for a VMA without a file (vma->vm_mapping NULL), which
 * the caller checked: the fast page-fault entry's, compiled without the file
 * path so that the anonymous faults pay nothing for it. Same contract.
 */
vm_fault_t handle_anon_fault(struct vm_area_struct *vma, uint64_t address, uint32_t flags, struct vm_fault *vmf);

/* handle_mm_fault for a VMA with a file or shmem object (vma->vm_mapping
 * set), which the caller checked: the fast entry's file faults, without the
 * anonymous path's check and copy of the vm_fault. Same contract. */
vm_fault_t handle_file_fault(struct vm_area_struct *vma, uint64_t address, uint32_t flags, struct vm_fault *vmf);

/*
 * Maps page, a new private anonymous page the caller filled, at addr of
 * vma: young, and writable and dirty if the VMA is writable; map count and
 * rss counted (MM_SHMEMPAGES for a shared VMA). The one way a new anonymous
 * page enters a user mm: do_anonymous_page and exec use it. Allocates the
 * page-table pages on the way; returns 0, or -ENOMEM (nothing mapped; the
 * page stays the caller's).
 */
int install_anon_page(struct vm_area_struct *vma, uint64_t addr, struct page *page);

/*
 * Releases the pages mapped in [start, end) of mm (map counts, references,
 * rss), clears the entries and frees page-table pages left empty. Flushes the
 * TLB for the range. Linux: zap_page_range + free_pgtables. A THP that
 * reaches over either end of the range is split first (split_huge_pmd,
 * keeping the data outside); THPs and hugetlb pages inside it go whole (the
 * hugetlb page back to its pool). A hugetlb leaf cut by the range is a
 * kernel bug (the VMA calls refuse such ranges): panic.
 */
void zap_page_range(struct mm_struct *mm, uint64_t start, uint64_t end);

/* zap_page_range() keeping the page-table pages, left empty (Linux's
 * unmap_page_range without free_pgtables): for a range about to be mapped
 * again whose tables were allocated ahead (mremap over a mapping). */
void unmap_page_range(struct mm_struct *mm, uint64_t start, uint64_t end);

/* Frees the page-table pages of [start, end) of mm that are empty (a
 * leaf keeps its tables), after a flush that reaches lazy CPUs too: the
 * second half of a zap_page_range split in two (munmap's, paging/mmap.c).
 * Call with the mmap_lock held for writing (no fault may be walking them). */
void free_pgtables_range(struct mm_struct *mm, uint64_t start, uint64_t end);

/* Re-applies vma's vm_page_prot to the present entries in [start, end)
 * (mprotect). Linux's change_protection. A THP reaching over either end is
 * split first; a leaf inside is changed whole. */
void change_protection(struct vm_area_struct *vma, uint64_t start, uint64_t end);

/* Faults in every page of [start, end) of vma as a write when it is writable,
 * else as a read (MAP_POPULATE; a hugetlb VMA page by huge page), counting each as a minor fault of the task
 * as Linux's GUP does (task_account_minor_fault, cpu/percpu.h). Returns 0
 * or VM_FAULT_OOM. */
vm_fault_t populate_range(struct vm_area_struct *vma, uint64_t start, uint64_t end);

/* Faults in every page of [start, end) of vma as a read, or as a write when
 * write is set (MADV_POPULATE_READ/WRITE: Linux's faultin_vma_page_range
 * without FOLL_FORCE; the caller has checked the VMA's rights), skipping
 * pages already mapped for that access. Counts minor faults as
 * populate_range. Returns 0 or the fault's VM_FAULT_* error. */
vm_fault_t faultin_page_range(struct vm_area_struct *vma, uint64_t start, uint64_t end, bool write);

/*
 * Write-protects and cleans every user entry that maps page (a page-cache
 * page), in every VMA on its mapping's i_mmap list, so that the next write
 * faults and dirties it again (Linux's page_mkclean, before writeback).
 */
void page_mkclean(struct page *page);

/*
 * Unmaps the file pages [first, end) (in pages of the file) from every VMA
 * mapping mapping, private copies included (Linux's unmap_mapping_range
 * with even_cows, for truncation): the next access faults again.
 */
void unmap_mapping_range(struct address_space *mapping, uint64_t first, uint64_t end);

#endif
