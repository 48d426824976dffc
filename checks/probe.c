/*
 * Probes (checks/probe.h). Both kinds save the kernel's callee-saved
 * registers with the same context switch ring-3 programs use (enter_user /
 * return_to_kernel in fault/syscall_entry.S); an exception during the probe
 * comes back through probe_catch, which records it and returns there.
 */
#include <stddef.h>
#include "checks/probe.h"
#include "cpu/x86.h"
#include "fault/entry.h"
#include "fault/idt.h"
#include "fault/traps.h"
#include "base/process.h"

static struct kernel_context probe_ctx;
static struct probe_result *probe_out;


/* See checks/probe.h. */
void probe_catch(struct pt_regs *regs)
{
	fault_register_probe_handler(NULL);
	if (regs->vector == X86_TRAP_BP && user_mode(regs)) {
		probe_out->vector = PROBE_NO_FAULT;        /* the user code reached its int3 */
	} else {
		probe_out->vector = regs->vector;
		probe_out->error_code = regs->error_code;
		probe_out->cr2 = regs->vector == X86_TRAP_PF ? read_cr2() : 0;
	}
	probe_out->rip = regs->ip;
	return_to_kernel(&probe_ctx, 1);
}

/* See checks/probe.h. */
bool probe_kernel(void (*fn)(void *), void *arg, struct probe_result *r)
{
	*r = (struct probe_result){ PROBE_NO_FAULT, 0, 0, 0 };
	probe_out = r;
	fault_register_probe_handler(probe_catch);
	uint64_t faulted = call_saving_context(fn, arg, &probe_ctx);
	fault_register_probe_handler(NULL);
	return faulted != 0;
}

/* See checks/probe.h. */
bool probe_user(struct pt_regs *regs, struct probe_result *r)
{
	*r = (struct probe_result){ PROBE_NO_FAULT, 0, 0, 0 };
	probe_out = r;
	fault_register_probe_handler(probe_catch);
	enter_user(regs, &probe_ctx);  /* comes back only through probe_catch */
	fault_register_probe_handler(NULL);
	return r->vector != PROBE_NO_FAULT;
}
