/* Online CPUs, IPIs, function calls on other CPUs, the idle loop (cpu/smp.h). */
#include "cpu/smp.h"
#include "base/errno.h"
#include "cpu/apic.h"
#include "cpu/x86.h"

uint32_t nr_cpu_ids = 1;

/* See cpu/smp.h. */
uint32_t num_online_cpus(void)
{
	uint32_t n = 0;
	for (uint32_t cpu = 0; cpu < nr_cpu_ids; cpu++)
		n += cpu_online(cpu);
	return n;
}

/* Set while programs run on several CPUs (smp_call_function_poll_enable). */
static volatile bool call_poll_on;

static void csd_run_pending(struct call_single_data *csd);

/* See cpu/smp.h. */
void smp_call_function_poll_enable(bool on)
{
	call_poll_on = on;
}

/* See cpu/spinlock.h (spin_wait_relax). Interrupts on: the IPI itself runs
 * the request. */
void smp_call_function_poll(void)
{
	if (!call_poll_on)
		return;
	uint64_t flags;
	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	if (flags & X86_EFLAGS_IF)
		return;
	csd_run_pending(&this_cpu_ptr()->csd);
}

/* Takes cpu's request slot (spinning while another sender has it) and posts
 * func(arg) there. */
static void csd_post(struct call_single_data *csd, void (*func)(void *), void *arg)
{
	while (__atomic_exchange_n(&csd->lock, 1, __ATOMIC_ACQUIRE))
		spin_wait_relax();   /* the slot's owner may wait for this CPU's answer */
	csd->func = func;
	csd->arg = arg;
	__atomic_store_n(&csd->pending, 1, __ATOMIC_RELEASE);
}

/* Withdraws a request the target never saw (its IPI failed): frees the slot. */
static void csd_withdraw(struct call_single_data *csd)
{
	__atomic_store_n(&csd->pending, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&csd->lock, 0, __ATOMIC_RELEASE);
}

/* Waits until the request on csd has run. */
static void csd_wait(struct call_single_data *csd)
{
	while (__atomic_load_n(&csd->pending, __ATOMIC_ACQUIRE))
		spin_wait_relax();   /* the target may be waiting for this CPU's answer at once */
}

/* See cpu/smp.h. */
int smp_call_function_single(uint32_t cpu, void (*func)(void *arg), void *arg, bool wait)
{
	if (cpu == smp_processor_id()) {
		func(arg);
		return 0;
	}
	if (!cpu_online(cpu))
		return -ENXIO;
	struct call_single_data *csd = &pcpu_area[cpu].csd;
	csd_post(csd, func, arg);
	if (!apic_send_ipi(pcpu_area[cpu].apic_id, APIC_DM_FIXED | CALL_FUNCTION_VECTOR)) {
		csd_withdraw(csd);
		return -EIO;
	}
	if (wait)
		csd_wait(csd);
	return 0;
}

/* See cpu/smp.h. */
uint32_t smp_call_function_many(const struct cpumask *mask, void (*func)(void *arg), void *arg, bool wait)
{
	uint32_t self = smp_processor_id(), n = 0;
	struct cpumask sent = { { 0 } };
	for (uint32_t cpu = 0; cpu < nr_cpu_ids; cpu++) {
		if (cpu == self || !cpumask_test_cpu(cpu, mask) || !cpu_online(cpu))
			continue;
		struct call_single_data *csd = &pcpu_area[cpu].csd;
		csd_post(csd, func, arg);
		if (!apic_send_ipi(pcpu_area[cpu].apic_id, APIC_DM_FIXED | CALL_FUNCTION_VECTOR)) {
			csd_withdraw(csd);
			continue;
		}
		cpumask_set_cpu(cpu, &sent);
		n++;
	}
	if (wait)
		for (uint32_t cpu = 0; cpu < nr_cpu_ids; cpu++)
			if (cpumask_test_cpu(cpu, &sent))
				csd_wait(&pcpu_area[cpu].csd);
	return n;
}

/* See cpu/smp.h. */
bool smp_send_ipi_allbutself(void)
{
	return apic_send_ipi(0, APIC_DEST_ALLBUT | APIC_DM_FIXED | CALL_FUNCTION_VECTOR);
}

/* See cpu/smp.h. */
bool smp_send_ipi(uint32_t cpu)
{
	if (!cpu_online(cpu) || cpu == smp_processor_id())
		return false;
	return apic_send_ipi(pcpu_area[cpu].apic_id, APIC_DM_FIXED | CALL_FUNCTION_VECTOR);
}

/* Runs this CPU's pending request, if there is one and it is not running
 * already (a lock wait inside it polls), and frees its slot. */
static void csd_run_pending(struct call_single_data *csd)
{
	if (!__atomic_load_n(&csd->pending, __ATOMIC_ACQUIRE) || csd->running)
		return;
	csd->running = 1;
	csd->func(csd->arg);
	csd->running = 0;
	__atomic_store_n(&csd->pending, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&csd->lock, 0, __ATOMIC_RELEASE);
}

/* See cpu/smp.h. */
void smp_call_function_interrupt(void)
{
	this_cpu_read(ipis_received)++;
	lapic_eoi();
	if (!this_cpu_read(in_idle_loop))
		csd_run_pending(&this_cpu_ptr()->csd);
}

/* See cpu/smp.h. */
bool smp_send_reschedule(uint32_t cpu)
{
	if (!cpu_online(cpu) || cpu == smp_processor_id())
		return false;
	return apic_send_ipi(pcpu_area[cpu].apic_id, APIC_DM_FIXED | RESCHEDULE_VECTOR);
}

static void (*volatile idle_hook)(void);

/* See cpu/smp.h. */
void smp_set_idle_hook(void (*fn)(void))
{
	idle_hook = fn;
}

/* See cpu/smp.h. */
void cpu_idle_loop(void)
{
	struct pcpu *p = this_cpu_ptr();
	struct call_single_data *csd = &p->csd;
	for (;;) {
		cli();
		p->in_idle_loop = 1;
		if (__atomic_load_n(&csd->pending, __ATOMIC_ACQUIRE)) {
			csd_run_pending(csd);
			continue;
		}
		void (*hook)(void) = idle_hook;
		if (hook) {
			p->in_idle_loop = 0;   /* the hook runs tasks: requests are the handler's then */
			hook();
			cli();
			p->in_idle_loop = 1;
			if (__atomic_load_n(&csd->pending, __ATOMIC_ACQUIRE))
				continue;
		}
		/* sti's one-instruction shadow: an IPI that arrives now wakes the hlt. */
		__asm__ volatile("sti; hlt" ::: "memory");
	}
}
