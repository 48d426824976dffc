/*
 * The generic page-fault path and page-table teardown (paging/memory.h),
 * after Linux's mm/memory.c. The cases handle_pte_fault meets:
 *
 *   case                              does                               returns, vmf->done
 *   a table on the path missing       allocated (vmf->pgtables counts)   VM_FAULT_OOM if no frame
 *   pte table missing or entry none   do_anonymous_page
 *       read, private VMA               map the zero page read-only      0, VMF_DONE_ZERO_PAGE
 *                                       (special)
 *       write, private VMA              a zeroed frame, set_anon_pte     0, VMF_DONE_NEW_ANON
 *                                       (install_anon_page's body)
 *       any access, shared VMA          the same (only where a shared    0, VMF_DONE_NEW_SHARED
 *         with no shmem object          anonymous VMA has no object: the
 *                                       mm calls of in-kernel tests)
 *   present, write, not writable      do_wp_page
 *       the zero page                   a fresh zeroed frame             0, VMF_DONE_COW_ZERO
 *       an anonymous page mapped once   made writable in place           0, VMF_DONE_REUSE
 *       mapped more than once           copied                           0, VMF_DONE_COPY
 *   present and already allowing it   young/dirty set, TLB entry flushed 0, VMF_DONE_SPURIOUS
 *   not present but not none          do_swap_page (a swap entry)
 *       the page in the swap cache      mapped again                       0, VMF_DONE_SWAP_CACHE
 *       else                            a new frame, decompressed          MAJOR, VMF_DONE_SWAP_IN
 *                                       (same-filled: filled with a word)  MAJOR, VMF_DONE_SWAP_IN_SAME
 *       (a write, page not exclusive)   then do_wp_page                    done as above
 *       a corrupt entry or slot         nothing                            VM_FAULT_SIGBUS
 *   no frame for a new page           nothing mapped                     VM_FAULT_OOM
 *
 * Before the pte: a hugetlb VMA goes to hugetlb_fault (paging/hugetlb.h); a
 * none pmd in a VMA that may have THPs to do_huge_pmd_anonymous_page, a THP
 * leaf to huge_pmd_fault (paging/huge_memory.h, with their own table); when
 * they fall back, the pte path above runs and a resolved fault is
 * VMF_DONE_THP_FALLBACK.
 *
 * The time spent zeroing frames (or decompressing them from swap) comes back
 * in vmf->clear_cycles. The fault
 * path counts and signals nothing: fault/fault.c turns the result into one
 * response and accounts it. (populate_range, MAP_POPULATE's faulting-in,
 * counts its faults as minor faults of the task, as Linux's GUP does.)
 *
 * SMP (paging/ptlock.h, docs/ARCHITECTURE.md "Locking"): the caller holds
 * the mm's mmap_lock (for reading, from the fault path), so the VMA and
 * the page tables on the path stay. Each case reads the entry unlocked,
 * allocates what it needs, then takes the pte table's lock and acts only if
 * the entry is still the one it read (pte_same); otherwise another CPU
 * resolved the fault first: what was allocated goes back, and the result is
 * 0 with VMF_DONE_SPURIOUS (the access is retried). pmd-level work (THP,
 * hugetlb, the huge zero page, a new table) is under mm->page_table_lock.
 */
#include "paging/memory.h"
#include "paging/filemap.h"
#include "paging/buddy.h"
#include "paging/huge_memory.h"
#include "paging/hugetlb.h"
#include "paging/init.h"
#include "paging/page.h"
#include "paging/ptlock.h"
#include "paging/swap.h"
#include "paging/tlb.h"
#include "paging/vma.h"
#include "paging/lru.h"
#include "paging/mmu_gather.h"
#include "paging/rmap.h"
#include "paging/vmscan.h"
#include "base/compiler.h"
#include "base/process.h"
#include "cpu/percpu.h"
#include "base/panic.h"
#include "cpu/x86.h"
#include "base/errno.h"
#include "base/string.h"

uint64_t zero_pfn;
uint64_t fault_around_bytes = 64 * 1024;

/* See paging/memory.h. */
int zero_page_init(void)
{
	struct page *page = alloc_zeroed_page();
	if (!page)
		return -1;
	SetPageZero(page);
	zero_pfn = page_to_pfn(page);
	return 0;
}

/* A frame for user memory, charged to the user group (reclaim may run
 * first: paging/vmscan.h); NULL when there is none or the charge failed. */
static __always_inline struct page *alloc_user_page(void)
{
	struct page *page = alloc_page();
	if (unlikely(!page))
		return NULL;
	if (unlikely(charge_user_page(page))) {
		put_page(page);
		return NULL;
	}
	return page;
}

/* A zeroed frame for user memory; the zeroing time goes to vmf->clear_cycles. */
static __always_inline struct page *alloc_zeroed_user_page(struct vm_fault *vmf)
{
	struct page *page = alloc_user_page();
	if (unlikely(!page))
		return NULL;
	uint64_t t0 = rdtsc_ordered();
	clear_page(page_address(page));
	vmf->clear_cycles += rdtsc_ordered() - t0;
	SetPageAnon(page);
	return page;
}

/* The pte of a new anonymous page at vmf->pte (install_anon_page's body,
 * inline in the fault path). */
static __always_inline void set_anon_pte(struct vm_area_struct *vma, uint64_t addr, pte_t *pte, struct page *page)
{
	struct mm_struct *mm = vma->vm_mm;
	pte_t entry = mk_pte(page, vma->vm_page_prot);
	entry = pte_mkyoung(entry);
	if (vma->vm_flags & VM_WRITE)
		entry = pte_mkwrite(pte_mkdirty(entry));
	if (likely(!(vma->vm_flags & VM_SHARED))) {
		/* Reclaimable: the reverse map and the inactive anon list. (Shared
		 * anonymous pages have no object to come back from: kept.) */
		page_add_new_anon_rmap(page, vma, addr);
		lru_cache_add(page);
	}
	page_mapcount_inc(page);
	inc_mm_counter(mm, (vma->vm_flags & VM_SHARED) ? MM_SHMEMPAGES : MM_ANONPAGES);
	set_pte_at(mm, addr, pte, entry);
	/* update_mmu_cache(): nothing to do on x86 */
}

/* See paging/memory.h. */
int install_anon_page(struct vm_area_struct *vma, uint64_t addr, struct page *page)
{
	pte_t *pte = walk_pte(vma->vm_mm->pgd, addr, true, NULL);
	if (!pte)
		return -ENOMEM;
	if (!(page->flags & PG_memcg) && mem_cgroup_charge(page, 0))
		return -ENOMEM;
	SetPageAnon(page);
	spinlock_t *ptl = pte_lock(pte);
	set_anon_pte(vma, addr, pte, page);
	pte_unmap_unlock(ptl);
	return 0;
}

