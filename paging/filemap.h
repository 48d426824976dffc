/*
 * The page cache (Linux's mm/filemap.c and linux/pagemap.h): one struct
 * address_space per file, its pages by index (in pages) in an xarray. Each
 * cached page has page->mapping and page->index set and holds one reference
 * for the cache; every page-table entry mapping it holds one more (and a map
 * count), as do callers between filemap_get_page and put_page.
 *
 * The cache starts empty. A miss allocates a page and asks the file system
 * to fill it (a_ops->readpage: a copy from the RAM disk, or zeros for a
 * hole) - the "I/O" of a major fault; a hit is a minor fault. read(),
 * write() and mmap of a file use the same pages, so they are coherent. A
 * page written through write() or a shared mapping is PG_dirty until
 * a_ops->writepage copies it back (msync, fsync, munmap and exit of a
 * shared mapping, or the file's last close).
 *
 * The mappings of a file are known: every VMA mapping it is on the
 * address_space's i_mmap list, so truncation can unmap the pages past the
 * new end in every process (unmap_mapping_range, paging/memory.c).
 */
#ifndef FAULTLINE_FILEMAP_H
#define FAULTLINE_FILEMAP_H

#include <stdbool.h>
#include <stdint.h>
#include "paging/page.h"
#include "paging/xarray.h"

struct page;
struct address_space;
struct vm_area_struct;

struct address_space_operations {
	/* Fills page (index page->index) from the file's blocks; zeros for a hole or
	 * past the end. Returns 0 or -errno. */
	int (*readpage)(struct address_space *mapping, struct page *page);
	/* Copies page back to the file's blocks (allocating them). Returns 0 or
	 * -errno (-ENOSPC: the disk is full; the page stays dirty). */
	int (*writepage)(struct address_space *mapping, struct page *page);
};

struct address_space {
	struct xarray i_pages;                   /* index -> struct page */
	void *host;                              /* the file system's inode */
	const struct address_space_operations *a_ops;
	uint64_t i_size;                         /* the file's size in bytes (the inode's i_size) */
	struct vm_area_struct *i_mmap;           /* the VMAs mapping it (vm_mapping_next list) */
	uint64_t nrpages;                        /* pages cached */
	uint64_t nrdirty;                        /* of which PG_dirty */
	uint32_t flags;                          /* AS_* (shmem's, below) */
	/* SMP: guards i_pages and the counts above against the
	 * fault path on other CPUs (Linux's xa_lock; readers there use RCU). */
	spinlock_t i_pages_lock;
};

/*
 * mapping->flags. AS_SHMEM (Linux's shmem_mapping): the pages live only in
 * memory - a miss is a new zeroed page (no I/O: a minor fault), every page
 * is dirty from the moment it is cached and is never written back or
 * write-protected for dirty tracking (Linux: no writeback, so no
 * writenotify), and the pages go when the object does.
 */
#define AS_SHMEM (1u << 0)

static inline bool mapping_is_shmem(const struct address_space *mapping)
{
	return (mapping->flags & AS_SHMEM) != 0;
}

/* Page-cache counters since boot (docs: majflt, writeback). */
struct filemap_stats {
	uint64_t pages;                          /* cached now, all files */
	uint64_t reads;                          /* readpage calls (misses) */
	uint64_t writebacks;                     /* writepage calls */
	uint64_t shmem_pages;                    /* of pages, in AS_SHMEM mappings (they are no
						    file system's: the per-program check counts them) */
};
extern struct filemap_stats filemap_stats;

/* The cached page at index with a new reference, or NULL. Inline: the
 * file faults' common case. */
static inline struct page *find_get_page(struct address_space *mapping, uint64_t index)
{
	spin_lock(&mapping->i_pages_lock);
	struct page *page = xa_load(&mapping->i_pages, index);
	if (page)
		get_page(page);
	spin_unlock(&mapping->i_pages_lock);
	return page;
}

/*
 * The page at index with a new reference: the cached one, else a new page
 * read by a_ops->readpage and cached (*major set true, unless the mapping
 * is AS_SHMEM: then the page is zeroed, no I/O). Returns NULL with
 * *err = -ENOMEM or readpage's error.
 */
struct page *filemap_get_page(struct address_space *mapping, uint64_t index, bool *major, int *err);

/*
 * Puts page (a new page, filled, with no mapping) into mapping's cache at
 * index (Linux's filemap_add_folio): page->mapping and index set, the
 * cache's reference taken (the caller keeps its own), dirty at once in an
 * AS_SHMEM mapping. Returns 0, or -ENOMEM (nothing changed).
 */
int add_to_page_cache(struct page *page, struct address_space *mapping, uint64_t index);

/* Marks a cached page dirty (set_page_dirty). Inline: every first write
 * to a clean page through a shared mapping does it. */
static inline void set_page_dirty(struct page *page)
{
	if (PageDirty(page) || !page->mapping)
		return;
	SetPageDirty(page);
	page->mapping->nrdirty++;
}

/* Writes back the dirty pages with index in [start, end]. Returns 0 or the
 * first writepage error (the others are still tried). An AS_SHMEM mapping
 * has nothing to write to: 0, its pages stay dirty. */
int filemap_write_range(struct address_space *mapping, uint64_t start, uint64_t end);

/* Writes one page back if it is dirty (reclaim's pageout). Returns 0 or
 * writepage's error (the page stays dirty). */
int filemap_writeback_page(struct page *page);

/* Reclaim's removal (Linux's remove_mapping): takes page out of mapping's
 * cache only if the cache and the caller hold its only references and it
 * is clean, checked and done in one i_pages_lock section, so that a lookup
 * on another CPU either took its reference before (the page stays) or
 * finds the page gone. Returns whether it was removed. */
bool remove_mapping(struct address_space *mapping, struct page *page);

/*
 * Drops the cached pages with index >= start (truncation, or the file is
 * gone): the caller unmapped them first (unmap_mapping_range). The page that
 * holds the new end, if cached and partial, keeps its bytes below the end and
 * is zeroed above (done by the caller: truncate_inode_pages zeroes from
 * i_size to the page's end when partial_from is not 0 modulo PAGE_SIZE).
 */
void truncate_inode_pages(struct address_space *mapping, uint64_t lstart);

#endif
