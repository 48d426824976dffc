/*
 * sched_getaffinity / sched_setaffinity (Linux's kernel/sched/core.c). The
 * mask is the task's (cpus_allowed, a struct cpumask of NR_CPUS bits); the
 * user's mask is Linux's of nr_cpu_ids bits in whole longs, cpumask_size()
 * bytes: 8 up to 64 CPUs, 16 up to 128, ... (Debian's kernel,
 * CONFIG_CPUMASK_OFFSTACK, sizes it by nr_cpu_ids the same way). The length
 * rules are kernel/affinity.h's.
 */
#include "fault/syscall.h"
#include "fault/uaccess.h"
#include "base/process.h"
#include "base/string.h"
#include "cpu/percpu.h"
#include "cpu/smp.h"
#include "kernel/affinity.h"
#include "kernel/sched.h"

/* The task pid names: the caller for 0 or its own pid; NULL otherwise. */
static struct task_struct *affinity_task(uint64_t pid)
{
	int32_t p = (int32_t)pid;
	return p == 0 || (p > 0 && (uint32_t)p == current->pid) ? current : NULL;
}

/* See fault/syscall.h. Linux's order: a length too short for the CPUs or
 * not whole longs is -EINVAL, an unknown pid -ESRCH, the copy -EFAULT.
 * Returns the bytes written, min(len, cpumask_size()). The online mask is
 * the scheduler's (cpu_active_mask: every online CPU once programs run on
 * them, kernel/sched.h). */
int64_t sys_sched_getaffinity(uint64_t pid, uint64_t len_arg, uint64_t mask)
{
	int64_t n = affinity_get_len((uint32_t)len_arg, nr_cpu_ids, cpumask_size());
	if (n < 0)
		return n;
	struct task_struct *t = affinity_task(pid);
	if (!t)
		return -ESRCH;
	struct cpumask m;
	cpumask_and(&m, &t->cpus_allowed, sched_cpus());
	return copy_to_user(mask, &m, (uint64_t)n) ? -EFAULT : n;
}

/* See fault/syscall.h. Linux's get_user_cpu_mask: the first
 * min(len, cpumask_size()) bytes, the CPUs a shorter mask leaves out not in
 * it; -EFAULT; an unknown pid -ESRCH; a mask without an online CPU -EINVAL. */
int64_t sys_sched_setaffinity(uint64_t pid, uint64_t len_arg, uint64_t mask)
{
	struct cpumask m;
	cpumask_clear(&m);
	if (copy_from_user(&m, mask, affinity_set_len((uint32_t)len_arg, cpumask_size())))
		return -EFAULT;
	struct task_struct *t = affinity_task(pid);
	if (!t)
		return -ESRCH;
	int64_t err = affinity_apply(&t->cpus_allowed, &m, sched_cpus());
	if (err)
		return err;
	/* Off this CPU now if it may no longer run here: schedule() requeues it
	 * on an allowed one (kernel/sched.c). */
	if (!cpumask_test_cpu(this_cpu_read(cpu), &t->cpus_allowed))
		schedule();
	return 0;
}
