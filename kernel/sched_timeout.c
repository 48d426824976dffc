/* schedule_timeout_tsc (kernel/sched_timeout.h). */
#include "kernel/sched_timeout.h"
#include "kernel/sched.h"
#include "cpu/percpu.h"
#include "cpu/x86.h"

/* See kernel/sched_timeout.h. */
uint64_t schedule_timeout_tsc(uint64_t deadline)
{
	struct task_struct *t = current;
	for (;;) {
		uint64_t now = rdtsc();
		if (now >= deadline)
			return 0;
		if (task_sigpending(t))
			return deadline - now;
		t->state = TASK_INTERRUPTIBLE;
		schedule_until(deadline);
	}
}
