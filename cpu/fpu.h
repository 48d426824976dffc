/*
 * The user's FPU, SSE and AVX registers across context switches. The kernel
 * itself never touches them (it is built with -mgeneral-regs-only), so a
 * task's state stays live in the CPU while it runs and in its task's save
 * area while it does not: switch_to saves the outgoing task's and restores
 * the incoming one's. With CR4.OSXSAVE (whatever the firmware or the kernel
 * enabled in XCR0) the area is an XSAVE image of CPUID 0xD's size, else a
 * 512-byte FXSAVE image.
 */
#ifndef FAULTLINE_FPU_H
#define FAULTLINE_FPU_H

#include <stdint.h>

/* The largest save area fpu_init accepts (AVX-512 needs about 2.7 KiB). */
#define FPU_AREA_MAX 4096
#define FPU_AREA_ALIGN 64

/*
 * Decides XSAVE or FXSAVE and the area size, and captures the initial state
 * (FNINIT's x87 state, MXCSR 0x1f80, zeroed vector registers) that a new
 * program starts with. Call once on the boot CPU before the first program.
 * Returns the size a task's area needs (at most FPU_AREA_MAX).
 */
uint32_t fpu_init(void);

/* The size of a task's save area (after fpu_init). */
uint32_t fpu_area_size(void);

/*
 * Makes a new save area fit for fpu_save: clears the XSAVE header, which
 * XSAVE writes only the XSTATE_BV field of (XRSTOR refuses a header with
 * anything else set). The rest needs no clearing: fpu_save writes every
 * component it saves, and XRSTOR reads none whose XSTATE_BV bit is clear.
 */
void fpu_area_init(void *area);

/* Saves this CPU's user FPU state into area (FPU_AREA_ALIGN-aligned). */
void fpu_save(void *area);

/* Loads area into this CPU's FPU registers. */
void fpu_restore(const void *area);

/* Fills area with the initial state captured by fpu_init (execve's reset). */
void fpu_init_state(void *area);

#endif
