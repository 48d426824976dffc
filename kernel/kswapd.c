/* kswapd (kernel/kswapd.h). */
#include "kernel/kswapd.h"
#include "kernel/sched.h"
#include "base/errno.h"
#include "paging/vmscan.h"

struct kswapd_stats kswapd_stats;
static struct wait_queue_head kswapd_wait;
static struct task_struct *kswapd_task;

/* The waker reclaim calls below the low watermark. */
static void kswapd_wake(void)
{
	wake_up(&kswapd_wait);
}

/* Sleeps until free memory is below the low watermark. */
static void kswapd_try_to_sleep(void)
{
	struct wait_queue_entry w = { .task = NULL };
	for (;;) {
		prepare_to_wait(&kswapd_wait, &w);
		if (kswapd_needed())
			break;
		schedule_until(0);
	}
	finish_wait(&kswapd_wait, &w);
}

/* The thread: balance_pgdat a batch at a time, yielding between batches. */
static void kswapd(void *arg)
{
	(void)arg;
	for (;;) {
		kswapd_try_to_sleep();
		kswapd_stats.runs++;
		for (;;) {
			bool done = false;
			uint64_t freed = kswapd_shrink_batch(&done);
			if (done || !freed)
				break;
			kswapd_stats.batches++;
			schedule();   /* cond_resched: the running programs go first */
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
