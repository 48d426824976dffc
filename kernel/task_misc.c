/*
 * The small process attributes of a task (base/process.h): their values for
 * a program that has just started, as under Linux's init.
 */
#include "base/process.h"
#include "base/format.h"
#include "base/string.h"
#include "cpu/percpu.h"
#include "paging/buddy.h"

#define _STK_LIM        (UINT64_C(8) << 20)   /* Linux's default stack limit */
#define MLOCK_LIMIT     (UINT64_C(8) << 20)
#define MQ_BYTES_MAX    UINT64_C(819200)
#define INR_OPEN_CUR    UINT64_C(1024)
#define INR_OPEN_MAX    UINT64_C(4096)
#define THREAD_SIZE     (UINT64_C(16) << 10)  /* Linux x86-64's kernel stack, for max_threads */
#define MIN_THREADS     UINT64_C(20)
#define MAX_THREADS     UINT64_C(0x3fffffff)  /* FUTEX_TID_MASK */

/* Linux's set_max_threads(): threads whose kernel stacks would take an
 * eighth of RAM, clamped. Init's RLIMIT_NPROC and RLIMIT_SIGPENDING are
 * half of it. */
uint64_t max_threads(void)
{
	uint64_t n = totalram_pages() * PAGE_SIZE / (THREAD_SIZE * 8);
	return n < MIN_THREADS ? MIN_THREADS : n > MAX_THREADS ? MAX_THREADS : n;
}

/* See base/process.h. */
void task_misc_init(struct task_struct *t)
{
	memset(&t->cred, 0, sizeof(t->cred));
	for (int i = 0; i < RLIM_NLIMITS; i++)
		t->rlim[i] = (struct rlimit){ RLIM_INFINITY, RLIM_INFINITY };
	uint64_t tasks = max_threads() / 2;
	t->rlim[RLIMIT_STACK]      = (struct rlimit){ _STK_LIM, RLIM_INFINITY };
	t->rlim[RLIMIT_CORE]       = (struct rlimit){ 0, RLIM_INFINITY };
	t->rlim[RLIMIT_NPROC]      = (struct rlimit){ tasks, tasks };
	t->rlim[RLIMIT_NOFILE]     = (struct rlimit){ INR_OPEN_CUR, INR_OPEN_MAX };
	t->rlim[RLIMIT_MEMLOCK]    = (struct rlimit){ MLOCK_LIMIT, MLOCK_LIMIT };
	t->rlim[RLIMIT_SIGPENDING] = (struct rlimit){ tasks, tasks };
	t->rlim[RLIMIT_MSGQUEUE]   = (struct rlimit){ MQ_BYTES_MAX, MQ_BYTES_MAX };
	t->rlim[RLIMIT_NICE]       = (struct rlimit){ 0, 0 };
	t->rlim[RLIMIT_RTPRIO]     = (struct rlimit){ 0, 0 };
	t->pgid = t->sid = 0;
	t->pdeath_signal = 0;
	cpumask_setall(&t->cpus_allowed);
	t->robust_list_head = 0;
	t->syscall_count = 0;
	strlcpy(t->prctl_comm, t->comm, sizeof(t->prctl_comm));
	format(t->exe_path, sizeof(t->exe_path), "/bin/%s", t->comm);
}