/* Maps a new anonymous page (or the zero page) at the none entry vmf->pte. */
static __always_inline vm_fault_t do_anonymous_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;

	/* Read of private memory: the shared zero page, read-only. */
	if (!(vmf->flags & FAULT_FLAG_WRITE) && !(vma->vm_flags & VM_SHARED)) {
		pte_t entry = pte_mkspecial(pfn_pte(zero_pfn, vma->vm_page_prot));
		spinlock_t *ptl = pte_lock(vmf->pte);
		if (likely(pte_none(ptep_get(vmf->pte)))) {
			set_pte_at(mm, vmf->address, vmf->pte, entry);
			vmf->done = VMF_DONE_ZERO_PAGE;
		}
		pte_unmap_unlock(ptl);
		return 0;
	}

	struct page *page = alloc_zeroed_user_page(vmf);
	if (!page)
		return VM_FAULT_OOM;
	spinlock_t *ptl = pte_lock(vmf->pte);
	if (unlikely(!pte_none(ptep_get(vmf->pte)))) {
		pte_unmap_unlock(ptl);   /* someone else faulted it in */
		put_page(page);
		return 0;
	}
	set_anon_pte(vma, vmf->address, vmf->pte, page);
	pte_unmap_unlock(ptl);
	vmf->done = (vma->vm_flags & VM_SHARED) ? VMF_DONE_NEW_SHARED : VMF_DONE_NEW_ANON;
	return 0;
}

/*
 * A frame for user memory while the pte lock ptl is held (wp_page_copy):
 * the charge's slow path may reclaim, which takes pte locks, so it runs with
 * ptl dropped (hold, if any, kept by a reference meanwhile) and the entry is
 * checked again after: if it changed, the frame goes back and *moved is set.
 * NULL (and ptl held) if out of memory.
 */
static __always_inline struct page *alloc_user_page_ptl(struct vm_fault *vmf, spinlock_t *ptl, struct page *hold,
							 bool *moved)
{
	struct page *page = alloc_page();
	*moved = false;
	if (likely(page) && unlikely(!charge_user_page_fast(page))) {
		if (hold)
			get_page(hold);
		pte_unmap_unlock(ptl);
		int err = mem_cgroup_charge(page, 0);
		spin_lock(ptl);
		*moved = !pte_same_at(vmf->pte, vmf->orig_pte);
		if (hold)
			put_page(hold);   /* the entry still holds it, unless moved */
		if (err || *moved) {
			put_page(page);
			page = NULL;
		}
	}
	return page;
}

/*
 * wp_page_copy: a new frame for a write to a read-only entry - zeroed when
 * old is NULL (the zero page was mapped), else a copy of old, whose map
 * count and reference the entry gives up. Entered with the pte lock ptl
 * held and the entry checked (pte_same); returns with it dropped. Inlined
 * at both of do_wp_page's calls, so each path ends with its own vmf->done.
 */
static __always_inline vm_fault_t wp_page_copy(struct vm_fault *vmf, struct page *old, spinlock_t *ptl)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	bool moved;
	struct page *page = alloc_user_page_ptl(vmf, ptl, old, &moved);
	if (unlikely(!page)) {
		pte_unmap_unlock(ptl);
		if (moved) {
			vmf->done = VMF_DONE_SPURIOUS;
			return 0;
		}
		return VM_FAULT_OOM;
	}
	uint64_t t0 = rdtsc_ordered();
	if (!old)
		clear_page(page_address(page));
	else
		copy_page(page_address(page), page_address(old));
	vmf->clear_cycles += rdtsc_ordered() - t0;   /* filling the frame, timed apart */
	SetPageAnon(page);
	pte_t entry = pte_mkyoung(pte_mkwrite(pte_mkdirty(mk_pte(page, vma->vm_page_prot))));
	bool reclaimable = likely(!(vma->vm_flags & VM_SHARED));
	if (reclaimable)
		page_add_new_anon_rmap(page, vma, vmf->address);
	page_mapcount_inc(page);
	set_pte_at(mm, vmf->address, vmf->pte, entry);
	flush_tlb_fault_page(mm, vmf->address);   /* every CPU of mm before old can go: one INVLPG if only here */
	if (!old) {
		inc_mm_counter(mm, MM_ANONPAGES);
		pte_unmap_unlock(ptl);
		vmf->done = VMF_DONE_COW_ZERO;
	} else {
		if (unlikely(!PageAnon(old))) {   /* a file page: the copy is anonymous */
			dec_mm_counter(mm, MM_FILEPAGES);
			inc_mm_counter(mm, MM_ANONPAGES);
		}
		page_mapcount_dec(old);
		pte_unmap_unlock(ptl);
		put_page_fast(old);   /* the entry's reference (old is its frame) */
		vmf->done = VMF_DONE_COPY;
	}
	/* Last: its per-CPU stores make the compiler load what follows again. */
	if (reclaimable)
		lru_cache_add(page);
	return 0;
}

/* Linux's wp_page_reuse: the faulting entry made writable, dirty and young
 * in place (no copy), the local TLB entry dropped (other CPUs' read-only
 * entries only fault again), the pte lock ptl dropped; done says which
 * class it was. Cannot fail. */
static inline vm_fault_t wp_page_reuse(struct vm_fault *vmf, spinlock_t *ptl, enum vm_fault_done done)
{
	pte_t entry = pte_mkyoung(pte_mkdirty(pte_mkwrite(vmf->orig_pte)));
	set_pte_at(vmf->vma->vm_mm, vmf->address, vmf->pte, entry);
	flush_tlb_page(vmf->address);
	pte_unmap_unlock(ptl);
	vmf->done = done;
	return 0;
}

/* Write to a present read-only entry of a writable VMA: copy-on-write.
 * Entered with the pte lock ptl held (the entry is vmf->orig_pte); returns
 * with it dropped. */
static vm_fault_t do_wp_page(struct vm_fault *vmf, spinlock_t *ptl)
{
	struct vm_area_struct *vma = vmf->vma;
	uint64_t pfn = pte_pfn(vmf->orig_pte);

	if (is_zero_pfn(pfn))
		return wp_page_copy(vmf, NULL, ptl);
	struct page *old = pfn_to_page(pfn);
	if (unlikely(old->mapping) && (vma->vm_flags & VM_SHARED)) {
		/* wp_page_shared: the first write to a clean page-cache page. */
		set_page_dirty(old);
		return wp_page_reuse(vmf, ptl, VMF_DONE_FILE_SHARED_WRITE);
	}
	/* A swapped-in page still in the swap cache, mapped here only: its slot
	 * goes if no swap pte holds it, then it may be reused (Linux's
	 * wp_can_reuse_anon_folio frees the swap cache the same way). */
	if (unlikely(PageSwapCache(old)) && page_mapcount(old) == 1)
		try_to_free_swap(old);
	if (PageAnon(old) && page_mapcount(old) == 1) {
		int32_t refs = page_ref_count(old);
		if (unlikely(refs == 2) && !PageLRU(old)) {
			/* Off the lists: maybe held by this CPU's LRU batch, whose
			 * reference is no user's - drained first (Linux 6.1). */
			lru_add_drain();
			refs = page_ref_count(old);
		}
		if (refs == 1)
			return wp_page_reuse(vmf, ptl, VMF_DONE_REUSE);   /* we are the only user */
	}
	return wp_page_copy(vmf, old, ptl);
}

