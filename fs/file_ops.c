/*
 * What regular files and directories do through struct file (fs/file.h):
 * read and write go through the page cache (so they agree with mmap), a
 * write reserves its disk blocks first (a full disk is -ENOSPC then, not
 * at writeback), mmap hands paging the page cache and a per-VMA reference.
 */
#include "fs/namei.h"
#include "fs/fcntl.h"
#include "fs/file.h"
#include "fault/uaccess.h"
#include "paging/lru.h"
#include "paging/mm.h"
#include "paging/mman.h"
#include "paging/vma.h"
#include "paging/page.h"
#include "base/errno.h"
#include "base/string.h"

#define MAX_RW_COUNT (0x7fffffffu & PAGE_MASK)   /* Linux's cap on one read or write */

/* read: the cached pages from *pos up to the end of the file. */
static int64_t regular_read(struct file *f, uint64_t ubuf, uint64_t count, int64_t *pos)
{
	struct inode *inode = f->f_inode;
	uint64_t size = i_size_read(inode), done = 0;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	if (*pos < 0)
		return -EINVAL;
	while (done < count && (uint64_t)*pos < size) {
		uint64_t off = (uint64_t)*pos & ~PAGE_MASK;
		uint64_t n = PAGE_SIZE - off;
		if (n > count - done)
			n = count - done;
		if (n > size - (uint64_t)*pos)
			n = size - (uint64_t)*pos;
		bool major = false;
		int err;
		struct page *page = filemap_get_page(&inode->i_data, (uint64_t)*pos >> PAGE_SHIFT, &major, &err);
		if (!page)
			return done ? (int64_t)done : err;
		mark_page_accessed(page);   /* the second read() of a page makes it active (paging/lru.h) */
		uint64_t left = copy_to_user(ubuf + done, (uint8_t *)page_address(page) + off, n);
		put_page(page);
		done += n - left;
		*pos += (int64_t)(n - left);
		if (left)
			return done ? (int64_t)done : -EFAULT;
	}
	return (int64_t)done;
}

/* write: into the cached pages (dirty), blocks reserved first; the size grows. */
static int64_t regular_write(struct file *f, uint64_t ubuf, uint64_t count, int64_t *pos)
{
	struct inode *inode = f->f_inode;
	uint64_t done = 0;
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	if (f->f_flags & O_APPEND)
		*pos = (int64_t)i_size_read(inode);
	if (*pos < 0)
		return -EINVAL;
	if (count && (uint64_t)*pos >= FS_MAX_FILE_BYTES)
		return -EFBIG;
	if ((uint64_t)*pos + count > FS_MAX_FILE_BYTES)
		count = FS_MAX_FILE_BYTES - (uint64_t)*pos;
	while (done < count) {
		uint64_t index = (uint64_t)*pos >> PAGE_SHIFT, off = (uint64_t)*pos & ~PAGE_MASK;
		uint64_t n = PAGE_SIZE - off;
		if (n > count - done)
			n = count - done;
		int err = inode_reserve_block(inode, index);
		bool major = false;
		struct page *page = err ? NULL : filemap_get_page(&inode->i_data, index, &major, &err);
		if (!page)
			return done ? (int64_t)done : err;
		mark_page_accessed(page);
		uint64_t left = copy_from_user((uint8_t *)page_address(page) + off, ubuf + done, n);
		set_page_dirty(page);
		put_page(page);
		done += n - left;
		*pos += (int64_t)(n - left);
		if ((uint64_t)*pos > i_size_read(inode))
			inode->i_data.i_size = (uint64_t)*pos;
		if (left)
			return done ? (int64_t)done : -EFAULT;
	}
	if (done)
		inode->i_mtime_ns = inode->i_ctime_ns = inode->i_ctime_ns + 1;
	return (int64_t)done;
}

/* Linux's generic_file_llseek for a file system without hole tracking. */
static int64_t generic_llseek(struct file *f, int64_t offset, int whence)
{
	int64_t size = f->f_inode ? (int64_t)i_size_read(f->f_inode) : 0, pos;
	switch (whence) {
	case SEEK_SET: pos = offset; break;
	case SEEK_CUR: pos = f->f_pos + offset; break;
	case SEEK_END: pos = size + offset; break;
	case SEEK_DATA:
		if (offset < 0 || offset >= size)
			return -ENXIO;
		pos = offset;
		break;
	case SEEK_HOLE:
		if (offset < 0 || offset >= size)
			return -ENXIO;
		pos = size;
		break;
	default:
		return -EINVAL;
	}
	if (pos < 0)
		return -EINVAL;
	f->f_pos = pos;
	return pos;
}

