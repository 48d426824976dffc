/* schedule_timeout_tsc (kernel/sched_timeout.h). */
#include "kernel/sched_timeout.h"
#include "kernel/sched.h"
#include "cpu/percpu.h"
#include "cpu/x86.h"
#include "base/errno.h"
#include "fault/uaccess.h"
#include "lib/tsc.h"

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

/* See kernel/sched_timeout.h. */
int timespec_to_tsc_cycles(uint64_t uts, uint64_t *cycles)
{
	int64_t ts[2];
	if (copy_from_user(ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
		return -EINVAL;
	uint64_t secs = (uint64_t)ts[0] > 100000000ull ? 100000000ull : (uint64_t)ts[0];
	*cycles = secs * tsc_hz + (uint64_t)ts[1] * tsc_hz / 1000000000ull;
	return 0;
}