/* The pte of a page-cache page at addr (the caller holds the reference the
 * entry takes over): read-only unless write (then dirty), and read-only for
 * a clean page of a shared mapping, so its first write is seen. */
static void set_file_pte(struct vm_area_struct *vma, uint64_t addr, pte_t *pte, struct page *page, bool write)
{
	pte_t entry = pte_mkyoung(mk_pte(page, vma->vm_page_prot));
	if (write)
		entry = pte_mkdirty(entry);
	else if (!(vma->vm_flags & VM_SHARED) || !PageDirty(page))
		entry = pte_wrprotect(entry);
	page_mapcount_inc(page);
	inc_mm_counter(vma->vm_mm, MM_FILEPAGES);
	set_pte_at(vma->vm_mm, addr, pte, entry);
}

/* The file page behind vmf->address, for the fault: -> vmf->page. */
static uint64_t fault_pgoff(const struct vm_fault *vmf)
{
	return vmf->vma->vm_pgoff + ((vmf->address - vmf->vma->vm_start) >> PAGE_SHIFT);
}

/*
 * Linux's do_fault_around / filemap_map_pages: maps the pages of the window
 * of fault_around_bytes that starts at the fault's address rounded down to
 * it (or at the VMA's start, if later), within the VMA and this page table,
 * that are cached already and below the end of the file, where the entry is
 * none. The cache is read a leaf node at a time (xa_leaf: one descent per
 * 64 pages, not one per page). Returns the pages mapped (the faulting one
 * included if it was cached).
 */
static uint64_t do_fault_around(struct vm_fault *vmf, uint64_t nr_file_pages)
{
	struct vm_area_struct *vma = vmf->vma;
	struct address_space *mapping = vma->vm_mapping;
	uint64_t window = fault_around_bytes > PAGE_SIZE ? fault_around_bytes & PAGE_MASK : PAGE_SIZE;
	uint64_t start = vmf->address & ~(window - 1);
	if (start < vma->vm_start)
		start = vma->vm_start;
	uint64_t end = start + window;
	if (end > vma->vm_end)
		end = vma->vm_end;
	if (end > (vmf->address & PMD_MASK) + PMD_SIZE)
		end = (vmf->address & PMD_MASK) + PMD_SIZE;   /* this page table only */
	uint64_t mapped = 0;
	pte_t *base = vmf->pte - ((vmf->address - start) >> PAGE_SHIFT);
	uint64_t first = vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT);
	uint64_t last = first + ((end - start) >> PAGE_SHIFT) - 1;
	if (last >= nr_file_pages)
		last = nr_file_pages - 1;   /* the faulting page is below it: first <= last */
	/* The caller holds the pte lock; the cache's lock keeps its nodes
	 * and pages while they are read (Linux: RCU). */
	spin_lock(&mapping->i_pages_lock);
	for (uint64_t index = first; index <= last;) {
		const struct xa_node *leaf = xa_leaf(&mapping->i_pages, index);
		uint64_t leaf_last = index | (XA_CHUNK_SIZE - 1);
		uint64_t stop = leaf_last < last ? leaf_last : last;
		for (; leaf && index <= stop; index++) {
			struct page *page = leaf->slots[index & (XA_CHUNK_SIZE - 1)];
			pte_t *pte = base + (index - first);
			if (!page || !pte_none(ptep_get(pte)))
				continue;
			get_page(page);
			set_file_pte(vma, start + ((index - first) << PAGE_SHIFT), pte, page, false);
			mapped++;
		}
		index = stop + 1;
	}
	spin_unlock(&mapping->i_pages_lock);
	return mapped;
}

/*
 * A page-cache miss at the fault (out of line: a hit is the common case): a
 * new page, zeroed for a shmem object (a minor fault) or read by the file
 * system's readpage (the "I/O", VM_FAULT_MAJOR; for the RAM disk a block
 * lookup and the 4 KiB copy, or the clearing of a hole), put in the cache.
 * Filling the page is timed in vmf->clear_cycles, as an anonymous page's
 * clearing. NULL if out of memory, or if the read failed (vmf->why set).
 */
static __attribute__((noinline)) struct page *fault_read_page(struct vm_fault *vmf)
{
	struct address_space *mapping = vmf->vma->vm_mapping;
	uint64_t index = fault_pgoff(vmf);
	struct page *page = alloc_user_page();   /* charged: reclaim may run first */
	if (!page)
		return NULL;
	int err = 0;
	uint64_t t0 = rdtsc_ordered();
	if (mapping_is_shmem(mapping)) {
		clear_page(page_address(page));
	} else {
		page->mapping = mapping;
		page->index = index;
		err = mapping->a_ops->readpage(mapping, page);
		page->mapping = NULL;
		__atomic_fetch_add(&filemap_stats.reads, 1, __ATOMIC_RELAXED);
	}
	vmf->clear_cycles += rdtsc_ordered() - t0;
	if (!err)
		err = add_to_page_cache(page, mapping, index);
	if (err == -EEXIST) {   /* another CPU cached it meanwhile: that one */
		put_page(page);
		page = find_get_page(mapping, index);
		if (!page)   /* and it went again (truncated) */
			vmf->why = "the file's page could not be read";
		return page;
	}
	if (err) {
		put_page(page);
		if (err != -ENOMEM)
			vmf->why = "the file's page could not be read";
		return NULL;
	}
	return page;
}

/* A cache page for the fault (a new reference), or NULL and a verdict in
 * *ret: out of memory, or the read failed. *ret is VM_FAULT_MAJOR for a
 * page read from the file; *fresh says the page was not cached before. */
static __always_inline struct page *fault_get_page(struct vm_fault *vmf, vm_fault_t *ret, bool *fresh)
{
	struct page *page = find_get_page(vmf->vma->vm_mapping, fault_pgoff(vmf));
	*ret = 0;
	if (likely(page))
		return page;
	page = fault_read_page(vmf);
	if (!page) {
		*ret = vmf->why ? VM_FAULT_SIGBUS : VM_FAULT_OOM;
		return NULL;
	}
	*fresh = true;
	if (!mapping_is_shmem(vmf->vma->vm_mapping))
		*ret = VM_FAULT_MAJOR;
	return page;
}

/* What a file fault that mapped a page did: a new shmem page is a first
 * touch of shared memory (VMF_DONE_NEW_SHARED), else the file class given. */
static enum vm_fault_done file_fault_done(const struct vm_fault *vmf, bool fresh, enum vm_fault_done file_class)
{
	if (fresh && mapping_is_shmem(vmf->vma->vm_mapping))
		return VMF_DONE_NEW_SHARED;
	return file_class;
}

/*
 * Linux's do_fault for a file VMA's none entry: past the end of the file
 * SIGBUS; a read maps the cached page (do_read_fault, with fault-around); a
 * write to a private mapping maps a private copy (do_cow_fault); a write to
 * a shared one dirties the cached page and maps it writable (do_shared_fault).
 * A miss in a shmem object (MAP_SHARED|MAP_ANONYMOUS, memfd) is a new zeroed
 * page, not a read: a minor fault, VMF_DONE_NEW_SHARED.
 */
