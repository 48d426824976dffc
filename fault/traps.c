/*
 * exception_dispatch: where every vector lands (from fault/entry.S). The
 * architecture facts are decoded here and handed to the part that owns the
 * case: page faults to the fault path, spurious interrupts are counted and
 * dropped, and anything else the kernel did not expect ends in die().
 */
#include "fault/fault.h"
#include "fault/fault_lock.h"
#include "fault/idt.h"
#include "cpu/kernel_lock.h"
#include "base/compiler.h"
#include "base/panic.h"
#include "base/ptrace.h"
#include "fault/traps.h"
#include "fault/uaccess.h"
#include "base/process.h"
#include "cpu/pic.h"
#include "cpu/apic.h"
#include "cpu/smp.h"
#include "cpu/x86.h"
#include "lib/record.h"

uint64_t spurious_interrupts;

/*
 * An exception from ring 3 other than #PF: the signal and si_code Linux
 * would send (arch/x86/kernel/traps.c: #DE FPE_INTDIV, #UD ILL_ILLOPN, #AC
 * BUS_ADRALN, #GP and int3 SI_KERNEL, #NP and #SS SIGBUS with SI_KERNEL;
 * x87/SIMD errors are not diagnosed here). Returns when the program handles
 * the signal (force_sig_fault), which then runs on the way back.
 */
static void user_exception(struct pt_regs *regs)
{
	switch (regs->vector) {
	case X86_TRAP_DE:
	case X86_TRAP_MF:
	case X86_TRAP_XF:
		force_sig_fault(SIGFPE, regs->vector == X86_TRAP_DE ? FPE_INTDIV : FPE_FLTUNK,
				exception_name(regs->vector), regs->ip, regs);
		return;
	case X86_TRAP_UD:
		force_sig_fault(SIGILL, ILL_ILLOPN, exception_name(regs->vector), regs->ip, regs);
		return;
	case X86_TRAP_DB:
	case X86_TRAP_BP:
		force_sig_fault(SIGTRAP, regs->vector == X86_TRAP_DB ? TRAP_TRACE : SI_KERNEL,
				exception_name(regs->vector), regs->ip, regs);
		return;
	case X86_TRAP_AC:
		/* CR0.AM and the program's RFLAGS.AC: Linux's BUS_ADRALN, no address. */
		force_sig_fault(SIGBUS, BUS_ADRALN, "#AC alignment check (BUS_ADRALN)", 0, regs);
		return;
	case X86_TRAP_NP:
	case X86_TRAP_SS:
		/* Linux's do_error_trap(..., SIGBUS, 0, NULL): e.g. a non-canonical rsp. */
		force_sig_fault(SIGBUS, SI_KERNEL, exception_name(regs->vector), 0, regs);
		return;
	case X86_TRAP_GP:
		/* Includes accesses to non-canonical addresses: the address is unknown (0). */
		force_sig_fault(SIGSEGV, SI_KERNEL, "#GP general protection (e.g. a non-canonical address)", 0, regs);
		return;
	default:
		force_sig_fault(SIGSEGV, SI_KERNEL, exception_name(regs->vector), regs->ip, regs);
		return;
	}
}

static timer_handler_t timer_handler;
static timer_handler_t resched_handler;

/* See fault/traps.h. */
void fault_register_resched_handler(timer_handler_t handler)
{
	resched_handler = handler;
}

/* See fault/traps.h. */
void fault_register_probe_handler(probe_handler_t handler)
{
	this_cpu_write(probe_handler, handler);
}

/* See fault/traps.h. */
void fault_register_timer_handler(timer_handler_t handler)
{
	timer_handler = handler;
}

