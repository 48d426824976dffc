/*
 * The file syscalls: each decodes its arguments (descriptors through
 * current->files, paths copied in, working directory current->cwd) and
 * calls fs/: the descriptor table (fs/fdtable.h), names (fs/namei.h), the
 * file's own f_op (fs/file.h). Errors are Linux's.
 */
#include "kernel/pipe.h"
#include "fault/syscall.h"
#include "kernel/proc_self.h"
#include "kernel/mm_syscall_lock.h"
#include "fault/uaccess.h"
#include "fs/fcntl.h"
#include "fs/fdtable.h"
#include "fs/namei.h"
#include "fs/shmem.h"
#include "base/process.h"
#include "cpu/percpu.h"
#include "paging/mm.h"
#include "paging/mman.h"
#include "base/errno.h"
#include "base/string.h"

#define IOV_MAX 1024

/* Copies the NUL-terminated user path into buf (PATH_MAX). Returns 0, -EFAULT, -ENAMETOOLONG. */
static int getname(uint64_t upath, char *buf)
{
	for (uint32_t i = 0; i < PATH_MAX; i++) {
		if (copy_from_user(&buf[i], upath + i, 1))
			return -EFAULT;
		if (!buf[i])
			return 0;
	}
	return -ENAMETOOLONG;
}

/* The directory a *at call's relative path starts from: cwd for AT_FDCWD, else dirfd's inode. */
static int at_dir(uint64_t dirfd, const char *path, struct inode **dir)
{
	if (path[0] == '/' || (int32_t)dirfd == AT_FDCWD) {
		*dir = current->cwd;
		return 0;
	}
	struct file *f = files_lookup(current->files, dirfd);
	if (!f)
		return -EBADF;
	if (!f->f_inode || !S_ISDIR(f->f_inode->i_mode))
		return -ENOTDIR;
	*dir = f->f_inode;
	return 0;
}

/* See fault/syscall.h. */
int64_t sys_openat(uint64_t dirfd, uint64_t upath, uint64_t flags, uint64_t mode)
{
	char path[PATH_MAX];
	int err = getname(upath, path);
	struct inode *dir;
	if (err || (err = at_dir(dirfd, path, &dir)))
		return err;
	int fd = alloc_fd(current->files, 0, (uint32_t)flags);
	if (fd < 0)
		return fd;
	struct file *f;
	if (proc_self_path(path))
		err = proc_self_open(path, (uint32_t)flags, &f);   /* kernel/proc_self.c */
	else
		err = vfs_open(dir, path, (uint32_t)flags, (uint32_t)mode, &f);
	if (err) {
		put_unused_fd(current->files, (uint32_t)fd);
		return err;
	}
	fd_install(current->files, (uint32_t)fd, f);
	return fd;
}

/* See fault/syscall.h. */
int64_t sys_open(uint64_t upath, uint64_t flags, uint64_t mode)
{
	return sys_openat((uint64_t)(int64_t)AT_FDCWD, upath, flags, mode);
}

/* See fault/syscall.h. */
int64_t sys_close(uint64_t fd)
{
	return close_fd(current->files, fd);
}

/* See fault/syscall.h. */
int64_t sys_dup(uint64_t fd) { return ksys_dup(current->files, fd); }
int64_t sys_dup2(uint64_t oldfd, uint64_t newfd) { return ksys_dup2(current->files, oldfd, newfd); }
int64_t sys_dup3(uint64_t oldfd, uint64_t newfd, uint64_t flags) { return ksys_dup3(current->files, oldfd, newfd, flags); }
int64_t sys_fcntl(uint64_t fd, uint64_t cmd, uint64_t arg) { return do_fcntl(current->files, fd, cmd, arg); }

/* Linux's vfs_read / vfs_write checks, then the file's op at *pos. */
static int64_t do_read(struct file *f, uint64_t buf, uint64_t count, int64_t *pos)
{
	if (!(f->f_mode & FMODE_READ))
		return -EBADF;
	if (!f->f_op->read)
		return -EINVAL;
	if (!access_ok(buf, count))
		return -EFAULT;
	return f->f_op->read(f, buf, count, pos);
}

