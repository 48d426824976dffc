/*
 * memfd_create(2): an anonymous shmem file (fs/shmem.h) in a new
 * descriptor, with Linux 6.1's checks in its order: unknown flags -EINVAL
 * (MFD_HUGETLB allows the huge page size bits), the name unreadable
 * -EFAULT or longer than 249 bytes -EINVAL, no descriptor free -EMFILE,
 * no memory -ENOMEM. The file starts empty (ftruncate sizes it); read,
 * write, lseek, fstat, ftruncate and mmap work as on any regular file, on
 * pages that live only in memory and go with the last descriptor and
 * mapping. The name only labels the file (Linux shows it as
 * /memfd:NAME in /proc, which faultline does not have).
 *
 * Deviations: MFD_HUGETLB is -EINVAL (no hugetlbfs files here; Linux makes
 * a hugetlbfs file); MFD_ALLOW_SEALING is accepted, but faultline has no
 * seals: fcntl's F_ADD_SEALS and F_GET_SEALS answer -EINVAL.
 */
#include "fault/syscall.h"
#include "fault/uaccess.h"
#include "fs/fcntl.h"
#include "fs/fdtable.h"
#include "fs/file.h"
#include "fs/shmem.h"
#include "base/process.h"
#include "cpu/percpu.h"
#include "base/errno.h"

#define MFD_CLOEXEC       0x0001u
#define MFD_ALLOW_SEALING 0x0002u
#define MFD_HUGETLB       0x0004u
#define MFD_HUGE_SHIFT    26
#define MFD_HUGE_MASK     0x3fu
#define MFD_ALL_FLAGS     (MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB)
#define MFD_NAME_MAX_LEN  249   /* NAME_MAX less the "memfd:" prefix */

/* See fault/syscall.h. */
int64_t sys_memfd_create(uint64_t uname, uint64_t flags)
{
	uint64_t allowed = MFD_ALL_FLAGS;
	if (flags & MFD_HUGETLB)
		allowed |= (uint64_t)MFD_HUGE_MASK << MFD_HUGE_SHIFT;
	if (flags & ~allowed)
		return -EINVAL;
	char name[MFD_NAME_MAX_LEN + 1];
	int64_t len = strncpy_from_user(name, uname, sizeof(name));
	if (len < 0)
		return -EFAULT;
	if (len > MFD_NAME_MAX_LEN)
		return -EINVAL;
	if (flags & MFD_HUGETLB)
		return -EINVAL;
	struct files_struct *files = current->files;
	int fd = alloc_fd(files, 0, (flags & MFD_CLOEXEC) ? O_CLOEXEC : 0);
	if (fd < 0)
		return fd;
	struct file *f = shmem_file_setup(0, 0);
	if (!f) {
		put_unused_fd(files, (uint32_t)fd);
		return -ENOMEM;
	}
	fd_install(files, (uint32_t)fd, f);
	return fd;
}