static __always_inline vm_fault_t __do_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct address_space *mapping = vma->vm_mapping;
	if (!vmf->pte) {
		int err = pte_alloc(vma->vm_mm, vmf->pmd);
		if (err)
			return err == PT_ERR_LEAF ? VM_FAULT_SIGBUS : VM_FAULT_OOM;
		vmf->pte = pte_offset_map(vmf->pmd, vmf->address);
	}
	spinlock_t *ptl;
	uint64_t nr_file_pages = (mapping->i_size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (fault_pgoff(vmf) >= nr_file_pages) {
		vmf->why = "access past the end of the mapped file";
		return VM_FAULT_SIGBUS;
	}
	vm_fault_t ret;
	struct page *page;
	bool fresh = false;
	if (!(vmf->flags & FAULT_FLAG_WRITE)) {
		/* do_read_fault */
		if (fault_around_bytes > PAGE_SIZE) {
			ptl = pte_lock(vmf->pte);
			if (!pte_none(ptep_get(vmf->pte))) {
				pte_unmap_unlock(ptl);   /* someone else faulted it in */
				return 0;
			}
			vmf->around = do_fault_around(vmf, nr_file_pages);
			pte_unmap_unlock(ptl);
			if (!pte_none(ptep_get(vmf->pte))) {
				vmf->around--;   /* the faulting page was cached: a minor fault */
				vmf->done = VMF_DONE_FILE_READ;
				return 0;
			}
		}
		page = fault_get_page(vmf, &ret, &fresh);
		if (!page)
			return ret;
		ptl = pte_lock(vmf->pte);
		if (unlikely(!pte_none(ptep_get(vmf->pte)))) {
			pte_unmap_unlock(ptl);
			put_page(page);
			return ret & ~VM_FAULT_MAJOR;
		}
		set_file_pte(vma, vmf->address, vmf->pte, page, false);
		pte_unmap_unlock(ptl);
		vmf->done = file_fault_done(vmf, fresh,
					    (ret & VM_FAULT_MAJOR) ? VMF_DONE_FILE_READ_MAJOR : VMF_DONE_FILE_READ);
		return ret;
	}
	page = fault_get_page(vmf, &ret, &fresh);
	if (!page)
		return ret;
	if (!(vma->vm_flags & VM_SHARED)) {
		/* do_cow_fault: a private copy, anonymous from now on. */
		struct page *copy = alloc_user_page();
		if (!copy) {
			put_page(page);
			return VM_FAULT_OOM;
		}
		copy_page(page_address(copy), page_address(page));
		put_page(page);
		SetPageAnon(copy);
		ptl = pte_lock(vmf->pte);
		if (unlikely(!pte_none(ptep_get(vmf->pte)))) {
			pte_unmap_unlock(ptl);
			put_page(copy);
			return ret & ~VM_FAULT_MAJOR;
		}
		set_anon_pte(vma, vmf->address, vmf->pte, copy);
		pte_unmap_unlock(ptl);
		vmf->done = VMF_DONE_FILE_COW;
		return ret;
	}
	/* do_shared_fault: page_mkwrite, then the page dirty and writable. */
	ptl = pte_lock(vmf->pte);
	if (unlikely(!pte_none(ptep_get(vmf->pte)))) {
		pte_unmap_unlock(ptl);
		put_page(page);
		return ret & ~VM_FAULT_MAJOR;
	}
	set_page_dirty(page);
	set_file_pte(vma, vmf->address, vmf->pte, page, true);
	pte_unmap_unlock(ptl);
	vmf->done = file_fault_done(vmf, fresh, VMF_DONE_FILE_SHARED_WRITE);
	return ret;
}

/* __do_fault out of line: where the VMA may be anonymous, the file path stays apart. */
static __attribute__((noinline)) vm_fault_t do_fault(struct vm_fault *vmf)
{
	return __do_fault(vmf);
}

/*
 * do_fault on a copy of *vmf: a pointer to the caller's vmf passed to an
 * out-of-line call would put the whole struct in memory on every fault of
 * the inlined path, not only on this one.
 */
static __always_inline vm_fault_t do_fault_out_of_line(struct vm_fault *vmf)
{
	struct vm_fault f = *vmf;
	vm_fault_t ret = do_fault(&f);
	*vmf = f;
	return ret;
}

/* What the caller knows of the faulting VMA (a constant at each call, so
 * the paths it rules out are compiled away): no file, maybe one, a file. */
enum vma_kind { VMA_ANON, VMA_ANY, VMA_FILE };

/* A none entry: do_fault for a file VMA, else do_anonymous_page. For a
 * file VMA the caller knows of, do_fault's body is inlined; one found here
 * goes out of line, on a copy. */
static __always_inline vm_fault_t do_none_entry(struct vm_fault *vmf, enum vma_kind files)
{
	if (files == VMA_FILE)
		return __do_fault(vmf);
	if (files == VMA_ANY && unlikely(vmf->vma->vm_mapping))
		return do_fault_out_of_line(vmf);
	return do_anonymous_page(vmf);
}

/* Linux's vm_swap_full: more than half the slots in use, so swap-in frees a
 * slot as soon as its page is mapped by one pte only. */
static bool vm_swap_full(void)
{
	return swap_slots_in_use() * 2 > swap_total_slots();
}

/*
 * A swap pte (Linux 6.1's do_swap_page, for a synchronous device like
 * zram): the page from the swap cache if it is there (a minor fault), else
 * a new frame filled from the slot (major) - with the slot counted for this
 * pte only it bypasses the swap cache (SWP_SYNCHRONOUS_IO), else it enters
 * it for the other ptes sharing the slot. Mapped writable at once for a
 * write when the page is certainly exclusive (a fresh frame, or the pte's
 * exclusive marker); otherwise a write goes on to do_wp_page. The pte's
 * count of the slot is dropped; a cached page whose slot no pte holds any
 * more leaves the cache on a write or when swap is more than half full.
 */
