/* Inodes, their blocks and page cache, and directory entries (fs/inode.h). */
#include "fs/inode.h"
#include "fs/brd.h"
#include "paging/buddy.h"
#include "paging/memory.h"
#include "paging/page.h"
#include "paging/slab.h"
#include "base/errno.h"
#include "base/string.h"
#include "lib/tsc.h"
#include "cpu/x86.h"
#include "cpu/spinlock.h"
#include "paging/filemap.h"

static struct kmem_cache *inode_cache, *dentry_cache;
static uint64_t next_ino = 2;
static uint64_t objects_alive;

/*
 * block_lock: every inode's block map (i_blockmap) and the RAM
 * disk's block allocator (fs/brd.c). The syscalls hold the big kernel lock,
 * but a page fault reads a file's blocks (readpage) and reclaim from a
 * fault writes them back (writepage) without it, on any CPU. A leaf but for
 * the xarray's and the slab's allocations (slab_lock, zone.lock).
 */
static DEFINE_SPINLOCK(block_lock);

static int blockdev_readpage(struct address_space *mapping, struct page *page);
static int blockdev_writepage(struct address_space *mapping, struct page *page);

static const struct address_space_operations fs_aops = {
	.readpage = blockdev_readpage,
	.writepage = blockdev_writepage,
};

static uint64_t now_ns(void)
{
#ifdef HOST_TEST
	return 0;
#else
	return tsc_to_ns(rdtsc());
#endif
}

/* See fs/inode.h. */
struct inode *new_inode(uint32_t mode)
{
	if (!inode_cache)
		inode_cache = kmem_cache_create("inode", sizeof(struct inode), 0);
	struct inode *inode = inode_cache ? kmem_cache_zalloc(inode_cache) : NULL;
	if (!inode)
		return NULL;
	inode->i_ino = next_ino++;
	inode->i_mode = mode;
	inode->i_count = 1;
	inode->i_mtime_ns = inode->i_ctime_ns = now_ns();
	inode->i_data.host = inode;
	inode->i_data.a_ops = &fs_aops;
	objects_alive++;
	return inode;
}

/* See fs/inode.h. */
struct inode *iget(struct inode *inode)
{
	if (inode)
		inode->i_count++;
	return inode;
}

/* Frees a regular file's blocks from page index first on. */
static void free_blocks_from(struct inode *inode, uint64_t first)
{
	uint64_t index = first;
	spin_lock(&block_lock);
	for (;;) {
		void *blk = xa_find(&inode->i_blockmap, &index, UINT64_MAX);
		if (!blk)
			break;
		xa_erase(&inode->i_blockmap, index);
		brd_free_block((uint32_t)(uintptr_t)blk);
		inode->i_blocks--;
	}
	spin_unlock(&block_lock);
}

/* Frees an inode nobody holds or names any more. */
static void evict(struct inode *inode)
{
	if (mapping_is_shmem(&inode->i_data))
		shmem_evicted();
	truncate_inode_pages(&inode->i_data, 0);
	free_blocks_from(inode, 0);
	spin_lock(&block_lock);
	xa_destroy(&inode->i_blockmap);
	spin_unlock(&block_lock);
	xa_destroy(&inode->i_data.i_pages);
	if (inode->i_parent)
		iput(inode->i_parent);
	kmem_cache_free(inode_cache, inode);
	objects_alive--;
}

/* See fs/inode.h. */
void iput(struct inode *inode)
{
	if (!inode)
		return;
	if (--inode->i_count == 0 && inode->i_nlink == 0)
		evict(inode);
}

/* a_ops->readpage: the block, or zeros for a hole. */
static int blockdev_readpage(struct address_space *mapping, struct page *page)
{
	struct inode *inode = mapping->host;
	spin_lock(&block_lock);
	void *blk = xa_load(&inode->i_blockmap, page->index);
	if (blk)
		brd_read_block((uint32_t)(uintptr_t)blk, page_address(page));
	spin_unlock(&block_lock);
	if (!blk)
		clear_page(page_address(page));
	return 0;
}

/* inode_reserve_block under block_lock. */
static int __inode_reserve_block(struct inode *inode, uint64_t index)
{
	if (xa_load(&inode->i_blockmap, index))
		return 0;
	uint32_t blk = brd_alloc_block();
	if (!blk)
		return -ENOSPC;
	if (xa_store(&inode->i_blockmap, index, (void *)(uintptr_t)blk)) {
		brd_free_block(blk);
		return -ENOMEM;
	}
	inode->i_blocks++;
	return 0;
}

/* See fs/inode.h. */
int inode_reserve_block(struct inode *inode, uint64_t index)
{
	if (mapping_is_shmem(&inode->i_data))
		return 0;   /* shmem: no disk blocks, the pages are the data */
	spin_lock(&block_lock);
	int err = __inode_reserve_block(inode, index);
	spin_unlock(&block_lock);
	return err;
}

/* a_ops->writepage: copies the page to its block (allocated now if it had
 * none: a page written through a shared mapping of a hole). */
