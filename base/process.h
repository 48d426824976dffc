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

/* Signal numbers (Linux x86-64) used in kill records. */
#define SIGILL  4
#define SIGTRAP 5
#define SIGBUS  7
#define SIGFPE  8
#define SIGKILL 9
#define SIGSEGV 11

/*
 * si_code values (Linux's include/uapi/asm-generic/siginfo.h): why a signal
 * was sent. The kill record names them ("code"), the way a Linux program
 * reads them from siginfo. A value means something only with its signal
 * (1 is SEGV_MAPERR, BUS_ADRALN, FPE_INTDIV and TRAP_BRKPT alike).
 */
#define SI_KERNEL    0x80   /* sent by the kernel, no fault address (#GP, time limit, OOM) */
#define SEGV_MAPERR  1      /* no mapping at the address (also: stack cannot grow, kernel address) */
#define SEGV_ACCERR  2      /* the mapping does not allow this access */
#define SEGV_PKUERR  4      /* a protection key forbids it */
#define BUS_ADRALN   1      /* misaligned access (#AC) */
#define BUS_ADRERR   2      /* nonexistent physical address (past the end of a file) */
#define ILL_ILLOPN   2      /* illegal operand: Linux's code for #UD */
#define FPE_INTDIV   1      /* integer divide by zero (#DE) */
#define FPE_FLTUNK   14     /* undiagnosed floating-point exception */
#define TRAP_BRKPT   1      /* breakpoint */
#define TRAP_TRACE   2      /* single step (#DB) */

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
