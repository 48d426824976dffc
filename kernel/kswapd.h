/*
 * kswapd (Linux's mm/vmscan.c kswapd): the kernel thread that reclaims in
 * the background. A user-page allocation that leaves free memory below the
 * low watermark wakes it (paging/vmscan.h); it reclaims a batch at a time,
 * yielding the CPU between batches, until free memory is back above the
 * high watermark or a batch frees nothing, then sleeps again. While
 * programs run on several CPUs a batch runs without the big kernel lock,
 * as a page fault's direct reclaim does.
 */
#ifndef FAULTLINE_KSWAPD_H
#define FAULTLINE_KSWAPD_H

#include <stdint.h>

/* Starts the thread and registers its waker with reclaim. Returns 0 or
 * -ENOMEM (reclaim then works without it: direct reclaim only). */
int kswapd_init(void);

/* Times kswapd was woken to work, and batches it ran, since boot. */
struct kswapd_stats {
	uint64_t runs;
	uint64_t batches;
};
extern struct kswapd_stats kswapd_stats;

/* Returns once no batch of kswapd is running. Called with the big kernel
 * lock held, which kswapd needs to start the next one: so none runs until
 * the caller releases it (the per-program checks, which must not see
 * reclaim move pages between the lists). */
void kswapd_wait_batch(void);

/* A wake-up asked for without the big kernel lock (a page fault on several
 * CPUs) is done now; called with the lock held (the tick from ring 3). */
void kswapd_wake_pending(void);

#endif
