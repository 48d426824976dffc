/*
 * signal_while_faulting: a signal sent to a thread that spends its time in
 * page faults is delivered on the way back from the fault it is in, as
 * Linux does after every exception (irqentry_exit_to_user_mode), not at
 * some later entry to the kernel.
 *
 * A worker thread first-touches the pages of a mapping one after the other
 * (MADV_NOHUGEPAGE: one fault each; at the end it drops them with
 * MADV_DONTNEED and starts again), counting the pages done. ROUNDS times the
 * main thread waits until the worker is GAP pages further, sends it SIGUSR1
 * (tgkill) and, once tgkill has returned (the signal is pending), reads its
 * count; the handler reads the count it finds. The difference is how many
 * faults the worker completed after the signal was pending: the fault it
 * was in, one more if the signal came just after that fault looked (a
 * handler that ran before the read counts 0: how long the sender took to
 * get into the kernel is not measured). With the signal left for the next
 * tick, a thread on another CPU
 * goes on for hundreds of faults (the reschedule IPI lands while it is in a
 * fault, where it is not acted on). Check: every signal delivered, at most
 * MAX_LATE faults late. Prints its test records with printf
 * (docs/records.md).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define PAGES 8192               /* 32 MiB, touched over and over */
#define ROUNDS 8
#define GAP 64                   /* pages the worker does between two signals */
#define MAX_LATE 16
#define TIMEOUT_NS 20000000000ull

static volatile uint64_t done;          /* pages the worker has touched */
static volatile uint64_t seen[ROUNDS];  /* done, as the handler found it */
static volatile int delivered;          /* signals handled */
static volatile int stop;
static volatile long worker_tid;
static unsigned char *map;

static void on_usr1(int sig)
{
	(void)sig;
	int r = delivered;
	if (r < ROUNDS)
		seen[r] = done;
	delivered = r + 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *worker(void *arg)
{
	(void)arg;
	worker_tid = syscall(SYS_gettid);
	while (!stop) {
		for (uint64_t p = 0; p < PAGES && !stop; p++) {
			map[p * PAGE] = 1;
			done = done + 1;
		}
		madvise(map, (size_t)PAGES * PAGE, MADV_DONTNEED);
	}
	return NULL;
}

/* Waits until cond() or the timeout; returns whether cond() held. */
static int wait_for(int (*cond)(uint64_t), uint64_t arg, uint64_t deadline)
{
	while (!cond(arg))
		if (now_ns() > deadline)
			return 0;
	return 1;
}

static int worker_reached(uint64_t n) { return done >= n; }
static int worker_started(uint64_t n) { (void)n; return worker_tid != 0; }
static int signals_handled(uint64_t n) { return (uint64_t)delivered >= n; }

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	map = mmap(0, (size_t)PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_t t;
	if (sigaction(SIGUSR1, &sa, NULL) != 0 || map == MAP_FAILED ||
	    madvise(map, (size_t)PAGES * PAGE, MADV_NOHUGEPAGE) != 0 || pthread_create(&t, NULL, worker, NULL) != 0) {
		printf("{\"type\":\"test\",\"name\":\"ring3.signal_while_faulting.setup\",\"result\":\"fail\","
		       "\"detail\":\"sigaction, mmap, madvise or pthread_create failed\"}\n");
		return 1;
	}
	uint64_t deadline = now_ns() + TIMEOUT_NS, sent[ROUNDS], late_max = 0;
	int rounds = 0;
	char lates[ROUNDS * 24] = "";
	size_t used = 0;
	if (wait_for(worker_started, 0, deadline)) {
		for (; rounds < ROUNDS; rounds++) {
			if (!wait_for(worker_reached, done + GAP, deadline))
				break;
			syscall(SYS_tgkill, getpid(), worker_tid, SIGUSR1);
			sent[rounds] = done;
			if (!wait_for(signals_handled, (uint64_t)rounds + 1, deadline))
				break;
			uint64_t late = seen[rounds] > sent[rounds] ? seen[rounds] - sent[rounds] : 0;
			late_max = late > late_max ? late : late_max;
			used += (size_t)snprintf(lates + used, sizeof(lates) - used, "%s%llu", rounds ? " " : "",
						 (unsigned long long)late);
		}
	}
	stop = 1;
	pthread_join(t, NULL);
	printf("{\"type\":\"test\",\"name\":\"ring3.signal_while_faulting.delivered_at_the_fault\",\"result\":\"%s\","
	       "\"detail\":\"%d of %d SIGUSR1 sent to a thread first-touching pages were handled; faults it completed "
	       "between each tgkill's return and its handler: %s (want at most %d)\"}\n",
	       rounds == ROUNDS && late_max <= MAX_LATE ? "pass" : "fail", rounds, ROUNDS, lates, MAX_LATE);
	return 0;
}
