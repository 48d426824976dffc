/*
 * Loading an FPU/SSE state a program supplied (a signal frame's FXSAVE
 * image, kernel/signal_frame.c): the CPU itself decides whether the image
 * is valid, as in Linux's fxrstor from a signal frame. FXRSTOR raises #GP
 * for an MXCSR with bits this CPU does not accept; the exception table
 * (fault/uaccess.c) turns that #GP in ring 0 into an error return, with the
 * FPU state unchanged.
 */
#ifndef FAULTLINE_FPU_RESTORE_H
#define FAULTLINE_FPU_RESTORE_H

#include <stdint.h>

/* FXRSTOR64 of the 512-byte, 16-byte aligned image fx. Returns 0, or
 * -EINVAL if the CPU refused it (#GP). */
int fxrstor_checked(const void *fx);

/* The FXRSTOR and where fixup_exception resumes after its #GP. */
extern char fxrstor_fault_ip[], fxrstor_fixup[];

#endif
