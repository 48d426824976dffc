/*
 * The assembly entry points (fault/entry.S, fault/syscall_entry.S), declared
 * once for the C that uses them. What each expects and leaves is described
 * at its definition.
 */
#ifndef FAULTLINE_ENTRY_H
#define FAULTLINE_ENTRY_H

#include <stdint.h>
#include "base/process.h"
#include "base/ptrace.h"

/* The 16-byte exception stubs, vector v's at exception_stubs_start + 16 * v
 * (fault/entry.S). */
extern char exception_stubs_start[];

/* The SYSCALL instruction's target (MSR_LSTAR). Not called from C. */
void entry_SYSCALL_64(void);

/* Saves the kernel's callee-saved registers and rsp in *ctx and enters ring
 * 3 with *regs; returns the status a later return_to_kernel(ctx, status)
 * passes. */
uint64_t enter_user(struct pt_regs *regs, struct kernel_context *ctx);

/* Back to where enter_user or call_saving_context saved ctx, making it
 * return status. Never returns. */
void return_to_kernel(struct kernel_context *ctx, uint64_t status) __attribute__((noreturn));

/* Saves the callee-saved registers and rsp in *ctx, calls fn(arg), returns
 * 0; or what a later return_to_kernel(ctx, status) passes. */
uint64_t call_saving_context(void (*fn)(void *), void *arg, struct kernel_context *ctx);

#endif
