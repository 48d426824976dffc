/* The page cache (paging/filemap.h). */
#include "paging/filemap.h"
#include "paging/buddy.h"
#include "paging/memory.h"
#include "paging/mm_types.h"
#include "paging/page.h"
#include "paging/lru.h"
#include "paging/vmscan.h"
#include "base/errno.h"
#include "base/string.h"

struct filemap_stats filemap_stats;

/* See paging/filemap.h. */
int add_to_page_cache(struct page *page, struct address_space *mapping, uint64_t index)
{
	spin_lock(&mapping->i_pages_lock);
	if (xa_load(&mapping->i_pages, index)) {
		spin_unlock(&mapping->i_pages_lock);
		return -EEXIST;   /* another CPU cached it first */
	}
	page->mapping = mapping;
	page->index = index;
	if (xa_store(&mapping->i_pages, index, page)) {
		page->mapping = NULL;
		spin_unlock(&mapping->i_pages_lock);
		return -ENOMEM;
	}
	get_page(page);   /* the cache's reference */
	mapping->nrpages++;
	__atomic_fetch_add(&filemap_stats.pages, 1, __ATOMIC_RELAXED);
	if (mapping_is_shmem(mapping)) {
		/* Never written back, so never reclaimed: off the LRU lists. */
		__atomic_fetch_add(&filemap_stats.shmem_pages, 1, __ATOMIC_RELAXED);
		SetPageDirty(page);
		mapping->nrdirty++;
		spin_unlock(&mapping->i_pages_lock);
	} else {
		/* The flags before the cache's lock goes: from then on another
		 * CPU's lookup may find the page and mark it accessed. */
		if (workingset_refault(workingset_key_file(mapping, index)))
			page->flags |= PG_active | PG_workingset;   /* a refault: part of the working set */
		spin_unlock(&mapping->i_pages_lock);
		lru_cache_add(page);
	}
	return 0;
}

/* See paging/filemap.h. */
struct page *filemap_get_page(struct address_space *mapping, uint64_t index, bool *major, int *err)
{
	struct page *page = find_get_page(mapping, index);
	*err = 0;
	if (page)
		return page;
	page = alloc_page();
	if (page && mem_cgroup_charge(page, 0)) {
		put_page(page);
		page = NULL;
	}
	if (!page) {
		*err = -ENOMEM;
		return NULL;
	}
	int ret = 0;
	if (mapping_is_shmem(mapping)) {
		clear_page(page_address(page));
	} else {
		page->mapping = mapping;
		page->index = index;
		ret = mapping->a_ops->readpage(mapping, page);
		page->mapping = NULL;
		__atomic_fetch_add(&filemap_stats.reads, 1, __ATOMIC_RELAXED);
		*major = true;
	}
	if (!ret)
		ret = add_to_page_cache(page, mapping, index);
	if (ret == -EEXIST) {   /* cached meanwhile (another CPU): that one */
		put_page(page);
		return filemap_get_page(mapping, index, major, err);
	}
	if (ret) {
		put_page(page);
		*err = ret;
		return NULL;
	}
	return page;
}

/* Writes one dirty page back; it is clean after unless writepage failed. */
static int write_one(struct address_space *mapping, struct page *page)
{
	if (!PageDirty(page))
		return 0;
	page_mkclean(page);
	int err = mapping->a_ops->writepage(mapping, page);
	__atomic_fetch_add(&filemap_stats.writebacks, 1, __ATOMIC_RELAXED);
	if (err)
		return err;
	ClearPageDirty(page);
	mapping->nrdirty--;
	return 0;
}

/* See paging/filemap.h. */
int filemap_write_range(struct address_space *mapping, uint64_t start, uint64_t end)
{
	int first_err = 0;
	uint64_t index = start;
	if (!mapping->nrdirty || mapping_is_shmem(mapping))
		return 0;
	for (;;) {
		struct page *page = xa_find(&mapping->i_pages, &index, end);
		if (!page)
			break;
		if (PageDirty(page)) {
			int err = write_one(mapping, page);
			if (err && !first_err)
				first_err = err;
		}
		if (index == end)
			break;
		index++;
	}
	return first_err;
}

/* See paging/filemap.h. */
int filemap_writeback_page(struct page *page)
{
	return write_one(page->mapping, page);
}

/* Takes page out of mapping's cache (i_pages_lock held); the caller drops
 * the cache's reference after the lock. */
static void __remove_from_cache(struct address_space *mapping, struct page *page)
{
	xa_erase(&mapping->i_pages, page->index);
	if (PageDirty(page)) {
		ClearPageDirty(page);
		mapping->nrdirty--;
	}
	page->mapping = NULL;
	mapping->nrpages--;
	__atomic_fetch_sub(&filemap_stats.pages, 1, __ATOMIC_RELAXED);
	if (mapping_is_shmem(mapping))
		__atomic_fetch_sub(&filemap_stats.shmem_pages, 1, __ATOMIC_RELAXED);
}

/* Takes page out of mapping's cache and drops the cache's reference. */
static void remove_from_cache(struct address_space *mapping, struct page *page)
{
	spin_lock(&mapping->i_pages_lock);
	__remove_from_cache(mapping, page);
	spin_unlock(&mapping->i_pages_lock);
	put_page(page);   /* the cache's reference; a mapping may hold others until unmapped */
}

/* See paging/filemap.h. */
bool remove_mapping(struct address_space *mapping, struct page *page)
{
	spin_lock(&mapping->i_pages_lock);
	bool unused = page->mapping == mapping && page_ref_count(page) == 2 && !PageDirty(page);
	if (unused)
		__remove_from_cache(mapping, page);
	spin_unlock(&mapping->i_pages_lock);
	if (unused)
		put_page(page);
	return unused;
}

/* See paging/filemap.h. */
void truncate_inode_pages(struct address_space *mapping, uint64_t lstart)
{
	uint64_t index = (lstart + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (lstart & ~PAGE_MASK) {
		/* The page holding the new end keeps what is below it; above it reads zeros. */
		struct page *page = xa_load(&mapping->i_pages, lstart >> PAGE_SHIFT);
		if (page)
			memset((uint8_t *)page_address(page) + (lstart & ~PAGE_MASK), 0, PAGE_SIZE - (lstart & ~PAGE_MASK));
	}
	for (;;) {
		struct page *page = xa_find(&mapping->i_pages, &index, UINT64_MAX);
		if (!page)
			break;
		remove_from_cache(mapping, page);
	}
}
