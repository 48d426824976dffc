/*
 * Signals as Linux reports them: x86-64 signal numbers and the si_code
 * values (include/uapi/asm-generic/siginfo.h) that say why a signal was
 * sent, with their names. The kernel's kill records carry the names
 * ("SIGSEGV", "SEGV_MAPERR"); ring-3 programs (user/rt/killer.h) declare
 * the kill they expect in the same words, so the harness compares strings.
 * Pure: built into the kernel and into user/rt alike.
 */
#ifndef FAULTLINE_SIGNAL_H
#define FAULTLINE_SIGNAL_H

#define SIGILL  4
#define SIGTRAP 5
#define SIGBUS  7
#define SIGFPE  8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGTERM 15
#define SIGCHLD 17

/*
 * si_code values. A value means something only with its signal (1 is
 * SEGV_MAPERR, BUS_ADRALN, FPE_INTDIV and TRAP_BRKPT alike).
 */
#define SI_KERNEL    0x80   /* sent by the kernel, no fault address (#GP, time limit, OOM) */
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

/* "SIGSEGV" for SIGSEGV etc. (the signals above); "SIG?" for any other number. */
const char *signal_name(int sig);

/* Linux's name of si_code code for signal sig ("SEGV_MAPERR", "SI_KERNEL"...); "?" if not listed above. */
const char *si_code_name(int sig, int code);

#endif
