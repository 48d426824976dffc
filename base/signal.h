/*
 * Signals as Linux reports them: x86-64 signal numbers and the si_code
 * values (include/uapi/asm-generic/siginfo.h) that say why a signal was
 * sent, with their names. The kernel's kill records carry the names
 * ("SIGSEGV", "SEGV_MAPERR"); ring-3 programs (user/rt/killer.h) declare
 * the kill they expect in the same words, so the harness compares strings.
 * Pure: built into the kernel and into user/rt alike. The structures of the
 * signal ABI (sigaction, siginfo, the signal frame) are base/signal_types.h.
 */
#ifndef FAULTLINE_SIGNAL_H
#define FAULTLINE_SIGNAL_H

/* x86-64 signal numbers (arch/x86/include/uapi/asm/signal.h). */
#define SIGHUP     1
#define SIGINT     2
#define SIGQUIT    3
#define SIGILL     4
#define SIGTRAP    5
#define SIGABRT    6
#define SIGBUS     7
#define SIGFPE     8
#define SIGKILL    9
#define SIGUSR1   10
#define SIGSEGV   11
#define SIGUSR2   12
#define SIGPIPE   13
#define SIGALRM   14
#define SIGTERM   15
#define SIGSTKFLT 16
#define SIGCHLD   17
#define SIGCONT   18
#define SIGSTOP   19
#define SIGTSTP   20
#define SIGTTIN   21
#define SIGTTOU   22
#define SIGURG    23
#define SIGXCPU   24
#define SIGXFSZ   25
#define SIGVTALRM 26
#define SIGPROF   27
#define SIGWINCH  28
#define SIGIO     29
#define SIGPWR    30
#define SIGSYS    31
#define SIGRTMIN  32      /* the kernel's; libcs reserve the first two or three */
#define SIGRTMAX  64
#define _NSIG     64

/*
 * si_code values. A positive value means something only with its signal (1
 * is SEGV_MAPERR, BUS_ADRALN, FPE_INTDIV and TRAP_BRKPT alike); zero and
 * negative values say who sent a signal, whatever it is.
 */
#define SI_USER      0      /* kill() */
#define SI_KERNEL    0x80   /* sent by the kernel, no fault address (#GP, time limit, OOM) */
#define SI_QUEUE     (-1)   /* rt_sigqueueinfo() */
#define SI_TKILL     (-6)   /* tkill() or tgkill() (raise, abort) */
#define SEGV_MAPERR  1      /* no mapping at the address (also: stack cannot grow, kernel address) */
#define SEGV_ACCERR  2      /* the mapping does not allow this access */
#define SEGV_PKUERR  4      /* a protection key forbids it */
#define BUS_ADRALN   1      /* misaligned access (#AC) */
#define BUS_ADRERR   2      /* nonexistent physical address (past the end of a file) */
#define ILL_ILLOPN   2      /* illegal operand: Linux's code for #UD */
#define FPE_INTDIV   1      /* integer divide by zero (#DE) */
#define FPE_FLTUNK   14     /* undiagnosed floating-point exception */
#define TRAP_BRKPT   1      /* breakpoint */
#define TRAP_TRACE   2      /* single step (#DB) */

/* "SIGSEGV" for SIGSEGV etc. (1..31), "SIGRTMIN+n" for SIGRTMIN..SIGRTMAX, "SIG?" for any other number. */
const char *signal_name(int sig);

/* Linux's name of si_code code for signal sig ("SEGV_MAPERR", "SI_KERNEL", "SI_TKILL"...); "?" if not listed above. */
const char *si_code_name(int sig, int code);

#endif
