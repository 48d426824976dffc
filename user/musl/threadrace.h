/*
 * threadrace.h: what the threadrace_* programs (concurrent page
 * faults of several threads of one process, compared with Linux) share.
 * Plain musl C, header-only (each user/musl/X.c is built alone):
 *
 *   tr_test(check, ok, fmt, ...)   one `test` record, written with one
 *                                  write() (docs/records.md), named
 *                                  ring3.<TR_PROGRAM>.<check>
 *   tr_skip(check, fmt, ...)       a `skip` record
 *   struct tr_barrier              a spinning barrier, so that the threads
 *                                  leave it within a few instructions of
 *                                  each other and their faults overlap
 *   tr_minflt()                    getrusage(RUSAGE_SELF) ru_minflt: the
 *                                  faults of every thread of the process
 *   tr_map_isolated(len, advice)   anonymous read-write memory between two
 *                                  PROT_NONE guard pages, so that it is one
 *                                  VMA of its own (smaps), advised
 *   tr_smaps_kb(addr, field)       a field ("Rss", "Anonymous",
 *                                  "AnonHugePages") of addr's VMA in
 *                                  /proc/self/smaps, in kB
 *   tr_pagemap(addr)               addr's /proc/self/pagemap word
 *
 * TR_THREADS threads race in every program, whatever the CPUs: the fault
 * counts and bounds the programs assert then do not depend on the machine.
 */
#ifndef FAULTLINE_USER_THREADRACE_H
#define FAULTLINE_USER_THREADRACE_H

#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FUTEX_WAIT 0   /* linux/futex.h's: not among musl's headers */
#define FUTEX_WAKE 1

#define TR_THREADS 4
#define TR_PAGE 4096ul

#ifndef TR_PROGRAM
#error "define TR_PROGRAM (the program's name) before including threadrace.h"
#endif

static int tr_failed;

/* Writes one `test` record: result "pass", "fail" or "skip". The detail is
 * escaped for JSON; a record longer than the buffer is cut. */
static inline void tr_record(const char *check, const char *result, const char *fmt, va_list ap)
{
	char detail[768], line[1024];
	vsnprintf(detail, sizeof(detail), fmt, ap);
	int n = snprintf(line, sizeof(line), "{\"type\":\"test\",\"name\":\"ring3.%s.%s\",\"result\":\"%s\",\"detail\":\"",
			 TR_PROGRAM, check, result);
	for (const char *s = detail; *s && n < (int)sizeof(line) - 8; s++) {
		if (*s == '"' || *s == '\\')
			line[n++] = '\\';
		line[n++] = (*s >= ' ' && *s != 127) ? *s : ' ';
	}
	n += snprintf(line + n, sizeof(line) - (size_t)n, "\"}\n");
	for (int off = 0; off < n;) {
		ssize_t w = write(1, line + off, (size_t)(n - off));
		if (w <= 0)
			break;
		off += (int)w;
	}
}

/* One record, pass if ok. Returns ok. */
static inline int tr_test(const char *check, int ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tr_record(check, ok ? "pass" : "fail", fmt, ap);
	va_end(ap);
	tr_failed += !ok;
	return ok;
}

/* A check that cannot be made on this kernel, with why. */
static inline void tr_skip(const char *check, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tr_record(check, "skip", fmt, ap);
	va_end(ap);
}

/* A barrier of n parties: a waiter spins a little (pause), so that parties
 * arriving close together leave within a few instructions of each other,
 * then sleeps in futex(FUTEX_WAIT) on the generation, so that waiting costs
 * no CPU an emulator's other virtual CPUs need. The futex is not private:
 * the barrier also works in a MAP_SHARED page across fork. */
struct tr_barrier {
	atomic_int count;
	atomic_int generation;
	int n;
};

static inline void tr_barrier_init(struct tr_barrier *b, int n)
{
	atomic_store(&b->count, 0);
	atomic_store(&b->generation, 0);
	b->n = n;
}

/* Waits until all n parties arrived; the last one releases the others. */
static inline void tr_barrier_wait(struct tr_barrier *b)
{
	int g = atomic_load(&b->generation);
	if (atomic_fetch_add(&b->count, 1) == b->n - 1) {
		atomic_store(&b->count, 0);
		atomic_fetch_add(&b->generation, 1);
		syscall(SYS_futex, &b->generation, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
		return;
	}
	for (unsigned i = 0; atomic_load(&b->generation) == g; i++) {
		if (i < 2000)
			__builtin_ia32_pause();
		else
			syscall(SYS_futex, &b->generation, FUTEX_WAIT, g, NULL, NULL, 0);
	}
}

/* The process's minor faults (all its threads'), or -1. */
static inline long tr_minflt(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_minflt;
}

/* Maps len bytes (a multiple of 4 KiB) of private anonymous read-write
 * memory with an inaccessible page on either side - a VMA of its own that
 * cannot merge with a neighbour - aligned to align (a power of two, at
 * least 4 KiB), and advises it (MADV_NOHUGEPAGE, MADV_HUGEPAGE; 0: none).
 * Returns the address, or NULL. */
static inline unsigned char *tr_map_isolated(size_t len, size_t align, int advice)
{
	size_t span = len + align + 2 * TR_PAGE;
	unsigned char *raw = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	uintptr_t a = ((uintptr_t)raw + TR_PAGE + align - 1) & ~(uintptr_t)(align - 1);
	if (mprotect((void *)a, len, PROT_READ | PROT_WRITE) != 0)
		return NULL;
	if (advice && madvise((void *)a, len, advice) != 0)
		return NULL;
	return (unsigned char *)a;
}

/* The value in kB of field ("Rss", "Anonymous", ...) of the VMA holding
 * addr in /proc/self/smaps, or -1 if there is no such VMA or field. */
static inline long tr_smaps_kb(const void *addr, const char *field)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	char line[512];
	int in = 0;
	long value = -1;
	size_t flen = strlen(field);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char dash;
		if (sscanf(line, "%lx%c%lx ", &lo, &dash, &hi) == 3 && dash == '-') {   /* a VMA's first line */
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
			continue;
		}
		if (in && strncmp(line, field, flen) == 0 && line[flen] == ':') {
			value = strtol(line + flen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return value;
}

#define TR_PM_PRESENT   (1ull << 63)
#define TR_PM_EXCLUSIVE (1ull << 56)   /* the page is mapped once */

/* addr's /proc/self/pagemap word, or 0 if it cannot be read. */
static inline uint64_t tr_pagemap(const void *addr)
{
	static int fd = -2;
	if (fd == -2)
		fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t word = 0;
	if (fd < 0 || pread(fd, &word, sizeof(word), (off_t)((uintptr_t)addr / TR_PAGE * 8)) != sizeof(word))
		return 0;
	return word;
}

/* Starts n threads running fn(i) (i = 0..n-1); returns how many started. */
static inline int tr_start(pthread_t *t, int n, void *(*fn)(void *))
{
	int started = 0;
	for (int i = 0; i < n; i++)
		started += pthread_create(&t[i], NULL, fn, (void *)(long)i) == 0;
	return started;
}

static inline void tr_join(pthread_t *t, int n)
{
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

#endif
