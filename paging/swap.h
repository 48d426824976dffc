/*
 * Swap: entries, slots and the swap cache (Linux's mm/swapfile.c,
 * mm/swap_state.c and include/linux/swapops.h, for one swap device).
 *
 * The device is compressed RAM (paging/zram.h), set up by the config key
 * `swap = SIZE`. It has one slot per PAGE_SIZE of SIZE; slot 0 is never
 * handed out (Linux keeps the first page of a swap area for its header), so
 * no valid entry is all zeros after inversion either.
 *
 * An entry names a slot: swp_entry_t, type (always 0: one device) and
 * offset (the slot). In a pte it is the x86 layout of paging/pgtable_types.h
 * (type and inverted offset in a non-present entry).
 *
 * Counts per slot (swap_map, as Linux's): the number of ptes (in every mm)
 * that hold the entry, plus SWAP_HAS_CACHE while a page for it is in the
 * swap cache. A slot whose count and SWAP_HAS_CACHE are both gone is free,
 * and its compressed copy is dropped.
 *
 * The swap cache: an xarray from entry to page. A page in it has
 * PageSwapCache, its entry in page_swap_entry(), and one reference held by
 * the cache.
 *
 * How reclaim swaps out an anonymous page (the reclaim side owns the LRU,
 * the reverse map and try_to_unmap; the entry format and counts are here):
 *
 *   add_to_swap(page)                slot allocated (SWAP_HAS_CACHE), page in
 *                                    the swap cache (+1 reference)
 *   for every pte mapping page:      try_to_unmap_swap_pte(mm, addr, ptep, page)
 *                                    (the pte becomes the swap entry, the slot's
 *                                    count +1, map count and reference -1, rss
 *                                    MM_ANONPAGES -> MM_SWAPENTS; flushes addr)
 *   swap_writepage(page)             the contents compressed into the slot
 *                                    (pswpout counted)
 *   if page_mapcount(page) == 0 and only the cache's and the reclaimer's
 *   references are left: remove_swap_cache_if_unused(page) (the check and
 *   the removal in one swap-lock section), then the reclaimer drops its own
 *   reference: the frame is free.
 *
 * A page already in the swap cache (swapped in and still shared with a
 * swap pte elsewhere) skips add_to_swap; it is written again all the same
 * (anonymous pages carry no dirty flag of their own: always write before
 * delete_from_swap_cache).
 *
 * If the page cannot be unmapped everywhere, the reclaimer stops after
 * add_to_swap (and perhaps some ptes): the ptes that are swap entries fault
 * it back from the swap cache (a minor fault), and the page stays in the
 * cache until the slot is freed or reclaim tries again. Nothing is lost.
 *
 * Single CPU, no locking: callers run with interrupts as the rest of mm.
 */
#ifndef FAULTLINE_SWAP_H
#define FAULTLINE_SWAP_H

#include <stdbool.h>
#include <stdint.h>

#include "paging/pgtable.h"

struct page;
struct mm_struct;

/* ---- Entries (include/linux/swapops.h) ----------------------------------- */

/* A swap entry, generic form: type in the top bits, offset below. val 0 is
 * "no entry" (offset 0 is never handed out). */
typedef struct { uint64_t val; } swp_entry_t;

#define MAX_SWAPFILES_SHIFT 5
#define MAX_SWAPFILES       1        /* faultline has one swap device, type 0 */
#define SWP_TYPE_SHIFT      (64 - MAX_SWAPFILES_SHIFT)
#define SWP_OFFSET_MASK     (((uint64_t)1 << SWP_TYPE_SHIFT) - 1)

/* The entry of slot offset of device type. */
static inline swp_entry_t swp_entry(uint64_t type, uint64_t offset)
{
	return (swp_entry_t){ (type << SWP_TYPE_SHIFT) | (offset & SWP_OFFSET_MASK) };
}
static inline uint64_t swp_type(swp_entry_t e)   { return e.val >> SWP_TYPE_SHIFT; }
static inline uint64_t swp_offset(swp_entry_t e) { return e.val & SWP_OFFSET_MASK; }

/* True for a pte that is neither none nor present: a swap entry (or a
 * corrupt entry: swap_entry_valid says which). */
