/*
 * The descriptor table (fs/fdtable.h), after Linux's fs/file.c. Descriptor
 * arguments are Linux's `unsigned int`: their low 32 bits count.
 */
#include "fs/fdtable.h"
#include "fs/fcntl.h"
#include "paging/buddy.h"
#include "paging/page.h"
#include "paging/slab.h"
#include "base/errno.h"
#include "base/string.h"

static struct kmem_cache *files_cachep;

/* See fs/fdtable.h. */
int fdtable_init(void)
{
	if (files_init())
		return -1;
	if (!files_cachep)
		files_cachep = kmem_cache_create("files_cache", sizeof(struct files_struct), 0);
	return files_cachep ? 0 : -1;
}

static bool cloexec_test(const struct files_struct *files, uint32_t fd)
{
	return (files->close_on_exec[fd / 64] >> (fd % 64)) & 1;
}

static void cloexec_set(struct files_struct *files, uint32_t fd, bool on)
{
	uint64_t bit = UINT64_C(1) << (fd % 64);
	if (on)
		files->close_on_exec[fd / 64] |= bit;
	else
		files->close_on_exec[fd / 64] &= ~bit;
}

/* See fs/fdtable.h. */
struct files_struct *files_alloc(void)
{
	struct files_struct *files = files_cachep ? kmem_cache_zalloc(files_cachep) : NULL;
	if (!files)
		return NULL;
	files->count = 1;
	files->max_fds = NR_OPEN_DEFAULT;
	files->nofile = RLIMIT_NOFILE_DEFAULT;
	files->fd = files->fd_array;
	files->close_on_exec = files->close_on_exec_init;
	return files;
}

