/*
 * kswapd (Linux's mm/vmscan.c kswapd): the kernel thread that reclaims in
 * the background. A user-page allocation that leaves free memory below the
 * low watermark wakes it (paging/vmscan.h); it reclaims a batch at a time,
 * yielding the CPU between batches, until free memory is back above the
 * high watermark or a batch frees nothing, then sleeps again.
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

/* A wake-up asked for without the big kernel lock (a page fault on several
 * CPUs) is done now; called with the lock held (the tick from ring 3). */
void kswapd_wake_pending(void);

#endif
