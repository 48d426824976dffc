/*
 * struct file: one open file description (Linux's), shared by every
 * descriptor dup'd from it and, after fork, by both processes. What it is -
 * a regular file, a directory, the console, a pipe - is only its f_op table:
 * the generic code (fs/fdtable.c, the syscalls) calls through f_op and never
 * asks the kind. A file is counted (f_count): get_file for every new holder
 * (a descriptor, a VMA, a syscall in progress), fput when it lets go; the
 * last fput calls f_op->release and frees it.
 *
 * User buffers are user addresses (uint64_t): the ops copy with
 * copy_to_user/copy_from_user (fault/uaccess.h), and a bad one is -EFAULT.
 */
#ifndef FAULTLINE_FILE_H
#define FAULTLINE_FILE_H

#include <stdbool.h>
#include <stdint.h>

struct file;
struct inode;
struct address_space;
struct vm_area_struct;
struct mmap_file;                  /* paging/mm.h */

#define FMODE_READ   (1u << 0)     /* opened for reading */
#define FMODE_WRITE  (1u << 1)     /* opened for writing */
#define FMODE_LSEEK  (1u << 2)     /* llseek means something */
#define FMODE_PREAD  (1u << 3)     /* pread64 allowed (else -ESPIPE) */
#define FMODE_PWRITE (1u << 4)

/*
 * What a kind of file does. Every member may be NULL; the generic code then
 * gives Linux's answer (read/write -EINVAL, llseek -ESPIPE, mmap -ENODEV).
 * read/write take the position to use and advance (*pos: f_pos, or
 * pread's own) and return bytes done or -errno.
 */
struct file_operations {
	int64_t (*read)(struct file *f, uint64_t ubuf, uint64_t count, int64_t *pos);
	int64_t (*write)(struct file *f, uint64_t ubuf, uint64_t count, int64_t *pos);
	int64_t (*llseek)(struct file *f, int64_t offset, int whence);
	int (*mmap)(struct file *f, struct mmap_file *mf);   /* fills what do_mmap needs */
	int (*fsync)(struct file *f);
	void (*release)(struct file *f);                     /* the last fput */
	uint32_t (*poll)(struct file *f);                    /* POLL* ready now; NULL: always readable and writable */
};

struct file {
	const struct file_operations *f_op;
	int32_t f_count;                /* holders: descriptors, VMAs, calls in progress */
	uint32_t f_flags;               /* O_* as opened (O_ACCMODE, O_APPEND, ...), F_SETFL's */
	uint32_t f_mode;                /* FMODE_* */
	int64_t f_pos;                  /* the offset read/write/lseek use */
	struct inode *f_inode;          /* NULL for files with no inode (console, pipe) */
	struct address_space *f_mapping;/* its page cache, or NULL */
	void *private_data;             /* the kind's own */
};

/* Creates the file cache. Returns 0, or -ENOMEM. */
int files_init(void);

/*
 * A new file with f_count 1 for f_op, flags (O_*) and mode (FMODE_*).
 * Returns NULL when there is no memory (the caller says -ENFILE or -ENOMEM).
 */
struct file *alloc_file(const struct file_operations *f_op, uint32_t flags, uint32_t mode);

/* Takes a reference; returns f. */
static inline struct file *get_file(struct file *f)
{
	f->f_count++;
	return f;
}

/* Drops a reference; the last one calls f_op->release and frees f. NULL is ignored. */
void fput(struct file *f);

/* Files alive now (allocated and not yet freed): what the per-program check compares. */
uint64_t files_alive(void);

#endif
