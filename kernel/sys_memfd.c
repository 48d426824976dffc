/*
 * memfd_create (Linux's mm/memfd.c): an anonymous regular file, named only
 * for /proc (which faultline has not), living in the file system's memory
 * with no directory entry, opened read-write. ftruncate sizes it, mmap
 * (MAP_SHARED) shares its page cache, the last close frees it - the RAM
 * file system stands in for Linux's shmem. Sealing (F_ADD_SEALS) is not
 * provided: MFD_ALLOW_SEALING is accepted and sealing then fails as on a
 * file without seals allowed.
 */
#include "fault/syscall.h"
#include "fault/uaccess.h"
#include "base/process.h"
#include "cpu/percpu.h"
#include "fs/fcntl.h"
#include "fs/fdtable.h"
#include "fs/file.h"
#include "fs/inode.h"
#include "fs/namei.h"

#define MFD_CLOEXEC       0x0001u
#define MFD_ALLOW_SEALING 0x0002u
#define MFD_HUGETLB       0x0004u
#define MFD_NAME_MAX      249u     /* NAME_MAX - strlen("memfd:") */

/* The new unlinked file (f_count 1), or NULL without memory. */
static struct file *memfd_file(void)
{
	struct inode *inode = new_inode(S_IFREG | 0777);
	if (!inode)
		return NULL;
	struct file *f = alloc_file(&regular_fops, O_RDWR | O_LARGEFILE,
				    FMODE_READ | FMODE_WRITE | FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE);
	if (f) {
		f->f_inode = iget(inode);
		f->f_mapping = &inode->i_data;
	}
	iput(inode);   /* the file holds it now; without a file it goes */
	return f;
}

/* See fault/syscall.h. Linux's order: the flags (-EINVAL; MFD_HUGETLB:
 * faultline has no hugetlbfs files, -EINVAL as a kernel without them), the
 * name (-EFAULT, longer than 249 bytes -EINVAL), a descriptor (-EMFILE),
 * the file (-ENOMEM). */
int64_t sys_memfd_create(uint64_t uname, uint64_t flags)
{
	if (flags & ~(uint64_t)(MFD_CLOEXEC | MFD_ALLOW_SEALING))
		return -EINVAL;
	char name[MFD_NAME_MAX + 1];
	uint64_t i;
	for (i = 0; i <= MFD_NAME_MAX; i++) {
		if (copy_from_user(&name[i], uname + i, 1))
			return -EFAULT;
		if (!name[i])
			break;
	}
	if (i > MFD_NAME_MAX)
		return -EINVAL;
	int fd = alloc_fd(current->files, 0, (flags & MFD_CLOEXEC) ? O_CLOEXEC : 0);
	if (fd < 0)
		return fd;
	struct file *f = memfd_file();
	if (!f) {
		put_unused_fd(current->files, (uint32_t)fd);
		return -ENOMEM;
	}
	fd_install(current->files, (uint32_t)fd, f);
	return fd;
}
