/*
 * Raw Linux system calls for ring-3 programs: one wrapper per call faultline
 * implements. Each returns what the kernel returned: a value >= 0 on success
 * or -errno on failure (no errno variable, no retries, no emulation), so a
 * test sees exactly what the kernel did. Addresses come back as long too:
 *     long r = sys_mmap(0, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
 *     if (r < 0) ...failed with -r...; else p = (char *)r;
 * (a user address is never above 2^63, so a negative value is always an error).
 */
#ifndef FAULTLINE_USER_SYSCALL_H
#define FAULTLINE_USER_SYSCALL_H

#include <stddef.h>
#include <stdint.h>
#include "user/rt/linux.h"

/* Any syscall with up to six arguments (unused ones are ignored by the kernel). */
long syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

long sys_read(int fd, void *buf, size_t len);
long sys_write(int fd, const void *buf, size_t len);
long sys_writev(int fd, const struct iovec *iov, int iovcnt);
long sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long offset);
long sys_munmap(void *addr, size_t len);
long sys_mprotect(void *addr, size_t len, int prot);
long sys_madvise(void *addr, size_t len, int advice);
long sys_mremap(void *old_addr, size_t old_len, size_t new_len, int flags, void *new_addr);
long sys_brk(void *addr);
long sys_getpid(void);
long sys_getrusage(int who, struct rusage *usage);
long sys_clock_gettime(int clock, struct timespec *ts);
long sys_gettimeofday(struct timeval *tv, void *tz);
long sys_uname(struct utsname *buf);
long sys_getrandom(void *buf, size_t len, unsigned int flags);
long sys_arch_prctl(int code, unsigned long addr);
long sys_set_tid_address(int *tidptr);
long sys_sched_yield(void);
__attribute__((noreturn)) void sys_exit(int status);

/* Files: each the raw call, -errno on failure. */
long sys_open(const char *path, int flags, int mode);
long sys_openat(int dirfd, const char *path, int flags, int mode);
long sys_close(int fd);
long sys_lseek(int fd, long off, int whence);
long sys_pread(int fd, void *buf, size_t len, long pos);
long sys_pwrite(int fd, const void *buf, size_t len, long pos);
long sys_readv(int fd, const struct iovec *iov, int iovcnt);
long sys_fstat(int fd, struct stat *st);
long sys_stat(const char *path, struct stat *st);
long sys_getdents64(int fd, void *buf, size_t len);
long sys_ftruncate(int fd, long len);
long sys_truncate(const char *path, long len);
long sys_unlink(const char *path);
long sys_mkdir(const char *path, int mode);
long sys_rmdir(const char *path);
long sys_rename(const char *from, const char *to);
long sys_fsync(int fd);
long sys_msync(void *addr, size_t len, int flags);
long sys_access(const char *path, int mode);
long sys_readlink(const char *path, char *buf, size_t len);
long sys_getcwd(char *buf, size_t len);
long sys_chdir(const char *path);
long sys_dup(int fd);
long sys_dup2(int fd, int newfd);
long sys_dup3(int fd, int newfd, int flags);
long sys_fcntl(int fd, int cmd, long arg);
long sys_ioctl(int fd, unsigned long cmd, long arg);
__attribute__((noreturn)) void sys_exit_group(int status);

#endif