/* A file VMA's reference on its file (vm_ops). */
static void file_vma_open(struct vm_area_struct *vma)
{
	get_file(vma->vm_file);
}

/* A file VMA goes: a shared one's dirty pages are written back (munmap, exit), then its reference. */
static void file_vma_close(struct vm_area_struct *vma)
{
	if (vma->vm_flags & VM_SHARED)
		filemap_write_range(vma->vm_mapping, vma->vm_pgoff, vma->vm_pgoff + vma_pages(vma) - 1);
	fput(vma->vm_file);
}

static const struct vm_operations_struct file_vm_ops = {
	.open = file_vma_open,
	.close = file_vma_close,
};

/* mmap: what do_mmap_file needs. */
static int regular_mmap(struct file *f, struct mmap_file *mf)
{
	mf->file = f;
	mf->mapping = &f->f_inode->i_data;
	mf->readable = (f->f_mode & FMODE_READ) != 0;
	mf->writable = (f->f_mode & FMODE_WRITE) != 0;
	mf->vm_ops = &file_vm_ops;
	return 0;
}

static int regular_fsync(struct file *f)
{
	return inode_sync(f->f_inode);
}

static void inode_file_release(struct file *f)
{
	if ((f->f_mode & FMODE_WRITE) && S_ISREG(f->f_inode->i_mode))
		put_write_access(f->f_inode);   /* vfs_open took it */
	iput(f->f_inode);
}

const struct file_operations regular_fops = {
	.read = regular_read,
	.write = regular_write,
	.llseek = generic_llseek,
	.mmap = regular_mmap,
	.fsync = regular_fsync,
	.release = inode_file_release,
};

static int64_t dir_read(struct file *f, uint64_t ubuf, uint64_t count, int64_t *pos)
{
	(void)f, (void)ubuf, (void)count, (void)pos;
	return -EISDIR;
}

/* A directory's position counts entries (".", "..", then its own). */
static int64_t dir_llseek(struct file *f, int64_t offset, int whence)
{
	if (whence == SEEK_SET && offset >= 0) {
		f->f_pos = offset;
		return offset;
	}
	if (whence == SEEK_CUR && f->f_pos + offset >= 0) {
		f->f_pos += offset;
		return f->f_pos;
	}
	return -EINVAL;
}

static int dir_fsync(struct file *f)
{
	(void)f;
	return 0;
}

const struct file_operations dir_fops = {
	.read = dir_read,
	.llseek = dir_llseek,
	.fsync = dir_fsync,
	.release = inode_file_release,
};

/* See fs/namei.h. Entries from f_pos on: ".", "..", then the directory's own. */
int64_t vfs_getdents64(struct file *f, uint64_t ubuf, uint64_t count)
{
	struct inode *dir = f->f_inode;
	if (!dir || !S_ISDIR(dir->i_mode))
		return -ENOTDIR;
	if (!dir->i_nlink)
		return -ENOENT;
	uint64_t done = 0;
	int64_t index = 0;
	struct dentry *d = dir->i_dentries;
	for (;; index++) {
		const char *name;
		uint32_t len;
		uint64_t ino;
		uint8_t type;
		if (index == 0) {
			name = ".", len = 1, ino = dir->i_ino, type = 4;
		} else if (index == 1) {
			name = "..", len = 2, ino = dir->i_parent ? dir->i_parent->i_ino : dir->i_ino, type = 4;
		} else {
			if (!d)
				break;
			name = d->d_name, len = d->d_len, ino = d->d_inode->i_ino;
			type = S_ISDIR(d->d_inode->i_mode) ? 4 : S_ISLNK(d->d_inode->i_mode) ? 10 : 8;   /* DT_DIR, DT_LNK, DT_REG */
			d = d->d_next;
		}
		if (index < f->f_pos)
			continue;
		uint64_t reclen = (19 + len + 1 + 7) & ~(uint64_t)7;
		if (done + reclen > count)
			return done ? (int64_t)done : -EINVAL;
		uint8_t rec[19 + NAME_MAX + 1 + 8];
		memset(rec, 0, sizeof(rec));
		int64_t off = index + 1;
		memcpy(rec, &ino, 8);
		memcpy(rec + 8, &off, 8);
		uint16_t rl = (uint16_t)reclen;
		memcpy(rec + 16, &rl, 2);
		rec[18] = type;
		memcpy(rec + 19, name, len);
		if (copy_to_user(ubuf + done, rec, reclen))
			return -EFAULT;
		done += reclen;
		f->f_pos = index + 1;
	}
	return (int64_t)done;
}