/* The vector's own handling (exception_dispatch without the way out). */
static void dispatch_vector(struct pt_regs *regs)
{
	uint64_t v = regs->vector;

	if (unlikely(fault_probe_handler))
		fault_probe_handler(regs);

	if (v == SPURIOUS_APIC_VECTOR || v == PIC_VECTOR_BASE + 7 || v == PIC_VECTOR_BASE + 15) {
		spurious_interrupts++;
		return;
	}
	if ((v == PIC_VECTOR_BASE || v == LOCAL_TIMER_VECTOR) && timer_handler) {
		timer_handler(regs);
		return;
	}
	if (v == RESCHEDULE_VECTOR) {   /* counted and acknowledged by exception_dispatch */
		if (resched_handler)
			resched_handler(regs);
		return;
	}
	if (v >= PIC_VECTOR_BASE && v < PIC_VECTOR_BASE + 16) {
		/* Masked lines should never fire; acknowledge and go on. */
		record_warning("unexpected_irq", "PIC vector %llu arrived while masked", v);
		if (v >= PIC_VECTOR_BASE + 8)
			outb(PIC_SLAVE_CMD, PIC_EOI);
		outb(PIC_MASTER_CMD, PIC_EOI);
		return;
	}
	if (v == X86_TRAP_PF) {
		exc_page_fault(regs);
		return;
	}
	if (user_mode(regs)) {
		user_exception(regs);
		return;
	}
	if (fixup_exception(regs))
		return;
	die(exception_name(v), regs);
}

/* See fault/traps.h. */
void exception_exit_work(struct pt_regs *regs)
{
	lock_kernel();
	exit_to_user_mode(regs);
	unlock_kernel();
}

/*
 * Called from exception_common with interrupts off. Returns to resume regs;
 * on the way back to ring 3 pending signals are delivered (not after NMI,
 * #DF or #MC, which arrive on their own stacks at any instruction).
 *
 * An entry from ring 3 holds the big kernel lock (cpu/kernel_lock.h) from
 * here to the return; NMI, #DF and #MC never take it. A #PF from ring 3
 * while programs run on several CPUs takes it only for a slow half
 * (exc_page_fault calls page_fault_lock, the fault path's one place): a
 * resolved fault goes back to ring 3 without it, unless a signal waits
 * (another thread's kill, the OOM killer): then it takes the lock to deliver
 * it on the way out, as every other return does. A function-call IPI runs
 * first and without it, wherever it lands: the lock's holder may be the CPU
 * waiting for it (a TLB shootdown).
 */
void exception_dispatch(struct pt_regs *regs)
{
	uint64_t v = regs->vector;
	if (v == CALL_FUNCTION_VECTOR) {
		smp_call_function_interrupt();
		return;
	}
	/* The reschedule IPI is acknowledged before the big lock is waited
	 * for: while it is in service the local APIC holds back every vector
	 * of its priority class (0xf0-0xff), CALL_FUNCTION_VECTOR too, and the
	 * lock's holder may be waiting for this CPU's answer to a TLB
	 * shootdown (seen: -smp 4, three CPUs waiting here, the holder in
	 * smp_call_function_many). */
	if (v == RESCHEDULE_VECTOR) {
		this_cpu_read(resched_ipis)++;
		lapic_eoi();
	}
	/* A probe of checks/ (fault_probe_handler armed) runs the kernel's own
	 * ring-3 code: its exceptions leave through probe_catch, never back
	 * here, and the CPU driving the checks may hold the lock, so a probe
	 * takes none. */
	bool from_user = user_mode(regs) && !fault_probe_handler && v != X86_TRAP_NMI &&
			 v != X86_TRAP_DF && v != X86_TRAP_MC;
	if (from_user && !(v == X86_TRAP_PF && page_fault_smp))
		lock_kernel();   /* on one CPU also for a #PF: exc_page_fault finds it held */
	dispatch_vector(regs);
	if (from_user && !kernel_locked() && exit_to_user_mode_work(current))
		lock_kernel();
	if (from_user && kernel_locked()) {
		exit_to_user_mode(regs);
		unlock_kernel();
	}
}
