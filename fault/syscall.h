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
#define __NR_mmap            9
#define __NR_mprotect       10
#define __NR_munmap         11
#define __NR_brk            12
#define __NR_ioctl          16
#define __NR_writev         20
#define __NR_sched_yield    24
#define __NR_mremap         25
#define __NR_madvise        28
#define __NR_getpid         39
#define __NR_clone          56
#define __NR_fork           57
#define __NR_vfork          58
#define __NR_execve         59
#define __NR_exit           60
#define __NR_wait4          61
#define __NR_uname          63
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
