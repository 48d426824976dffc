/*
 * Swap slots, their counts and the swap cache (paging/swap.h), after
 * Linux's mm/swapfile.c and mm/swap_state.c, for one device (type 0) whose
 * storage is paging/zram.c.
 *
 * Slot allocation scans swap_map from a moving cursor (Linux's
 * cluster_next without the clusters) for a zero count, so consecutive
 * swap-outs get consecutive slots. The swap cache is an xarray keyed by the
 * slot.
 */
#include "paging/swap.h"
#include "paging/buddy.h"
#include "paging/mm_types.h"
#include "paging/page.h"
#include "paging/tlb.h"
#include "paging/xarray.h"
#include "paging/zram.h"
#include "cpu/percpu.h"
#include "cpu/halt_spinlock.h"
#include "cpu/spinlock.h"
#include "base/errno.h"
#include "base/string.h"

struct swap_stats swap_stats;

static uint16_t *swap_map;          /* per slot: pte count | SWAP_HAS_CACHE; NULL: no swap */
static uint64_t nr_slots;            /* slot 0 included, never handed out */
static uint64_t inuse_slots;
static uint64_t cluster_next = 1;    /* where the next free-slot search starts */
static struct xarray swap_cache;     /* slot -> page */

#define SWAP_SLOT_BITS 24            /* struct page's swap_slot */


/* ---- The swap lock (SMP) -----------------------------------------
 * One lock for the slot counts, the swap cache and the zram device (its
 * one compression buffer): every exported call that changes or reads them
 * takes it. Recursive on one CPU, since those calls call each other; taken
 * inside a pte lock (the fault path, reclaim's unmap), never the other way
 * round. */
static DEFINE_HALT_SPINLOCK(swap_spin);
static volatile int32_t swap_owner = -1;
static uint32_t swap_depth;

static void swap_lock(void)
{
	int32_t me = (int32_t)this_cpu_read(cpu);
	if (__atomic_load_n(&swap_owner, __ATOMIC_RELAXED) == me) {
		swap_depth++;
		return;
	}
	halt_spin_lock(&swap_spin);
	swap_owner = me;
	swap_depth = 1;
}

static void swap_unlock(void)
{
	if (--swap_depth)
		return;
	__atomic_store_n(&swap_owner, -1, __ATOMIC_RELAXED);
	halt_spin_unlock(&swap_spin);
}

/* ---- The page's slot link ------------------------------------------------- */

static void set_page_slot(struct page *page, uint64_t slot)
{
	page->swap_slot[0] = (uint8_t)slot;
	page->swap_slot[1] = (uint8_t)(slot >> 8);
	page->swap_slot[2] = (uint8_t)(slot >> 16);
}

static uint64_t page_slot(const struct page *page)
{
	return (uint64_t)page->swap_slot[0] | (uint64_t)page->swap_slot[1] << 8 | (uint64_t)page->swap_slot[2] << 16;
}

/* See paging/swap.h. */
bool PageSwapCache(const struct page *page)
{
	return (page->flags & PG_swapcache) != 0;
}

/* See paging/swap.h. */
swp_entry_t page_swap_entry(const struct page *page)
{
	if (!PageSwapCache(page))
		return (swp_entry_t){ 0 };
	return swp_entry(0, page_slot(page));
}

/* ---- The device ------------------------------------------------------------ */

/* See paging/swap.h. */
int swap_setup(uint64_t bytes)
{
	if (swap_map)
		return -EBUSY;
	uint64_t n = bytes >> PAGE_SHIFT;
	if (n < 2 || n > ((uint64_t)1 << SWAP_SLOT_BITS))
		return -EINVAL;
	uint32_t order = 0;
	while ((PAGE_SIZE << order) < n * sizeof(uint16_t))
		order++;
	struct page *p = alloc_pages(order);
	if (!p)
		return -ENOMEM;
	int err = zram_init(n);
	if (err) {
		__free_pages(p, order);
		return err;
	}
	swap_map = page_address(p);
	memset(swap_map, 0, PAGE_SIZE << order);
	nr_slots = n;
	return 0;
}

