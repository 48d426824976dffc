/*
 * poll and ppoll (Linux's fs/select.c): which descriptors are ready, waiting
 * for one with a timeout. A file says what is ready through f_op->poll
 * (pipes); files without one (regular files, directories, the console) are
 * always readable and writable, as Linux's default. Anything that may make
 * a file ready calls poll_wake_all, and the sleepers look again.
 */
#ifndef FAULTLINE_POLL_H
#define FAULTLINE_POLL_H

#include <stdint.h>

#define POLLIN     0x0001
#define POLLPRI    0x0002
#define POLLOUT    0x0004
#define POLLERR    0x0008
#define POLLHUP    0x0010
#define POLLNVAL   0x0020
#define POLLRDNORM 0x0040
#define POLLWRNORM 0x0100

/* Wakes every task waiting in poll/ppoll to look again. */
void poll_wake_all(void);

int64_t sys_poll(uint64_t fds, uint64_t nfds, uint64_t timeout_ms);
int64_t sys_ppoll(uint64_t fds, uint64_t nfds, uint64_t tsp, uint64_t sigmask, uint64_t sigsetsize);

#endif
