/*
 * struct pt_regs: the register frame every exception entry builds on the
 * stack (fault/entry.S), lowest address first. Layout must match entry.S.
 */
#ifndef FAULTLINE_PTRACE_H
#define FAULTLINE_PTRACE_H

#include <stdint.h>

struct pt_regs {
	uint64_t r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	uint64_t ax, cx, dx, si, di;
	uint64_t vector;       /* pushed by the entry point */
	uint64_t error_code;   /* pushed by the CPU, or 0 by the entry point */
	/* The hardware frame. */
	uint64_t ip, cs, flags, sp, ss;
};

static inline int user_mode(const struct pt_regs *regs) { return (regs->cs & 3) == 3; }

#endif
