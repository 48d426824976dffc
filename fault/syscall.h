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
#define __NR_poll            7
#define __NR_pipe           22
#define __NR_sched_yield    24
#define __NR_mremap         25
#define __NR_msync          26
#define __NR_madvise        28
#define __NR_dup            32
#define __NR_dup2           33
#define __NR_getpid         39
#define __NR_clone          56
#define __NR_fork           57
#define __NR_vfork          58
#define __NR_execve         59
#define __NR_exit           60
#define __NR_wait4          61
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
#define __NR_getppid       110
#define __NR_arch_prctl    158
#define __NR_gettid        186
#define __NR_futex         202
#define __NR_set_tid_address 218
#define __NR_clock_gettime 228
#define __NR_exit_group    231
#define __NR_waitid        247
#define __NR_getrandom     318
#define __NR_clone3        435
#define __NR_pipe2         293
#define __NR_ppoll         271
/* The small syscalls (kernel/sys_creds.c, sys_pgrp.c, sys_rlimit.c, ...). */
#define __NR_nanosleep      35
#define __NR_getrlimit      97
#define __NR_sysinfo        99
#define __NR_getuid        102
#define __NR_getgid        104
#define __NR_setuid        105
#define __NR_setgid        106
#define __NR_geteuid       107
#define __NR_getegid       108
#define __NR_setpgid       109
#define __NR_getpgrp       111
#define __NR_setsid        112
#define __NR_setreuid      113
#define __NR_setregid      114
#define __NR_getgroups     115
#define __NR_setgroups     116
#define __NR_setresuid     117
#define __NR_getresuid     118
#define __NR_setresgid     119
#define __NR_getresgid     120
#define __NR_getpgid       121
#define __NR_setfsuid      122
#define __NR_setfsgid      123
#define __NR_getsid        124
#define __NR_prctl         157
#define __NR_setrlimit     160
#define __NR_time          201
#define __NR_sched_setaffinity 203
#define __NR_sched_getaffinity 204
#define __NR_clock_getres  229
#define __NR_clock_nanosleep 230
#define __NR_readlinkat    267
#define __NR_set_robust_list 273
#define __NR_get_robust_list 274
#define __NR_prlimit64     302
#define __NR_getcpu        309
#define __NR_rseq          334
#define __NR_getdents64    217
#define __NR_openat        257
#define __NR_mkdirat       258
#define __NR_newfstatat    262
#define __NR_unlinkat      263
#define __NR_renameat      264
#define __NR_faccessat     269
#define __NR_dup3          292
#define __NR_statx         332
/* mlockall, memfd_create; the network calls answered -ENOSYS. */
#define __NR_mlockall      151
#define __NR_munlockall    152
#define __NR_memfd_create  319
#define __NR_socket        41
#define __NR_connect       42
#define __NR_getsockname   51
#define __NR_getpeername   52
#define __NR_socketpair    53
/* Symbolic links. */
#define __NR_symlink       88
#define __NR_symlinkat     266
#define __NR_faultline_introspect SYS_faultline_introspect  /* fault/introspect_abi.h */

/* Signals (kernel/signal.c, kernel/signal_frame.c). */
#define __NR_rt_sigaction    13
#define __NR_rt_sigprocmask  14
#define __NR_rt_sigreturn    15
#define __NR_kill            62
#define __NR_rt_sigpending  127
#define __NR_sigaltstack    131
#define __NR_tkill          200
#define __NR_restart_syscall 219
#define __NR_tgkill         234


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
/* mlockall, munlockall (kernel/sys_mlock.c, paging/mlock.h), memfd_create (kernel/sys_memfd.c). */
int64_t sys_mlockall(uint64_t flags);
int64_t sys_munlockall(void);
int64_t sys_memfd_create(uint64_t uname, uint64_t flags);
int64_t sys_clock_gettime(uint64_t clk, uint64_t tp);
int64_t sys_gettimeofday(uint64_t tv, uint64_t tz);
int64_t sys_uname(uint64_t buf);
int64_t sys_getrandom(uint64_t buf, uint64_t len, uint64_t flags);
int64_t sys_arch_prctl(uint64_t code, uint64_t addr);
/* The small syscalls: ids (kernel/sys_creds.c), process groups
 * (sys_pgrp.c), limits (sys_rlimit.c), prctl, affinity, sysinfo, readlink,
 * robust lists, sleeps and time (sys_time.c). */