static int64_t do_write(struct file *f, uint64_t buf, uint64_t count, int64_t *pos)
{
	if (!(f->f_mode & FMODE_WRITE))
		return -EBADF;
	if (!f->f_op->write)
		return -EINVAL;
	if (!access_ok(buf, count))
		return -EFAULT;
	return f->f_op->write(f, buf, count, pos);
}

/* See fault/syscall.h. */
int64_t sys_read(uint64_t fd, uint64_t buf, uint64_t count)
{
	struct file *f = fget_files(current->files, fd);
	if (!f)
		return -EBADF;
	int64_t ret = do_read(f, buf, count, &f->f_pos);
	fput(f);
	return ret;
}

/* See fault/syscall.h. */
int64_t sys_write(uint64_t fd, uint64_t buf, uint64_t count)
{
	struct file *f = fget_files(current->files, fd);
	if (!f)
		return -EBADF;
	int64_t ret = do_write(f, buf, count, &f->f_pos);
	fput(f);
	return ret;
}

/* pread64/pwrite64: at pos, f_pos unchanged; -ESPIPE where positions mean nothing. */
static int64_t do_pio(uint64_t fd, uint64_t buf, uint64_t count, uint64_t pos, bool write)
{
	if ((int64_t)pos < 0)
		return -EINVAL;
	struct file *f = fget_files(current->files, fd);
	if (!f)
		return -EBADF;
	int64_t p = (int64_t)pos, ret;
	if (!(f->f_mode & (write ? FMODE_WRITE : FMODE_READ)))
		ret = -EBADF;
	else if (!(f->f_mode & (write ? FMODE_PWRITE : FMODE_PREAD)))
		ret = -ESPIPE;
	else
		ret = write ? do_write(f, buf, count, &p) : do_read(f, buf, count, &p);
	fput(f);
	return ret;
}

int64_t sys_pread64(uint64_t fd, uint64_t buf, uint64_t count, uint64_t pos) { return do_pio(fd, buf, count, pos, false); }
int64_t sys_pwrite64(uint64_t fd, uint64_t buf, uint64_t count, uint64_t pos) { return do_pio(fd, buf, count, pos, true); }

/* readv/writev: Linux's import_iovec checks every segment before any I/O. */
static int64_t do_iov(uint64_t fd, uint64_t iov, uint64_t iovcnt, bool write)
{
	struct file *f = fget_files(current->files, fd);
	if (!f)
		return -EBADF;
	int64_t total = 0;
	if (!(f->f_mode & (write ? FMODE_WRITE : FMODE_READ))) {
		total = -EBADF;
		goto out;
	}
	if (iovcnt > IOV_MAX) {
		total = -EINVAL;
		goto out;
	}
	if (!access_ok(iov, iovcnt * 16)) {
		total = -EFAULT;
		goto out;
	}
	for (uint64_t i = 0; i < iovcnt; i++) {
		uint64_t v[2];
		if (copy_from_user(v, iov + i * 16, 16)) {
			total = -EFAULT;
			goto out;
		}
		if (v[1] >> 63) {
			total = -EINVAL;
			goto out;
		}
		if (!access_ok(v[0], v[1])) {
			total = -EFAULT;
			goto out;
		}
	}
	for (uint64_t i = 0; i < iovcnt; i++) {
		uint64_t v[2];
		if (copy_from_user(v, iov + i * 16, 16))
			break;
		if (!v[1])
			continue;
		int64_t r = write ? do_write(f, v[0], v[1], &f->f_pos) : do_read(f, v[0], v[1], &f->f_pos);
		if (r < 0) {
			if (!total)
				total = r;
			break;
		}
		total += r;
		if ((uint64_t)r < v[1])
			break;
	}
out:
	fput(f);
	return total;
}

int64_t sys_readv(uint64_t fd, uint64_t iov, uint64_t iovcnt) { return do_iov(fd, iov, iovcnt, false); }
int64_t sys_writev(uint64_t fd, uint64_t iov, uint64_t iovcnt) { return do_iov(fd, iov, iovcnt, true); }

