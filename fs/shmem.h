/*
 * shmem (Linux's mm/shmem.c, reduced to what lives in memory only): a file
 * with no name and no disk blocks whose pages are only in the page cache
 * (an inode whose i_data is AS_SHMEM, paging/filemap.h). A missing page is
 * a new zeroed page, a minor fault; pages are never written back; they go
 * when the inode does, that is when the last file and the last VMA holding
 * it let go (fput -> iput of an unlinked inode -> evict).
 *
 * Two users, as in Linux: every MAP_SHARED|MAP_ANONYMOUS mapping gets its
 * own object (shmem_zero_setup, size the mapping's length: fork shares it,
 * so pages first touched after fork are shared too, and MADV_DONTNEED or a
 * refault finds the same data), and memfd_create(2) (kernel/sys_memfd.c).
 * The file is a regular file (regular_fops: read, write, lseek, fstat,
 * ftruncate, mmap all work on the same pages).
 */
#ifndef FAULTLINE_SHMEM_H
#define FAULTLINE_SHMEM_H

#include <stdint.h>

struct file;

/*
 * A new shmem file of size bytes, open read-write with the O_* flags
 * (f_count 1, its inode held only by the file). NULL without memory.
 */
struct file *shmem_file_setup(uint64_t size, uint32_t flags);

/* shmem inodes alive now (the per-program check wants 0 after a program). */
uint64_t shmem_objects_alive(void);

#endif
