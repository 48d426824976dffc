/*
 * threadrace_cow: copy-on-write after fork with threads on both sides
 * writing at once. The parent fills PAGES pages of private anonymous memory
 * (each word names its page and offset), forks, and then TR_THREADS threads
 * in the child and TR_THREADS threads in the parent - all released together
 * by a barrier in a MAP_SHARED page - each add to a counter in every page
 * (a locked add; all threads of a side in the same page order, so that
 * several threads of one process break CoW on one page at once) and store
 * their own word in every page. On any correct kernel:
 *
 *   child_counters, parent_counters
 *                    every counter is its original value plus exactly its
 *                    own side's additions (child: +1 per thread, parent:
 *                    +0x10000 per thread): an increment lost to a second
 *                    copy of a page (two threads both copying it, one copy
 *                    thrown away after a write went into it), or one seen
 *                    from the other process (a copy made from the frame
 *                    after the other side wrote it, a page not copied at
 *                    all), fails it;
 *   child_words, parent_words
 *                    each thread's own word holds its value, and every
 *                    other word the pattern from before the fork (the copy
 *                    was made of the whole page, before anyone wrote);
 *   child_mapped_once, parent_mapped_once
 *                    pagemap: afterwards every page is present and mapped
 *                    once in each process (each side got its own frame, or
 *                    the last one took the original over);
 *   child_faults     the child's write faults are at least one per page and
 *                    at most TR_THREADS per page (one per thread that found
 *                    the page write-protected; how many race is not
 *                    deterministic, on Linux either).
 * The child writes its findings into the shared page and exits 0; the
 * parent prints every record.
 */
#define TR_PROGRAM "threadrace_cow"
#include "threadrace.h"
#include <sys/wait.h>

#define PAGES 128
#define LEN (PAGES * TR_PAGE)
#define OWN_WORD(id) (8 + 8 * (id))      /* a cache line of its own */
#define CHILD_ADD 1ull
#define PARENT_ADD 0x10000ull

struct shared {
	struct tr_barrier start;         /* 2 * TR_THREADS threads + the two main threads */
	long child_bad_counters, child_bad_words, child_not_once, child_faults, child_done;
};

static struct shared *sh;
static unsigned char *mem;
static uint64_t add_value;
static struct tr_barrier local;          /* this process's threads and main thread */

static uint64_t before_fork(int p, int word)
{
	return 0x5a00000000000000ull | ((uint64_t)p << 16) | (uint64_t)word;
}

static uint64_t own_value(int p, int id)
{
	return ((add_value == CHILD_ADD ? 0xc1ull : 0x9aull) << 56) | ((uint64_t)id << 40) | (uint64_t)p;
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	tr_barrier_wait(&local);                 /* started (the main thread reads the fault count) */
	tr_barrier_wait(&sh->start);             /* both processes: go */
	for (int p = 0; p < PAGES; p++) {
		uint64_t *w = (uint64_t *)(mem + (size_t)p * TR_PAGE);
		atomic_fetch_add((_Atomic uint64_t *)&w[0], add_value);
		w[OWN_WORD(id)] = own_value(p, id);
	}
	tr_barrier_wait(&local);                 /* done */
	return NULL;
}

/* Checks mem after this side's threads: counters, words, pagemap. */
static void verify(long *bad_counters, long *bad_words, long *not_once)
{
	*bad_counters = *bad_words = *not_once = 0;
	for (int p = 0; p < PAGES; p++) {
		const uint64_t *w = (const uint64_t *)(mem + (size_t)p * TR_PAGE);
		*bad_counters += w[0] != before_fork(p, 0) + TR_THREADS * add_value;
		for (int i = 1; i < (int)(TR_PAGE / 8); i++) {
			int owner = i >= 8 && i % 8 == 0 && (i - 8) / 8 < TR_THREADS ? (i - 8) / 8 : -1;
			if (w[i] != (owner >= 0 ? own_value(p, owner) : before_fork(p, i))) {
				(*bad_words)++;
				break;
			}
		}
		uint64_t pm = tr_pagemap(mem + (size_t)p * TR_PAGE);
		*not_once += (pm & (TR_PM_PRESENT | TR_PM_EXCLUSIVE)) != (TR_PM_PRESENT | TR_PM_EXCLUSIVE);
	}
}

