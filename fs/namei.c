/* Paths and the calls on names (fs/namei.h). */
#include "fs/namei.h"
#include "fs/fcntl.h"
#include "fs/file.h"
#include "base/errno.h"
#include "base/string.h"
#include "paging/filemap.h"
#include "paging/page.h"

#define MAXSYMLINKS 40   /* links one path may follow: more is -ELOOP (Linux's MAXSYMLINKS) */

struct nameidata {
	struct inode *dir;       /* where the last component is */
	const char *last;        /* the last component (not NUL-terminated), "" for "/" */
	uint32_t last_len;
	bool trailing_slash;
	/* Symbolic links followed so far, and the page-cache pages holding their
	 * targets (last may point into one): released by nd_release. */
	uint32_t links;
	uint32_t nheld;
	struct page *held[MAXSYMLINKS + 1];
};

static void nd_init(struct nameidata *nd)
{
	nd->links = nd->nheld = 0;
}

/* Drops the link pages the walk held. */
static void nd_release(struct nameidata *nd)
{
	while (nd->nheld)
		put_page(nd->held[--nd->nheld]);
}

/* Steps into component name of dir: its inode, or NULL. "." and ".." included. */
static struct inode *step(struct inode *dir, const char *name, uint32_t len)
{
	if (len == 1 && name[0] == '.')
		return dir;
	if (len == 2 && name[0] == '.' && name[1] == '.')
		return dir->i_parent ? dir->i_parent : dir;
	struct dentry *d = dir_lookup(dir, name, len);
	return d ? d->d_inode : NULL;
}

/*
 * The target of symlink inode (Linux's page_get_link: the text is the
 * file's first page, i_size bytes, NUL after them), counted against
 * MAXSYMLINKS and held in nd until nd_release. Returns 0, -ELOOP, -ENOMEM, -EIO.
 */
static int get_link(struct nameidata *nd, struct inode *inode, const char **target)
{
	if (++nd->links > MAXSYMLINKS)
		return -ELOOP;
	bool major = false;
	int err = 0;
	struct page *page = filemap_get_page(&inode->i_data, 0, &major, &err);
	if (!page)
		return err == -ENOMEM ? -ENOMEM : -EIO;
	nd->held[nd->nheld++] = page;
	*target = page_address(page);
	return 0;
}

static int walk_parent(struct inode *cwd, const char *path, struct nameidata *nd);

/*
 * The inode the last component of nd names (NULL: none), following it while
 * it is a symbolic link and follow is set (or the path ends in '/'): nd then
 * describes the link's target's last component. Returns 0 or -errno
 * (-ENOTDIR, -ELOOP, a target's walk errors).
 */
static int resolve_last(struct nameidata *nd, bool follow, struct inode **out)
{
	for (;;) {
		if (!S_ISDIR(nd->dir->i_mode))
			return -ENOTDIR;
		struct inode *inode = nd->last_len ? step(nd->dir, nd->last, nd->last_len) : nd->dir;
		if (!inode || !S_ISLNK(inode->i_mode) || !(follow || nd->trailing_slash)) {
			*out = inode;
			return 0;
		}
		const char *target;
		bool slash = nd->trailing_slash;
		int err = get_link(nd, inode, &target);
		if (err || (err = walk_parent(nd->dir, target, nd)))
			return err;
		nd->trailing_slash |= slash;
	}
}

/* Resolves all but the last component of path, following symbolic links on
 * the way (each counted against MAXSYMLINKS). Returns 0 or -errno. */
static int walk_parent(struct inode *cwd, const char *path, struct nameidata *nd)
{
	if (!path[0])
		return -ENOENT;
	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	struct inode *dir = path[0] == '/' ? fs_root_inode() : cwd;
	if (!dir)
		return -ENOENT;
	const char *p = path;
	for (;;) {
		while (*p == '/')
			p++;
		const char *start = p;
		while (*p && *p != '/')
			p++;
		uint32_t len = (uint32_t)(p - start);
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		const char *q = p;
		while (*q == '/')
			q++;
		if (!*q) {   /* start..p is the last component */
			nd->dir = dir;
			nd->last = start;
			nd->last_len = len;
			nd->trailing_slash = *p == '/';
			return 0;
		}
		if (!S_ISDIR(dir->i_mode))
			return -ENOTDIR;
		struct inode *next = step(dir, start, len);
		if (!next)
			return -ENOENT;
		if (S_ISLNK(next->i_mode)) {
			const char *target;
			int err = get_link(nd, next, &target);
			if (err || (err = walk_parent(dir, target, nd)) || (err = resolve_last(nd, true, &next)))
				return err;
			if (!next)
				return -ENOENT;
		}
		if (!S_ISDIR(next->i_mode))
			return -ENOTDIR;
		dir = next;
	}
}