/* See fault/syscall.h. */
int64_t sys_lseek(uint64_t fd, uint64_t offset, uint64_t whence)
{
	struct file *f = files_lookup(current->files, fd);
	if (!f)
		return -EBADF;
	if (!f->f_op->llseek)
		return -ESPIPE;
	return f->f_op->llseek(f, (int64_t)offset, (int)(uint32_t)whence);
}

/* See fault/syscall.h. */
int64_t sys_fstat(uint64_t fd, uint64_t ust)
{
	struct file *f = files_lookup(current->files, fd);
	if (!f)
		return -EBADF;
	uint8_t st[144];
	if (is_pipe(f))
		pipe_fill_stat(f, st);
	else
		fill_stat(f->f_inode, st);
	return copy_to_user(ust, st, sizeof(st)) ? -EFAULT : 0;
}

/* See fault/syscall.h. */
int64_t sys_newfstatat(uint64_t dirfd, uint64_t upath, uint64_t ust, uint64_t flags)
{
	char path[PATH_MAX];
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	int err = getname(upath, path);
	if (err)
		return err;
	if (!path[0] && (flags & AT_EMPTY_PATH)) {
		if ((int32_t)dirfd == AT_FDCWD) {
			uint8_t st[144];
			fill_stat(current->cwd, st);
			return copy_to_user(ust, st, sizeof(st)) ? -EFAULT : 0;
		}
		return sys_fstat(dirfd, ust);
	}
	struct inode *dir, *inode;
	if ((err = at_dir(dirfd, path, &dir)) ||
	    (err = path_lookup_flags(dir, path, !(flags & AT_SYMLINK_NOFOLLOW), &inode)))
		return err;
	uint8_t st[144];
	fill_stat(inode, st);
	return copy_to_user(ust, st, sizeof(st)) ? -EFAULT : 0;
}

/* See fault/syscall.h. Linux's flag and mask checks, then the basic stats. */
int64_t sys_statx(uint64_t dirfd, uint64_t upath, uint64_t flags, uint64_t mask, uint64_t ubuf)
{
	char path[PATH_MAX];
	uint8_t stx[256];
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 /* AT_NO_AUTOMOUNT */ | 0x6000))
		return -EINVAL;
	if ((flags & 0x6000) == 0x6000)           /* AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC */
		return -EINVAL;
	if ((uint32_t)mask & 0x80000000u)         /* STATX__RESERVED */
		return -EINVAL;
	int err = getname(upath, path);
	if (err)
		return err;
	struct inode *inode;
	if (!path[0] && (flags & AT_EMPTY_PATH)) {
		if ((int32_t)dirfd == AT_FDCWD) {
			inode = current->cwd;
		} else {
			struct file *f = files_lookup(current->files, dirfd);
			if (!f)
				return -EBADF;
			inode = f->f_inode;
		}
	} else {
		struct inode *dir;
		if ((err = at_dir(dirfd, path, &dir)) ||
		    (err = path_lookup_flags(dir, path, !(flags & AT_SYMLINK_NOFOLLOW), &inode)))
			return err;
	}
	fill_statx(inode, stx);
	return copy_to_user(ubuf, stx, sizeof(stx)) ? -EFAULT : 0;
}

int64_t sys_stat(uint64_t upath, uint64_t ust) { return sys_newfstatat((uint64_t)(int64_t)AT_FDCWD, upath, ust, 0); }
int64_t sys_lstat(uint64_t upath, uint64_t ust)
{
	return sys_newfstatat((uint64_t)(int64_t)AT_FDCWD, upath, ust, AT_SYMLINK_NOFOLLOW);
}

/* See fault/syscall.h. */
int64_t sys_getdents64(uint64_t fd, uint64_t buf, uint64_t count)
{
	struct file *f = files_lookup(current->files, fd);
	if (!f)
		return -EBADF;
	if (!access_ok(buf, count))
		return -EFAULT;
	return vfs_getdents64(f, buf, count);
}

/* See fault/syscall.h. */
int64_t sys_ftruncate(uint64_t fd, uint64_t length)
{
	if ((int64_t)length < 0)
		return -EINVAL;
	struct file *f = files_lookup(current->files, fd);
	if (!f)
		return -EBADF;
	if (!f->f_inode || !S_ISREG(f->f_inode->i_mode) || !(f->f_mode & FMODE_WRITE))
		return -EINVAL;
	if (f->f_flags & O_APPEND)
		return -EPERM;
	return inode_truncate(f->f_inode, length);
}