static __attribute__((noinline)) vm_fault_t do_swap_page(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vma->vm_mm;
	swp_entry_t entry = pte_to_swp_entry(vmf->orig_pte);
	if (unlikely(!swap_entry_valid(entry) || swap_count(entry) == 0)) {
		__atomic_fetch_add(&swap_stats.bad_entries, 1, __ATOMIC_RELAXED);   /* no swap lock here */
		vmf->why = "corrupt swap entry: the pte names no swap slot in use";
		return VM_FAULT_SIGBUS;
	}
	vm_fault_t ret = 0;
	bool exclusive = pte_swp_exclusive(vmf->orig_pte);
	struct page *page = lookup_swap_cache(entry);
	if (page) {
		__atomic_fetch_add(&swap_stats.swapcache_hits, 1, __ATOMIC_RELAXED);
		vmf->done = VMF_DONE_SWAP_CACHE;
	} else {
		page = alloc_user_page();   /* charged: reclaim may run first (the pte stays this swap entry) */
		if (!page)
			return VM_FAULT_OOM;
		int r = swap_readpage(page, entry, &vmf->clear_cycles);
		if (r < 0) {
			put_page(page);
			/* Another CPU may have swapped it in and freed the slot first. */
			if (!pte_same_at(vmf->pte, vmf->orig_pte))
				return 0;
			vmf->why = "the swap slot's data could not be read back (corrupt compressed page)";
			return VM_FAULT_SIGBUS;
		}
		SetPageAnon(page);
		/* Reclaim's: the reverse map and the LRU; a page evicted recently
		 * (its shadow found) is a refault and joins the active list. */
		page_add_new_anon_rmap(page, vma, vmf->address);
		if (workingset_refault(workingset_key_swap(entry.val)))
			page->flags |= PG_active | PG_workingset;
		add_page_to_lru_list(page);
		if (swap_count(entry) == 1) {
			exclusive = true;   /* a fresh page no one else can reach */
		} else if (swapcache_prepare(entry) == 0 && add_to_swap_cache(page, entry) != 0) {
			put_swap_page(entry);   /* not cached: the other ptes read the slot again */
		}
		vmf->done = r == 1 ? VMF_DONE_SWAP_IN_SAME : VMF_DONE_SWAP_IN;
		ret = VM_FAULT_MAJOR;
	}
	spinlock_t *ptl = pte_lock(vmf->pte);
	if (unlikely(!pte_same_at(vmf->pte, vmf->orig_pte))) {
		pte_unmap_unlock(ptl);   /* someone else swapped it in */
		put_page(page);
		vmf->done = VMF_DONE_SPURIOUS;
		return 0;
	}
	swap_free(entry);
	if (PageSwapCache(page) && (vm_swap_full() || ((vmf->flags & FAULT_FLAG_WRITE) && page_ref_count(page) == 2)))
		try_to_free_swap(page);
	inc_mm_counter(mm, MM_ANONPAGES);
	dec_mm_counter(mm, MM_SWAPENTS);
	pte_t pte = mk_pte(page, vma->vm_page_prot);
	if (exclusive || page_ref_count(page) == 1) {
		if ((vmf->flags & FAULT_FLAG_WRITE) && (vma->vm_flags & VM_WRITE)) {
			pte = pte_mkwrite(pte_mkdirty(pte));
			vmf->flags &= ~FAULT_FLAG_WRITE;
		}
	}
	pte = pte_mkyoung(pte);
	if (page_mapcount(page) == 0)
		page_add_new_anon_rmap(page, vma, vmf->address);   /* a cached page mapped nowhere: ours now */
	page_mapcount_inc(page);
	set_pte_at(mm, vmf->address, vmf->pte, pte);
	if (vmf->flags & FAULT_FLAG_WRITE) {
		enum vm_fault_done done = vmf->done;
		vmf->orig_pte = pte;
		vm_fault_t wp = do_wp_page(vmf, ptl);   /* drops ptl */
		vmf->done = done;
		ret |= wp;
	} else {
		pte_unmap_unlock(ptl);
	}
	return ret;
}

/* do_swap_page on a copy of *vmf (see do_fault_out_of_line). */
static __always_inline vm_fault_t do_swap_page_out_of_line(struct vm_fault *vmf)
{
	struct vm_fault f = *vmf;
	vm_fault_t ret = do_swap_page(&f);
	*vmf = f;
	return ret;
}

/* Dispatches on the state of the entry vmf->pte (see the table at the top). files:
 * what the caller knows of the VMA (a constant). */
static __always_inline vm_fault_t handle_pte_fault(struct vm_fault *vmf, enum vma_kind files)
{
	vmf->orig_pte = ptep_get(vmf->pte);
	if (pte_none(vmf->orig_pte))
		return do_none_entry(vmf, files);
	if (unlikely(!pte_present(vmf->orig_pte)))
		return do_swap_page_out_of_line(vmf);
	spinlock_t *ptl = pte_lock(vmf->pte);
	if (unlikely(!pte_same_at(vmf->pte, vmf->orig_pte))) {
		pte_unmap_unlock(ptl);   /* changed meanwhile: retry the access */
		return 0;
	}
	if ((vmf->flags & FAULT_FLAG_WRITE) && !pte_write(vmf->orig_pte))
		return do_wp_page(vmf, ptl);
	/* The entry allows the access already: a stale TLB entry. */
	pte_t entry = pte_mkyoung(vmf->orig_pte);
	if (vmf->flags & FAULT_FLAG_WRITE)
		entry = pte_mkdirty(entry);
	set_pte_at(vmf->vma->vm_mm, vmf->address, vmf->pte, entry);
	pte_unmap_unlock(ptl);
	flush_tlb_page(vmf->address);
	vmf->done = VMF_DONE_SPURIOUS;
	return 0;
}

/*
 * The pmd is not a pte table: hugetlb, a THP to map, fault on or fall back
 * from, or a 2 MiB with no pte table yet (allocated here). Out of line: it
 * happens once per 2 MiB.
 */
static __attribute__((noinline)) vm_fault_t handle_pmd_fault(struct vm_fault *vmf, pmd_t orig)
{
	struct vm_area_struct *vma = vmf->vma;
	spinlock_t *pmd_ptl = &vma->vm_mm->page_table_lock;   /* Linux's pmd_lock */
	if (unlikely(vma->vm_flags & VM_HUGETLB)) {
		spin_lock(pmd_ptl);
		vm_fault_t ret = hugetlb_fault(vmf);
		spin_unlock(pmd_ptl);
		return ret;
	}
	bool thp_fell_back = false;   /* the huge path counted a fault_fallback */
	if (pmd_none(orig) || pmd_trans_huge(orig)) {
		vm_fault_t ret = VM_FAULT_FALLBACK;
		if (!pmd_none(orig) || thp_vma_allowable(vma, vmf->address)) {
			vmf->done = VMF_DONE_SPURIOUS;
			spin_lock(pmd_ptl);
			if (pmd_val(pmdp_get(vmf->pmd)) != pmd_val(orig))
				ret = 0;   /* someone else changed it: retry the access */
			else if (pmd_none(orig))
				ret = do_huge_pmd_anonymous_page(vmf);
			else
				ret = huge_pmd_fault(vmf, orig);
			spin_unlock(pmd_ptl);
			if (!(ret & VM_FAULT_FALLBACK))
				return ret;
			thp_fell_back = vmf->done == VMF_DONE_THP_FALLBACK;
		}
		/* No THP, or a dropped huge zero page left it none. A leaf found
		 * now was put there by another CPU: the access is retried. */
		int err = pte_alloc(vma->vm_mm, vmf->pmd);
		if (err)
			return err == PT_ERR_LEAF ? 0 : VM_FAULT_OOM;
	} else {
		return VM_FAULT_SIGBUS;   /* not present but not none */
	}
	vmf->pte = pte_offset_map(vmf->pmd, vmf->address);
	vm_fault_t ret = handle_pte_fault(vmf, VMA_ANY);
	if (!ret && thp_fell_back)
		vmf->done = VMF_DONE_THP_FALLBACK;
	return ret;
}

