/*
 * sched_getaffinity / sched_setaffinity (Linux's kernel/sched/core.c). The
 * mask is the task's (cpus_allowed, one bit per CPU); the user's mask is
 * Linux's cpumask of nr_cpu_ids bits in whole longs: 8 bytes while
 * NR_CPUS <= 64 (Debian's kernel, CONFIG_CPUMASK_OFFSTACK, says the same on
 * a machine of up to 64 CPUs).
 */
#include "fault/syscall.h"
#include "fault/uaccess.h"
#include "base/process.h"
#include "base/string.h"
#include "cpu/percpu.h"
#include "kernel/sched.h"

#define CPUMASK_SIZE 8   /* cpumask_size(): BITS_TO_LONGS(nr_cpu_ids) * sizeof(long) */

/* The CPUs the scheduler may run tasks on (cpu_active_mask): every online
 * CPU once programs run on them (kernel/sched.h, sched_cpus). */
static uint64_t cpus_online(void)
{
	return sched_cpus();
}

/* The task pid names: the caller for 0 or its own pid; NULL otherwise. */
static struct task_struct *affinity_task(uint64_t pid)
{
	int32_t p = (int32_t)pid;
	return p == 0 || (p > 0 && (uint32_t)p == current->pid) ? current : NULL;
}

/* See fault/syscall.h. Linux's order: a length too short for the CPUs or
 * not whole longs is -EINVAL, an unknown pid -ESRCH, the copy -EFAULT.
 * Returns the bytes written (cpumask_size()). */
int64_t sys_sched_getaffinity(uint64_t pid, uint64_t len_arg, uint64_t mask)
{
	uint32_t len = (uint32_t)len_arg;
	if ((uint64_t)len * 8 < NR_CPUS || (len & 7))
		return -EINVAL;
	struct task_struct *t = affinity_task(pid);
	if (!t)
		return -ESRCH;
	uint64_t m = t->cpus_allowed & cpus_online();
	uint32_t n = len < CPUMASK_SIZE ? len : CPUMASK_SIZE;
	return copy_to_user(mask, &m, n) ? -EFAULT : (int64_t)n;
}

/* See fault/syscall.h. Linux's get_user_cpu_mask: a shorter mask than
 * cpumask_size() counts as all zeros (-EINVAL: no CPU), a longer one is
 * cut; -EFAULT; an unknown pid -ESRCH; a mask without a CPU that exists
 * -EINVAL. */
int64_t sys_sched_setaffinity(uint64_t pid, uint64_t len_arg, uint64_t mask)
{
	uint32_t len = (uint32_t)len_arg;
	uint64_t m = 0;
	if (len >= CPUMASK_SIZE && copy_from_user(&m, mask, CPUMASK_SIZE))
		return -EFAULT;
	struct task_struct *t = affinity_task(pid);
	if (!t)
		return -ESRCH;
	if (!(m & cpus_online()))
		return -EINVAL;
	t->cpus_allowed = m & cpus_online();
	/* Off this CPU now if it may no longer run here: schedule() requeues it
	 * on an allowed one (kernel/sched.c). */
	if (!((t->cpus_allowed >> this_cpu_read(cpu)) & 1))
		schedule();
	return 0;
}
