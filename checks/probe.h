/*
 * Probes: run one access on purpose and see which exception, if any, the
 * hardware raises — the engine of the bring-up checks. While a probe is
 * armed, probe_catch() is the fault layer's probe handler
 * (fault_register_probe_handler, fault/traps.h): exception_dispatch hands it
 * every exception instead of the fault path, it records the exception and the
 * probe returns.
 *
 *   probe_kernel(fn, arg, &r)   calls fn(arg) in ring 0
 *   probe_user(&regs, &r)       iretq's to ring-3 code (CS/SS set by the
 *                               caller's pt_regs) that must end with int3;
 *                               reaching the int3 means "no fault"
 */
#ifndef FAULTLINE_PROBE_H
#define FAULTLINE_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include "base/ptrace.h"

#define PROBE_NO_FAULT ((uint64_t)-1)

struct probe_result {
	uint64_t vector;       /* PROBE_NO_FAULT, or the exception vector */
	uint64_t error_code;
	uint64_t cr2;          /* for #PF */
	uint64_t rip;          /* where it happened */
};

/* Returns true if fn faulted (details in *r). */
bool probe_kernel(void (*fn)(void *), void *arg, struct probe_result *r);

/* Enters ring 3 with regs; returns true if the code faulted before its int3. */
bool probe_user(struct pt_regs *regs, struct probe_result *r);

/* Called by exception_dispatch while a probe is armed; does not return. */
void probe_catch(struct pt_regs *regs) __attribute__((noreturn));

#endif