/* Maps the huge zero page at the none pmd of address in vma if a THP may be
 * there: VMF_DONE_THP_ZERO, or VMF_DONE_SPURIOUS if another CPU filled the
 * pmd first; 0 (nothing done) if no THP may be there. Out of line, and
 * given no vm_fault, so the 4 KiB path keeps its registers. */
static __attribute__((noinline)) int map_huge_zero_pmd(struct vm_area_struct *vma, pmd_t *pmd, uint64_t address)
{
	if (!huge_zero_pfn || !thp_vma_allowable(vma, address))
		return 0;
	/* set_huge_zero_pmd's entry, shorter: a VMA's protection never has the
	 * 4 KiB PAT bit (vm_get_page_prot), so it needs no moving. */
	pmdval_t prot = pgprot_val(vma->vm_page_prot) & __supported_pte_mask & ~(pmdval_t)_PAGE_RW;
	int done = VMF_DONE_SPURIOUS;
	spin_lock(&vma->vm_mm->page_table_lock);
	if (pmd_none(pmdp_get(pmd))) {
		set_pmd(pmd, __pmd((huge_zero_pfn << PAGE_SHIFT) | _PAGE_PSE | _PAGE_SPECIAL | prot));
		done = VMF_DONE_THP_ZERO;
	}
	spin_unlock(&vma->vm_mm->page_table_lock);
	return done;
}

/*
 * Calls an out-of-line step on a copy of *vmf, copied back after: the
 * address of the fault path's own vm_fault is then never taken, so the
 * compiler keeps its fields in registers on the inline paths (passing vmf
 * itself cost every fault about 30 instructions of stores and loads).
 */
#define call_out_of_line(fn, vmf, ...) ({ \
	struct vm_fault __copy = *(vmf); \
	vm_fault_t __ret = fn(&__copy, ##__VA_ARGS__); \
	*(vmf) = __copy; \
	__ret; })

/* The pte of vmf->address if its pmd points to a pte table, else the pmd's cases. */
static __always_inline vm_fault_t handle_pmd(struct vm_fault *vmf, enum vma_kind files)
{
	pmdval_t v = pmd_val(pmdp_get(vmf->pmd));
	if (likely(entry_is_table(v))) {
		vmf->pte = (pte_t *)__va(v & PTE_PFN_MASK) + pte_index(vmf->address);
		return handle_pte_fault(vmf, files);
	}
	/* The read of a none pmd where a THP may be: the huge zero page, without
	 * handle_pmd_fault's copy of the vm_fault. */
	if (v == 0 && !(vmf->flags & FAULT_FLAG_WRITE)) {
		int done = map_huge_zero_pmd(vmf->vma, vmf->pmd, vmf->address);
		if (done) {
			vmf->done = (enum vm_fault_done)done;
			return 0;
		}
	}
	return call_out_of_line(handle_pmd_fault, vmf, __pmd(v));
}

/*
 * The pmd entry and the pmd table of the last fault's walk: a software
 * paging-structure cache, like the PDE and PDPTE caches the SDM (4.10.3)
 * allows the CPU. Faults in the 2 MiB that the last one was in - first
 * touches, mostly - take its pmd entry; faults elsewhere in its 1 GiB - a
 * THP fault per 2 MiB, a new pte table - its pmd table; both skip
 * pgd_offset .. pmd_alloc. They are valid while no page-table page has been
 * freed since they were made (the table could be one of them), so there is
 * nothing to forget when tables go: pgtable_pages_freed moves on.
 */
#define last_pmd this_cpu_read(last_pmd)   /* per CPU: struct last_pmd_cache, cpu/percpu.h */

/* hugetlb_fault under the mm's page_table_lock (the pud and pmd leaves). */
static __attribute__((noinline)) vm_fault_t hugetlb_fault_locked(struct vm_fault *vmf)
{
	spin_lock(&vmf->vma->vm_mm->page_table_lock);
	vm_fault_t ret = hugetlb_fault(vmf);
	spin_unlock(&vmf->vma->vm_mm->page_table_lock);
	return ret;
}

/* Why an allocating step refused: a leaf in the entry (PT_ERR_LEAF, paging/memory.h), else no memory. */
static vm_fault_t alloc_failed(uint64_t entry)
{
	return entry ? VM_FAULT_SIGBUS : VM_FAULT_OOM;
}

/* Allocates the upper levels for address, then handles the pte. */
static __always_inline vm_fault_t __handle_mm_fault(struct vm_fault *vmf, enum vma_kind files)
{
	struct mm_struct *mm = vmf->vma->vm_mm;
	uint64_t pmd_base = vmf->address & PMD_MASK, pud_base = vmf->address & PUD_MASK;
	if (likely(last_pmd.pmd_base == pmd_base && last_pmd.mm == mm && last_pmd.freed == __atomic_load_n(&pgtable_pages_freed, __ATOMIC_ACQUIRE))) {
		vmf->pmd = last_pmd.pmd;
		return handle_pmd(vmf, files);
	}
	if (last_pmd.pud_base == pud_base && last_pmd.mm == mm && last_pmd.freed == __atomic_load_n(&pgtable_pages_freed, __ATOMIC_ACQUIRE)) {
		vmf->pmd = (pmd_t *)last_pmd.pmd_table + pmd_index(vmf->address);
	} else {
		/* A 1 GiB hugetlb page goes where pmd_alloc would put a table. */
		if (unlikely(vmf->vma->vm_flags & VM_HUGETLB))
			return call_out_of_line(hugetlb_fault_locked, vmf);
		pgd_t *pgd = pgd_offset(mm, vmf->address);
		p4d_t *p4d = p4d_alloc(mm, pgd, vmf->address);
		if (!p4d)
			return alloc_failed(pgd_val(pgdp_get(pgd)));
		pud_t *pud = pud_alloc(mm, p4d, vmf->address);
		if (!pud)
			return alloc_failed(p4d_val(p4dp_get(p4d)));
		vmf->pmd = pmd_alloc(mm, pud, vmf->address);
		if (!vmf->pmd)
			return alloc_failed(pud_val(pudp_get(pud)));
		last_pmd.mm = mm;
		last_pmd.freed = __atomic_load_n(&pgtable_pages_freed, __ATOMIC_ACQUIRE);
		last_pmd.pud_base = pud_base;
		last_pmd.pmd_table = vmf->pmd - pmd_index(vmf->address);
	}
	last_pmd.pmd_base = pmd_base;
	last_pmd.pmd = vmf->pmd;
	return handle_pmd(vmf, files);
}

