/*
 * Probes (checks/probe.h). Both kinds save the kernel's callee-saved
 * registers with the same context switch ring-3 programs use (enter_user /
 * return_to_kernel in fault/syscall_entry.S); an exception during the probe
 * comes back through probe_catch, which records it and returns there.
 *
 * Everything a probe arms is this CPU's (struct pcpu's probe_handler and
 * probe_frame, the frame itself on the prober's stack), so every CPU can
 * probe at the same time (the parallel matrix, checks/matrix_parallel.c).
 */
#include <stddef.h>
#include "checks/probe.h"
#include "cpu/percpu.h"
#include "cpu/x86.h"
#include "fault/entry.h"
#include "fault/idt.h"
#include "fault/traps.h"
#include "base/process.h"

/* One armed probe: where to return to, and where its result goes. */
struct probe_frame {
	struct kernel_context ctx;
	struct probe_result *out;
};

/* See checks/probe.h. */
void probe_catch(struct pt_regs *regs)
{
	struct probe_frame *f = this_cpu_read(probe_frame);

	fault_register_probe_handler(NULL);
	if (regs->vector == X86_TRAP_BP && user_mode(regs)) {
		f->out->vector = PROBE_NO_FAULT;        /* the user code reached its int3 */
	} else {
		f->out->vector = regs->vector;
		f->out->error_code = regs->error_code;
		f->out->cr2 = regs->vector == X86_TRAP_PF ? read_cr2() : 0;
	}
	f->out->rip = regs->ip;
	return_to_kernel(&f->ctx, 1);
}

/* Arms this CPU's probe with frame f for result r. */
static void probe_arm(struct probe_frame *f, struct probe_result *r)
{
	*r = (struct probe_result){ PROBE_NO_FAULT, 0, 0, 0 };
	f->out = r;
	this_cpu_write(probe_frame, f);
	fault_register_probe_handler(probe_catch);
}

/* See checks/probe.h. */
bool probe_kernel(void (*fn)(void *), void *arg, struct probe_result *r)
{
	struct probe_frame f;

	probe_arm(&f, r);
	uint64_t faulted = call_saving_context(fn, arg, &f.ctx);
	fault_register_probe_handler(NULL);
	this_cpu_write(probe_frame, NULL);
	return faulted != 0;
}

/* See checks/probe.h. */
bool probe_user(struct pt_regs *regs, struct probe_result *r)
{
	struct probe_frame f;

	probe_arm(&f, r);
	enter_user(regs, &f.ctx);  /* comes back only through probe_catch */
	fault_register_probe_handler(NULL);
	this_cpu_write(probe_frame, NULL);
	return r->vector != PROBE_NO_FAULT;
}