static inline bool is_swap_pte(pte_t pte) { return !pte_none(pte) && !pte_present(pte); }

/* The entry a swap pte names (the E and SD flag bits dropped). */
static inline swp_entry_t pte_to_swp_entry(pte_t pte)
{
	pteval_t v = pte_val(pte) & ~(_PAGE_SWP_EXCLUSIVE | _PAGE_SWP_SOFT_DIRTY);
	return swp_entry(__swp_type_val(v), __swp_offset_val(v));
}

/* The non-present pte holding entry (no flags). */
static inline pte_t swp_entry_to_pte(swp_entry_t e)
{
	return __pte(__swp_entry_val(swp_type(e), swp_offset(e)));
}

/* The exclusive marker (Linux's pte_swp_mkexclusive / pte_swp_exclusive):
 * the page was mapped by this pte alone and writable when it went out. */
static inline pte_t pte_swp_mkexclusive(pte_t pte)   { return __pte(pte_val(pte) | _PAGE_SWP_EXCLUSIVE); }
static inline pte_t pte_swp_clear_exclusive(pte_t pte) { return __pte(pte_val(pte) & ~_PAGE_SWP_EXCLUSIVE); }
static inline bool pte_swp_exclusive(pte_t pte)      { return (pte_val(pte) & _PAGE_SWP_EXCLUSIVE) != 0; }

/* ---- The device and its slots (mm/swapfile.c) ----------------------------- */

#define SWAP_HAS_CACHE   0x8000u   /* swap_map: a page for the slot is in the swap cache */
#define SWAP_MAP_MAX     0x7fffu   /* most ptes one slot can be counted for */

/* Sets up the swap device of bytes (rounded down to pages; at least two
 * pages: slot 0 is never used). Returns 0, -EINVAL (too small or too big:
 * more slots than an entry or the page's 24-bit link can name), -EBUSY
 * (already set up) or -ENOMEM. */
int swap_setup(uint64_t bytes);

/* True once swap_setup succeeded. */
bool swap_enabled(void);

/* Slots of the device (slot 0 included), and how many are in use. */
uint64_t swap_total_slots(void);
uint64_t swap_slots_in_use(void);

/* The pte counts of every slot, summed: the number of swap ptes in every
 * address space (the page-table verifier compares them). */
uint64_t swap_count_total(void);

/* True if entry names a slot of the device that is in use (count or cache). */
bool swap_entry_valid(swp_entry_t entry);

/* The pte count of a slot (without SWAP_HAS_CACHE); 0 for an invalid entry. */
uint32_t swap_count(swp_entry_t entry);

/* A free slot, its swap_map set to SWAP_HAS_CACHE (Linux's get_swap_page:
 * the caller is about to put a page for it in the swap cache); entry val 0
 * when the device is full or absent. */
swp_entry_t get_swap_page(void);

/* Sets SWAP_HAS_CACHE on entry's slot, which ptes hold, before a page read
 * from it enters the swap cache (Linux's swapcache_prepare). Returns 0,
 * -EEXIST if a page is cached for it already, -ENOENT if no pte holds it. */
int swapcache_prepare(swp_entry_t entry);

/* Clears SWAP_HAS_CACHE from entry's slot when no page entered the cache
 * after all (Linux's put_swap_folio); the slot is freed if no pte holds it. */
void put_swap_page(swp_entry_t entry);

/* One more pte holds entry (fork copying a swap pte: copy_nonpresent_pte;
 * try_to_unmap). Returns 0, -EINVAL for an entry that names no slot in use,
 * or -ENOMEM when the slot is counted SWAP_MAP_MAX times already. */
int swap_duplicate(swp_entry_t entry);

/* One pte fewer holds entry; the slot is freed (and its compressed copy
 * dropped) when no pte and no cached page is left. An invalid entry is
 * counted as a bad swap entry and ignored. */
void swap_free(swp_entry_t entry);

/* A pte holding entry goes (zap: munmap, exit, MADV_DONTNEED): swap_free,
 * and if only the swap cache still holds the slot and the cached page is
 * mapped nowhere, the page leaves the cache too (Linux's
 * free_swap_and_cache). */
void free_swap_and_cache(swp_entry_t entry);

/* ---- The swap cache (mm/swap_state.c) -------------------------------------- */