/* handle_mm_fault's body; files: what the caller knows of the VMA (a constant). */
static __always_inline vm_fault_t handle_fault(struct vm_area_struct *vma, uint64_t address, uint32_t flags,
					       struct vm_fault *vmf, enum vma_kind files)
{
	uint64_t pgtables_before = this_cpu_read(pgtables_allocated);   /* this CPU's: others allocate too */
	*vmf = (struct vm_fault){
		.vma = vma,
		.address = address & PAGE_MASK,
		.flags = flags,
		.done = VMF_DONE_SPURIOUS,
	};
	vm_fault_t ret = __handle_mm_fault(vmf, files);
	vmf->pgtables = this_cpu_read(pgtables_allocated) - pgtables_before;
	return ret;
}

/* See paging/memory.h. Inlined into the page-fault path (ThinLTO). */
__attribute__((always_inline)) vm_fault_t handle_mm_fault(struct vm_area_struct *vma, uint64_t address,
								uint32_t flags, struct vm_fault *vmf)
{
	return handle_fault(vma, address, flags, vmf, VMA_ANY);
}

/* See paging/memory.h. */
__attribute__((always_inline)) vm_fault_t handle_file_fault(struct vm_area_struct *vma, uint64_t address,
								  uint32_t flags, struct vm_fault *vmf)
{
	return handle_fault(vma, address, flags, vmf, VMA_FILE);
}

/* See paging/memory.h. */
__attribute__((always_inline)) vm_fault_t handle_anon_fault(struct vm_area_struct *vma, uint64_t address,
								  uint32_t flags, struct vm_fault *vmf)
{
	return handle_fault(vma, address, flags, vmf, VMA_ANON);
}

/*
 * A 2 MiB / 1 GiB leaf that reaches outside the range being zapped or
 * protected: THPs at the ends were split first and the VMA calls refuse
 * ranges that cut a hugetlb page, so one here is a kernel bug.
 */
static __attribute__((noreturn, cold)) void huge_leaf_cut(const char *who, uint64_t va, int level)
{
	panic("%s: the %llu KiB leaf at 0x%llx reaches outside the range", who, page_level_size(level) >> 10, va);
}

/* True if the leaf at va of level lies inside [start, end). */
static bool leaf_inside(uint64_t va, int level, uint64_t start, uint64_t end)
{
	return va >= start && end - va >= page_level_size(level);
}

struct zap_ctx {
	struct mm_struct *mm;
	uint64_t start, end;
	struct mmu_gather *tlb;      /* the cleared entries' flush, then the pages' release */
};

/* zap_one for a 2 MiB / 1 GiB leaf: a THP or a hugetlb page, wholly inside. */
static int zap_huge_leaf(struct zap_ctx *z, uint64_t va, int level, uint64_t *entry)
{
	if (!leaf_inside(va, level, z->start, z->end))
		huge_leaf_cut("zap_one", va, level);
	if (level == PG_LEVEL_2M && !leaf_is_hugetlb(*entry, level))
		zap_huge_pmd(z->tlb, (pmd_t *)entry, va);
	else
		hugetlb_zap_leaf(z->tlb, entry, level, va);
	return 0;
}

/* zap_one's body, under the pte's lock. */
static void zap_pte_locked(struct zap_ctx *z, uint64_t va, int level, uint64_t *entry);

/* walk_leaves callback: drops the page behind one entry. A 4 KiB entry is
 * changed under its table's lock (reclaim may be at it from another CPU);
 * a huge leaf under the mm's page_table_lock. */
static int zap_one(void *ctx, uint64_t va, int level, uint64_t *entry)
{
	struct zap_ctx *z = ctx;
	if (unlikely(level != PG_LEVEL_4K)) {
		spin_lock(&z->mm->page_table_lock);
		zap_huge_leaf(z, va, level, entry);
		spin_unlock(&z->mm->page_table_lock);
		return 0;
	}
	if (pte_none(__pte(*entry)))
		return 0;
	spinlock_t *ptl = pte_lock((pte_t *)entry);
	zap_pte_locked(z, va, level, entry);
	pte_unmap_unlock(ptl);
	return 0;
}

static void zap_pte_locked(struct zap_ctx *z, uint64_t va, int level, uint64_t *entry)
{
	pte_t pte = __pte(__atomic_load_n(entry, __ATOMIC_RELAXED));
	if (pte_none(pte))
		return;
	/* A swap entry gives up its count of the slot (Linux's zap_pte_range:
	 * free_swap_and_cache); a corrupt one is counted and cleared. */
	if (unlikely(!pte_present(pte))) {
		free_swap_and_cache(pte_to_swp_entry(pte));
		dec_mm_counter(z->mm, MM_SWAPENTS);
		pte_clear(z->mm, va, leaf_pte(entry, level));
		return;
	}
	/* The zero page (special: no map count) and any entry that maps no page
	 * go too: unmap_page_range keeps the tables, so a stale entry left here
	 * would reappear in whatever is mapped at va next (with its old rights). */
	if (pte_special(pte)) {
		pte_clear(z->mm, va, leaf_pte(entry, level));
		tlb_remove_tlb_entry(z->tlb, va, PG_LEVEL_4K);
		return;
	}
	struct page *page = pfn_to_page(pte_pfn(pte));
	page_mapcount_dec(page);
	dec_mm_counter(z->mm, PageAnon(page) ? MM_ANONPAGES : MM_FILEPAGES);
	pte_clear(z->mm, va, leaf_pte(entry, level));
	tlb_remove_tlb_entry(z->tlb, va, PG_LEVEL_4K);
	/* Linux's free_swap_cache (from free_pages_and_swap_cache): a swap-cache
	 * page mapped nowhere now, whose slot no swap pte holds, leaves the cache. */
	if (unlikely(PageSwapCache(page)) && page_mapcount(page) == 0)
		try_to_free_swap(page);
	tlb_remove_page(z->tlb, page);   /* the frame goes after the flush */
}

/* Clears the leaves of [start, end) of mm into tlb (THPs cut by the ends split first). */
static void zap_leaves(struct mmu_gather *tlb, struct mm_struct *mm, uint64_t start, uint64_t end)
{
	struct zap_ctx z = { mm, start, end, tlb };
	split_huge_pmd_address(mm, start);
	split_huge_pmd_address(mm, end);
	walk_leaves(mm->pgd, start, end, zap_one, &z);
}

/* See paging/memory.h. */
void unmap_page_range(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	struct mmu_gather tlb;
	if (start >= end)
		return;
	lru_add_drain();   /* the batch's references go first: what is unmapped is freed now (Linux) */
	tlb_gather_mmu(&tlb, mm);
	zap_leaves(&tlb, mm, start, end);
	tlb_finish_mmu(&tlb);
}

/* See paging/memory.h. */
void free_pgtables_range(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	struct mmu_gather tlb;
	if (start >= end)
		return;
	tlb_gather_mmu(&tlb, mm);
	free_empty_tables_ops(mm->pgd, start, end, NULL, NULL, &tlb.table_ops);
	tlb_finish_mmu(&tlb);
}

/* See paging/memory.h. */
void zap_page_range(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	struct mmu_gather tlb;
	if (start >= end)
		return;
	lru_add_drain();   /* the batch's references go first: what is unmapped is freed now (Linux) */
	tlb_gather_mmu(&tlb, mm);
	zap_leaves(&tlb, mm, start, end);
	unmap_range_ops(mm->pgd, start, end - start, &tlb.table_ops);   /* the tables wait for the flush too */
	tlb_finish_mmu(&tlb);
}

