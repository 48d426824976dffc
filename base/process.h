/*
 * A ring-3 program run: its task (Linux's task_struct, much reduced), its
 * address space, and how it ended. Programs run one after another; `current`
 * (cpu/percpu.h) is the one running, NULL between programs.
 */
#ifndef FAULTLINE_PROCESS_H
#define FAULTLINE_PROCESS_H

#include "base/ptrace.h"

/* struct kernel_context offsets used by assembly (fault/calling.h). */
#define KCTX_RBX  0
#define KCTX_RBP  8
#define KCTX_RDI 16
#define KCTX_RSI 24
#define KCTX_R12 32
#define KCTX_R13 40
#define KCTX_R14 48
#define KCTX_R15 56
#define KCTX_RSP 64

#ifndef __ASSEMBLER__
#include "base/signal.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mm_struct;               /* paging/mm_types.h */
struct files_struct;            /* fs/fdtable.h */
struct inode;                   /* fs/inode.h */

#define TASK_COMM_LEN 96
#define SYSCALL_WARN_BITMAP_BITS 1024   /* Linux x86-64 numbers are < 512 */

/* Callee-saved kernel registers and rsp, saved by enter_user (fault/syscall_entry.S). */
struct kernel_context {
	uint64_t rbx, rbp, rdi, rsi, r12, r13, r14, r15, rsp;
};

_Static_assert(offsetof(struct kernel_context, rbx) == KCTX_RBX && offsetof(struct kernel_context, rbp) == KCTX_RBP &&
	       offsetof(struct kernel_context, rdi) == KCTX_RDI && offsetof(struct kernel_context, rsi) == KCTX_RSI &&
	       offsetof(struct kernel_context, r12) == KCTX_R12 && offsetof(struct kernel_context, r13) == KCTX_R13 &&
	       offsetof(struct kernel_context, r14) == KCTX_R14 && offsetof(struct kernel_context, r15) == KCTX_R15 &&
	       offsetof(struct kernel_context, rsp) == KCTX_RSP, "KCTX_* are struct kernel_context's offsets");

enum task_end { TASK_EXITED = 1, TASK_KILLED = 2 };

struct task_struct {
	char comm[TASK_COMM_LEN];      /* the program's name, as the config gave it */
	uint32_t pid;
	struct mm_struct *mm;
	uint64_t min_flt, maj_flt;     /* getrusage: counted as Linux's mm_account_fault */
	uint64_t start_tsc;
	uint64_t tid_address;          /* set_tid_address */
	uint64_t fs_base;
	uint64_t gs_base;              /* arch_prctl(ARCH_SET_GS): the user's GS base */
	int32_t exit_code;             /* exit status, or the signal number when killed */
	enum task_end end;
	struct kernel_context kctx;    /* where return_to_kernel goes */
	uint64_t warned_syscalls[SYSCALL_WARN_BITMAP_BITS / 64];  /* bit nr: -ENOSYS warning given */
	bool warned_high_syscall;      /* the one warning for numbers >= SYSCALL_WARN_BITMAP_BITS given */

	/* Files (fs/): set up by task_files_init (kernel/console_file.c) with
	 * descriptors 0, 1, 2 on the console; fork: dup_fd, exit: exit_files. */
	struct files_struct *files;    /* the descriptor table */
	struct inode *cwd;             /* the working directory (getcwd, chdir, relative paths) */
};

/* `current`, the running task, is this CPU's: cpu/percpu.h (with
 * task_account_minor_fault). */


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

#endif /* !__ASSEMBLER__ */
#endif
