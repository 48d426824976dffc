/*
 * Mounting: the root directory and, from the firmware phase's list
 * (boot_info.disk_files), the stick's \faultline\ tree under it: /bin with
 * the programs, /files with the test files, each file's blocks where the
 * firmware put them on the RAM disk.
 */
#include "fs/inode.h"
#include "fs/brd.h"
#include "base/bootinfo.h"
#include "base/errno.h"
#include "base/page_types.h"
#include "base/string.h"
#include "paging/filemap.h"
#include "paging/page.h"

static struct inode *root_inode;

/* See fs/inode.h. */
struct inode *fs_root_inode(void)
{
	return root_inode;
}

/* See fs/inode.h. */
int fs_init(void)
{
	if (root_inode)
		return 0;
	root_inode = new_inode(S_IFDIR | 0755);
	if (!root_inode)
		return -ENOMEM;
	root_inode->i_nlink = 2;    /* "." and ".." */
	root_inode->i_count = 1;    /* the mount's reference: never freed */
	return 0;
}

/* The directory at path (created as needed), or NULL. */
static struct inode *make_dirs(const char *path, uint32_t len)
{
	struct inode *dir = root_inode;
	uint32_t i = 0;
	while (i < len) {
		uint32_t j = i;
		while (j < len && path[j] != '/')
			j++;
		if (j > i) {
			struct dentry *d = dir_lookup(dir, path + i, j - i);
			if (!d) {
				struct inode *sub = new_inode(S_IFDIR | 0755);
				if (!sub)
					return NULL;
				sub->i_nlink = 1;
				if (dir_add(dir, path + i, j - i, sub)) {
					sub->i_nlink = 0;
					iput(sub);
					return NULL;
				}
				iput(sub);
				d = dir_lookup(dir, path + i, j - i);
			}
			if (!S_ISDIR(d->d_inode->i_mode))
				return NULL;
			dir = d->d_inode;
		}
		i = j + 1;
	}
	return dir;
}

/*
 * A program a `run =` line names that did not fit on the RAM disk: its bytes
 * (read by the firmware phase) go into a new dir/NAME's page cache, dirty
 * pages without blocks (never dropped: their writeback would need blocks the
 * disk has not), so it runs through the page cache as every program does.
 * Returns 0, -ENOMEM, -ENAMETOOLONG.
 */
static int add_memory_file(struct inode *dir, const char *name, const uint8_t *bytes, uint64_t size)
{
	struct inode *inode = new_inode(S_IFREG | 0755);
	if (!inode)
		return -ENOMEM;
	inode->i_data.i_size = size;
	int err = 0;
	for (uint64_t i = 0; !err && i < (size + PAGE_SIZE - 1) / PAGE_SIZE; i++) {
		bool major = false;
		struct page *page = filemap_get_page(&inode->i_data, i, &major, &err);
		if (!page)
			break;
		uint64_t n = size - i * PAGE_SIZE < PAGE_SIZE ? size - i * PAGE_SIZE : PAGE_SIZE;
		memcpy(page_address(page), bytes + i * PAGE_SIZE, n);
		set_page_dirty(page);
		put_page(page);
	}
	if (!err)
		err = dir_add(dir, name, (uint32_t)strlen(name), inode);
	iput(inode);   /* unlinked on failure: freed with its pages */
	return err;
}

/* See fs/inode.h. */
int fs_mount_boot_files(const struct boot_info *bi)
{
	int err = fs_init();
	if (err)
		return err;
	err = bi->ramdisk_blocks ? brd_init(__va(bi->ramdisk_phys), bi->ramdisk_blocks, bi->ramdisk_used)
				 : brd_init(NULL, 0, 0);
	if (err)
		return err;
	struct inode *bin = make_dirs("bin", 3);
	if (!bin || !make_dirs("files", 5))
		return -ENOMEM;
	for (uint32_t n = 0; bi->ramdisk_blocks && n < bi->disk_file_count; n++) {
		const struct boot_disk_file *f = &bi->disk_files[n];
		uint32_t len = (uint32_t)strlen(f->path);
		if (f->is_dir) {
			if (!make_dirs(f->path, len))
				return -ENOMEM;
			continue;
		}
		uint32_t slash = len;
		while (slash && f->path[slash - 1] != '/')
			slash--;
		struct inode *dir = make_dirs(f->path, slash ? slash - 1 : 0);
		if (!dir)
			return -ENOMEM;
		struct inode *inode = new_inode(S_IFREG | 0755);
		if (!inode)
			return -ENOMEM;
		inode->i_data.i_size = f->size;
		for (uint64_t b = 0; b < (f->size + PAGE_SIZE - 1) / PAGE_SIZE; b++) {
			if (xa_store(&inode->i_blockmap, b, (void *)(uintptr_t)(f->first_block + b))) {
				iput(inode);
				return -ENOMEM;
			}
			inode->i_blocks++;
		}
		err = dir_add(dir, f->path + slash, len - slash, inode);
		iput(inode);
		if (err)
			return err;
	}
	for (uint32_t i = 0; i < bi->file_count; i++) {
		const struct boot_file *f = &bi->files[i];
		if (f->status != FILE_LOADED || dir_lookup(bin, f->name, (uint32_t)strlen(f->name)))
			continue;
		if ((err = add_memory_file(bin, f->name, __va(f->phys), f->size)) != 0)
			return err;
	}
	return 0;
}
