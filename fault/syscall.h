/*
 * The Linux x86-64 syscall ABI subset faultline speaks (numbers, arguments
 * and errno values as Linux's), and the faultline-only introspection call.
 * Entry: fault/syscall_entry.S -> do_syscall_64 (fault/syscall.c).
 */
#ifndef FAULTLINE_SYSCALL_H
#define FAULTLINE_SYSCALL_H

#include <stdint.h>
#include "fault/introspect_abi.h"
#include "base/ptrace.h"

#define __NR_read            0
#define __NR_write           1
#define __NR_open            2
#define __NR_close           3
#define __NR_stat            4
#define __NR_fstat           5
#define __NR_lstat           6
#define __NR_lseek           8
#define __NR_mmap            9
#define __NR_mprotect       10
#define __NR_munmap         11
#define __NR_brk            12
#define __NR_ioctl          16
#define __NR_pread64        17
#define __NR_pwrite64       18
#define __NR_readv          19
#define __NR_access         21
#define __NR_writev         20
#define __NR_sched_yield    24
#define __NR_mremap         25
#define __NR_msync          26
#define __NR_madvise        28
#define __NR_dup            32
#define __NR_dup2           33
#define __NR_getpid         39
#define __NR_exit           60
#define __NR_uname          63
#define __NR_fcntl          72
#define __NR_fsync          74
#define __NR_fdatasync      75
#define __NR_truncate       76
#define __NR_ftruncate      77
#define __NR_getcwd         79
#define __NR_chdir          80
#define __NR_rename         82
#define __NR_mkdir          83
#define __NR_rmdir          84
#define __NR_unlink         87
#define __NR_readlink       89
#define __NR_gettimeofday   96
#define __NR_getrusage      98
#define __NR_arch_prctl    158
#define __NR_gettid        186
#define __NR_getdents64    217
#define __NR_set_tid_address 218
#define __NR_clock_gettime 228
#define __NR_exit_group    231
#define __NR_openat        257
#define __NR_mkdirat       258
#define __NR_newfstatat    262
#define __NR_unlinkat      263
#define __NR_renameat      264
#define __NR_readlinkat    267
#define __NR_faccessat     269
#define __NR_dup3          292
#define __NR_getrandom     318
#define __NR_statx         332
#define __NR_faultline_introspect SYS_faultline_introspect  /* fault/introspect_abi.h */

#include "base/errno.h"

#define SYS_AT_FDCWD ((uint64_t)(int64_t)-100)   /* AT_FDCWD as a syscall argument */

/* Called from entry_SYSCALL_64 with the saved user registers; the result
 * goes back in regs->ax. */
void do_syscall_64(struct pt_regs *regs);

/* The syscalls, each as Linux declares it (arguments as uint64_t). */
int64_t sys_read(uint64_t fd, uint64_t buf, uint64_t count);
int64_t sys_write(uint64_t fd, uint64_t buf, uint64_t count);
int64_t sys_writev(uint64_t fd, uint64_t iov, uint64_t iovcnt);
int64_t sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd, uint64_t off);
int64_t sys_munmap(uint64_t addr, uint64_t len);
int64_t sys_mprotect(uint64_t addr, uint64_t len, uint64_t prot);
int64_t sys_brk(uint64_t brk);
int64_t sys_madvise(uint64_t addr, uint64_t len, uint64_t advice);
int64_t sys_mremap(uint64_t addr, uint64_t old_len, uint64_t new_len, uint64_t flags, uint64_t new_addr);
int64_t sys_getrusage(uint64_t who, uint64_t ru);
int64_t sys_clock_gettime(uint64_t clk, uint64_t tp);
int64_t sys_gettimeofday(uint64_t tv, uint64_t tz);
int64_t sys_uname(uint64_t buf);
int64_t sys_getrandom(uint64_t buf, uint64_t len, uint64_t flags);
int64_t sys_arch_prctl(uint64_t code, uint64_t addr);
int64_t sys_faultline_introspect(uint64_t op, uint64_t arg, uint64_t buf, uint64_t len);
/* Files (kernel/sys_file.c), and msync (kernel/sys_mm.c). */
int64_t sys_open(uint64_t path, uint64_t flags, uint64_t mode);
int64_t sys_openat(uint64_t dirfd, uint64_t path, uint64_t flags, uint64_t mode);
int64_t sys_close(uint64_t fd);
int64_t sys_dup(uint64_t fd);
int64_t sys_dup2(uint64_t oldfd, uint64_t newfd);
int64_t sys_dup3(uint64_t oldfd, uint64_t newfd, uint64_t flags);
int64_t sys_fcntl(uint64_t fd, uint64_t cmd, uint64_t arg);
int64_t sys_pread64(uint64_t fd, uint64_t buf, uint64_t count, uint64_t pos);
int64_t sys_pwrite64(uint64_t fd, uint64_t buf, uint64_t count, uint64_t pos);
int64_t sys_readv(uint64_t fd, uint64_t iov, uint64_t iovcnt);
int64_t sys_lseek(uint64_t fd, uint64_t offset, uint64_t whence);
int64_t sys_fstat(uint64_t fd, uint64_t st);
int64_t sys_stat(uint64_t path, uint64_t st);
int64_t sys_lstat(uint64_t path, uint64_t st);
int64_t sys_newfstatat(uint64_t dirfd, uint64_t path, uint64_t st, uint64_t flags);
int64_t sys_statx(uint64_t dirfd, uint64_t path, uint64_t flags, uint64_t mask, uint64_t buf);
int64_t sys_getdents64(uint64_t fd, uint64_t buf, uint64_t count);
int64_t sys_ftruncate(uint64_t fd, uint64_t length);
int64_t sys_truncate(uint64_t path, uint64_t length);
int64_t sys_fsync(uint64_t fd);
int64_t sys_mkdirat(uint64_t dirfd, uint64_t path, uint64_t mode);
int64_t sys_unlinkat(uint64_t dirfd, uint64_t path, uint64_t flags);
int64_t sys_renameat(uint64_t olddirfd, uint64_t oldpath, uint64_t newdirfd, uint64_t newpath);
int64_t sys_faccessat(uint64_t dirfd, uint64_t path, uint64_t mode);
int64_t sys_readlinkat(uint64_t dirfd, uint64_t path, uint64_t buf, uint64_t size);
int64_t sys_getcwd(uint64_t buf, uint64_t size);
int64_t sys_chdir(uint64_t path);
int64_t sys_ioctl(uint64_t fd, uint64_t cmd, uint64_t arg);
int64_t sys_msync(uint64_t addr, uint64_t len, uint64_t flags);

#endif
