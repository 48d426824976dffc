/*
 * Fast user-space mutexes (Linux's futex(2)), as musl and glibc use them for
 * threads: FUTEX_WAIT / FUTEX_WAIT_BITSET sleep while a user word holds the
 * expected value, FUTEX_WAKE / FUTEX_WAKE_BITSET wake sleepers of that word.
 * Waiters are keyed by (address space, user address); private and shared
 * futexes are the same thing here (no shared file mappings between
 * processes key differently yet).
 */
#ifndef FAULTLINE_FUTEX_H
#define FAULTLINE_FUTEX_H

#include <stdint.h>

struct mm_struct;

#define FUTEX_WAIT            0
#define FUTEX_WAKE            1
#define FUTEX_REQUEUE         3
#define FUTEX_CMP_REQUEUE     4
#define FUTEX_WAKE_OP         5
#define FUTEX_WAIT_BITSET     9
#define FUTEX_WAKE_BITSET     10
#define FUTEX_PRIVATE_FLAG    128
#define FUTEX_CLOCK_REALTIME  256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

/* Wakes up to nr waiters on (mm, uaddr) whose bitset meets bitset; returns
 * how many. */
uint32_t futex_wake(struct mm_struct *mm, uint64_t uaddr, uint32_t nr, uint32_t bitset);

/* futex(2). */
int64_t sys_futex(uint64_t uaddr, uint64_t op, uint64_t val, uint64_t utime, uint64_t uaddr2, uint64_t val3);

#endif