/* This side's part: start the threads, let them go with the other side's,
 * wait for them. Returns the minor faults they took, or -1. */
static long side(void)
{
	pthread_t t[TR_THREADS];
	tr_barrier_init(&local, TR_THREADS + 1);
	if (tr_start(t, TR_THREADS, worker) != TR_THREADS)
		return -1;
	tr_barrier_wait(&local);
	long before = tr_minflt();
	tr_barrier_wait(&sh->start);
	tr_barrier_wait(&local);
	long faults = tr_minflt() - before;
	tr_join(t, TR_THREADS);
	return faults;
}

int main(void)
{
	sh = mmap(NULL, TR_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	mem = tr_map_isolated(LEN, TR_PAGE, MADV_NOHUGEPAGE);
	if (!tr_test("setup", sh != MAP_FAILED && mem, "a MAP_SHARED page and %d private pages", PAGES))
		return 1;
	tr_barrier_init(&sh->start, 2 * TR_THREADS + 2);
	for (int p = 0; p < PAGES; p++)
		for (int i = 0; i < (int)(TR_PAGE / 8); i++)
			((uint64_t *)(mem + (size_t)p * TR_PAGE))[i] = before_fork(p, i);

	pid_t pid = fork();
	if (pid == 0) {
		add_value = CHILD_ADD;
		long faults = side();
		verify(&sh->child_bad_counters, &sh->child_bad_words, &sh->child_not_once);
		sh->child_faults = faults;
		sh->child_done = 1;
		_exit(0);
	}
	if (!tr_test("fork", pid > 0, "fork returned %d", (int)pid))
		return 1;
	add_value = PARENT_ADD;
	long faults = side();
	long bad_counters, bad_words, not_once;
	verify(&bad_counters, &bad_words, &not_once);
	int status = -1;
	waitpid(pid, &status, 0);
	tr_test("child_exit", WIFEXITED(status) && WEXITSTATUS(status) == 0 && sh->child_done,
		"child wait status 0x%x, finished %ld", status, sh->child_done);
	tr_test("child_counters", sh->child_done && sh->child_bad_counters == 0,
		"child: %ld of %d counters not the value before fork + %d (the other side's additions leaked or "
		"its own lost)", sh->child_bad_counters, PAGES, TR_THREADS);
	tr_test("parent_counters", bad_counters == 0,
		"parent: %ld of %d counters not the value before fork + %d x 0x10000", bad_counters, PAGES, TR_THREADS);
	tr_test("child_words", sh->child_done && sh->child_bad_words == 0,
		"child: %ld pages with a word not its own thread's or not from before the fork", sh->child_bad_words);
	tr_test("parent_words", bad_words == 0,
		"parent: %ld pages with a word not its own thread's or not from before the fork", bad_words);
	tr_test("child_mapped_once", sh->child_done && sh->child_not_once == 0,
		"child: %ld pages not present or not mapped once after its writes (pagemap)", sh->child_not_once);
	tr_test("parent_mapped_once", not_once == 0,
		"parent: %ld pages not present or not mapped once after both sides wrote (pagemap)", not_once);
	tr_test("child_faults", sh->child_faults >= PAGES && sh->child_faults <= (long)TR_THREADS * PAGES,
		"child: %ld minor faults for %d threads writing %d CoW pages (bounds %d..%d); parent: %ld", sh->child_faults,
		TR_THREADS, PAGES, PAGES, TR_THREADS * PAGES, faults);
	return 0;
}
