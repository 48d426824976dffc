/*
 * The slice of the Linux x86-64 user ABI that faultline implements: syscall
 * numbers, errno values, flag constants and the structures the kernel reads
 * or writes. Values are Linux's own (arch/x86/entry/syscalls/syscall_64.tbl,
 * include/uapi/...), so a program built against this header runs unchanged
 * on Linux and on faultline.
 *
 * user/ is built for x86_64-linux-gnu only (LP64): `long` is 64 bits here and
 * is the natural type of a syscall argument or result, unlike in the kernel.
 */
#ifndef FAULTLINE_USER_LINUX_H
#define FAULTLINE_USER_LINUX_H

#include <stdint.h>
#include <stddef.h>

/* Syscall numbers (x86-64). */
#define SYS_read             0
#define SYS_write            1
#define SYS_mmap             9
#define SYS_mprotect         10
#define SYS_munmap           11
#define SYS_brk              12
#define SYS_writev           20
#define SYS_sched_yield      24
#define SYS_mremap           25
#define SYS_madvise          28
#define SYS_getpid           39
#define SYS_clone            56
#define SYS_fork             57
#define SYS_vfork            58
#define SYS_execve           59
#define SYS_exit             60
#define SYS_wait4            61
#define SYS_uname            63
#define SYS_gettimeofday     96
#define SYS_getrusage        98
#define SYS_getppid          110
#define SYS_open             2
#define SYS_close            3
#define SYS_prctl            157
#define SYS_arch_prctl       158
#define SYS_gettid           186
#define SYS_futex            202
#define SYS_set_tid_address  218
#define SYS_clock_gettime    228
#define SYS_exit_group       231
#define SYS_waitid           247
#define SYS_getrandom        318
/* files */
#define SYS_open             2
#define SYS_close            3
#define SYS_stat             4
#define SYS_fstat            5
#define SYS_lseek            8
#define SYS_ioctl            16
#define SYS_pread64          17
#define SYS_pwrite64         18
#define SYS_readv            19
#define SYS_access           21
#define SYS_msync            26
#define SYS_dup              32
#define SYS_dup2             33
#define SYS_fcntl            72
#define SYS_fsync            74
#define SYS_truncate         76
#define SYS_ftruncate        77
#define SYS_getcwd           79
#define SYS_chdir            80
#define SYS_rename           82
#define SYS_mkdir            83
#define SYS_rmdir            84
#define SYS_unlink           87
#define SYS_readlink         89
#define SYS_getdents64       217
#define SYS_openat           257
#define SYS_newfstatat       262
#define SYS_dup3             292

/* errno values (syscalls return them negated). */
#define EPERM     1
#define ENOENT    2
#define ESRCH     3
#define EINTR     4
#define EBADF     9
#define EAGAIN    11
#define ENOMEM    12
#define EACCES    13
#define EFAULT    14
#define EEXIST    17
#define EINVAL    22
#define ENOTTY    25
#define ENAMETOOLONG 36
#define ENOSYS    38
#define EOPNOTSUPP 95
#define ENXIO     6
#define EBUSY     16
#define EXDEV     18
#define ENODEV    19
#define ENOTDIR   20
#define EISDIR    21
#define EMFILE    24
#define ENOTTY    25
#define EFBIG     27
#define ENOSPC    28
#define ESPIPE    29
#define ERANGE    34
#define ENAMETOOLONG 36
#define ENOTEMPTY 39
#define EOVERFLOW 75
#define ENOEXEC   8
#define E2BIG     7
#define ETXTBSY   26
#define ELOOP     40
#define ELIBACC   79

/* open flags, fcntl, lseek, msync, *at */
#define O_RDONLY    00000000
#define O_WRONLY    00000001
#define O_RDWR      00000002
#define O_ACCMODE   00000003
#define O_CREAT     00000100
#define O_EXCL      00000200
#define O_TRUNC     00001000
#define O_APPEND    00002000
#define O_NONBLOCK  00004000
#define O_LARGEFILE 00100000
#define O_DIRECTORY 00200000
#define O_CLOEXEC   02000000
#define O_NOFOLLOW  00400000
#define F_DUPFD     0
#define F_GETFD     1
#define F_SETFD     2
#define F_GETFL     3
#define F_SETFL     4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC  1
#define SEEK_SET    0
#define SEEK_CUR    1
#define SEEK_END    2
#define SEEK_DATA   3
#define SEEK_HOLE   4
#define MS_ASYNC      1
#define MS_INVALIDATE 2
#define MS_SYNC       4
#define AT_FDCWD    (-100)
#define AT_REMOVEDIR 0x200
#define S_IFMT   0170000
#define S_IFDIR  0040000
#define S_IFREG  0100000
#define S_IFLNK  0120000

