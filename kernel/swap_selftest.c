/*
 * The swap device at boot and its self-check (kernel/swap_selftest.h): a
 * test address space whose pages are swapped out by hand, the way reclaim
 * does it, and faulted back through handle_mm_fault, on the machine's own
 * memory and TSC.
 */
#include "kernel/swap_selftest.h"
#include "base/errno.h"
#include "base/string.h"
#include "lib/kprintf.h"
#include "lib/record.h"
#include "paging/buddy.h"
#include "paging/lru.h"
#include "paging/memory.h"
#include "paging/mm.h"
#include "paging/mman.h"
#include "paging/page.h"
#include "paging/slab.h"
#include "paging/swap.h"
#include "paging/vma.h"
#include "paging/zram.h"

#define BASE 0x10000000ull
#define NPAGES 4

/* Page i's contents: 0 pseudo-random (stored raw), 1 text (compressed),
 * 2 one repeated word (same-filled), 3 zeros (same-filled). */
static uint8_t expected_byte(uint32_t page, uint32_t i)
{
	static const char text[] = "faultline swaps this page out to zram and back; ";
	switch (page) {
	case 0: return (uint8_t)(((uint64_t)i * 0x9e3779b97f4a7c15ull) >> 56);
	case 1: return (uint8_t)text[i % (sizeof(text) - 1)];
	case 2: return (uint8_t)(0xfeedfacecafebeefull >> (8 * (i % 8)));
	default: return 0;
	}
}

/* Swaps out the page at va as reclaim does. Returns 0 or which step failed. */
static int swap_out_by_hand(struct mm_struct *mm, uint64_t va)
{
	pte_t *ptep = walk_pte(mm->pgd, va, false, NULL);
	if (!ptep || !pte_present(ptep_get(ptep)))
		return 1;
	struct page *page = pfn_to_page(pte_pfn(ptep_get(ptep)));
	lru_add_drain();   /* as reclaim: the LRU batch's reference is not a user's */
	get_page(page);
	int step = add_to_swap(page) ? 2 : try_to_unmap_swap_pte(mm, va, ptep, page) ? 3 : swap_writepage(page) ? 4 : 0;
	if (!step && page_mapcount(page) == 0 && page_ref_count(page) == 2)
		delete_from_swap_cache(page);
	put_page(page);
	return step;
}

/* The self-check; returns NULL when all held, else what broke first. */
static const char *swap_round_trip(uint64_t *cycles)
{
	struct mm_struct *mm = mm_alloc();
	if (!mm)
		return "no memory for the test address space";
	const char *why = NULL;
	if (do_mmap(mm, BASE, NPAGES * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
		    MAP_POPULATE, (uint64_t)-1, 0) != (int64_t)BASE) {
		why = "mmap of the test pages failed";
		goto out;
	}
	for (uint32_t p = 0; p < NPAGES; p++) {
		pte_t *ptep = walk_pte(mm->pgd, BASE + p * PAGE_SIZE, false, NULL);
		uint8_t *d = __va(pte_pfn(ptep_get(ptep)) << PAGE_SHIFT);
		for (uint32_t i = 0; i < PAGE_SIZE; i++)
			d[i] = expected_byte(p, i);
	}
	uint64_t out0 = swap_stats.pswpout, in0 = swap_stats.pswpin;
	for (uint32_t p = 0; p < NPAGES; p++)
		if (swap_out_by_hand(mm, BASE + p * PAGE_SIZE)) {
			why = "a page could not be swapped out";
			goto out;
		}
	if (swap_stats.pswpout - out0 != NPAGES || swap_count_total() != NPAGES || mm->rss_stat[MM_SWAPENTS] != NPAGES) {
		why = "pswpout, the slot counts or MM_SWAPENTS are not one per page";
		goto out;
	}
	for (uint32_t p = 0; p < NPAGES; p++) {
		uint64_t va = BASE + p * PAGE_SIZE;
		if (!is_swap_pte(ptep_get(walk_pte(mm->pgd, va, false, NULL)))) {
			why = "a swapped-out page's pte is not a swap entry";
			goto out;
		}
		struct vm_fault vmf;
		vm_fault_t ret = handle_mm_fault(find_vma(mm, va), va, FAULT_FLAG_USER | (p % 2 ? FAULT_FLAG_WRITE : 0), &vmf);
		*cycles += vmf.clear_cycles;
		enum vm_fault_done want = p >= 2 ? VMF_DONE_SWAP_IN_SAME : VMF_DONE_SWAP_IN;
		if (ret != VM_FAULT_MAJOR || vmf.done != want) {
			why = "a swap-in was not one major fault of its class";
			goto out;
		}
		pte_t pte = ptep_get(walk_pte(mm->pgd, va, false, NULL));
		if (!pte_present(pte) || !!pte_write(pte) != (p % 2)) {
			why = "a swapped-in page is not mapped (writable after a write only)";
			goto out;
		}
		const uint8_t *d = __va(pte_pfn(pte) << PAGE_SHIFT);
		for (uint32_t i = 0; i < PAGE_SIZE; i++)
			if (d[i] != expected_byte(p, i)) {
				why = "a swapped-in page's data differs";
				goto out;
			}
	}
	if (swap_stats.pswpin - in0 != NPAGES || swap_slots_in_use() || swap_cache_pages()) {
		why = "pswpin is not one per page, or slots or cached pages are left";
		goto out;
	}
	/* A corrupt swap entry: SIGBUS, nothing mapped. */
	pte_t *ptep = walk_pte(mm->pgd, BASE, false, NULL);
	pte_t saved = ptep_get(ptep);
	set_pte(ptep, __pte(__swp_entry_val(0, swap_total_slots() + 5)));
	struct vm_fault vmf;
	vm_fault_t ret = handle_mm_fault(find_vma(mm, BASE), BASE, FAULT_FLAG_USER, &vmf);
	set_pte(ptep, saved);
	if (ret != VM_FAULT_SIGBUS)
		why = "a corrupt swap entry was not answered with SIGBUS";
out:
	mmput(mm);
	if (!why && (swap_slots_in_use() || swap_cache_pages()))
		why = "slots or cached pages are left after the test address space went";
	return why;
}

/* See kernel/swap_selftest.h. */
void swap_init(uint64_t bytes, bool check)
{
	if (!bytes)
		return;
	int err = swap_setup(bytes);
	if (err) {
		record_warning("swap", "swap = %llu MiB: no swap device (%s)", bytes >> 20,
			       err == -ENOMEM ? "not enough memory for its tables" : "size out of range");
		return;
	}
	kprintf("swap: zram device of %llu MiB (%llu slots), LZ4\n", bytes >> 20, swap_total_slots());
	if (!check)
		return;
	kmem_cache_shrink_all();
	drain_local_pages();
	uint64_t free_before = nr_free_pages();
	uint64_t cycles = 0;
	const char *why = swap_round_trip(&cycles);
	kmem_cache_shrink_all();
	drain_local_pages();
	uint64_t free_after = nr_free_pages();
	if (!why && free_after != free_before)
		why = "frames were not all given back";
	record_check("swap.round_trip", why == NULL, "%s; %u pages out and back, %llu cycles decompressing; "
		     "free frames %llu before, %llu after", why ? why : "ok", NPAGES, cycles, free_before, free_after);
}