/* See paging/swap.h. */
bool swap_enabled(void) { return swap_map != NULL; }

/* See paging/swap.h. */
uint64_t swap_total_slots(void) { return nr_slots; }

/* See paging/swap.h. */
uint64_t swap_slots_in_use(void) { return inuse_slots; }

/* The slot of entry if it names one of the device's usable slots, else 0. */
static uint64_t entry_slot(swp_entry_t entry)
{
	uint64_t off = swp_offset(entry);
	if (!swap_map || swp_type(entry) != 0 || off == 0 || off >= nr_slots)
		return 0;
	return off;
}

/* See paging/swap.h. */
bool swap_entry_valid(swp_entry_t entry)
{
	uint64_t s = entry_slot(entry);
	return s && swap_map[s] != 0;
}

/* See paging/swap.h. */
uint64_t swap_count_total(void)
{
	uint64_t sum = 0;
	for (uint64_t s = 1; s < nr_slots; s++)
		sum += swap_map[s] & ~SWAP_HAS_CACHE;
	return sum;
}

/* See paging/swap.h. */
static uint32_t __swap_count(swp_entry_t entry)
{
	uint64_t s = entry_slot(entry);
	return s ? swap_map[s] & ~SWAP_HAS_CACHE : 0;
}

/* See paging/swap.h. */
static swp_entry_t __get_swap_page(void)
{
	if (!swap_map || inuse_slots + 1 >= nr_slots)
		return (swp_entry_t){ 0 };
	for (uint64_t i = 0; i < nr_slots; i++) {
		uint64_t s = cluster_next;
		cluster_next = s + 1 < nr_slots ? s + 1 : 1;
		if (s && swap_map[s] == 0) {
			swap_map[s] = SWAP_HAS_CACHE;
			inuse_slots++;
			return swp_entry(0, s);
		}
	}
	return (swp_entry_t){ 0 };
}

/* A slot's count and cache bit are both gone: its data goes. */
static void swap_slot_free(uint64_t s)
{
	zram_free(s);
	inuse_slots--;
}

/* See paging/swap.h. */
static int __swapcache_prepare(swp_entry_t entry)
{
	uint64_t s = entry_slot(entry);
	if (!s || (swap_map[s] & ~SWAP_HAS_CACHE) == 0)
		return -ENOENT;
	if (swap_map[s] & SWAP_HAS_CACHE)
		return -EEXIST;
	swap_map[s] |= SWAP_HAS_CACHE;
	return 0;
}

/* See paging/swap.h. */
static void __put_swap_page(swp_entry_t entry)
{
	uint64_t s = entry_slot(entry);
	if (!s || !(swap_map[s] & SWAP_HAS_CACHE))
		return;
	swap_map[s] &= ~SWAP_HAS_CACHE;
	if (swap_map[s] == 0)
		swap_slot_free(s);
}

/* See paging/swap.h. */
static int __swap_duplicate(swp_entry_t entry)
{
	uint64_t s = entry_slot(entry);
	if (!s || swap_map[s] == 0)
		return -EINVAL;
	if ((swap_map[s] & ~SWAP_HAS_CACHE) >= SWAP_MAP_MAX)
		return -ENOMEM;
	swap_map[s]++;
	return 0;
}

/* Drops one pte count of slot s; frees the slot when nothing is left. */
static void swap_entry_put(uint64_t s)
{
	swap_map[s]--;
	if (swap_map[s] == 0)
		swap_slot_free(s);
}

/* See paging/swap.h. */
static void __swap_free(swp_entry_t entry)
{
	uint64_t s = entry_slot(entry);
	if (!s || (swap_map[s] & ~SWAP_HAS_CACHE) == 0) {
		swap_stats.bad_entries++;
		return;
	}
	swap_entry_put(s);
}