int64_t sys_getuid(void);
int64_t sys_geteuid(void);
int64_t sys_getgid(void);
int64_t sys_getegid(void);
int64_t sys_getresuid(uint64_t ruid, uint64_t euid, uint64_t suid);
int64_t sys_getresgid(uint64_t rgid, uint64_t egid, uint64_t sgid);
int64_t sys_setuid(uint64_t uid);
int64_t sys_setgid(uint64_t gid);
int64_t sys_setreuid(uint64_t ruid, uint64_t euid);
int64_t sys_setregid(uint64_t rgid, uint64_t egid);
int64_t sys_setresuid(uint64_t ruid, uint64_t euid, uint64_t suid);
int64_t sys_setresgid(uint64_t rgid, uint64_t egid, uint64_t sgid);
int64_t sys_setfsuid(uint64_t uid);
int64_t sys_setfsgid(uint64_t gid);
int64_t sys_getgroups(uint64_t size, uint64_t list);
int64_t sys_setgroups(uint64_t size, uint64_t list);
int64_t sys_getpgrp(void);
int64_t sys_getpgid(uint64_t pid);
int64_t sys_setpgid(uint64_t pid, uint64_t pgid);
int64_t sys_setsid(void);
int64_t sys_getsid(uint64_t pid);
int64_t sys_getrlimit(uint64_t resource, uint64_t rlim);
int64_t sys_setrlimit(uint64_t resource, uint64_t rlim);
int64_t sys_prlimit64(uint64_t pid, uint64_t resource, uint64_t new_rlim, uint64_t old_rlim);
int64_t sys_prctl(uint64_t option, uint64_t arg2, uint64_t arg3, uint64_t arg4, uint64_t arg5);
int64_t sys_sched_getaffinity(uint64_t pid, uint64_t len, uint64_t mask);
int64_t sys_sched_setaffinity(uint64_t pid, uint64_t len, uint64_t mask);
int64_t sys_sysinfo(uint64_t info);
int64_t sys_readlink(uint64_t path, uint64_t buf, uint64_t bufsiz);
int64_t sys_readlinkat(uint64_t dirfd, uint64_t path, uint64_t buf, uint64_t bufsiz);
int64_t sys_set_robust_list(uint64_t head, uint64_t len);
int64_t sys_get_robust_list(uint64_t pid, uint64_t head_ptr, uint64_t len_ptr);
int64_t sys_nanosleep(uint64_t req, uint64_t rem);
int64_t sys_clock_nanosleep(uint64_t clk, uint64_t flags, uint64_t req, uint64_t rem);
int64_t sys_clock_getres(uint64_t clk, uint64_t res);
int64_t sys_time(uint64_t tloc);
int64_t sys_getcpu(uint64_t cpu, uint64_t node, uint64_t unused);
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
/* symlinkat(2) (symlink: dirfd AT_FDCWD). */
int64_t sys_symlinkat(uint64_t target, uint64_t dirfd, uint64_t linkpath);
/* readlinkat's file-system half (sys_readlinkat answers /proc/self/exe first). */
int64_t vfs_readlinkat(uint64_t dirfd, uint64_t path, uint64_t buf, uint64_t size);
int64_t sys_getcwd(uint64_t buf, uint64_t size);
int64_t sys_chdir(uint64_t path);
int64_t sys_ioctl(uint64_t fd, uint64_t cmd, uint64_t arg);
int64_t sys_msync(uint64_t addr, uint64_t len, uint64_t flags);

/* Processes (kernel/fork.c, kernel/exec.c, kernel/task_exit.c, kernel/futex.c). */
int64_t sys_fork(void);
int64_t sys_vfork(void);
int64_t sys_clone(uint64_t flags, uint64_t newsp, uint64_t parent_tid, uint64_t child_tid, uint64_t tls);
int64_t sys_clone3(uint64_t uargs, uint64_t size);
int64_t sys_execve(uint64_t path, uint64_t argv, uint64_t envp);
int64_t sys_wait4(uint64_t pid, uint64_t status, uint64_t options, uint64_t ru);
int64_t sys_waitid(uint64_t idtype, uint64_t id, uint64_t infop, uint64_t options, uint64_t ru);
int64_t sys_getppid(void);
int64_t sys_futex(uint64_t uaddr, uint64_t op, uint64_t val, uint64_t utime, uint64_t uaddr2, uint64_t val3);
int64_t sys_sched_yield(void);
int64_t sys_pipe(uint64_t fds);
int64_t sys_pipe2(uint64_t fds, uint64_t flags);
int64_t sys_poll(uint64_t fds, uint64_t nfds, uint64_t timeout_ms);
int64_t sys_ppoll(uint64_t fds, uint64_t nfds, uint64_t tsp, uint64_t sigmask, uint64_t sigsetsize);

/* Signals (kernel/signal.c, kernel/signal_frame.c); user_sp is the caller's rsp. */
int64_t sys_rt_sigaction(uint64_t sig, uint64_t act, uint64_t oact, uint64_t sigsetsize);
int64_t sys_rt_sigprocmask(uint64_t how, uint64_t set, uint64_t oset, uint64_t sigsetsize);
int64_t sys_rt_sigreturn(struct pt_regs *regs);
int64_t sys_rt_sigpending(uint64_t set, uint64_t sigsetsize);
int64_t sys_sigaltstack(uint64_t uss, uint64_t uoss, uint64_t user_sp);
int64_t sys_kill(uint64_t pid, uint64_t sig);
int64_t sys_tkill(uint64_t tid, uint64_t sig);
int64_t sys_tgkill(uint64_t tgid, uint64_t tid, uint64_t sig);


#endif
