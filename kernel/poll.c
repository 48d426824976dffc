/* poll and ppoll (kernel/poll.h). */
#include "kernel/poll.h"
#include "kernel/sched.h"
#include "kernel/sched_timeout.h"
#include "kernel/signal.h"
#include "base/errno.h"
#include "cpu/percpu.h"
#include "cpu/x86.h"
#include "fault/uaccess.h"
#include "fs/fdtable.h"
#include "fs/file.h"
#include "lib/tsc.h"

#define POLL_MAX_FDS 1024   /* fds copied in at once (Linux: up to RLIMIT_NOFILE) */

struct pollfd {
	int32_t fd;
	int16_t events;
	int16_t revents;
};

static struct wait_queue_head poll_wait = { LIST_HEAD_INIT(poll_wait.head) };

/* See kernel/poll.h. */
void poll_wake_all(void)
{
	wake_up(&poll_wait);
}

/* Fills every revents; returns how many are nonzero. */
static uint32_t poll_scan(struct pollfd *pfd, uint32_t n)
{
	uint32_t ready = 0;
	for (uint32_t i = 0; i < n; i++) {
		pfd[i].revents = 0;
		if (pfd[i].fd < 0)
			continue;
		struct file *f = files_lookup(current->files, (uint64_t)(uint32_t)pfd[i].fd);
		uint32_t mask;
		if (!f)
			mask = POLLNVAL;
		else if (f->f_op && f->f_op->poll)
			mask = f->f_op->poll(f);
		else
			mask = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
		mask &= (uint32_t)(uint16_t)pfd[i].events | POLLERR | POLLHUP | POLLNVAL;
		pfd[i].revents = (int16_t)mask;
		ready += mask != 0;
	}
	return ready;
}

/* Linux's do_sys_poll: deadline 0 waits forever, 1 not at all (a zero
 * timeout), else until that TSC time. */
static int64_t do_sys_poll(uint64_t ufds, uint64_t nfds, uint64_t deadline, bool zero)
{
	static struct pollfd pfd[POLL_MAX_FDS];
	if (nfds > task_nofile_limit(current) || nfds > POLL_MAX_FDS)
		return -EINVAL;
	uint32_t n = (uint32_t)nfds;
	if (n && copy_from_user(pfd, ufds, n * sizeof(pfd[0])))
		return -EFAULT;
	struct wait_queue_entry w = { .task = NULL };
	int64_t ret;
	for (;;) {
		prepare_to_wait(&poll_wait, &w);
		ret = poll_scan(pfd, n);
		if (ret || zero)
			break;
		if (task_sigpending(current)) {
			ret = -ERESTARTNOHAND;
			break;
		}
		if (deadline && rdtsc() >= deadline)
			break;
		schedule_until(deadline);
	}
	finish_wait(&poll_wait, &w);
	if (ret < 0)
		return ret;
	/* Only revents go back (Linux writes each pollfd's revents). */
	for (uint32_t i = 0; i < n; i++)
		if (copy_to_user(ufds + i * sizeof(pfd[0]) + 6, &pfd[i].revents, sizeof(int16_t)))
			return -EFAULT;
	return ret;
}

/* See kernel/poll.h. */
int64_t sys_poll(uint64_t ufds, uint64_t nfds, uint64_t timeout_ms)
{
	int32_t ms = (int32_t)timeout_ms;
	uint64_t deadline = 0;
	if (ms > 0)
		deadline = rdtsc() + (uint64_t)ms * (tsc_hz / 1000) + 1;
	return do_sys_poll(ufds, nfds, deadline, ms == 0);
}

/* See kernel/poll.h. The signal mask, when given, holds only during the wait. */
int64_t sys_ppoll(uint64_t ufds, uint64_t nfds, uint64_t tsp, uint64_t usigmask, uint64_t sigsetsize)
{
	uint64_t deadline = 0;
	bool zero = false;
	if (tsp) {
		uint64_t cycles;
		int err = timespec_to_tsc_cycles(tsp, &cycles);
		if (err)
			return err;
		zero = cycles == 0;
		deadline = rdtsc() + cycles + 1;
	}
	k_sigset_t old = current->blocked, set;
	if (usigmask) {
		if (sigsetsize != sizeof(k_sigset_t))
			return -EINVAL;
		if (copy_from_user(&set, usigmask, sizeof(set)))
			return -EFAULT;
		set_current_blocked(set);
	}
	int64_t ret = do_sys_poll(ufds, nfds, deadline, zero);
	/* Put back before any handler runs (Linux keeps the ppoll mask for the
	 * handler and restores it after: restore_saved_sigmask). */
	if (usigmask)
		set_current_blocked(old);
	return ret;
}
