/*
 * The scheduler: tasks with their own kernel stacks, one run queue per CPU
 * (struct pcpu), round-robin with a time slice of one tick, and sleeping on
 * wait queues with an optional TSC deadline.
 *
 * The kernel runs with interrupts off and is never preempted inside: a task
 * gives up the CPU only in schedule(), called when it sleeps, yields or
 * exits, and by the tick or the reschedule IPI when they interrupted ring 3
 * (Linux without CONFIG_PREEMPT). The boot CPU's idle task is the run loop
 * (kernel/run.c): it runs when no task can, halting with interrupts on until
 * the next one; each other CPU's is its idle loop (cpu/smp.h), which runs
 * tasks through the idle hook once sched_init_smp has set it.
 *
 * On several CPUs (sched_smp) every CPU has its own queue with its own lock,
 * and all of this runs under the big kernel lock (cpu/kernel_lock.h): where
 * a task goes is in kernel/sched.c's table.
 */
#ifndef FAULTLINE_SCHED_H
#define FAULTLINE_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "base/process.h"
#include "base/ptrace.h"
#include "kernel/signal.h"

#define KERNEL_STACK_ORDER 2                           /* 16 KiB per task */
#define KERNEL_STACK_SIZE  (4096u << KERNEL_STACK_ORDER)
#define TICK_HZ 100u

/* The registers a task entered the kernel with from ring 3: the top of
 * its kernel stack (Linux's task_pt_regs). */
static inline struct pt_regs *task_pt_regs(struct task_struct *t)
{
	return (struct pt_regs *)(uintptr_t)t->stack_top - 1;
}

/* Sets up this CPU's idle task (the caller's context) and its run queue,
 * the FPU save format, and the tick handler. Once, before the first task. */
void sched_init(void);

/*
 * After sched_init, on the boot CPU with no program running: gives every
 * other online CPU an idle task and an empty run queue and lets its idle
 * loop run tasks (sched_smp true when there is another CPU). Returns false
 * when memory is short (then tasks stay on the boot CPU).
 */
bool sched_init_smp(void);

/* Whether tasks run on more than one CPU (set by sched_init_smp). */
extern bool sched_smp;

/* The CPUs that run tasks (the boot CPU only before sched_init_smp or with
 * one CPU): sched_getaffinity's online mask. Never NULL; do not write it. */
const struct cpumask *sched_cpus(void);

/* The reaper: the boot CPU's idle task, the run loop, parent of every
 * tree's first process and of orphans (as init). */
struct task_struct *sched_reaper(void);

/* If t runs on another CPU right now, sends it the reschedule IPI so that
 * it enters the kernel (Linux's kick_process): a fatal signal ends it, a
 * changed affinity moves it. */
void kick_process(struct task_struct *t);

/* The tick's work that needs the big kernel lock: wakes timed sleepers and
 * enforces the run's time limit (kills every process when it is up). The
 * tick runs it when it interrupted ring 3; the idle run loop calls it. */
void sched_tick_work(void);

/* A zeroed task with its kernel stack and FPU area, not yet on any list,
 * or NULL when memory is short. */
struct task_struct *alloc_task(void);

/*
 * A kernel thread (no mm, never in ring 3, not in the run's task list):
 * once woken (wake_up_process) it runs fn(arg), which must never return,
 * on its own stack. Returns NULL when memory is short.
 */
struct task_struct *kthread_create(void (*fn)(void *arg), void *arg, const char *name);

/* Frees what alloc_task gave (after the task is off every list). */
void free_task(struct task_struct *t);

/* Enters t into the run's task list (every task of the running tree). */
void sched_attach_task(struct task_struct *t);

/* Removes t from the run's task list (it is being freed). */
void sched_detach_task(struct task_struct *t);

/* The number of tasks in the run's task list, live or zombie. */
uint32_t sched_nr_tasks(void);

/* Calls fn(t, arg) for every task of the run (fn must not free t). */
void for_each_task(void (*fn)(struct task_struct *t, void *arg), void *arg);

/* Copies the running task's user state that lives in the CPU (FS/GS
 * selectors and bases, FPU registers) into a new task c (fork). */
void sched_fork_user_state(struct task_struct *c);

/* Makes a new task runnable: at the tail of the run queue. */
void wake_up_new_task(struct task_struct *t);

/* Wakes t if it sleeps (TASK_INTERRUPTIBLE): onto the run queue. */
void wake_up_process(struct task_struct *t);

/*
 * Gives the CPU to the next runnable task (or the idle task) and returns
 * when this one runs again. A TASK_RUNNING caller goes to the tail of the
 * queue (a yield); a sleeping one stays off it until woken; a TASK_DEAD
 * one never returns.
 */
void schedule(void);

/* Whether a fatal signal waits for t (kill, the time limit, the OOM
 * killer): sleeps end with -EINTR and the task dies on its way to ring 3. */
static inline bool fatal_signal_pending(const struct task_struct *t)
{
	return t->fatal_signal != 0;
}

/* Whether a sleep of t must end for a signal: a fatal one, or one it does
 * not block (its handler runs, or its default kills, on the way out). */
static inline bool task_sigpending(const struct task_struct *t)
{
	return fatal_signal_pending(t) || signal_pending(t);
}

/* A sleeper on a wait queue (Linux's wait_queue_entry). */
struct wait_queue_entry {
	struct list_head node;
	struct task_struct *task;
};

static inline void init_waitqueue_head(struct wait_queue_head *wq)
{
	INIT_LIST_HEAD(&wq->head);
}

/* Queues the current task on wq (once) and marks it TASK_INTERRUPTIBLE:
 * the caller then tests its condition and calls schedule_until. */
void prepare_to_wait(struct wait_queue_head *wq, struct wait_queue_entry *w);

/* Takes the current task off wq and makes it TASK_RUNNING again. */
void finish_wait(struct wait_queue_head *wq, struct wait_queue_entry *w);

/*
 * Sleeps (the caller set TASK_INTERRUPTIBLE) until woken or until the TSC
 * reaches deadline (0: no deadline). Returns false if the deadline ended
 * it, true otherwise.
 */
bool schedule_until(uint64_t deadline);

/* Wakes up to nr sleepers of wq (all if nr is 0); returns how many. */
uint32_t wake_up_nr(struct wait_queue_head *wq, uint32_t nr);
static inline void wake_up(struct wait_queue_head *wq) { wake_up_nr(wq, 0); }

/*
 * Sleeps until the TSC reaches deadline or a signal comes (task_sigpending).
 * Returns 0, or -EINTR (base/errno.h) for the signal.
 */
int sleep_until_tsc(uint64_t deadline);

/* vfork's completion. */
void init_completion(struct completion *c);
void complete(struct completion *c);
/* Waits for c; returns 0, or -EINTR when a fatal signal came first. */
int wait_for_completion(struct completion *c);

/* exit_to_user_mode: base/process.h. */

/* sched_yield(2): to the tail of the run queue. Returns 0. */
int64_t sys_sched_yield(void);

/* Wakes every task whose sleep deadline has passed; returns the earliest
 * deadline still ahead (0: none). The tick calls it; so does the idle loop. */
uint64_t wake_expired_sleepers(void);

/* Ticks since boot. */
extern uint64_t jiffies;

/* Called by the tick for the run loop's time limit (kernel/watchdog.c):
 * true when the running tree's time is up. */
bool watchdog_expired(void);

#endif
