/*
 * A process's descriptor table (Linux's struct files_struct and
 * fs/file.c): descriptor numbers to open files, a close-on-exec bit per
 * descriptor, and the RLIMIT_NOFILE bound (1024 by default, as Linux).
 * The table starts with NR_OPEN_DEFAULT slots inside the struct and grows
 * (to a power of two, at most the bound) when a higher number is needed.
 *
 * Every function takes the table explicitly; the syscalls (kernel/sys_fd.c)
 * pass current->files. Errors are Linux's: a number that names no open file
 * is -EBADF, a full table -EMFILE, a number at or above the bound -EBADF
 * for dup2/dup3 and -EINVAL for F_DUPFD.
 *
 * fork uses dup_fd (every descriptor shares its file with the parent's:
 * get_file) and exit put_files_struct; exec calls do_close_on_exec.
 */
#ifndef FAULTLINE_FDTABLE_H
#define FAULTLINE_FDTABLE_H

#include <stdint.h>
#include "fs/file.h"

#define NR_OPEN_DEFAULT 64              /* slots inside struct files_struct */
#define RLIMIT_NOFILE_DEFAULT 1024u     /* Linux's default soft RLIMIT_NOFILE */
/* A slot alloc_fd handed out that fd_install has not filled yet. */
#define FD_RESERVED ((struct file *)1)

struct files_struct {
	int32_t count;                  /* tasks using this table (CLONE_FILES shares it) */
	uint32_t max_fds;               /* slots in fd[] now */
	uint32_t next_fd;               /* no free slot below this one */
	uint32_t nofile;                /* RLIMIT_NOFILE: descriptors are < nofile */
	struct file **fd;               /* fd_array, or the grown table */
	uint64_t *close_on_exec;        /* one bit per slot */
	uint32_t grown_order;           /* pages (2^order) of the grown table; 0: none */
	struct file *fd_array[NR_OPEN_DEFAULT];
	uint64_t close_on_exec_init[NR_OPEN_DEFAULT / 64];
};

/* Creates the files_struct cache (and the file cache). Returns 0, or -1. */
int fdtable_init(void);

/* An empty table (count 1, the default bound), or NULL without memory. */
struct files_struct *files_alloc(void);

/*
 * fork's copy of old: the same files under the same numbers (each file
 * gets one more reference) and close-on-exec bits. Returns it, or NULL with
 * *err = -ENOMEM.
 */
struct files_struct *dup_fd(struct files_struct *old, int *err);

/* Drops a task's use of files; the last one closes every descriptor and frees it. */
void put_files_struct(struct files_struct *files);

/* exec: closes every descriptor with its close-on-exec bit set. */
void do_close_on_exec(struct files_struct *files);

/* The file behind fd without a new reference, or NULL if fd is not open. */
struct file *files_lookup(struct files_struct *files, uint64_t fd);

/* The file behind fd with a new reference (fput it), or NULL if fd is not open. */
struct file *fget_files(struct files_struct *files, uint64_t fd);

/*
 * The lowest free descriptor >= start, reserved for fd_install, with
 * close-on-exec if flags has O_CLOEXEC. Returns it, -EMFILE when none is
 * below the bound, -ENOMEM if the table could not grow.
 */
int alloc_fd(struct files_struct *files, uint32_t start, uint32_t flags);

/* Puts file (whose reference the table takes over) in the slot alloc_fd gave. */
void fd_install(struct files_struct *files, uint32_t fd, struct file *file);

/* Gives back a slot from alloc_fd that was never installed. */
void put_unused_fd(struct files_struct *files, uint32_t fd);

/* close(fd): 0, or -EBADF. The file loses the table's reference. */
int close_fd(struct files_struct *files, uint64_t fd);

/* dup(fd): the new descriptor, -EBADF or -EMFILE. */
int64_t ksys_dup(struct files_struct *files, uint64_t fd);

/* dup2(oldfd, newfd) as Linux: newfd, -EBADF, -ENOMEM. */
int64_t ksys_dup2(struct files_struct *files, uint64_t oldfd, uint64_t newfd);

/* dup3(oldfd, newfd, flags): as dup2, but -EINVAL for flags other than
 * O_CLOEXEC or oldfd == newfd. */
int64_t ksys_dup3(struct files_struct *files, uint64_t oldfd, uint64_t newfd, uint64_t flags);

/* fcntl's F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL; other
 * commands are -EINVAL, a bad fd -EBADF. */
int64_t do_fcntl(struct files_struct *files, uint64_t fd, uint64_t cmd, uint64_t arg);

/* Descriptors open in files. */
uint32_t files_count_open(const struct files_struct *files);

#endif