/* See paging/swap.h. */
static void __free_swap_and_cache(swp_entry_t entry)
{
	uint64_t s = entry_slot(entry);
	if (!s || (swap_map[s] & ~SWAP_HAS_CACHE) == 0) {
		swap_stats.bad_entries++;
		return;
	}
	swap_entry_put(s);
	if (swap_map[s] == SWAP_HAS_CACHE) {
		struct page *page = xa_load(&swap_cache, s);
		if (page && page_mapcount(page) == 0)
			delete_from_swap_cache(page);
	}
}

/* ---- The swap cache -------------------------------------------------------- */

/* See paging/swap.h. */
static struct page *__lookup_swap_cache(swp_entry_t entry)
{
	uint64_t s = entry_slot(entry);
	if (!s)
		return NULL;
	struct page *page = xa_load(&swap_cache, s);
	if (page)
		get_page(page);
	return page;
}

/* See paging/swap.h. */
static int __add_to_swap_cache(struct page *page, swp_entry_t entry)
{
	uint64_t s = entry_slot(entry);
	if (!s || PageSwapCache(page))
		return -EINVAL;
	int err = xa_store(&swap_cache, s, page);
	if (err)
		return err;
	get_page(page);
	set_page_slot(page, s);
	page->flags |= PG_swapcache;
	return 0;
}

/* See paging/swap.h. */
static void __delete_from_swap_cache(struct page *page)
{
	uint64_t s = page_slot(page);
	xa_erase(&swap_cache, s);
	page->flags &= ~PG_swapcache;
	set_page_slot(page, 0);
	swap_map[s] &= ~SWAP_HAS_CACHE;
	if (swap_map[s] == 0)
		swap_slot_free(s);
	put_page(page);
}

/* See paging/swap.h. */
static bool __try_to_free_swap(struct page *page)
{
	if (!PageSwapCache(page))
		return false;
	if (swap_map[page_slot(page)] != SWAP_HAS_CACHE)
		return false;
	delete_from_swap_cache(page);
	return true;
}

/* See paging/swap.h. */
uint64_t swap_cache_pages(void) { return swap_cache.nr; }

/* ---- Out and in ------------------------------------------------------------- */

/* See paging/swap.h. */
static int __add_to_swap(struct page *page)
{
	if (!PageAnon(page) || PageSwapCache(page) || PageHuge(page) || page->order != 0)
		return -EINVAL;
	swp_entry_t entry = get_swap_page();
	if (!entry.val)
		return -ENOSPC;
	int err = add_to_swap_cache(page, entry);
	if (err)
		put_swap_page(entry);
	return err;
}

/* See paging/swap.h. */
static int __try_to_unmap_swap_pte(struct mm_struct *mm, uint64_t addr, pte_t *ptep, struct page *page)
{
	swp_entry_t entry = page_swap_entry(page);
	pte_t old = ptep_get(ptep);
	if (!entry.val || !pte_present(old) || pte_pfn(old) != page_to_pfn(page))
		return -EINVAL;
	int err = swap_duplicate(entry);
	if (err)
		return err;
	pte_t swp = swp_entry_to_pte(entry);
	if (pte_write(old) && page_mapcount(page) == 1)
		swp = pte_swp_mkexclusive(swp);
	set_pte_at(mm, addr, ptep, swp);
	flush_tlb_mm_page(mm, addr);   /* every CPU of mm, before reclaim frees the page */
	page_mapcount_dec(page);
	dec_mm_counter(mm, MM_ANONPAGES);
	inc_mm_counter(mm, MM_SWAPENTS);
	put_page(page);
	return 0;
}

/* See paging/swap.h. */
static int __swap_writepage(struct page *page)
{
	if (!PageSwapCache(page))
		return -EINVAL;
	int err = zram_write(page_slot(page), page);
	if (!err)
		swap_stats.pswpout++;
	return err;
}

