/*
 * The descriptors of a user address space, Linux's include/linux/mm_types.h
 * for faultline: struct vm_area_struct (one mapped range with one set of
 * permissions), struct mm_struct (the whole address space) and the vm_flags
 * bits, with Linux's values.
 *
 * The VMAs of an mm are kept twice, both in address order: an AVL tree keyed
 * by vm_start (mm->mm_rb, for O(log n) lookups and the free-gap search) and a
 * doubly linked list (mm->mmap, vm_next/vm_prev, for walking and for the
 * neighbours of a VMA). The operations that keep them in step are in
 * paging/vma.c; nothing else changes the linkage or the bounds of a VMA in a
 * tree.
 *
 * Fields may be added to either struct: split_vma() copies a whole VMA and
 * mm_init() zeroes a whole mm, so new fields start out zero and are
 * inherited by both halves of a split.
 */
#ifndef FAULTLINE_MM_TYPES_H
#define FAULTLINE_MM_TYPES_H

#include <stdint.h>

#include "paging/pgtable_types.h"
#include "base/cpumask.h"
#include "cpu/spinlock.h"

/* ---- vm_flags ------------------------------------------------------------ */

#define VM_NONE       0x00000000ull
#define VM_READ       0x00000001ull   /* the access rights now */
#define VM_WRITE      0x00000002ull
#define VM_EXEC       0x00000004ull
#define VM_SHARED     0x00000008ull   /* writes are seen by every mapper (no copy-on-write) */
#define VM_MAYREAD    0x00000010ull   /* the rights mprotect may grant: VM_READ << 4 ... */
#define VM_MAYWRITE   0x00000020ull
#define VM_MAYEXEC    0x00000040ull
#define VM_MAYSHARE   0x00000080ull
#define VM_GROWSDOWN  0x00000100ull   /* a stack: expand_stack() extends it downwards */
#define VM_LOCKED     0x00002000ull   /* mlock: pages stay resident */
#define VM_SEQ_READ   0x00008000ull   /* madvise(MADV_SEQUENTIAL) */
#define VM_RAND_READ  0x00010000ull   /* madvise(MADV_RANDOM) */
#define VM_DONTCOPY   0x00020000ull   /* not inherited by fork */
#define VM_LOCKONFAULT 0x00080000ull  /* with VM_LOCKED: locked as faulted in (MCL_ONFAULT) */
#define VM_ACCOUNT    0x00100000ull   /* counted against the commit limit */
#define VM_NORESERVE  0x00200000ull   /* no commit accounting (MAP_NORESERVE) */
#define VM_HUGETLB    0x00400000ull   /* mmap(MAP_HUGETLB): pages from a hugetlb pool (paging/hugetlb.c) */
/* faultline's inverse of Linux's VM_SOFTDIRTY (kernel/proc_self.c): set by
 * clear_refs, gone when the VMA grows by a new mapping; ignored by merging. */
#define VM_SD_CLEAN   0x08000000ull
#define VM_HUGEPAGE   0x20000000ull   /* madvise(MADV_HUGEPAGE) */
#define VM_NOHUGEPAGE 0x40000000ull   /* madvise(MADV_NOHUGEPAGE) */
/* faultline's: with VM_HUGETLB, the pages are 1 GiB (else 2 MiB). Linux keeps
 * the size in the hugetlbfs file's hstate; there are no files here. */
#define VM_HUGETLB_1G 0x10000000000ull
/* faultline's: a hugetlb VMA fork made whose page the owner took back for its
 * copy-on-write (Linux's HPAGE_RESV_UNMAPPED): its faults on a none entry are
 * SIGBUS (paging/hugetlb.h, "fork"). */
#define VM_HUGETLB_UNMAPPED 0x20000000000ull

#define VM_STACK             VM_GROWSDOWN
#define VM_ACCESS_FLAGS      (VM_READ | VM_WRITE | VM_EXEC)
#define VM_MAYACCESS_FLAGS   (VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
/* What anonymous data and stack mappings get (Linux: VM_DATA_FLAGS_NON_EXEC). */
#define VM_DATA_FLAGS_NON_EXEC (VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define VM_STACK_FLAGS       (VM_STACK | VM_DATA_FLAGS_NON_EXEC | VM_ACCOUNT)

/* Linux's is_data_mapping: private writable, not a stack (counted in data_vm,
 * limited by RLIMIT_DATA). */
