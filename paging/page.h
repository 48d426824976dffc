/*
 * struct page: one descriptor per physical frame, Linux style (FLATMEM).
 *
 * The descriptors form one array, mem_map, indexed by PFN from 0 to
 * max_mapnr - 1. The buddy allocator (paging/buddy.c) carves it out of usable
 * memory at boot and owns its placement; everyone reaches it through
 * pfn_to_page()/page_to_pfn().
 *
 * mem_map is addressed through __va() on every lookup rather than through a
 * saved pointer, so it stays reachable when direct_map_base moves from the
 * firmware's identity map to PAGE_OFFSET. A struct page pointer taken before
 * that switch is stale afterwards; the allocator's own state (free lists
 * linked by PFN) is not affected.
 *
 * States of a frame:
 *   reserved   PG_reserved, _refcount 1: never handed out or freed (holes,
 *              firmware memory, mem_map itself, the low 1 MiB).
 *   free       _refcount 0. The first frame of a free block has PG_buddy and
 *              its order; the others have no flags.
 *   allocated  _refcount >= 1 on the first frame of the block (which holds the
 *              allocation order, so put_page() knows what to free); the other
 *              frames of a multi-page block keep _refcount 0 and are owned
 *              through the first one.
 * _mapcount follows Linux: -1 means mapped nowhere; page_mapcount() is
 * _mapcount + 1. A frame must be unmapped (page_mapcount() == 0) to be freed.
 */
#ifndef FAULTLINE_PAGE_H
#define FAULTLINE_PAGE_H

#include <stdint.h>

#include "base/page_types.h"
#include "cpu/spinlock.h"

struct address_space;
struct anon_vma;
/* page->flags */
#define PG_reserved (1u << 0)   /* not managed by the allocator */
#define PG_buddy    (1u << 1)   /* free: first frame of a block on a buddy free list */
#define PG_pgtable  (1u << 2)   /* holds a page table (any level) */
#define PG_zero     (1u << 3)   /* the shared zero page */
#define PG_anon     (1u << 4)   /* anonymous memory of a process */
#define PG_hugetlb  (1u << 5)   /* first frame of a hugetlb pool page (paging/hugetlb.c) */
#define PG_dirty    (1u << 6)   /* page cache: newer than its blocks on the disk */
/* Swap (paging/swap.h), bits from 12 up so reclaim's LRU bits can take 7..11: */
#define PG_swapcache (1u << 12) /* anonymous page in the swap cache; its slot in swap_slot */

#define PFN_NONE 0xffffffffu    /* "no frame" in a 32-bit PFN link */

/* Reclaim's flags (paging/lru.h and paging/vmscan.c); high bits,
 * so other additions from the low end do not collide. */
#define PG_lru        (1u << 16)  /* on an LRU list (lru_link_*) */
#define PG_active     (1u << 17)  /* on the active list of its kind, else the inactive one */
#define PG_referenced (1u << 18)  /* seen referenced once on the inactive list (mark_page_accessed) */
#define PG_memcg      (1u << 19)  /* charged to the user-memory counter (paging/memcontrol.h) */
#define PG_workingset (1u << 20)  /* was active once: a refault of it counts (paging/workingset.c) */

struct page {
	uint32_t flags;          /* PG_* */
	int32_t _refcount;       /* references; 0 = free */
	int32_t _mapcount;       /* page-table entries mapping it, minus one */
	uint8_t order;           /* free: block order; allocated (first frame): allocation order */
	/* Swap (paging/swap.c): while PG_swapcache, the page's swap slot (the
	 * entry's offset; type 0), little-endian in 24 bits. Reach it through
	 * page_swap_entry() (paging/swap.h), never directly. */
	uint8_t swap_slot[3];
	union {
		uint32_t lru_next;       /* free: next free block of the same order (PFN_NONE ends); */
		uint32_t index;          /* page cache: the page's offset in its file, in pages */
	};
	uint32_t lru_prev;       /* allocated: free for the owner's own lists (user pages: the
	                            verifier's scratch count, paging/verify.c) */
	union {
		uint64_t private;        /* allocated: the owner's word (reset to 0 on allocation) */
		struct address_space *mapping;  /* page cache: its file's (paging/filemap.h); NULL
		                            for every other page, as allocation resets private */
	};

	/* ---- reclaim: the LRU lists and the reverse map ---- */
	uint32_t lru_link_next;          /* PG_lru: the next page (PFN) of its LRU list, PFN_NONE ends */
	uint32_t lru_link_prev;          /* PG_lru: the previous one, PFN_NONE at the head */
	struct anon_vma *anon_vma;       /* anonymous: the family of mms that may map it (paging/rmap.h) */
	uint64_t anon_addr;              /* anonymous: the user address it was first mapped at */
	/* ---- SMP ----
	 * PG_pgtable: Linux's split page-table lock (ptl) of the table in this
	 * frame, taken by pte_offset_map_lock (paging/pgtable.h); it guards the
	 * table's entries. Otherwise unused: the descriptor stays 64 bytes. */
	union {
		uint64_t reclaim_pad;    /* keeps the descriptor a power of two: 64 bytes, as Linux's */
		spinlock_t ptl;
	};
};

_Static_assert(sizeof(struct page) == 64, "struct page must stay 64 bytes");

/* Defined by paging/buddy.c, set by buddy_init(). */
extern uint64_t mem_map_phys;   /* physical address of mem_map[0] */
extern uint64_t max_mapnr;      /* number of entries in mem_map */

