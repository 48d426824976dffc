/*
 * A ring-3 program run: its task (Linux's task_struct, much reduced), its
 * address space, and how it ended. Programs run one after another; `current`
 * is the one running, NULL between programs.
 */
#ifndef FAULTLINE_PROCESS_H
#define FAULTLINE_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include "base/ptrace.h"
#include "base/signal.h"

struct mm_struct;               /* paging/mm_types.h */

#define TASK_COMM_LEN 96
#define SYSCALL_WARN_BITMAP_BITS 1024   /* Linux x86-64 numbers are < 512 */

/* Callee-saved kernel registers and rsp, saved by enter_user (fault/syscall_entry.S). */
struct kernel_context {
	uint64_t rbx, rbp, rdi, rsi, r12, r13, r14, r15, rsp;
};

enum task_end { TASK_EXITED = 1, TASK_KILLED = 2 };

struct task_struct {
	char comm[TASK_COMM_LEN];      /* the program's name, as the config gave it */
	uint32_t pid;
	struct mm_struct *mm;
	uint64_t min_flt, maj_flt;     /* getrusage: counted as Linux's mm_account_fault */
	uint64_t start_tsc;
	uint64_t tid_address;          /* set_tid_address */
	uint64_t fs_base;
	int32_t exit_code;             /* exit status, or the signal number when killed */
	enum task_end end;
	struct kernel_context kctx;    /* where return_to_kernel goes */
	uint64_t warned_syscalls[SYSCALL_WARN_BITMAP_BITS / 64];  /* bit nr: -ENOSYS warning given */
	bool warned_high_syscall;      /* the one warning for numbers >= SYSCALL_WARN_BITMAP_BITS given */
};

extern struct task_struct *current;

/* Counts a minor fault of the running task, if there is one (getrusage's
 * ru_minflt, as Linux's mm_account_fault): the arch's fault path and
 * MAP_POPULATE's faults (Linux's GUP) call it. */
static inline void task_account_minor_fault(void)
{
	if (current)
		current->min_flt++;
}

/*
 * Ends the current program: emits its exit record (TASK_EXITED, code = exit
 * status) and returns to the kernel's run loop. Never returns.
 */
void do_exit(int32_t code) __attribute__((noreturn));

/*
 * Kills the current program with signal sig for the reason code (an si_code
 * above, as Linux's force_sig_fault(sig, code, addr)): a {"type":"kill"}
 * record with the signal, code, addr, rip, error_code, vector and reason in
 * words, then back to the run loop. Never returns.
 */
void force_sig_fault(int sig, int code, const char *reason, uint64_t addr, const struct pt_regs *regs)
	__attribute__((noreturn));

#endif
