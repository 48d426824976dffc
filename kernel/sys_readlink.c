/*
 * readlink and readlinkat (Linux's fs/stat.c): /proc/self/exe (and
 * /proc/PID/exe for its own pid) is the program's path (task exe_path,
 * "/bin/NAME" as the Linux reference runs it); every other path is the file
 * system's (vfs_readlinkat: a symbolic link's text, -EINVAL for any other
 * name that exists, -ENOENT for one that does not).
 */
#include "fault/syscall.h"
#include "fault/uaccess.h"
#include "base/format.h"
#include "base/process.h"
#include "base/string.h"
#include "cpu/percpu.h"
#include "fault/uaccess.h"

#define PATH_MAX   4096
#define AT_FDCWD   (-100)

/* The target of the link at path, or NULL when there is none. A relative
 * path is taken from the working directory, "/" (proc/self/exe names the
 * same link). */
static const char *link_target(const char *path)
{
	char own[32];
	const char *p = path[0] == '/' ? path + 1 : path;
	format(own, sizeof(own), "proc/%u/exe", current->pid);
	if (strcmp(p, "proc/self/exe") == 0 || strcmp(p, own) == 0)
		return current->exe_path;
	return NULL;
}

/* See fault/syscall.h. Linux's order: bufsiz <= 0 is -EINVAL; the path
 * (-EFAULT, "" -ENOENT, PATH_MAX bytes without an end -ENAMETOOLONG); a
 * relative path with a dirfd other than AT_FDCWD needs that directory
 * (-EBADF: no fd names one yet); the link (-ENOENT). Returns the bytes of
 * the target placed in buf, without a NUL, cut at bufsiz. */
int64_t sys_readlinkat(uint64_t dirfd, uint64_t pathname, uint64_t buf, uint64_t bufsiz)
{
	static char path[PATH_MAX];
	if ((int32_t)bufsiz <= 0)
		return -EINVAL;
	int64_t n = strncpy_from_user(path, pathname, PATH_MAX);
	if (n < 0)
		return n;
	if (n == PATH_MAX)
		return -ENAMETOOLONG;
	if (n == 0)
		return -ENOENT;
	if (path[0] != '/' && (int32_t)dirfd != AT_FDCWD)
		return -EBADF;
	const char *target = link_target(path);
	if (!target)
		return vfs_readlinkat(dirfd, pathname, buf, bufsiz);   /* the file system's names */
	uint64_t len = strlen(target);
	if (len > (uint32_t)bufsiz)
		len = (uint32_t)bufsiz;
	return copy_to_user(buf, target, len) ? -EFAULT : (int64_t)len;
}

/* See fault/syscall.h. */
int64_t sys_readlink(uint64_t pathname, uint64_t buf, uint64_t bufsiz)
{
	return sys_readlinkat((uint64_t)(int64_t)AT_FDCWD, pathname, buf, bufsiz);
}