/* True if page is in the swap cache. */
bool PageSwapCache(const struct page *page);

/* The entry of a page in the swap cache (val 0 if it is not in it). */
swp_entry_t page_swap_entry(const struct page *page);

/* The page cached for entry, with a reference taken for the caller, or NULL. */
struct page *lookup_swap_cache(swp_entry_t entry);

/* Puts page in the swap cache under entry, whose slot the caller holds with
 * SWAP_HAS_CACHE (get_swap_page): PageSwapCache set, one reference taken.
 * Returns 0 or -ENOMEM (nothing changed). */
int add_to_swap_cache(struct page *page, swp_entry_t entry);

/* Takes page out of the swap cache: PageSwapCache cleared, SWAP_HAS_CACHE
 * dropped from its slot (freeing it if no pte holds it), the cache's
 * reference put. The page must be in the cache. */
void delete_from_swap_cache(struct page *page);

/* Reclaim's last step for a swap-cache page (Linux's __remove_mapping, whose
 * page_ref_freeze(page, 2) runs under the cache's lock): under the swap
 * lock, where lookup_swap_cache takes its references, the page leaves the
 * cache only if it is still there and the cache's and the caller's are its
 * only references. Returns false, changing nothing, when a fault found it
 * meanwhile (it may be mapped again): the check and the removal in two lock
 * sections would drop a page a fault has just mapped. */
bool remove_swap_cache_if_unused(struct page *page);

/* Frees the slot of a page in the swap cache if no pte holds it any more
 * (Linux's try_to_free_swap): the page leaves the cache. Returns true if it
 * did. */
bool try_to_free_swap(struct page *page);

/* Pages in the swap cache now. */
uint64_t swap_cache_pages(void);

/* ---- Swapping out (for reclaim) -------------------------------------------- */

/*
 * Gives an anonymous page (PageAnon, not PageSwapCache, not a THP or
 * hugetlb page) a slot and puts it in the swap cache (Linux's add_to_swap).
 * Returns 0, -ENOSPC (no swap, or the device is full), or -ENOMEM; nothing
 * changed on failure.
 */
int add_to_swap(struct page *page);

/*
 * Replaces the present pte *ptep (at addr of mm) that maps page, a page in
 * the swap cache, with the page's swap entry: the slot counted once more
 * (swap_duplicate), E set if the pte was writable and page mapped only
 * here, the pte's Dirty bit given to nothing (the contents are written by
 * swap_writepage from the frame anyway), the TLB entry for addr flushed,
 * page's map count and reference dropped, rss MM_ANONPAGES -> MM_SWAPENTS.
 * The reclaimer's try_to_unmap calls it for each pte its reverse map finds.
 * Returns 0, or -ENOMEM (the slot's count is full; pte left as it was).
 */
int try_to_unmap_swap_pte(struct mm_struct *mm, uint64_t addr, pte_t *ptep, struct page *page);

/*
 * Writes page, in the swap cache, to its slot: the zram device compresses
 * it (or stores it as one repeated word, or raw). Returns 0, or -ENOMEM (no
 * pool memory: the slot keeps its old contents, the page stays cached and
 * must not be freed). Counts pswpout.
 */
int swap_writepage(struct page *page);

/* ---- Swapping in (the fault path) ------------------------------------------ */

/*
 * Reads the slot of entry into page, a frame the caller allocated
 * (decompressing; the time goes to *cycles). Returns 0, 1 when the slot
 * was same-filled (the page filled with its word, nothing decompressed), or
 * -EIO when the slot holds no data or its data does not decompress to a
 * page (a corrupt pool). Counts pswpin.
 */
int swap_readpage(struct page *page, swp_entry_t entry, uint64_t *cycles);

/* ---- Statistics ------------------------------------------------------------- */

struct swap_stats {
	uint64_t pswpin;           /* pages read from the device */
	uint64_t pswpout;          /* pages written to it */
	uint64_t swapcache_hits;   /* swap faults that found the page in the swap cache (minor) */
	uint64_t bad_entries;      /* swap ptes naming no slot in use (a corrupt entry) */
};

/* Counters since boot; a program's share is the difference across it. */
extern struct swap_stats swap_stats;

#endif