/* Resolves all but the last component of path (links followed). Returns 0 or -errno. */
static int path_parent(struct inode *cwd, const char *path, struct nameidata *nd)
{
	nd_init(nd);
	return walk_parent(cwd, path, nd);
}

/* See fs/namei.h. */
int path_lookup_flags(struct inode *cwd, const char *path, bool follow, struct inode **out)
{
	struct nameidata nd;
	struct inode *inode = NULL;
	int err = path_parent(cwd, path, &nd);
	if (!err)
		err = resolve_last(&nd, follow, &inode);
	if (!err && !inode)
		err = -ENOENT;
	if (!err && nd.trailing_slash && !S_ISDIR(inode->i_mode) && !S_ISLNK(inode->i_mode))
		err = -ENOTDIR;
	nd_release(&nd);
	if (!err)
		*out = inode;
	return err;
}

/* See fs/namei.h. */
int path_lookup(struct inode *cwd, const char *path, struct inode **out)
{
	return path_lookup_flags(cwd, path, true, out);
}

/* A "." or ".." last component, or the root's "". */
static bool is_dot_name(const struct nameidata *nd)
{
	return nd->last_len == 0 || (nd->last_len == 1 && nd->last[0] == '.') ||
	       (nd->last_len == 2 && nd->last[0] == '.' && nd->last[1] == '.');
}

/* vfs_open on an initialised nd (the caller releases it). */
static int do_open(struct nameidata *ndp, struct inode *cwd, const char *path, uint32_t flags, uint32_t mode,
		   struct file **out)
{
#define nd (*ndp)
	int err = walk_parent(cwd, path, &nd);
	if (err)
		return err;
	uint32_t acc = flags & O_ACCMODE;
	bool wants_write = acc == O_WRONLY || acc == O_RDWR;
	/* The last component is followed unless O_NOFOLLOW or O_CREAT|O_EXCL (Linux's open_last_lookups). */
	bool follow = !(flags & O_NOFOLLOW) && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
	struct inode *inode = NULL;
	if ((err = resolve_last(&nd, follow, &inode)) != 0)
		return err;
	if (flags & O_CREAT) {
		if (inode && (flags & O_EXCL))
			return -EEXIST;
		if (!inode) {
			if (nd.trailing_slash || is_dot_name(&nd))
				return -EISDIR;
			inode = new_inode(S_IFREG | (mode & 07777 & ~022));
			if (!inode)
				return -ENOMEM;
			err = dir_add(nd.dir, nd.last, nd.last_len, inode);
			iput(inode);
			if (err)
				return err;
		} else if (S_ISDIR(inode->i_mode)) {
			return -EISDIR;
		}
	}
	if (!inode)
		return -ENOENT;
	if (S_ISLNK(inode->i_mode))
		return -ELOOP;   /* O_NOFOLLOW on a link */
	if (nd.trailing_slash && !S_ISDIR(inode->i_mode))
		return -ENOTDIR;
	if ((flags & O_DIRECTORY) && !S_ISDIR(inode->i_mode))
		return -ENOTDIR;
	if (S_ISDIR(inode->i_mode) && (wants_write || (flags & O_TRUNC) || (flags & O_CREAT)))
		return -EISDIR;
	if (wants_write && S_ISREG(inode->i_mode) && (err = get_write_access(inode)) != 0)
		return err;   /* a running program's file: -ETXTBSY */
	uint32_t fmode = FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	if (acc == O_RDONLY || acc == O_RDWR)
		fmode |= FMODE_READ;
	if (wants_write)
		fmode |= FMODE_WRITE;
	struct file *f = alloc_file(S_ISDIR(inode->i_mode) ? &dir_fops : &regular_fops,
				    (flags & ~(uint32_t)(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)) | O_LARGEFILE, fmode);
	if (!f) {
		if (wants_write && S_ISREG(inode->i_mode))
			put_write_access(inode);
		return -ENFILE;
	}
	f->f_inode = iget(inode);
	f->f_mapping = &inode->i_data;
	if ((flags & O_TRUNC) && S_ISREG(inode->i_mode) && wants_write)
		inode_truncate(inode, 0);
	*out = f;
	return 0;
#undef nd
}

/* See fs/namei.h. */
int vfs_open(struct inode *cwd, const char *path, uint32_t flags, uint32_t mode, struct file **out)
{
	struct nameidata nd;
	nd_init(&nd);
	int err = do_open(&nd, cwd, path, flags, mode, out);
	nd_release(&nd);
	return err;
}

