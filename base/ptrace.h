/*
 * struct pt_regs: the register frame every exception entry builds on the
 * stack (fault/entry.S), lowest address first. Assembly addresses it with the
 * PTREGS_* offsets below (fault/calling.h); the _Static_asserts keep them and
 * the struct the same.
 */
#ifndef FAULTLINE_PTRACE_H
#define FAULTLINE_PTRACE_H

/* struct pt_regs offsets used by assembly. */
#define PTREGS_R15         0
#define PTREGS_R14         8
#define PTREGS_R13        16
#define PTREGS_R12        24
#define PTREGS_BP         32
#define PTREGS_BX         40
#define PTREGS_R11        48
#define PTREGS_R10        56
#define PTREGS_R9         64
#define PTREGS_R8         72
#define PTREGS_AX         80
#define PTREGS_CX         88
#define PTREGS_DX         96
#define PTREGS_SI        104
#define PTREGS_DI        112
#define PTREGS_VECTOR    120
#define PTREGS_ERROR_CODE 128
#define PTREGS_IP        136
#define PTREGS_CS        144
#define PTREGS_FLAGS     152
#define PTREGS_SP        160
#define PTREGS_SS        168
#define PTREGS_SIZE      176

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct pt_regs {
	uint64_t r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	uint64_t ax, cx, dx, si, di;
	uint64_t vector;       /* pushed by the entry point */
	uint64_t error_code;   /* pushed by the CPU, or 0 by the entry point */
	/* The hardware frame. */
	uint64_t ip, cs, flags, sp, ss;
};

#define PTREGS_ASSERT(field, off) _Static_assert(offsetof(struct pt_regs, field) == (off), #off)
PTREGS_ASSERT(r15, PTREGS_R15);
PTREGS_ASSERT(r14, PTREGS_R14);
PTREGS_ASSERT(r13, PTREGS_R13);
PTREGS_ASSERT(r12, PTREGS_R12);
PTREGS_ASSERT(bp, PTREGS_BP);
PTREGS_ASSERT(bx, PTREGS_BX);
PTREGS_ASSERT(r11, PTREGS_R11);
PTREGS_ASSERT(r10, PTREGS_R10);
PTREGS_ASSERT(r9, PTREGS_R9);
PTREGS_ASSERT(r8, PTREGS_R8);
PTREGS_ASSERT(ax, PTREGS_AX);
PTREGS_ASSERT(cx, PTREGS_CX);
PTREGS_ASSERT(dx, PTREGS_DX);
PTREGS_ASSERT(si, PTREGS_SI);
PTREGS_ASSERT(di, PTREGS_DI);
PTREGS_ASSERT(vector, PTREGS_VECTOR);
PTREGS_ASSERT(error_code, PTREGS_ERROR_CODE);
PTREGS_ASSERT(ip, PTREGS_IP);
PTREGS_ASSERT(cs, PTREGS_CS);
PTREGS_ASSERT(flags, PTREGS_FLAGS);
PTREGS_ASSERT(sp, PTREGS_SP);
PTREGS_ASSERT(ss, PTREGS_SS);
_Static_assert(sizeof(struct pt_regs) == PTREGS_SIZE, "PTREGS_SIZE");
#undef PTREGS_ASSERT

static inline int user_mode(const struct pt_regs *regs) { return (regs->cs & 3) == 3; }
#endif /* !__ASSEMBLER__ */

#endif
