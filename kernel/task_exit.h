/*
 * The end of tasks and processes (Linux's kernel/exit.c): exit and
 * exit_group, death by a fatal signal, the kill and exit records, zombies,
 * reparenting to the reaper, and wait4/waitid.
 *
 * A process (a thread group) ends when its last thread does: then its one
 * record goes out - {"type":"exit"} with its status, or {"type":"kill"} for a
 * signal (written at once by force_sig_fault for a fault, with the fault's
 * details) - its children go to the reaper (the run loop, pid 1), and it
 * stays a zombie until its parent reaps it. Threads other than the leader
 * are freed as soon as they are off the CPU.
 */
#ifndef FAULTLINE_TASK_EXIT_H
#define FAULTLINE_TASK_EXIT_H

#include <stdint.h>
#include "base/process.h"

/* The pid the run loop answers to as every tree's parent and reaper. */
#define REAPER_PID 1

/* do_exit and do_group_exit: base/process.h. */

/*
 * Makes the process of t die of sig (SIGKILL-like: not catchable) for
 * reason, with si_code code in its kill record: every thread gets the fatal
 * signal and is woken; each dies on its way back to ring 3. Nothing
 * happens if the process is dying already.
 */
void kill_process(struct task_struct *t, int sig, int code, const char *reason);

/* Ends the current task for its pending fatal signal (exit_to_user_mode,
 * kernel/signal.c). Never returns. */
void do_fatal_signal_exit(void) __attribute__((noreturn));

/* execve's de_thread: every other thread of t's process ends quietly
 * (no record: the process goes on in t). */
void exec_kill_other_threads(struct task_struct *t);

/* Frees a task that is off the CPU and no longer needed (reaped zombie, or
 * a thread that ended). */
void release_task(struct task_struct *t);

/* Reaps every zombie child of the reaper (the run loop's task). */
void reap_orphans(struct task_struct *reaper);

/* The syscalls. */
int64_t sys_wait4(uint64_t pid, uint64_t status, uint64_t options, uint64_t ru);
int64_t sys_waitid(uint64_t idtype, uint64_t id, uint64_t infop, uint64_t options, uint64_t ru);
int64_t sys_getppid(void);

/* The parent's pid as getppid reports it. */
uint32_t task_ppid(const struct task_struct *t);

#endif