/* mkdir's new directory at nd's last component. Returns 0, -ENOMEM, -ENAMETOOLONG. */
static int add_new_dir(struct nameidata *ndp, uint32_t mode)
{
	struct inode *inode = new_inode(S_IFDIR | (mode & 07777 & ~022));
	if (!inode)
		return -ENOMEM;
	inode->i_nlink = 1;   /* its "." */
	int err = dir_add(ndp->dir, ndp->last, ndp->last_len, inode);
	if (err)
		inode->i_nlink = 0;
	iput(inode);
	return err;
}

/* See fs/namei.h. */
int vfs_mkdir(struct inode *cwd, const char *path, uint32_t mode)
{
	struct nameidata nd;
	struct inode *inode = NULL;
	int err = path_parent(cwd, path, &nd);
	if (!err)
		err = resolve_last(&nd, false, &inode);
	if (!err && inode)
		err = -EEXIST;   /* a name that exists, a symbolic link included */
	if (!err)
		err = add_new_dir(&nd, mode);
	nd_release(&nd);
	return err;
}

/* vfs_symlink on nd (the caller releases it). */
static int do_symlink(struct nameidata *nd, const char *target, struct inode *cwd, const char *path)
{
	struct inode *inode = NULL;
	uint64_t len = strlen(target);
	int err = walk_parent(cwd, path, nd);
	if (!err)
		err = resolve_last(nd, false, &inode);
	if (err)
		return err;
	if (inode)
		return -EEXIST;
	if (nd->trailing_slash || is_dot_name(nd))
		return -ENOENT;
	if (!len)
		return -ENOENT;
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	inode = new_inode(S_IFLNK | 0777);
	if (!inode)
		return -ENOMEM;
	/* Linux's page_symlink: the text in the file's first page, a block of the disk (-ENOSPC). */
	bool major = false;
	struct page *page = NULL;
	if (!(err = inode_reserve_block(inode, 0)) && !(page = filemap_get_page(&inode->i_data, 0, &major, &err)))
		err = err ? err : -ENOMEM;
	if (page) {
		memcpy(page_address(page), target, len);
		inode->i_data.i_size = len;
		set_page_dirty(page);
		put_page(page);
		err = dir_add(nd->dir, nd->last, nd->last_len, inode);
	}
	iput(inode);   /* not added: freed with its page and block */
	return err;
}

/* See fs/namei.h. */
int64_t vfs_realpath(struct inode *cwd, const char *path, char *buf, uint64_t size)
{
	struct nameidata nd;
	struct inode *inode = NULL;
	nd_init(&nd);
	int64_t ret = walk_parent(cwd, path, &nd);
	if (!ret)
		ret = resolve_last(&nd, true, &inode);
	if (!ret && !inode)
		ret = -ENOENT;
	if (!ret)
		ret = inode_path(S_ISDIR(inode->i_mode) ? inode : nd.dir, buf, size);
	if (ret > 0 && !S_ISDIR(inode->i_mode)) {
		uint64_t len = (uint64_t)ret - 1, slash = len > 1;   /* "/" alone needs none */
		if (len + slash + nd.last_len + 1 > size) {
			ret = -ERANGE;
		} else {
			buf[len] = '/';
			memcpy(buf + len + slash, nd.last, nd.last_len);
			buf[len + slash + nd.last_len] = 0;
			ret = (int64_t)(len + slash + nd.last_len + 1);
		}
	}
	nd_release(&nd);
	return ret;
}

/* See fs/namei.h. */
int vfs_symlink(const char *target, struct inode *cwd, const char *path)
{
	struct nameidata nd;
	nd_init(&nd);
	int err = do_symlink(&nd, target, cwd, path);
	nd_release(&nd);
	return err;
}

/* See fs/namei.h. */
int64_t vfs_readlink(struct inode *cwd, const char *path, char *buf, uint64_t size)
{
	struct nameidata nd;
	struct inode *inode = NULL;
	const char *target;
	nd_init(&nd);
	int64_t ret = walk_parent(cwd, path, &nd);
	if (!ret)
		ret = resolve_last(&nd, false, &inode);
	if (!ret && !inode)
		ret = -ENOENT;
	if (!ret && !S_ISLNK(inode->i_mode))
		ret = -EINVAL;
	if (!ret && !(ret = get_link(&nd, inode, &target))) {
		uint64_t len = i_size_read(inode) < size ? i_size_read(inode) : size;
		memcpy(buf, target, len);
		ret = (int64_t)len;
	}
	nd_release(&nd);
	return ret;
}

