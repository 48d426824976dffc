/*
 * Tasks for the multi-CPU benchmarks (docs/bench.md, "Many CPUs"): the CPUs
 * this program may run on, and N copies of one function started either as
 * threads of this process (clone with CLONE_VM|CLONE_THREAD: one mm, as
 * pthreads) or as processes (fork: an mm each), each pinned to its own CPU
 * where there are enough. Written on the raw system calls, so the same
 * binary runs on faultline and on Linux.
 *
 *   struct bench_cpus cpus;  bench_cpus_read(&cpus);
 *   struct bench_tasks t;    bench_tasks_start(&t, BENCH_THREADS, n, fn, arg);
 *   ... fn(arg, i) runs in task i (pinned first: bench_pin) ...
 *   bench_tasks_join(&t);
 *
 * Memory the tasks share with the starter in both modes must be MAP_SHARED
 * (bench_shared_alloc): in processes mode everything else is a copy.
 */
#ifndef FAULTLINE_BENCH_TASKS_H
#define FAULTLINE_BENCH_TASKS_H

#include <stdbool.h>
#include <stdint.h>

#define BENCH_MAX_TASKS 64        /* tasks per point; also the CPUs a mask is read for */
#define BENCH_THREAD_STACK (64u * 1024u)

enum bench_mode { BENCH_THREADS = 0, BENCH_PROCESSES = 1 };

/* The CPUs of this task's affinity mask, in ascending order. */
struct bench_cpus {
	uint32_t n;
	uint32_t cpu[BENCH_MAX_TASKS];
};

/* A task's body: runs in task index (0..n-1) with the starter's arg. */
typedef void (*bench_task_fn)(void *arg, uint32_t index);

struct bench_tasks {
	enum bench_mode mode;
	uint32_t n;
	int64_t id[BENCH_MAX_TASKS];             /* pid (processes) or tid (threads) */
	volatile int32_t *tid_word[BENCH_MAX_TASKS];   /* threads: cleared by the kernel at exit */
	uintptr_t stack[BENCH_MAX_TASKS];        /* threads: the stack mapping */
	bench_task_fn fn;
	void *arg;
};

/* "threads" or "processes". */
const char *bench_mode_name(enum bench_mode m);

/* Reads the affinity mask (sched_getaffinity) into *c. Returns the number of
 * CPUs (at least 1), or -errno when the call fails. */
long bench_cpus_read(struct bench_cpus *c);

/* Pins the calling thread to CPU cpu (sched_setaffinity(0, ...)). Returns 0 or -errno. */
long bench_pin(uint32_t cpu);

/* The CPU the calling thread runs on now (getcpu), or -errno. */
long bench_getcpu(void);

/* Maps len bytes MAP_SHARED|MAP_ANONYMOUS and writes every page (so neither
 * the starter nor a forked child faults on it later: a child still takes one
 * minor fault per page it touches first, see bench_prefault). Returns the
 * address or -errno. */
long bench_shared_alloc(uint64_t len);

/* Writes one byte in every page of [addr, addr + len) with the value it
 * holds (a forked child's first touch of shared memory faults). */
void bench_prefault(uintptr_t addr, uint64_t len);

/*
 * Starts n tasks (1..BENCH_MAX_TASKS) running fn(arg, i) in mode. A
 * thread ends when fn returns; a process ends with exit_group(0) after fn.
 * Returns 0, or -errno of the first clone/fork/mmap that failed (the tasks
 * started before it are joined first, so nothing is left running).
 */
long bench_tasks_start(struct bench_tasks *t, enum bench_mode mode, uint32_t n, bench_task_fn fn, void *arg);

/* Waits for every task to end (futex on the thread's tid word, wait4 for a
 * process) and frees thread stacks. Returns 0, or -errno of a failed wait4,
 * or 1 when a process ended with a nonzero status or by a signal. */
long bench_tasks_join(struct bench_tasks *t);

/* Sleeps ms milliseconds (nanosleep). Returns 0 or -errno. */
long bench_sleep_ms(uint64_t ms);

/* CLOCK_MONOTONIC in nanoseconds (0 if the call fails). */
uint64_t bench_clock_ns(void);

#endif
