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
#define __NR_exit           60
#define __NR_uname          63
#define __NR_prctl         157
#define __NR_gettimeofday   96
#define __NR_getrusage      98
#define __NR_arch_prctl    158
#define __NR_gettid        186
#define __NR_set_tid_address 218
#define __NR_clock_gettime 228
#define __NR_exit_group    231
#define __NR_getrandom     318
#define __NR_faultline_introspect SYS_faultline_introspect  /* fault/introspect_abi.h */

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
int64_t sys_prctl(uint64_t option, uint64_t arg2, uint64_t arg3, uint64_t arg4, uint64_t arg5);
int64_t sys_faultline_introspect(uint64_t op, uint64_t arg, uint64_t buf, uint64_t len);

#endif