/* See fault/syscall.h. */
int64_t sys_truncate(uint64_t upath, uint64_t length)
{
	char path[PATH_MAX];
	struct inode *inode;
	int err = getname(upath, path);
	if (err || (err = path_lookup(current->cwd, path, &inode)))
		return err;
	if (S_ISDIR(inode->i_mode))
		return -EISDIR;
	if ((int64_t)length < 0)
		return -EINVAL;
	if ((err = get_write_access(inode)) != 0)
		return err;   /* a running program's file: -ETXTBSY, as Linux's do_truncate */
	err = inode_truncate(inode, length);
	put_write_access(inode);
	return err;
}

/* See fault/syscall.h. */
int64_t sys_fsync(uint64_t fd)
{
	struct file *f = files_lookup(current->files, fd);
	if (!f)
		return -EBADF;
	return f->f_op->fsync ? f->f_op->fsync(f) : -EINVAL;
}

/* See fault/syscall.h. */
int64_t sys_mkdirat(uint64_t dirfd, uint64_t upath, uint64_t mode)
{
	char path[PATH_MAX];
	struct inode *dir;
	int err = getname(upath, path);
	if (err || (err = at_dir(dirfd, path, &dir)))
		return err;
	return vfs_mkdir(dir, path, (uint32_t)mode);
}

