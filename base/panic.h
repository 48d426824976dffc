/*
 * The end of the road for the kernel's own mistakes: a full register dump,
 * a frame-pointer backtrace, a {"type":"panic"} record, the summary, and the
 * run ends as a failure. Never used for a user program's mistakes.
 */
#ifndef FAULTLINE_PANIC_H
#define FAULTLINE_PANIC_H

#include "base/ptrace.h"

/* An unexpected exception in the kernel: dumps regs and ends the run. */
void die(const char *why, struct pt_regs *regs) __attribute__((noreturn));

/* An invariant violation: message, backtrace from here, panic record, end. */
void panic(const char *fmt, ...) __attribute__((noreturn));

/*
 * How a failed run ends after the dump (the kernel's exit: kernel/main.c
 * registers one as soon as the config says how to exit). Until one is
 * registered, panic and die halt the CPU.
 */
typedef void (*panic_exit_t)(void) __attribute__((noreturn));
void panic_register_exit(panic_exit_t exit);

/* What the panic was about, one line ("exception 14 (#PF page fault) at
 * rip 0x...", or panic's message); "" when there was none. For the end of
 * run's QR code, drawn by the registered exit. */
const char *panic_message(void);

/* Prints "#PF error code 0x7 [P W U]"-style decoding into buf. */
void decode_pf_error(uint64_t code, char *buf, uint64_t size);

#endif