/* The entry of the last component for unlink/rmdir/rename, or -errno. */
static int last_entry(struct inode *cwd, const char *path, struct nameidata *nd, struct dentry **out)
{
	int err = walk_parent(cwd, path, nd);
	if (err)
		return err;
	if (!S_ISDIR(nd->dir->i_mode))
		return -ENOTDIR;
	if (is_dot_name(nd))
		return nd->last_len ? -EINVAL : -EBUSY;
	*out = dir_lookup(nd->dir, nd->last, nd->last_len);
	return *out ? 0 : -ENOENT;
}

/* vfs_unlink on nd (the caller releases it). */
static int do_unlink(struct nameidata *ndp, struct inode *cwd, const char *path)
{
#define nd (*ndp)
	struct dentry *d;
	int err = last_entry(cwd, path, &nd, &d);
	if (err)
		return err == -EINVAL || err == -EBUSY ? -EISDIR : err;
	if (S_ISDIR(d->d_inode->i_mode))
		return -EISDIR;
	if (nd.trailing_slash)
		return -ENOTDIR;
	dir_remove(nd.dir, d);
	return 0;
#undef nd
}

/* See fs/namei.h. The last component is not followed: a link goes, not its target. */
int vfs_unlink(struct inode *cwd, const char *path)
{
	struct nameidata nd;
	nd_init(&nd);
	int err = do_unlink(&nd, cwd, path);
	nd_release(&nd);
	return err;
}

/* vfs_rmdir on nd (the caller releases it). */
static int do_rmdir(struct nameidata *ndp, struct inode *cwd, const char *path)
{
#define nd (*ndp)
	struct dentry *d;
	int err = last_entry(cwd, path, &nd, &d);
	if (err)
		return (nd.last_len == 2 && err == -EINVAL) ? -ENOTEMPTY : err;
	if (!S_ISDIR(d->d_inode->i_mode))
		return -ENOTDIR;
	if (d->d_inode->i_nentries)
		return -ENOTEMPTY;
	dir_remove(nd.dir, d);
	return 0;
#undef nd
}

/* See fs/namei.h. */
int vfs_rmdir(struct inode *cwd, const char *path)
{
	struct nameidata nd;
	nd_init(&nd);
	int err = do_rmdir(&nd, cwd, path);
	nd_release(&nd);
	return err;
}

/* True if dir is inode or below it. */
static bool is_below(struct inode *dir, struct inode *inode)
{
	for (; dir; dir = dir->i_parent)
		if (dir == inode)
			return true;
	return false;
}

/* vfs_rename on ond and nnd (the caller releases them). */
static int do_rename(struct nameidata *ondp, struct nameidata *nndp, struct inode *cwd, const char *oldpath,
		     const char *newpath)
{
#define ond (*ondp)
#define nnd (*nndp)
	struct dentry *od;
	int err = last_entry(cwd, oldpath, &ond, &od);
	if (err)
		return err == -EINVAL ? -EBUSY : err;
	err = walk_parent(cwd, newpath, &nnd);
	if (err)
		return err;
	if (!S_ISDIR(nnd.dir->i_mode))
		return -ENOTDIR;
	if (is_dot_name(&nnd))
		return -EBUSY;
	struct inode *inode = od->d_inode;
	bool dir = S_ISDIR(inode->i_mode);
	if (dir && is_below(nnd.dir, inode))
		return -EINVAL;
	if ((ond.trailing_slash || nnd.trailing_slash) && !dir)
		return -ENOTDIR;
	struct dentry *nd = dir_lookup(nnd.dir, nnd.last, nnd.last_len);
	if (nd == od)
		return 0;
	if (nd) {
		bool ndir = S_ISDIR(nd->d_inode->i_mode);
		if (dir && !ndir)
			return -ENOTDIR;
		if (!dir && ndir)
			return -EISDIR;
		if (ndir && nd->d_inode->i_nentries)
			return -ENOTEMPTY;
	}
	iget(inode);
	err = dir_add(nnd.dir, nnd.last, nnd.last_len, inode);
	if (!err) {
		if (nd)
			dir_remove(nnd.dir, nd);
		dir_remove(ond.dir, od);   /* after the add: the links never reach 0 */
		if (dir && inode->i_parent != nnd.dir) {
			iput(inode->i_parent);
			inode->i_parent = iget(nnd.dir);
		}
		if (dir)
			inode->i_nlink = 2;
	}
	iput(inode);
	return err;
#undef ond
#undef nnd
}