/* See paging/swap.h. */
static int __swap_readpage(struct page *page, swp_entry_t entry, uint64_t *cycles)
{
	uint64_t s = entry_slot(entry);
	if (!s)
		return -EIO;
	int ret = zram_read(s, page, cycles);
	if (ret < 0)
		return -EIO;
	swap_stats.pswpin++;
	return ret;
}

/* ---- The locked entry points ---- */

/* See paging/swap.h (under the swap lock). */
uint32_t swap_count(swp_entry_t entry)
{
	swap_lock();
	uint32_t ret = __swap_count(entry);
	swap_unlock();
	return ret;
}

/* See paging/swap.h (under the swap lock). */
swp_entry_t get_swap_page(void)
{
	swap_lock();
	swp_entry_t ret = __get_swap_page();
	swap_unlock();
	return ret;
}

/* See paging/swap.h (under the swap lock). */
int swapcache_prepare(swp_entry_t entry)
{
	swap_lock();
	int ret = __swapcache_prepare(entry);
	swap_unlock();
	return ret;
}

/* See paging/swap.h (under the swap lock). */
void put_swap_page(swp_entry_t entry)
{
	swap_lock();
	__put_swap_page(entry);
	swap_unlock();
}

/* See paging/swap.h (under the swap lock). */
int swap_duplicate(swp_entry_t entry)
{
	swap_lock();
	int ret = __swap_duplicate(entry);
	swap_unlock();
	return ret;
}

/* See paging/swap.h (under the swap lock). */
void swap_free(swp_entry_t entry)
{
	swap_lock();
	__swap_free(entry);
	swap_unlock();
}

/* See paging/swap.h (under the swap lock). */
void free_swap_and_cache(swp_entry_t entry)
{
	swap_lock();
	__free_swap_and_cache(entry);
	swap_unlock();
}

/* See paging/swap.h (under the swap lock). */
struct page *lookup_swap_cache(swp_entry_t entry)
{
	swap_lock();
	struct page * ret = __lookup_swap_cache(entry);
	swap_unlock();
	return ret;
}

/* See paging/swap.h (under the swap lock). */
int add_to_swap_cache(struct page *page, swp_entry_t entry)
{
	swap_lock();
	int ret = __add_to_swap_cache(page, entry);
	swap_unlock();
	return ret;
}

/* See paging/swap.h (under the swap lock). */
void delete_from_swap_cache(struct page *page)
{
	swap_lock();
	__delete_from_swap_cache(page);
	swap_unlock();
}

/* See paging/swap.h (under the swap lock). */
bool remove_swap_cache_if_unused(struct page *page)
{
	swap_lock();
	bool ret = PageSwapCache(page) && page_ref_count(page) == 2;
	if (ret)
		__delete_from_swap_cache(page);
	swap_unlock();
	return ret;
}

/* See paging/swap.h (under the swap lock). */
bool try_to_free_swap(struct page *page)
{
	swap_lock();
	bool ret = __try_to_free_swap(page);
	swap_unlock();
	return ret;
}

/* See paging/swap.h (under the swap lock). */
int add_to_swap(struct page *page)
{
	swap_lock();
	int ret = __add_to_swap(page);
	swap_unlock();
	return ret;
}

/* See paging/swap.h (under the swap lock). */
int try_to_unmap_swap_pte(struct mm_struct *mm, uint64_t addr, pte_t *ptep, struct page *page)
{
	swap_lock();
	int ret = __try_to_unmap_swap_pte(mm, addr, ptep, page);
	swap_unlock();
	return ret;
}

/* See paging/swap.h (under the swap lock). */
int swap_writepage(struct page *page)
{
	swap_lock();
	int ret = __swap_writepage(page);
	swap_unlock();
	return ret;
}

/* See paging/swap.h (under the swap lock). */
int swap_readpage(struct page *page, swp_entry_t entry, uint64_t *cycles)
{
	swap_lock();
	int ret = __swap_readpage(page, entry, cycles);
	swap_unlock();
	return ret;
}