/* Reports a struct page in a state that forbids the requested operation
 * (double free, freeing a reserved or mapped page, refcount underflow...).
 * Counts it and calls the hook set by buddy_set_bad_page_hook(). Defined in buddy.c. */
void bad_page(const struct page *page, const char *reason);

/* The array itself, through the current direct map. */
static inline struct page *mem_map_base(void) { return (struct page *)__va(mem_map_phys); }

/* Returns 1 if pfn has a struct page. */
static inline int pfn_valid(uint64_t pfn) { return pfn < max_mapnr; }

/* The descriptor of a frame; pfn must be valid (pfn_valid()). */
static inline struct page *pfn_to_page(uint64_t pfn) { return mem_map_base() + pfn; }
static inline uint64_t page_to_pfn(const struct page *page)
{
	return (uint64_t)(page - mem_map_base());
}
static inline uint64_t page_to_phys(const struct page *page) { return page_to_pfn(page) << PAGE_SHIFT; }
static inline struct page *phys_to_page(uint64_t pa) { return pfn_to_page(pa >> PAGE_SHIFT); }

/* The frame's contents through the direct map. */
static inline void *page_address(const struct page *page) { return __va(page_to_phys(page)); }
/* The descriptor of the frame behind a direct-map address. */
static inline struct page *virt_to_page(const void *va) { return phys_to_page(__pa(va)); }

/* Flag helpers, Linux names. */
static inline int PageReserved(const struct page *p) { return (p->flags & PG_reserved) != 0; }
static inline int PageBuddy(const struct page *p) { return (p->flags & PG_buddy) != 0; }
static inline int PageTable(const struct page *p) { return (p->flags & PG_pgtable) != 0; }
static inline int PageZero(const struct page *p) { return (p->flags & PG_zero) != 0; }
static inline int PageAnon(const struct page *p) { return (p->flags & PG_anon) != 0; }
static inline void __SetPageTable(struct page *p) { p->flags |= PG_pgtable; }
static inline void __ClearPageTable(struct page *p) { p->flags &= ~PG_pgtable; }
static inline int PageHuge(const struct page *p) { return (p->flags & PG_hugetlb) != 0; }
static inline void SetPageZero(struct page *p) { p->flags |= PG_zero; }
static inline void SetPageAnon(struct page *p) { p->flags |= PG_anon; }
static inline int PageDirty(const struct page *p) { return (p->flags & PG_dirty) != 0; }
static inline void SetPageDirty(struct page *p) { p->flags |= PG_dirty; }
static inline void ClearPageDirty(struct page *p) { p->flags &= ~PG_dirty; }

/* Reference counting. _refcount and _mapcount change with atomic
 * read-modify-writes (several CPUs map and unmap one page at once); plain
 * stores only where the frame is the caller's alone (allocation, freeing). */
static inline int32_t page_ref_count(const struct page *page) { return __atomic_load_n(&page->_refcount, __ATOMIC_RELAXED); }

/* Takes a reference on an allocated page. A free page is reported (bad_page)
 * and left unchanged. */
static inline void get_page(struct page *page)
{
	if (page_ref_count(page) <= 0) {
		bad_page(page, "get_page on a free page");
		return;
	}
	__atomic_fetch_add(&page->_refcount, 1, __ATOMIC_RELAXED);
}

/* Takes a reference unless the page is free (its last reference went):
 * true when taken (Linux's get_page_unless_zero, for lookups that race
 * with the last put_page). */
static inline int get_page_unless_zero(struct page *page)
{
	int32_t c = page_ref_count(page);
	do {
		if (c <= 0)
			return 0;
	} while (!__atomic_compare_exchange_n(&page->_refcount, &c, c + 1, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
	return 1;
}

/* Drops a reference; the last one frees the block (of the order it was
 * allocated with) to the buddy allocator. Defined in buddy.c. */
void put_page(struct page *page);

/*
 * put_page for a page the caller knows to be a struct page of mem_map (the
 * frame of a pte it holds): while others still hold it, the count drops in
 * place, as Linux's put_page fast path (folio_put_testzero); the last
 * reference goes through put_page and its checks.
 */
static inline void put_page_fast(struct page *page)
{
	/* Atomic (another CPU may drop its reference at once): the decrement
	 * happens only from a count above 1, so the last one always goes
	 * through put_page. */
	int32_t c = page_ref_count(page);
	while (__builtin_expect(c > 1, 1))
		if (__atomic_compare_exchange_n(&page->_refcount, &c, c - 1, 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
			return;
	put_page(page);
}

/* Mappings (Linux: _mapcount starts at -1). */
static inline int32_t page_mapcount(const struct page *page)
{
	return __atomic_load_n(&page->_mapcount, __ATOMIC_RELAXED) + 1;
}

/* Records one more page-table entry mapping the page; returns the new count. */
static inline int32_t page_mapcount_inc(struct page *page)
{
	return __atomic_add_fetch(&page->_mapcount, 1, __ATOMIC_RELAXED) + 1;
}

/* Records one mapping fewer; returns the new count. Going below zero is
 * reported (bad_page) and the count stays at zero. */
static inline int32_t page_mapcount_dec(struct page *page)
{
	int32_t m = __atomic_sub_fetch(&page->_mapcount, 1, __ATOMIC_RELAXED);
	if (m < -1) {
		__atomic_fetch_add(&page->_mapcount, 1, __ATOMIC_RELAXED);
		bad_page(page, "page_mapcount_dec on an unmapped page");
		return 0;
	}
	return m + 1;
}

#endif
