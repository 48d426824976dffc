/* kswapd (kernel/kswapd.h). */
#include "kernel/kswapd.h"
#include "cpu/kernel_lock.h"
#include "fault/fault_lock.h"
#include "kernel/sched.h"
#include "base/errno.h"
#include "cpu/spinlock.h"
#include "paging/vmscan.h"

struct kswapd_stats kswapd_stats;
static struct wait_queue_head kswapd_wait;
static struct task_struct *kswapd_task;
static uint32_t kswapd_failures;      /* runs in a row that freed nothing (Linux's pgdat->kswapd_failures) */
static uint64_t kswapd_failed_at;     /* jiffies of the last of them */

/* The waker reclaim calls below the low watermark. After MAX_RECLAIM_RETRIES
 * runs that freed nothing, kswapd is hopeless (nothing reclaimable: no swap,
 * all anonymous) and wakeups are ignored for a second, as Linux leaves a
 * failing kswapd asleep until direct reclaim makes progress. */
static volatile uint32_t kswapd_wake_deferred;

/* The charge's wake-up (paging/vmscan.c's wakeup_kswapd). A page fault on
 * several CPUs runs without the big kernel lock, which the wait queue and
 * the run queues need: the wake-up is left for the next tick from ring 3
 * (kswapd_wake_pending, under the lock) - within 10 ms; direct reclaim
 * covers the urgent case. */
static void kswapd_wake(void)
{
	if (kswapd_failures >= MAX_RECLAIM_RETRIES && jiffies - kswapd_failed_at < TICK_HZ)
		return;
	if (page_fault_smp && !kernel_locked()) {
		__atomic_store_n(&kswapd_wake_deferred, 1, __ATOMIC_RELAXED);
		return;
	}
	wake_up(&kswapd_wait);
}

/* See kernel/kswapd.h. */
void kswapd_wake_pending(void)
{
	if (__atomic_load_n(&kswapd_wake_deferred, __ATOMIC_RELAXED) &&
	    __atomic_exchange_n(&kswapd_wake_deferred, 0, __ATOMIC_RELAXED))
		kswapd_wake();
}

/* Sleeps until woken (kswapd_wake), unless free memory is still below the
 * low watermark after a run that made progress. */
static void kswapd_try_to_sleep(bool progress)
{
	struct wait_queue_entry w = { .task = NULL };
	prepare_to_wait(&kswapd_wait, &w);
	if (!progress || !kswapd_needed())
		schedule_until(0);
	finish_wait(&kswapd_wait, &w);
}

/* One batch of reclaim (kswapd_shrink_batch). While page faults run without
 * the big kernel lock (several CPUs), kswapd reclaims without it too, with
 * interrupts on, as a fault's direct reclaim does (Linux's kswapd holds no
 * global lock): held through a batch - 32 pages unmapped with a TLB
 * shootdown each, compressed, and the wait for reclaim_lock before - it
 * stopped every other CPU's tick, syscall and scheduling from ring 3 for
 * as long. The thread's own state (the wait queue, its counters) stays
 * under the lock. */
static volatile uint32_t kswapd_in_batch;   /* 1 while a batch runs without the big lock */

static uint64_t kswapd_batch(bool *done)
{
	if (!page_fault_smp)
		return kswapd_shrink_batch(done);
	__atomic_store_n(&kswapd_in_batch, 1, __ATOMIC_SEQ_CST);
	unlock_kernel();
	local_irq_enable();
	uint64_t freed = kswapd_shrink_batch(done);
	local_irq_disable();   /* as lock_kernel expects (it turns them on only to wait) */
	__atomic_store_n(&kswapd_in_batch, 0, __ATOMIC_RELEASE);
	lock_kernel();
	return freed;
}

/* See kernel/kswapd.h. */
void kswapd_wait_batch(void)
{
	while (__atomic_load_n(&kswapd_in_batch, __ATOMIC_ACQUIRE))
		spin_wait_relax();   /* its shootdowns reach this CPU */
}

/* The thread: balance_pgdat a batch at a time, yielding between batches. */
static void kswapd(void *arg)
{
	(void)arg;
	bool progress = true;
	for (;;) {
		kswapd_try_to_sleep(progress);
		if (!kswapd_needed())
			continue;   /* woken late: memory came back meanwhile */
		kswapd_stats.runs++;
		progress = false;
		for (;;) {
			bool done = false;
			uint64_t freed = kswapd_batch(&done);
			if (freed)
				progress = true;
			if (done || !freed)
				break;
			kswapd_stats.batches++;
			schedule();   /* cond_resched: the running programs go first */
		}
		if (progress) {
			kswapd_failures = 0;
		} else {
			kswapd_failures++;
			kswapd_failed_at = jiffies;
		}
	}
}

/* See kernel/kswapd.h. */
int kswapd_init(void)
{
	if (kswapd_task)
		return 0;
	init_waitqueue_head(&kswapd_wait);
	kswapd_task = kthread_create(kswapd, NULL, "kswapd0");
	if (!kswapd_task)
		return -ENOMEM;
	reclaim_set_kswapd_waker(kswapd_wake);
	wake_up_process(kswapd_task);
	return 0;
}