/* struct stat, x86-64 (144 bytes). */
struct stat {
	uint64_t st_dev, st_ino, st_nlink;
	uint32_t st_mode, st_uid, st_gid, __pad0;
	uint64_t st_rdev;
	int64_t st_size, st_blksize, st_blocks;
	uint64_t st_atime_sec, st_atime_nsec, st_mtime_sec, st_mtime_nsec, st_ctime_sec, st_ctime_nsec;
	int64_t __unused[3];
};
_Static_assert(sizeof(struct stat) == 144, "struct stat is 144 bytes on x86-64");

/* getdents64's record. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
	char d_name[];
};

/* mmap / mprotect */
#define PROT_NONE   0x0
#define PROT_READ   0x1
#define PROT_WRITE  0x2
#define PROT_EXEC   0x4

#define MAP_SHARED           0x01
#define MAP_PRIVATE          0x02
#define MAP_FIXED            0x10
#define MAP_ANONYMOUS        0x20
#define MAP_GROWSDOWN        0x0100
#define MAP_NORESERVE        0x4000
#define MAP_POPULATE         0x8000
#define MAP_FIXED_NOREPLACE  0x100000
#define MAP_HUGETLB          0x40000
#define MAP_HUGE_SHIFT       26
#define MAP_HUGE_2MB         (21 << MAP_HUGE_SHIFT)
#define MAP_HUGE_1GB         (30 << MAP_HUGE_SHIFT)

/* madvise */
#define MADV_NORMAL     0
#define MADV_RANDOM     1
#define MADV_SEQUENTIAL 2
#define MADV_DONTNEED   4
#define MADV_FREE       8
#define MADV_HUGEPAGE   14
#define MADV_NOHUGEPAGE 15

/* mremap */
#define MREMAP_MAYMOVE  1
#define MREMAP_FIXED    2

/* getrusage */
#define RUSAGE_SELF 0

/* clock_gettime */
#define CLOCK_REALTIME  0
#define CLOCK_MONOTONIC 1

/* arch_prctl */
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

/* prctl */
#define PR_SET_THP_DISABLE 41
#define PR_GET_THP_DISABLE 42

/* getrandom */
#define GRND_NONBLOCK 0x1

/* Auxiliary vector entry types (the ones a static program may look at). */
#define AT_NULL    0
#define AT_PHDR    3
#define AT_PHENT   4
#define AT_PHNUM   5
#define AT_PAGESZ  6
#define AT_ENTRY   9
#define AT_UID     11
#define AT_HWCAP   16
#define AT_CLKTCK  17
#define AT_SECURE  23
#define AT_RANDOM  25
#define AT_EXECFN  31
#define AT_SYSINFO_EHDR 33

struct timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

/* struct rusage: two timevals, then fourteen longs. */
struct rusage {
	struct timeval ru_utime;
	struct timeval ru_stime;
	int64_t ru_maxrss;
	int64_t ru_ixrss;
	int64_t ru_idrss;
	int64_t ru_isrss;
	int64_t ru_minflt;
	int64_t ru_majflt;
	int64_t ru_nswap;
	int64_t ru_inblock;
	int64_t ru_oublock;
	int64_t ru_msgsnd;
	int64_t ru_msgrcv;
	int64_t ru_nsignals;
	int64_t ru_nvcsw;
	int64_t ru_nivcsw;
};

#define UTSNAME_FIELD 65
struct utsname {
	char sysname[UTSNAME_FIELD];
	char nodename[UTSNAME_FIELD];
	char release[UTSNAME_FIELD];
	char version[UTSNAME_FIELD];
	char machine[UTSNAME_FIELD];
	char domainname[UTSNAME_FIELD];
};

struct iovec {
	const void *iov_base;
	size_t iov_len;
};

#endif