static int blockdev_writepage(struct address_space *mapping, struct page *page)
{
	struct inode *inode = mapping->host;
	if (page->index >= (i_size_read(inode) + PAGE_SIZE - 1) >> PAGE_SHIFT)
		return 0;   /* past the end: nothing to keep */
	spin_lock(&block_lock);
	int err = __inode_reserve_block(inode, page->index);
	if (!err)
		brd_write_block((uint32_t)(uintptr_t)xa_load(&inode->i_blockmap, page->index), page_address(page));
	spin_unlock(&block_lock);
	return err;
}

/* See fs/inode.h. */
int inode_sync(struct inode *inode)
{
	return filemap_write_range(&inode->i_data, 0, UINT64_MAX);
}

/* See fs/inode.h. */
int inode_truncate(struct inode *inode, uint64_t size)
{
	if (size > FS_MAX_FILE_BYTES)
		return -EFBIG;
	uint64_t old = i_size_read(inode);
	inode->i_data.i_size = size;
	inode->i_mtime_ns = inode->i_ctime_ns = now_ns();
	if (size >= old)
		return 0;
	uint64_t keep = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	/* Linux's truncate_pagecache: unmap past the end (private copies too), drop, unmap again. */
	unmap_mapping_range(&inode->i_data, keep, UINT64_MAX);
	truncate_inode_pages(&inode->i_data, size);
	free_blocks_from(inode, keep);
	if (size & ~PAGE_MASK) {
		/* The block of the last page reads zeros above the end too. */
		struct page *cached = find_get_page(&inode->i_data, size >> PAGE_SHIFT);
		struct page *tmp = cached ? NULL : alloc_page();
		spin_lock(&block_lock);
		void *blk = xa_load(&inode->i_blockmap, size >> PAGE_SHIFT);
		if (blk && cached) {
			brd_write_block((uint32_t)(uintptr_t)blk, page_address(cached));
		} else if (blk && tmp) {
			brd_read_block((uint32_t)(uintptr_t)blk, page_address(tmp));
			memset((uint8_t *)page_address(tmp) + (size & ~PAGE_MASK), 0, PAGE_SIZE - (size & ~PAGE_MASK));
			brd_write_block((uint32_t)(uintptr_t)blk, page_address(tmp));
		}
		spin_unlock(&block_lock);
		if (cached)
			put_page(cached);
		if (tmp)
			put_page(tmp);
	}
	return 0;
}

/* See fs/inode.h. */
struct dentry *dir_lookup(struct inode *dir, const char *name, uint32_t len)
{
	for (struct dentry *d = dir->i_dentries; d; d = d->d_next)
		if (d->d_len == len && !memcmp(d->d_name, name, len))
			return d;
	return NULL;
}

/* See fs/inode.h. */
int dir_add(struct inode *dir, const char *name, uint32_t len, struct inode *inode)
{
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	if (!dentry_cache)
		dentry_cache = kmem_cache_create("dentry", sizeof(struct dentry), 0);
	struct dentry *d = dentry_cache ? kmem_cache_zalloc(dentry_cache) : NULL;
	if (!d)
		return -ENOMEM;
	memcpy(d->d_name, name, len);
	d->d_len = len;
	d->d_inode = inode;
	/* At the end: getdents lists entries in the order they were made. */
	struct dentry **link = &dir->i_dentries;
	while (*link)
		link = &(*link)->d_next;
	*link = d;
	dir->i_nentries++;
	inode->i_nlink++;
	if (S_ISDIR(inode->i_mode)) {
		dir->i_nlink++;                 /* its ".." */
		if (!inode->i_parent)
			inode->i_parent = iget(dir);
	}
	dir->i_mtime_ns = dir->i_ctime_ns = now_ns();
	objects_alive++;
	return 0;
}

/* See fs/inode.h. */
void dir_remove(struct inode *dir, struct dentry *d)
{
	struct dentry **link = &dir->i_dentries;
	while (*link != d)
		link = &(*link)->d_next;
	*link = d->d_next;
	dir->i_nentries--;
	struct inode *inode = d->d_inode;
	kmem_cache_free(dentry_cache, d);
	objects_alive--;
	dir->i_mtime_ns = dir->i_ctime_ns = now_ns();
	if (S_ISDIR(inode->i_mode)) {
		dir->i_nlink--;
		inode->i_nlink = 1;             /* its own "." goes with it */
	}
	inode->i_nlink--;
	if (inode->i_nlink == 0 && inode->i_count == 0)
		evict(inode);
}

/* See fs/inode.h. */
uint64_t fs_pages_held(void)
{
	uint64_t pages = filemap_stats.pages - filemap_stats.shmem_pages + xa_node_pages();
	struct kmem_cache_stats s;
	if (inode_cache) {
		kmem_cache_get_stats(inode_cache, &s);
		pages += s.nr_pages;
	}
	if (dentry_cache) {
		kmem_cache_get_stats(dentry_cache, &s);
		pages += s.nr_pages;
	}
	return pages;
}

/* See fs/inode.h. */
uint64_t fs_objects_alive(void)
{
	return objects_alive;
}
