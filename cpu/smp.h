/*
 * The CPUs once they run: which are online, inter-processor
 * interrupts, running a function on another CPU (Linux's
 * smp_call_function_single / _many) and the idle loop the other CPUs wait
 * in. Bringing them up is kernel/smpboot.c's.
 *
 * A CPU other than the boot CPU (an AP) sits in cpu_idle_loop with
 * interrupts on and halted; a request is written to its struct pcpu (csd)
 * and a CALL_FUNCTION_VECTOR IPI wakes it. When the IPI finds the CPU halted
 * in that loop, the handler only acknowledges it and the loop runs the
 * function with interrupts off (plain kernel context: the per-core checks);
 * anywhere else (ring 3 of a program, the boot CPU's run loop, a wait for
 * the kernel lock) the handler runs it at once, without the kernel lock, so
 * that a TLB shootdown from the lock's holder is never left waiting.
 *
 * While programs run the idle loop also calls the scheduler's
 * idle hook (smp_set_idle_hook), which runs tasks queued for the CPU; a
 * RESCHEDULE_VECTOR IPI (smp_send_reschedule) wakes it for them. A csd slot
 * has a lock, so two senders queue (docs/ARCHITECTURE.md, "Every CPU").
 */
#ifndef FAULTLINE_SMP_H
#define FAULTLINE_SMP_H

#include <stdbool.h>
#include <stdint.h>
#include "base/cpumask.h"
#include "cpu/percpu.h"

/* CPUs with a struct pcpu in use (0 .. nr_cpu_ids - 1): the boot CPU and every AP tried. */
extern uint32_t nr_cpu_ids;

/* Whether cpu has come up and runs its idle loop (the boot CPU: always). */
static inline bool cpu_online(uint32_t cpu)
{
	return cpu < nr_cpu_ids && pcpu_area[cpu].online;
}

/* The number of online CPUs (the boot CPU included). */
uint32_t num_online_cpus(void);

/* This CPU's number. */
static inline uint32_t smp_processor_id(void)
{
	return this_cpu_read(cpu);
}

/*
 * Runs func(arg) on cpu: directly when it is this CPU (interrupts as they
 * are), else through its csd and an IPI; with wait, returns once func has
 * returned there. Returns 0, or -ENXIO if cpu is not online, -EIO if the
 * IPI could not be sent (xAPIC delivery stuck; the request is withdrawn).
 * Must not be called with this CPU's own request pending, nor from func.
 */
int smp_call_function_single(uint32_t cpu, void (*func)(void *arg), void *arg, bool wait);

/*
 * Runs func(arg) on every online CPU in mask except this one, all at once
 * (the IPIs go out before any wait); with wait, returns when all are done.
 * Returns the number of CPUs it ran on.
 */
uint32_t smp_call_function_many(const struct cpumask *mask, void (*func)(void *arg), void *arg, bool wait);

/*
 * Sends CALL_FUNCTION_VECTOR to every CPU but this one with the APIC's
 * all-excluding-self shorthand (a wakeup: no function is queued). CPUs that
 * are not online ignore it (an APIC in wait-for-SIPI is software-disabled).
 * Returns false if the IPI could not be sent.
 */
bool smp_send_ipi_allbutself(void);

/* Sends CALL_FUNCTION_VECTOR to one online CPU (a wakeup). Returns false if
 * the CPU is not online or the IPI could not be sent. */
bool smp_send_ipi(uint32_t cpu);

/*
 * Whether a lock wait with interrupts off runs this CPU's pending request
 * (smp_call_function_poll, from cpu/spinlock.h's spin_wait_relax): on while
 * programs run on several CPUs (kernel/run.c), when a lock's holder may wait
 * for this CPU's answer to a TLB shootdown (docs/ARCHITECTURE.md, "Locking").
 */
void smp_call_function_poll_enable(bool on);

/* Called by the CALL_FUNCTION_VECTOR handler (fault/traps.c): counts the
 * IPI, acknowledges it and runs this CPU's pending request, unless the CPU
 * was halted in cpu_idle_loop (which runs it itself). */
void smp_call_function_interrupt(void);

/* Sends RESCHEDULE_VECTOR to cpu (not this one). Returns false if it is not
 * online or the IPI could not be sent. */
bool smp_send_reschedule(uint32_t cpu);

/* Makes cpu_idle_loop call fn (interrupts off) each time it wakes, before
 * it halts again: the scheduler's entry on an idle AP. NULL: none. */
void smp_set_idle_hook(void (*fn)(void));

/*
 * An AP's life after bring-up (kernel/smpboot.c calls it once the CPU is
 * set up and marked online): forever, run the pending request if there is
 * one (interrupts off), then the idle hook if one is set, else `sti; hlt`
 * until an interrupt.
 */
void cpu_idle_loop(void) __attribute__((noreturn));

#endif