/* Pages for a table of n slots: the pointers, then the close-on-exec bits. */
static uint32_t table_order(uint32_t n)
{
	uint64_t bytes = (uint64_t)n * sizeof(struct file *) + n / 8;
	uint32_t order = 0;
	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

/* Grows files so that slot fd exists. Returns 0, -EMFILE at the bound, -ENOMEM. */
static int expand_files(struct files_struct *files, uint32_t fd)
{
	if (fd < files->max_fds)
		return 0;
	if (fd >= files->nofile)
		return -EMFILE;
	uint32_t n = files->max_fds;
	while (n <= fd)
		n *= 2;
	uint32_t order = table_order(n);
	struct page *page = alloc_pages(order);
	if (!page)
		return -ENOMEM;
	uint8_t *mem = page_address(page);
	memset(mem, 0, PAGE_SIZE << order);
	struct file **fds = (struct file **)mem;
	uint64_t *bits = (uint64_t *)(mem + (uint64_t)n * sizeof(struct file *));
	memcpy(fds, files->fd, files->max_fds * sizeof(struct file *));
	memcpy(bits, files->close_on_exec, files->max_fds / 8);
	if (files->fd != files->fd_array)
		__free_pages(virt_to_page(files->fd), files->grown_order);
	files->fd = fds;
	files->close_on_exec = bits;
	files->max_fds = n;
	files->grown_order = order;
	return 0;
}

/* See fs/fdtable.h. */
struct file *files_lookup(struct files_struct *files, uint64_t fd64)
{
	uint32_t fd = (uint32_t)fd64;
	if (!files || fd >= files->max_fds)
		return NULL;
	struct file *f = files->fd[fd];
	return f == FD_RESERVED ? NULL : f;
}

/* See fs/fdtable.h. */
struct file *fget_files(struct files_struct *files, uint64_t fd)
{
	struct file *f = files_lookup(files, fd);
	return f ? get_file(f) : NULL;
}

/* See fs/fdtable.h. */
int alloc_fd(struct files_struct *files, uint32_t start, uint32_t flags)
{
	uint32_t fd = start > files->next_fd ? start : files->next_fd;
	while (fd < files->max_fds && files->fd[fd])
		fd++;
	if (fd >= files->nofile)
		return -EMFILE;
	int err = expand_files(files, fd);
	if (err)
		return err;
	files->fd[fd] = FD_RESERVED;
	cloexec_set(files, fd, (flags & O_CLOEXEC) != 0);
	if (start <= files->next_fd)
		files->next_fd = fd + 1;
	return (int)fd;
}

/* A slot is free again: the lowest free one may be lower now. */
static void free_slot(struct files_struct *files, uint32_t fd)
{
	files->fd[fd] = NULL;
	cloexec_set(files, fd, false);
	if (fd < files->next_fd)
		files->next_fd = fd;
}

/* See fs/fdtable.h. */
void fd_install(struct files_struct *files, uint32_t fd, struct file *file)
{
	files->fd[fd] = file;
}

/* See fs/fdtable.h. */
void put_unused_fd(struct files_struct *files, uint32_t fd)
{
	free_slot(files, fd);
}

/* See fs/fdtable.h. */
int close_fd(struct files_struct *files, uint64_t fd64)
{
	uint32_t fd = (uint32_t)fd64;
	struct file *f = files_lookup(files, fd);
	if (!f)
		return -EBADF;
	free_slot(files, fd);
	fput(f);
	return 0;
}

/* The lowest free descriptor >= from for file (one more reference), with
 * O_CLOEXEC in flags. Linux's f_dupfd: -EINVAL at or above the bound. */
static int64_t f_dupfd(struct files_struct *files, uint32_t from, struct file *file, uint32_t flags)
{
	if (from >= files->nofile)
		return -EINVAL;
	int fd = alloc_fd(files, from, flags);
	if (fd < 0)
		return fd;
	fd_install(files, (uint32_t)fd, get_file(file));
	return fd;
}

/* See fs/fdtable.h. */
int64_t ksys_dup(struct files_struct *files, uint64_t fd)
{
	struct file *f = files_lookup(files, fd);
	if (!f)
		return -EBADF;
	int nfd = alloc_fd(files, 0, 0);
	if (nfd < 0)
		return nfd;
	fd_install(files, (uint32_t)nfd, get_file(f));
	return nfd;
}

/* Linux's do_dup2: file goes to newfd (which exists), replacing what was there. */
static int64_t do_dup2(struct files_struct *files, struct file *file, uint32_t newfd, uint32_t flags)
{
	struct file *old = files->fd[newfd];
	if (old == FD_RESERVED)
		return -EBUSY;              /* Linux: an open in progress holds the slot */
	files->fd[newfd] = get_file(file);
	cloexec_set(files, newfd, (flags & O_CLOEXEC) != 0);
	fput(old);
	return newfd;
}

/* See fs/fdtable.h. */
int64_t ksys_dup3(struct files_struct *files, uint64_t oldfd64, uint64_t newfd64, uint64_t flags)
{
	uint32_t oldfd = (uint32_t)oldfd64, newfd = (uint32_t)newfd64;
	if ((uint32_t)flags & ~(uint32_t)O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	if (newfd >= files->nofile)
		return -EBADF;
	int err = expand_files(files, newfd);
	if (err)
		return err;
	struct file *file = files_lookup(files, oldfd);
	if (!file)
		return -EBADF;
	return do_dup2(files, file, newfd, (uint32_t)flags);
}

/* See fs/fdtable.h. */
int64_t ksys_dup2(struct files_struct *files, uint64_t oldfd, uint64_t newfd)
{
	if ((uint32_t)oldfd == (uint32_t)newfd)
		return files_lookup(files, oldfd) ? (int64_t)(uint32_t)newfd : -EBADF;
	return ksys_dup3(files, oldfd, newfd, 0);
}

/* See fs/fdtable.h. */
int64_t do_fcntl(struct files_struct *files, uint64_t fd, uint64_t cmd, uint64_t arg)
{
	struct file *f = files_lookup(files, fd);
	if (!f)
		return -EBADF;
	switch ((uint32_t)cmd) {
	case F_DUPFD:
		return f_dupfd(files, (uint32_t)arg, f, 0);
	case F_DUPFD_CLOEXEC:
		return f_dupfd(files, (uint32_t)arg, f, O_CLOEXEC);
	case F_GETFD:
		return cloexec_test(files, (uint32_t)fd) ? FD_CLOEXEC : 0;
	case F_SETFD:
		cloexec_set(files, (uint32_t)fd, (arg & FD_CLOEXEC) != 0);
		return 0;
	case F_GETFL:
		return f->f_flags;
	case F_SETFL:
		f->f_flags = ((uint32_t)arg & SETFL_MASK) | (f->f_flags & ~(uint32_t)SETFL_MASK);
		return 0;
	default:
		return -EINVAL;
	}
}

/* See fs/fdtable.h. */
struct files_struct *dup_fd(struct files_struct *old, int *err)
{
	struct files_struct *files = files_alloc();
	if (!files) {
		*err = -ENOMEM;
		return NULL;
	}
	files->nofile = old->nofile;
	/* The highest open descriptor decides the size. */
	uint32_t top = old->max_fds;
	while (top && !old->fd[top - 1])
		top--;
	if (top > files->max_fds && expand_files(files, top - 1)) {
		put_files_struct(files);
		*err = -ENOMEM;
		return NULL;
	}
	for (uint32_t fd = 0; fd < top; fd++) {
		struct file *f = old->fd[fd];
		if (!f || f == FD_RESERVED)
			continue;
		files->fd[fd] = get_file(f);
		cloexec_set(files, fd, cloexec_test(old, fd));
	}
	files->next_fd = 0;
	*err = 0;
	return files;
}

/* Closes every descriptor of files for which pick(files, fd) holds. */
static void close_files_where(struct files_struct *files, bool (*pick)(const struct files_struct *, uint32_t))
{
	for (uint32_t fd = 0; fd < files->max_fds; fd++) {
		struct file *f = files->fd[fd];
		if (f && f != FD_RESERVED && pick(files, fd)) {
			free_slot(files, fd);
			fput(f);
		}
	}
}

static bool every_fd(const struct files_struct *files, uint32_t fd)
{
	(void)files;
	(void)fd;
	return true;
}

/* See fs/fdtable.h. */
void put_files_struct(struct files_struct *files)
{
	if (!files || --files->count > 0)
		return;
	close_files_where(files, every_fd);
	if (files->fd != files->fd_array)
		__free_pages(virt_to_page(files->fd), files->grown_order);
	kmem_cache_free(files_cachep, files);
}

/* See fs/fdtable.h. */
void do_close_on_exec(struct files_struct *files)
{
	close_files_where(files, cloexec_test);
}

/* See fs/fdtable.h. */
uint32_t files_count_open(const struct files_struct *files)
{
	uint32_t n = 0;
	for (uint32_t fd = 0; fd < files->max_fds; fd++)
		if (files->fd[fd] && files->fd[fd] != FD_RESERVED)
			n++;
	return n;
}