static inline int vma_is_data_flags(uint64_t f)
{
	return (f & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE;
}

/* ---- One mapped range ------------------------------------------------------ */

struct mm_struct;
struct vm_area_struct;
struct file;                            /* fs/file.h: opaque to paging */
struct address_space;                   /* paging/filemap.h */
struct anon_vma;                        /* paging/rmap.h */

/* What a file VMA's owner does when the VMA is copied (split, fork) or goes:
 * open takes a reference on vm_file, close drops it (fs/ sets these). */
struct vm_operations_struct {
	void (*open)(struct vm_area_struct *vma);
	void (*close)(struct vm_area_struct *vma);
};

struct vm_area_struct {
	uint64_t vm_start;                  /* first byte (page-aligned) */
	uint64_t vm_end;                    /* one past the last byte (page-aligned) */

	/* Address-ordered list; NULL at either end. */
	struct vm_area_struct *vm_next, *vm_prev;

	/* AVL tree linkage (paging/vma.c only). */
	struct vm_area_struct *vm_rb_left, *vm_rb_right, *vm_rb_parent;
	uint64_t vm_rb_subtree_gap;         /* largest free gap below a VMA of this subtree */
	int32_t vm_rb_height;               /* 1 for a leaf */

	struct mm_struct *vm_mm;            /* the address space it belongs to */
	pgprot_t vm_page_prot;              /* vm_get_page_prot(vm_flags): what PTEs get */
	uint64_t vm_flags;                  /* VM_* */

	/* A file mapping (NULL/0 for anonymous memory): page vm_pgoff of the
	 * file is at vm_start. vm_mapping is the file's page cache, where the
	 * VMA is listed (vm_mapping_next/prev) for truncation. */
	struct file *vm_file;
	uint64_t vm_pgoff;
	const struct vm_operations_struct *vm_ops;
	struct address_space *vm_mapping;
	struct vm_area_struct *vm_mapping_next, *vm_mapping_prev;
};

/* ---- The address space ------------------------------------------------------ */

/* Resident-page counters (Linux's enum of rss_stat). */
enum {
	MM_FILEPAGES,     /* file-backed pages */
	MM_ANONPAGES,     /* anonymous pages */
	MM_SWAPENTS,      /* anonymous pages swapped out */
	MM_SHMEMPAGES,    /* shared anonymous pages */
	NR_MM_COUNTERS
};

#define VMA_RESERVE_MAX 4   /* VMAs one mm call may need: see vma_reserve() */

struct mm_struct {
	pgd_t *pgd;                         /* top-level page table */

	struct vm_area_struct *mm_rb;       /* root of the VMA tree */
	struct vm_area_struct *mmap;        /* lowest VMA (list head) */
	struct vm_area_struct *mmap_cache;  /* last find_vma() result */
	uint32_t map_count;                 /* VMAs */

	/* Pages mapped, as Linux's vm_stat_account() counts them. */
	uint64_t total_vm;                  /* all VMAs */
	uint64_t exec_vm;                   /* VM_EXEC without VM_WRITE, not stack */
	uint64_t stack_vm;                  /* VM_STACK */
	uint64_t data_vm;                   /* private writable, not stack */

	uint64_t task_size;                 /* user space is [0, task_size) */
	uint64_t mmap_base;                 /* get_unmapped_area() searches down from here */
	uint64_t stack_guard_gap;           /* kept free below a VM_GROWSDOWN VMA by the search */
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_brk, brk;            /* the heap: [start_brk, brk) */
	uint64_t start_stack;               /* top of the initial stack */

	int64_t rss_stat[NR_MM_COUNTERS];   /* resident pages by kind */
	uint64_t hiwater_rss;               /* highest get_mm_rss() seen (update_hiwater_rss) */

	/* VMAs set aside by vma_reserve(): vm_area_alloc() hands these out first.
	 * Last, so that the fields the fault path reads keep their offsets. */
	struct vm_area_struct *vma_reserve[VMA_RESERVE_MAX];
	uint32_t vma_reserved;
	int32_t mm_users;                   /* tasks using it: threads, a vfork child (mmget/mmput) */

	/* Huge pages (paging/huge_memory.c): Linux's mm->flags (MMF_DISABLE_THP,
	 * set by prctl(PR_SET_THP_DISABLE)), and the page-table pages deposited
	 * for the THP pmd leaves, one each, so splitting a leaf never allocates
	 * (Linux's pmd_huge_pte list): the first one's physical address, the
	 * others linked through their struct page's private word. */
	uint64_t flags;
	uint64_t pmd_huge_pte;
	uint64_t nr_deposited;

	/* ---- SMP ---- Linux's mm_cpumask: the CPUs whose CR3 holds
	 * this mm's tables (switch_mm sets and clears them, paging/tlb.h), the
	 * ones flush_tlb_mm_range must reach. */
	struct cpumask cpu_bitmap;
	/* ---- PCID: Linux's mm->context, paging/tlb.h ----
	 * ctx_id: this mm's identity in every CPU's ASID slots, unique and
	 * never reused (0 until switch_mm first loads it); tlb_gen: bumped by
	 * every flush of its translations, so a CPU whose slot holds an older
	 * generation knows its cached entries may be stale. */
	struct {
		uint64_t ctx_id;
		uint64_t tlb_gen;
	} context;
	/* mlockall(MCL_FUTURE) (paging/mlock.c): Linux's mm->def_flags, the
	 * VM_LOCKED / VM_LOCKONFAULT every new mapping gets. A new mm (exec,
	 * fork) starts without them, as Linux's mm_init. */
	uint64_t def_flags;
	/* Huge pages across fork (paging/hugetlb.c): every mm on one list
	 * (paging/mm.c's mm_list), so that a hugetlb owner's copy-on-write can
	 * find the children that map its page (Linux walks the hugetlbfs
	 * file's mappings, which faultline does not have). */
	struct mm_struct *mmlist_next, *mmlist_prev;
	/* ---- reclaim: the reverse map (paging/rmap.h) ----
	 * The family of address spaces forked from one exec'd mm, which alone
	 * can map its anonymous pages, and this mm's place on its list. */
	struct anon_vma *anon_vma;
	struct mm_struct *anon_next, *anon_prev;
	/* ---- SMP locking (docs/ARCHITECTURE.md,
	 * "Locking") ----
	 * mmap_lock: the VMAs (tree, list, bounds, flags) and which page
	 * tables may be freed: read by the page-fault path, written by every
	 * call that changes them (mmap, munmap, mprotect, mremap, brk, madvise,
	 * mlockall, exec's setup, fork's dup_mmap, exit_mmap). A spinning
	 * reader-writer lock (cpu/spinlock.h): paging/ cannot sleep.
	 * page_table_lock: populating an empty p4d/pud/pmd entry and a pmd
	 * leaf (THP, hugetlb, the huge zero page), as Linux's. The pte tables
	 * have their own lock (struct page's ptl: paging/pgtable.h). */
	rwlock_t mmap_lock;
	spinlock_t page_table_lock;
};

#define mm_cpumask(mm) (&(mm)->cpu_bitmap)

#define MMF_DISABLE_THP 24              /* bit of mm->flags, Linux's number */
#define MMF_THP_FAIL_ALLOC 62           /* faultline's: THP faults get no 2 MiB frame (thp-fallback benchmark) */

/* ---- Resident-set counters (Linux's helpers) ------------------------------- */

/* Atomic: faults on several CPUs count into one mm at once. */
static inline void inc_mm_counter(struct mm_struct *mm, int member)
{
	__atomic_fetch_add(&mm->rss_stat[member], 1, __ATOMIC_RELAXED);
}
static inline void dec_mm_counter(struct mm_struct *mm, int member)
{
	__atomic_fetch_sub(&mm->rss_stat[member], 1, __ATOMIC_RELAXED);
}
static inline void add_mm_counter(struct mm_struct *mm, int member, int64_t value)
{
	__atomic_fetch_add(&mm->rss_stat[member], value, __ATOMIC_RELAXED);
}

/* ---- mmap_lock (Linux's include/linux/mmap_lock.h) ---------------------------- */

static inline void mmap_read_lock(struct mm_struct *mm) { read_lock(&mm->mmap_lock); }
static inline void mmap_read_unlock(struct mm_struct *mm) { read_unlock(&mm->mmap_lock); }
static inline void mmap_write_lock(struct mm_struct *mm) { write_lock(&mm->mmap_lock); }
static inline void mmap_write_unlock(struct mm_struct *mm) { write_unlock(&mm->mmap_lock); }
/* The writer's hold becomes a reader's, no writer in between (munmap's
 * teardown of what it took out of the tree: Linux's mmap_write_downgrade). */
static inline void mmap_write_downgrade(struct mm_struct *mm) { write_downgrade(&mm->mmap_lock); }
/* True while a writer holds it (assertions of the callers that need it). */
static inline bool mmap_write_locked(const struct mm_struct *mm) { return rwlock_is_write_locked(&mm->mmap_lock); }

/* Resident pages: file + anonymous + shared anonymous. */
static inline uint64_t get_mm_rss(const struct mm_struct *mm)
{
	return (uint64_t)(mm->rss_stat[MM_FILEPAGES] + mm->rss_stat[MM_ANONPAGES] +
			  mm->rss_stat[MM_SHMEMPAGES]);
}

static inline void update_hiwater_rss(struct mm_struct *mm)
{
	uint64_t rss = get_mm_rss(mm);

	if (rss > mm->hiwater_rss)
		mm->hiwater_rss = rss;
}

#endif
