/*
 * Paths and the calls on names (Linux's fs/namei.c, fs/open.c, fs/stat.c
 * for this file system): every function takes a kernel copy of the path and
 * the directory relative paths start from, and returns Linux's errno: a
 * missing component -ENOENT, a component that is not a directory -ENOTDIR,
 * a name over NAME_MAX -ENAMETOOLONG, an empty path -ENOENT.
 */
#ifndef FAULTLINE_NAMEI_H
#define FAULTLINE_NAMEI_H

#include <stdint.h>
#include "fs/inode.h"

struct file;

/*
 * The inode path names (no reference), or -errno. Symbolic links are
 * followed on the way and, by path_lookup (stat) or with follow set, in the
 * last component too (not: lstat, AT_SYMLINK_NOFOLLOW); more than
 * MAXSYMLINKS (40) links in one walk is -ELOOP, as Linux.
 */
int path_lookup(struct inode *cwd, const char *path, struct inode **out);
int path_lookup_flags(struct inode *cwd, const char *path, bool follow, struct inode **out);

/* symlink(2): a new link at path whose text is target. Returns 0, -EEXIST
 * (path names something, a dangling link too), -ENOENT (empty target, a
 * missing directory), -ENOSPC, -ENOMEM, -ENAMETOOLONG. */
int vfs_symlink(const char *target, struct inode *cwd, const char *path);

/* readlink(2) on the file system: the link's text into buf, at most size
 * bytes, no NUL. Returns the bytes, -EINVAL (not a link), -ENOENT, ... */
int64_t vfs_readlink(struct inode *cwd, const char *path, char *buf, uint64_t size);

/* open(2): a new file (f_count 1) in *out, or -errno (-EEXIST, -EISDIR,
 * -ENOTDIR, -ENOENT, -ENOSPC, -ELOOP for O_NOFOLLOW on a link...). flags as
 * open's, mode for O_CREAT (which creates a dangling link's target). */
int vfs_open(struct inode *cwd, const char *path, uint32_t flags, uint32_t mode, struct file **out);

int vfs_mkdir(struct inode *cwd, const char *path, uint32_t mode);
int vfs_unlink(struct inode *cwd, const char *path);
int vfs_rmdir(struct inode *cwd, const char *path);
int vfs_rename(struct inode *cwd, const char *oldpath, const char *newpath);

/* Linux x86-64 struct stat (144 bytes) of inode (NULL: a character device, the console). */
void fill_stat(const struct inode *inode, uint8_t out[144]);

/* Linux struct statx (256 bytes) of inode (NULL: the console), the basic
 * stats (STATX_BASIC_STATS, no birth time) whatever mask asked. */
void fill_statx(const struct inode *inode, uint8_t out[256]);

/* The absolute path of what path names, links resolved (Linux's d_path of
 * the opened file), into buf (size bytes): its length + 1, or -errno
 * (-ENOENT, -ELOOP, -ERANGE, ...). */
int64_t vfs_realpath(struct inode *cwd, const char *path, char *buf, uint64_t size);

/* The absolute path of dir into buf (size bytes); returns its length + 1, -ERANGE, -ENOENT (unlinked). */
int64_t inode_path(struct inode *dir, char *buf, uint64_t size);

/* The file operations of regular files and directories. */
extern const struct file_operations regular_fops, dir_fops;

/* getdents64 on a directory file into the user buffer. */
int64_t vfs_getdents64(struct file *f, uint64_t ubuf, uint64_t count);

#endif