struct protect_ctx {
	struct vm_area_struct *vma;
	uint64_t start, end;
	struct mmu_gather *tlb;      /* only its range: nothing is freed */
};

/* walk_leaves callback: new protection for one present entry. A private
 * anonymous page we alone map may become writable at once (Linux 6.1's
 * can_change_pte_writable); the zero page never does. */
static int protect_one(void *ctx, uint64_t va, int level, uint64_t *entry)
{
	struct protect_ctx *p = ctx;
	if (unlikely(level != PG_LEVEL_4K)) {
		if (!leaf_inside(va, level, p->start, p->end))
			huge_leaf_cut("protect_one", va, level);
		spin_lock(&p->vma->vm_mm->page_table_lock);
		if (level == PG_LEVEL_2M && !leaf_is_hugetlb(*entry, level))
			change_huge_pmd(p->vma, (pmd_t *)entry, va);
		else
			hugetlb_change_leaf(p->vma, entry, level, va);
		spin_unlock(&p->vma->vm_mm->page_table_lock);
		tlb_remove_tlb_entry(p->tlb, va, level);
		return 0;
	}
	if (!pte_present(__pte(*entry)))
		return 0;
	spinlock_t *ptl = pte_lock((pte_t *)entry);   /* reclaim may change it from another CPU */
	pte_t pte = __pte(__atomic_load_n(entry, __ATOMIC_RELAXED));
	if (!pte_present(pte)) {
		pte_unmap_unlock(ptl);
		return 0;
	}
	pte_t newpte = pte_modify(pte, p->vma->vm_page_prot);
	if ((p->vma->vm_flags & VM_WRITE) && !pte_special(pte)) {
		struct page *page = pfn_to_page(pte_pfn(pte));
		/* A clean page-cache page stays read-only: its first write must be seen. */
		if ((p->vma->vm_flags & VM_SHARED) ? (!page->mapping || PageDirty(page))
						   : (PageAnon(page) && page_mapcount(page) == 1))
			newpte = pte_mkwrite(newpte);
	}
	if (pte_val(newpte) == pte_val(pte)) {
		pte_unmap_unlock(ptl);
		return 0;
	}
	set_pte(leaf_pte(entry, level), newpte);
	pte_unmap_unlock(ptl);
	tlb_remove_tlb_entry(p->tlb, va, PG_LEVEL_4K);
	return 0;
}

/* See paging/memory.h. One flush over the entries changed, on every CPU of
 * the mm (Linux's change_protection under tlb_gather_mmu). */
void change_protection(struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	struct mmu_gather tlb;
	tlb_gather_mmu(&tlb, vma->vm_mm);
	struct protect_ctx p = { vma, start, end, &tlb };
	split_huge_pmd_address(vma->vm_mm, start);
	split_huge_pmd_address(vma->vm_mm, end);
	walk_leaves(vma->vm_mm->pgd, start, end, protect_one, &p);
	tlb_finish_mmu(&tlb);
}

/* See paging/memory.h. */
vm_fault_t populate_range(struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	return faultin_page_range(vma, start, end, (vma->vm_flags & VM_WRITE) != 0);
}

/* See paging/memory.h. */
vm_fault_t faultin_page_range(struct vm_area_struct *vma, uint64_t start, uint64_t end, bool write)
{
	uint32_t flags = write ? FAULT_FLAG_WRITE : 0;
	uint64_t step = (vma->vm_flags & VM_HUGETLB) ? huge_page_size(hstate_vm_flags(vma->vm_flags)) : PAGE_SIZE;
	for (uint64_t a = start; a < end; a += step) {
		struct vm_fault vmf;
		struct walk_result w;
		if (follow_addr(vma->vm_mm->pgd, a, &w) == 0 && (!(flags & FAULT_FLAG_WRITE) || (*w.entry & _PAGE_RW)))
			continue;
		vm_fault_t ret = handle_mm_fault(vma, a, flags, &vmf);
		if (ret & VM_FAULT_ERROR)
			return ret;
		task_account_minor_fault();
	}
	return 0;
}

/* See paging/memory.h. */
void page_mkclean(struct page *page)
{
	struct address_space *mapping = page->mapping;
	spin_lock(&rmap_lock);   /* the i_mmap list */
	for (struct vm_area_struct *vma = mapping->i_mmap; vma; vma = vma->vm_mapping_next) {
		if (page->index < vma->vm_pgoff || page->index - vma->vm_pgoff >= vma_pages(vma))
			continue;
		uint64_t addr = vma->vm_start + ((page->index - vma->vm_pgoff) << PAGE_SHIFT);
		pte_t *pte = walk_pte(vma->vm_mm->pgd, addr, false, NULL);
		if (!pte)
			continue;
		spinlock_t *ptl = pte_lock(pte);
		pte_t entry = ptep_get(pte);
		if (!pte_present(entry) || pte_pfn(entry) != page_to_pfn(page) || !pte_write(entry)) {
			pte_unmap_unlock(ptl);
			continue;
		}
		set_pte(pte, pte_mkclean(pte_wrprotect(entry)));
		/* Every CPU of that mm, before the pte lock goes (Linux's
		 * page_mkclean_one flushes under it): a write now must fault. */
		flush_tlb_mm_page(vma->vm_mm, addr);
		pte_unmap_unlock(ptl);
	}
	spin_unlock(&rmap_lock);
}

/* See paging/memory.h. */
void unmap_mapping_range(struct address_space *mapping, uint64_t first, uint64_t end)
{
	/* Under rmap_lock (the i_mmap list); the mms' tables stay: a munmap
	 * or exit of these file VMAs is a syscall under the big kernel lock,
	 * as this one (truncation) is, faults free none, and a table freed by
	 * another range's munmap without the big lock (private anonymous
	 * memory sharing the table) waits for rmap_lock first
	 * (tlb_flush_mmu, paging/mmu_gather.c). */
	spin_lock(&rmap_lock);
	for (struct vm_area_struct *vma = mapping->i_mmap; vma; vma = vma->vm_mapping_next) {
		uint64_t vfirst = vma->vm_pgoff, vend = vma->vm_pgoff + vma_pages(vma);
		uint64_t f = first > vfirst ? first : vfirst, e = end < vend ? end : vend;
		if (f >= e)
			continue;
		uint64_t start = vma->vm_start + ((f - vfirst) << PAGE_SHIFT);
		uint64_t stop = vma->vm_start + ((e - vfirst) << PAGE_SHIFT);
		struct mmu_gather tlb;
		tlb_gather_mmu(&tlb, vma->vm_mm);
		struct zap_ctx z = { vma->vm_mm, start, stop, &tlb };
		walk_leaves(vma->vm_mm->pgd, start, stop, zap_one, &z);
		tlb_finish_mmu(&tlb);
	}
	spin_unlock(&rmap_lock);
}