/* See fault/syscall.h. */
int64_t sys_unlinkat(uint64_t dirfd, uint64_t upath, uint64_t flags)
{
	char path[PATH_MAX];
	struct inode *dir;
	if (flags & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	int err = getname(upath, path);
	if (err || (err = at_dir(dirfd, path, &dir)))
		return err;
	return (flags & AT_REMOVEDIR) ? vfs_rmdir(dir, path) : vfs_unlink(dir, path);
}

/* See fault/syscall.h. */
int64_t sys_renameat(uint64_t olddirfd, uint64_t uold, uint64_t newdirfd, uint64_t unew)
{
	static char oldp[PATH_MAX], newp[PATH_MAX];
	struct inode *od, *nd;
	int err = getname(uold, oldp);
	if (err || (err = getname(unew, newp)) || (err = at_dir(olddirfd, oldp, &od)) ||
	    (err = at_dir(newdirfd, newp, &nd)))
		return err;
	if (od != nd && oldp[0] != '/' && newp[0] != '/')
		return -EXDEV;   /* not yet: two different start directories */
	return vfs_rename(oldp[0] == '/' ? nd : od, oldp, newp);
}

/* See fault/syscall.h. */
int64_t sys_faccessat(uint64_t dirfd, uint64_t upath, uint64_t mode)
{
	char path[PATH_MAX];
	struct inode *dir, *inode;
	if (mode & ~(uint64_t)7)
		return -EINVAL;
	int err = getname(upath, path);
	if (err || (err = at_dir(dirfd, path, &dir)) || (err = path_lookup(dir, path, &inode)))
		return err;
	/* root: read and write always; execute if any execute bit is set (or a directory). */
	if ((mode & 1) && !S_ISDIR(inode->i_mode) && !(inode->i_mode & 0111))
		return -EACCES;
	return 0;
}

/* See fault/syscall.h: a symbolic link's text (-EINVAL for anything else). */
int64_t vfs_readlinkat(uint64_t dirfd, uint64_t upath, uint64_t buf, uint64_t size)
{
	static char path[PATH_MAX], text[PATH_MAX];
	struct inode *dir;
	int err = getname(upath, path);
	if (err || (err = at_dir(dirfd, path, &dir)))
		return err;
	int64_t n = vfs_readlink(dir, path, text, size < PATH_MAX ? size : PATH_MAX);
	if (n < 0)
		return n;
	return copy_to_user(buf, text, (uint64_t)n) ? -EFAULT : n;
}

/* See fault/syscall.h. Linux's order: the target, then the new name. */
int64_t sys_symlinkat(uint64_t utarget, uint64_t dirfd, uint64_t ulink)
{
	static char target[PATH_MAX], path[PATH_MAX];
	struct inode *dir;
	int err = getname(utarget, target);
	if (err || (err = getname(ulink, path)) || (err = at_dir(dirfd, path, &dir)))
		return err;
	return vfs_symlink(target, dir, path);
}

/* See fault/syscall.h. */
int64_t sys_getcwd(uint64_t buf, uint64_t size)
{
	char path[PATH_MAX];
	int64_t len = inode_path(current->cwd, path, sizeof(path));
	if (len < 0)
		return len;
	if ((uint64_t)len > size)
		return -ERANGE;
	return copy_to_user(buf, path, (uint64_t)len) ? -EFAULT : len;
}

/* See fault/syscall.h. */
int64_t sys_chdir(uint64_t upath)
{
	char path[PATH_MAX];
	struct inode *inode;
	int err = getname(upath, path);
	if (err || (err = path_lookup(current->cwd, path, &inode)))
		return err;
	if (!S_ISDIR(inode->i_mode))
		return -ENOTDIR;
	iget(inode);
	iput(current->cwd);
	current->cwd = inode;
	return 0;
}

/* do_mmap_file on current->mm under its mmap_lock, held for writing. A
 * private anonymous mapping that replaces (MAP_FIXED) a file, shmem or
 * hugetlb VMA takes the big kernel lock first (kernel/mm_syscall_lock.h);
 * the callers with a file hold it already. */
static int64_t mmap_locked(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, struct mmap_file *mf,
			   uint64_t off)
{
	struct mm_struct *mm = current->mm;
	struct mm_syscall_range r = { addr, (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) ? len : 0 };
	mm_syscall_lock(mm, true, &r, 1);
	int64_t ret = do_mmap_file(mm, addr, len, prot, flags, mf, off);
	mm_syscall_unlock(mm, true);
	return ret;
}

/*
 * An anonymous mmap. A shared one (not hugetlb) is a mapping of a new shmem
 * object of the mapping's length at offset 0 (Linux's shmem_zero_setup, off
 * ignored), so that fork shares its pages, also those first touched after
 * the fork; the VMA takes its own reference on the object, ours goes. A
 * private one needs no big kernel lock (on several CPUs: kernel/mm_syscall_lock.h);
 * a shared one (the shmem object, fs/) and a hugetlb one (the pools'
 * reservations) take it.
 */
static int64_t mmap_anonymous(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t off)
{
	uint64_t type = flags & MAP_TYPE;
	if (flags & MAP_HUGETLB)
		mm_syscall_lock_kernel();
	if ((type != MAP_SHARED && type != MAP_SHARED_VALIDATE) || (flags & MAP_HUGETLB))
		return mmap_locked(addr, len, prot, flags, NULL, off);
	mm_syscall_lock_kernel();
	struct file *f = shmem_file_setup((len + PAGE_SIZE - 1) & PAGE_MASK, 0);
	if (!f)
		return -ENOMEM;
	struct mmap_file mf;
	int64_t ret = f->f_op->mmap(f, &mf);
	if (!ret)
		ret = mmap_locked(addr, len, prot, flags & ~(uint64_t)MAP_ANONYMOUS, &mf, 0);
	fput(f);
	return ret;
}

/* See fault/syscall.h. A file mapping runs under the big kernel lock (the
 * fd table, the file's references: kernel/mm_syscall_lock.h). */
int64_t sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd, uint64_t off)
{
	if (off & ~PAGE_MASK)
		return -EINVAL;
	if (flags & MAP_ANONYMOUS)
		return mmap_anonymous(addr, len, prot, flags, off);
	mm_syscall_lock_kernel();
	struct file *f = fget_files(current->files, fd);
	if (!f)
		return -EBADF;
	struct mmap_file mf;
	int64_t ret = -ENODEV;
	if (f->f_op->mmap && !(ret = f->f_op->mmap(f, &mf)))
		ret = mmap_locked(addr, len, prot, flags, &mf, off);
	fput(f);
	return ret;
}

/* See fault/syscall.h. */
int64_t sys_ioctl(uint64_t fd, uint64_t cmd, uint64_t arg)
{
	return files_lookup(current->files, fd) ? -ENOTTY : -EBADF;
}
