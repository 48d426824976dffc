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