/* See fs/namei.h. Neither last component is followed: a link is renamed, not its target. */
int vfs_rename(struct inode *cwd, const char *oldpath, const char *newpath)
{
	struct nameidata ond, nnd;
	nd_init(&ond);
	nd_init(&nnd);
	int err = do_rename(&ond, &nnd, cwd, oldpath, newpath);
	nd_release(&ond);
	nd_release(&nnd);
	return err;
}

/* See fs/namei.h. */
void fill_stat(const struct inode *inode, uint8_t out[144])
{
	uint64_t w[18];
	memset(w, 0, sizeof(w));
	if (!inode) {
		w[0] = 5;                                  /* st_dev */
		w[3] = 020620;                             /* st_mode: a character device, as a terminal */
		w[2] = 1;
		w[5] = 0x8800;                             /* st_rdev */
		w[7] = 1024;                               /* st_blksize */
	} else {
		w[0] = 0xfd00;                             /* st_dev: the RAM disk */
		w[1] = inode->i_ino;
		w[2] = inode->i_nlink;
		w[3] = inode->i_mode;                      /* st_mode; st_uid 0 above it */
		w[6] = S_ISDIR(inode->i_mode) ? 4096 : i_size_read(inode);
		w[7] = 4096;                               /* st_blksize */
		w[8] = S_ISDIR(inode->i_mode) ? 8 : inode->i_blocks * 8;   /* 512-byte units */
		for (int t = 0; t < 3; t++) {
			uint64_t ns = t == 2 ? inode->i_ctime_ns : inode->i_mtime_ns;
			w[9 + 2 * t] = ns / 1000000000u;
			w[10 + 2 * t] = ns % 1000000000u;
		}
	}
	memcpy(out, w, 144);
}

/* See fs/namei.h. */
void fill_statx(const struct inode *inode, uint8_t out[256])
{
	uint8_t st[144];
	uint64_t w[18];
	fill_stat(inode, st);
	memcpy(w, st, sizeof(w));
	memset(out, 0, 256);
	uint32_t u32;
	uint16_t u16;
	u32 = 0x7ff;                                   /* STATX_BASIC_STATS */
	memcpy(out + 0x00, &u32, 4);
	u32 = (uint32_t)w[7];                          /* stx_blksize */
	memcpy(out + 0x04, &u32, 4);
	u32 = (uint32_t)w[2];                          /* stx_nlink */
	memcpy(out + 0x10, &u32, 4);
	u16 = (uint16_t)w[3];                          /* stx_mode (uid, gid 0) */
	memcpy(out + 0x1c, &u16, 2);
	memcpy(out + 0x20, &w[1], 8);                  /* stx_ino */
	memcpy(out + 0x28, &w[6], 8);                  /* stx_size */
	memcpy(out + 0x30, &w[8], 8);                  /* stx_blocks */
	static const uint32_t at[3] = { 0x40, 0x70, 0x60 };   /* atime, mtime, ctime */
	for (int t = 0; t < 3; t++) {
		uint32_t nsec = (uint32_t)w[10 + 2 * t];
		memcpy(out + at[t], &w[9 + 2 * t], 8);
		memcpy(out + at[t] + 8, &nsec, 4);
	}
	u32 = (uint32_t)(w[5] >> 8);                   /* stx_rdev_major, minor */
	memcpy(out + 0x80, &u32, 4);
	u32 = (uint32_t)(w[5] & 0xff);
	memcpy(out + 0x84, &u32, 4);
	u32 = (uint32_t)(w[0] >> 8);                   /* stx_dev_major, minor */
	memcpy(out + 0x88, &u32, 4);
	u32 = (uint32_t)(w[0] & 0xff);
	memcpy(out + 0x8c, &u32, 4);
}

/* See fs/namei.h. */
int64_t inode_path(struct inode *dir, char *buf, uint64_t size)
{
	char tmp[PATH_MAX];
	uint64_t pos = sizeof(tmp) - 1;
	tmp[pos] = 0;
	if (!dir->i_nlink)
		return -ENOENT;
	for (struct inode *in = dir; in->i_parent; in = in->i_parent) {
		struct dentry *d = in->i_parent->i_dentries;
		while (d && d->d_inode != in)
			d = d->d_next;
		if (!d || pos < d->d_len + 2)
			return -ENAMETOOLONG;
		pos -= d->d_len;
		memcpy(tmp + pos, d->d_name, d->d_len);
		tmp[--pos] = '/';
	}
	if (pos == sizeof(tmp) - 1)
		tmp[--pos] = '/';
	uint64_t len = sizeof(tmp) - 1 - pos;
	if (len + 1 > size)
		return -ERANGE;
	memcpy(buf, tmp + pos, len + 1);
	return (int64_t)(len + 1);
}
