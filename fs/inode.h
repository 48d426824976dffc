/*
 * The file system's objects: inodes (a file or a directory) and directory
 * entries. It is small and lives in memory: names, directories, sizes and
 * holes are kept here, file data in the RAM disk's blocks (fs/brd.h) through
 * each inode's block map, read and written through the page cache
 * (paging/filemap.h). Everything is lost at reset.
 *
 * Lifetime: i_nlink counts directory entries naming the inode, i_count the
 * in-memory holders (open files, working directories, calls in progress);
 * an inode with neither is freed with its blocks and cached pages (so an
 * unlinked file stays readable while open, as on Linux).
 */
#ifndef FAULTLINE_INODE_H
#define FAULTLINE_INODE_H

#include <stdbool.h>
#include <stdint.h>
#include "paging/filemap.h"
#include "paging/xarray.h"
#include "base/errno.h"

#define S_IFMT   0170000
#define S_IFDIR  0040000
#define S_IFREG  0100000
#define S_IFLNK  0120000
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)

#define NAME_MAX 255
#define PATH_MAX 4096
#define FS_MAX_FILE_BYTES (UINT64_C(1) << 40)   /* larger writes or truncates: -EFBIG */

struct inode;

struct dentry {
	struct dentry *d_next;          /* the directory's next entry */
	struct inode *d_inode;
	uint32_t d_len;
	char d_name[NAME_MAX + 1];
};

struct inode {
	uint64_t i_ino;
	uint32_t i_mode;                /* S_IF* | permission bits */
	uint32_t i_nlink;
	int32_t i_count;
	uint64_t i_blocks;              /* disk blocks held */
	uint64_t i_mtime_ns, i_ctime_ns;
	struct address_space i_data;    /* the page cache; i_data.i_size is the size */
	struct xarray i_blockmap;       /* page index -> disk block (absent: a hole) */
	struct inode *i_parent;         /* directories: ".." */
	struct dentry *i_dentries;      /* directories: the entries */
	uint32_t i_nentries;
	/* exec through the page cache (kernel/exec.c): Linux's i_writecount,
	 * > 0 the files open for writing, < 0 the running executables mapping
	 * it (deny_write_access). */
	int32_t i_writecount;
};

static inline uint64_t i_size_read(const struct inode *inode) { return inode->i_data.i_size; }

/* Linux's get_write_access: a writer (open for writing, truncate) takes one;
 * -ETXTBSY while the file is a running program's. put_write_access gives it back. */
static inline int get_write_access(struct inode *inode)
{
	if (inode->i_writecount < 0)
		return -ETXTBSY;
	inode->i_writecount++;
	return 0;
}
static inline void put_write_access(struct inode *inode) { inode->i_writecount--; }

/* Linux's deny_write_access for a running executable's mapping: -ETXTBSY
 * while the file is open for writing. allow_write_access gives it back. */
static inline int deny_write_access(struct inode *inode)
{
	if (inode->i_writecount > 0)
		return -ETXTBSY;
	inode->i_writecount--;
	return 0;
}
static inline void allow_write_access(struct inode *inode) { inode->i_writecount++; }

/* The file system from the firmware's files: / with /bin and /files. Returns 0 or -ENOMEM. */
int fs_init(void);

/* The root directory (no reference taken), or NULL before fs_init. */
struct inode *fs_root_inode(void);

/* A new inode of mode (one i_count, no links), or NULL without memory. */
struct inode *new_inode(uint32_t mode);

/* Takes / drops an in-memory reference; the last drop of an unlinked inode frees it. NULL is ignored. */
struct inode *iget(struct inode *inode);
void iput(struct inode *inode);

/* Sets a regular file's size: shorter unmaps and drops the pages and blocks
 * past it (the partial last page is zeroed above the end), longer leaves a
 * hole. Returns 0, -EFBIG. */
int inode_truncate(struct inode *inode, uint64_t size);

/* Makes sure page index of inode has a disk block (write, so that a full
 * disk is -ENOSPC then). Returns 0, -ENOSPC, -ENOMEM; always 0 for a shmem
 * inode (fs/shmem.h), which has no blocks. */
int inode_reserve_block(struct inode *inode, uint64_t index);

/* Writes back inode's dirty pages. Returns 0 or the first error. */
int inode_sync(struct inode *inode);

/* The entry name (len bytes) in directory dir, or NULL. */
struct dentry *dir_lookup(struct inode *dir, const char *name, uint32_t len);

/* Adds name -> inode to dir (one more link). Returns 0, -ENOMEM, -ENAMETOOLONG. */
int dir_add(struct inode *dir, const char *name, uint32_t len, struct inode *inode);

/* Removes entry d of dir (one link fewer; the inode may go). */
void dir_remove(struct inode *dir, struct dentry *d);

/* evict() of an AS_SHMEM inode tells fs/shmem.c (its count of objects alive). */
void shmem_evicted(void);

/* Inodes and dentries alive, for the per-program memory check. */
uint64_t fs_objects_alive(void);

/* Frames the file system keeps between programs: cached pages (not those of
 * shmem objects, which go with their last user), and the slabs of inodes,
 * entries and xarray nodes (call after kmem_cache_shrink_all). */
uint64_t fs_pages_held(void);

/* Boot files to put in the tree (fs/super.c): path below / and its blocks. */
struct boot_info;
int fs_mount_boot_files(const struct boot_info *bi);

#endif
