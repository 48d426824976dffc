/*
 * schedule_timeout_tsc (kernel/sched_timeout.h), for a single task: while
 * the watchdog's 100 Hz tick runs and more than two ticks are left, the CPU
 * halts with interrupts on between ticks (the tick's handler sees a ring-0
 * frame and only counts it); the rest of the wait polls the TSC with
 * `pause`, so the wake-up is as late as the TSC says, not a tick later.
 */
#include "kernel/sched_timeout.h"
#include "base/process.h"
#include "cpu/percpu.h"
#include "cpu/x86.h"
#include "kernel/watchdog.h"
#include "lib/tsc.h"

#define HLT_MARGIN_NS (20u * 1000u * 1000u)   /* two ticks of kernel/watchdog.c's 100 Hz */

static bool (*wakeup_pending)(void);

/* See kernel/sched_timeout.h. */
void sleep_register_wakeup(bool (*pending)(void))
{
	wakeup_pending = pending;
}

/* The program's own frame, where its syscall entered: the top of the entry
 * stack (fault/syscall_entry.S builds it there, as Linux's current_pt_regs). */
static const struct pt_regs *current_user_regs(void)
{
	return (const struct pt_regs *)(uintptr_t)(this_cpu_read(top_of_stack) - sizeof(struct pt_regs));
}

/* See kernel/sched_timeout.h. */
uint64_t schedule_timeout_tsc(uint64_t deadline)
{
	uint64_t margin = tsc_hz / (1000000000u / HLT_MARGIN_NS);
	for (;;) {
		uint64_t now = rdtsc();
		if (now >= deadline)
			return 0;
		if (wakeup_pending && wakeup_pending())
			return deadline - now;
		watchdog_check(current_user_regs());
		if (watchdog_ticking() && deadline - now > margin) {
			__asm__ volatile("sti; hlt; cli" ::: "memory");   /* sti's shadow: no tick lost before hlt */
		} else {
			cpu_relax();
		}
	}
}
