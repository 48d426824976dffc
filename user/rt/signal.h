/*
 * Signals for ring-3 tests: installing handlers the way libcs do (the
 * kernel's struct sigaction with SA_RESTORER and a restorer that calls
 * rt_sigreturn), the mask, sending a signal to oneself, and a setjmp /
 * longjmp pair for leaving a handler (a test's siglongjmp: the mask is
 * the caller's to restore). The ABI structures and constants (siginfo,
 * ucontext, SA_*, SS_*) are base/signal_types.h, shared with the kernel and
 * checked against Linux by running the same binaries there.
 */
#ifndef FAULTLINE_USER_SIGNAL_H
#define FAULTLINE_USER_SIGNAL_H

#include <stdint.h>
#include "base/signal_types.h"

#define SYS_rt_sigaction   13
#define SYS_rt_sigprocmask 14
#define SYS_rt_sigreturn   15
#define SYS_kill           62
#define SYS_rt_sigpending  127
#define SYS_sigaltstack    131
#define SYS_gettid         186
#define SYS_tkill          200
#define SYS_tgkill         234

/* A handler as SA_SIGINFO calls it. */
typedef void (*rt_sighandler_t)(int sig, struct k_siginfo *info, void *uc);

/* The runtime's restorer: `mov $15, %eax; syscall` (user/rt/sigreturn.S). */
void rt_sigreturn_restorer(void);

/*
 * rt_sigaction(sig) with handler (or SIG_DFL / SIG_IGN cast), flags (SA_RESTORER
 * and the runtime's restorer are added) and mask; *old (if old) gets the old
 * action. Returns what the kernel returned.
 */
long rt_sigaction_set(int sig, uint64_t handler, uint64_t flags, uint64_t mask, struct k_sigaction *old);

/* rt_sigprocmask(how, set, old) with one 64-bit word of mask (NULL allowed). */
long rt_sigprocmask(int how, const uint64_t *set, uint64_t *old);

/* The current mask (rt_sigprocmask with no new set). */
uint64_t rt_blocked(void);

/* The pending set (rt_sigpending), or ~0 on error. */
uint64_t rt_pending(void);

/* tgkill(getpid(), gettid(), sig), as raise() does it. */
long rt_raise(int sig);

/* Callee-saved registers, rsp and the return address. */
typedef uint64_t rt_jmp_buf[8];

/* Saves the caller's context; returns 0, and again val (never 0) from rt_longjmp. */
__attribute__((returns_twice)) int rt_setjmp(rt_jmp_buf buf);

/* Resumes where rt_setjmp(buf) was called, which then returns val (1 if val is 0). */
__attribute__((noreturn)) void rt_longjmp(rt_jmp_buf buf, int val);

#endif
