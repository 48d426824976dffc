/*
 * The x86-64 signal frame (Linux's arch/x86/kernel/signal.c): the
 * struct rt_sigframe (base/signal_types.h) a handler runs on, with the
 * FXSAVE image of the interrupted FPU/SSE state above it, and its undoing by
 * rt_sigreturn (sys_rt_sigreturn, fault/syscall.h).
 */
#ifndef FAULTLINE_SIGNAL_FRAME_H
#define FAULTLINE_SIGNAL_FRAME_H

#include <stdint.h>
#include "base/process.h"
#include "base/ptrace.h"

/*
 * Writes the frame for handler ka of signal sig (siginfo from info, oldset
 * the mask to restore) on t's stack, or its alternate stack (SA_ONSTACK),
 * saves and resets the FPU state, and makes *regs enter the handler:
 * rdi = sig, rsi = &info, rdx = &uc, rax = 0, rsp = the frame (its return
 * address sa_restorer), DF, TF and RF cleared, user CS and SS. Returns 0, or
 * -EFAULT with *regs and the FPU unchanged: no SA_RESTORER (required on
 * x86-64, as Linux), the alternate stack would overflow, or the stack cannot
 * be written.
 */
int setup_rt_frame(struct task_struct *t, int sig, const struct kernel_siginfo *info,
		   const struct k_sigaction *ka, k_sigset_t oldset, struct pt_regs *regs);

#endif
