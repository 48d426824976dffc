/*
 * Creating tasks (Linux's kernel/fork.c): fork, vfork, clone and clone3.
 * A new process gets a copy-on-write copy of the address space (dup_mm,
 * paging/mm.h); a new thread shares it. The child starts where the parent
 * made the call, with 0 in rax, through ret_from_fork.
 */
#ifndef FAULTLINE_FORK_H
#define FAULTLINE_FORK_H

#include <stdint.h>
#include "base/process.h"

#define CSIGNAL              0x000000ffu
#define CLONE_VM             0x00000100u
#define CLONE_FS             0x00000200u
#define CLONE_FILES          0x00000400u
#define CLONE_SIGHAND        0x00000800u
#define CLONE_PIDFD          0x00001000u
#define CLONE_PTRACE         0x00002000u
#define CLONE_VFORK          0x00004000u
#define CLONE_PARENT         0x00008000u
#define CLONE_THREAD         0x00010000u
#define CLONE_NEWNS          0x00020000u
#define CLONE_SYSVSEM        0x00040000u
#define CLONE_SETTLS         0x00080000u
#define CLONE_PARENT_SETTID  0x00100000u
#define CLONE_CHILD_CLEARTID 0x00200000u
#define CLONE_DETACHED       0x00400000u
#define CLONE_UNTRACED       0x00800000u
#define CLONE_CHILD_SETTID   0x01000000u
#define CLONE_IO             0x80000000u

/* The flags faultline implements (CLONE_DETACHED, CLONE_UNTRACED, CLONE_PTRACE,
 * CLONE_SYSVSEM and CLONE_IO are accepted and mean nothing here, as on a
 * Linux without a tracer or SysV semaphores). Others: -EINVAL and a warning. */
#define CLONE_SUPPORTED (CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_PTRACE | \
			 CLONE_VFORK | CLONE_PARENT | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |       \
			 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_UNTRACED |   \
			 CLONE_CHILD_SETTID | CLONE_IO)

/* The next free pid (pids are never reused within a boot). */
uint32_t alloc_pid(void);


int64_t sys_fork(void);
int64_t sys_vfork(void);
int64_t sys_clone(uint64_t flags, uint64_t newsp, uint64_t parent_tid, uint64_t child_tid, uint64_t tls);
int64_t sys_clone3(uint64_t uargs, uint64_t size);

#endif
