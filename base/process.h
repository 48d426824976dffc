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
#include "base/cpumask.h"
#include "base/list.h"
#include "base/resource.h"
#include "base/signal.h"
#include "base/signal_types.h"
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

/* task_struct.state (Linux's __state): what the scheduler may do with it. */
enum task_state {
	TASK_RUNNING = 0,        /* running, or on the run queue */
	TASK_INTERRUPTIBLE = 1,  /* asleep until woken, a fatal signal or its deadline */
	TASK_DEAD = 2,           /* exited: a zombie until reaped (exit_state) */
};

/* task_struct.exit_state. */
enum task_exit_state { EXIT_NONE = 0, EXIT_ZOMBIE = 1, EXIT_DEAD = 2 };

/* A queue of sleeping tasks (Linux's wait_queue_head); kernel/sched.h
 * sleeps on and wakes it. */
struct wait_queue_head {
	struct list_head head;
};

/* vfork's parent sleeps until the child execs or exits (Linux's completion). */
struct completion {
	bool done;
	struct wait_queue_head wait;
};

/* ---- Signal state (kernel/signal.c owns it; docs/ring3.md, "Signals") ---- */

/* The 64 actions, shared by the tasks of a CLONE_SIGHAND group (count of them). */
struct sighand_struct {
	uint32_t count;
	struct k_sigaction action[_NSIG];      /* action[sig - 1] */
};

/* What a pending signal carries to its delivery: siginfo's fields, and for
 * the kill record the words saying why (a static string, or NULL: from code). */
struct kernel_siginfo {
	int32_t signo;
	int32_t code;                          /* si_code: SI_USER, SI_TKILL, SEGV_MAPERR... */
	uint64_t addr;                         /* si_addr of a fault signal */
	uint32_t pid, uid;                     /* the sender of SI_USER / SI_TKILL */
	const char *reason;
};

/* Signals sent and not yet delivered. A signal is pending once: a second
 * one before delivery is merged with it (Linux queues real-time ones). */
struct sigpending {
	k_sigset_t signal;
	struct kernel_siginfo info[_NSIG];     /* info[sig - 1], valid while sig is in signal */
};

/* What the last fault put in sigcontext's err, trapno and cr2 (Linux's
 * thread.error_code, trap_nr, cr2). */
struct signal_archinfo {
	uint64_t error_code, trap_nr, cr2;
};

#define NGROUPS_STORED 64        /* supplementary groups kept (Linux: up to NGROUPS_MAX 65536) */
#define TASK_EXE_PATH_LEN 128
#define TASK_PRCTL_COMM_LEN 16   /* Linux's TASK_COMM_LEN */

/* The ids getuid & co. read and setuid & co. change (Linux's struct cred);
 * capable(CAP_SETUID/CAP_SETGID) is euid == 0, as for root without securebits. */
struct task_cred {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	uint32_t ngroups;
	uint32_t groups[NGROUPS_STORED];
};

struct task_struct {
	char comm[TASK_COMM_LEN];      /* the program's name, as the config or execve gave it */
	uint32_t pid;                  /* the thread id (gettid) */
	uint32_t tgid;                 /* the process id (getpid): the thread group leader's pid */
	struct mm_struct *mm;          /* shared by the threads of a process and by a vfork child */
	uint64_t min_flt, maj_flt;     /* getrusage: counted as Linux's mm_account_fault */
	uint64_t cmin_flt, cmaj_flt;   /* of reaped children (RUSAGE_CHILDREN) */
	uint64_t dead_min_flt, dead_maj_flt; /* leader: of the process's threads that have exited (Linux
	                                        keeps them in signal_struct); written only by the exiting
	                                        thread under the big lock, never by a fault */
	uint64_t nvcsw, nivcsw;        /* voluntary / involuntary context switches */
	uint64_t start_tsc;
	uint64_t tid_address;          /* clear_child_tid (set_tid_address, CLONE_CHILD_CLEARTID) */
	uint64_t set_child_tid;        /* CLONE_CHILD_SETTID: written in the child's memory when it starts */
	uint64_t fs_base;              /* saved at a context switch */
	uint64_t gs_base;              /* arch_prctl(ARCH_SET_GS): the user's GS base */
	uint16_t fs_sel, gs_sel, ds_sel, es_sel;  /* user selectors, saved at a context switch */
	int32_t exit_code;             /* exit status, or the signal number when killed */
	enum task_end end;
	struct kernel_context kctx;    /* switch_to's saved kernel registers (kernel/sched.c) */
	uint64_t warned_syscalls[SYSCALL_WARN_BITMAP_BITS / 64];  /* bit nr: -ENOSYS warning given */
	bool warned_high_syscall;      /* the one warning for numbers >= SYSCALL_WARN_BITMAP_BITS given */

	/* Scheduling (kernel/sched.c). */
	enum task_state state;
	enum task_exit_state exit_state;
	struct list_head run_list;     /* on the run queue while TASK_RUNNING and not running */
	uint64_t sleep_deadline;       /* TSC deadline of a timed sleep, 0 = none */
	bool timed_out;                /* the sleep ended by its deadline */
	uint64_t stack;                /* kernel stack: lowest address (KERNEL_STACK_SIZE bytes) */
	uint64_t stack_top;            /* its top: the pt_regs of the user entry sit just below */
	void *fpu;                     /* the user's FPU/SSE/AVX state while not running (cpu/fpu.h) */

	/* The process tree (kernel/fork.c, kernel/task_exit.c). */
	struct task_struct *real_parent;   /* the process that forked it, or the reaper */
	struct task_struct *group_leader;  /* the thread group's first thread (itself for a process) */
	struct list_head children;     /* a leader's child processes (their leaders' sibling) */
	struct list_head sibling;      /* in real_parent->children */
	struct list_head thread_group; /* the leader's: every other thread's thread_node */
	struct list_head thread_node;
	struct list_head tasks;        /* every task of the run (kernel/sched.c) */
	uint32_t nr_threads;           /* the leader's: live threads of the group */
	int32_t exit_signal;           /* sent to the parent at exit: SIGCHLD; -1 for a thread */
	int32_t fatal_signal;          /* a pending SIGKILL-like signal: the task dies at the next return to user */
	const char *fatal_reason;      /* why (the kill record's reason) */
	int32_t fatal_code;            /* its si_code (0: SI_KERNEL) */
	bool silent_exit;              /* killed by execve in another thread: no record */
	bool group_exiting;            /* the leader's: exit_group or a fatal signal ends every thread */
	int32_t group_exit_code;       /* the leader's: the status or signal of that group exit */
	enum task_end group_end;
	struct wait_queue_head wait_chldexit;  /* the leader's: wait4/waitid sleep here */
	struct completion *vfork_done; /* the parent's, while it waits for this vfork child */
	int32_t oom_score_adj;         /* -1000..1000, inherited (kernel/oom_kill.c) */
	bool oom_victim;
	/* Signals: set up by signal_task_init, released by signal_task_exit (kernel/signal.h). */
	struct sighand_struct *sighand;     /* handlers; shared with CLONE_SIGHAND (refcounted) */
	k_sigset_t blocked;                 /* the signal mask (rt_sigprocmask) */
	struct sigpending pending;          /* sent to this task, not yet delivered */
	uint64_t sas_ss_sp, sas_ss_size;    /* the alternate signal stack (sigaltstack) */
	uint32_t sas_ss_flags;              /* SS_DISABLE, or the flags it was set with */
	struct signal_archinfo fault_info;  /* for the next signal frame's sigcontext */
	bool warned_stop_signal;            /* the one warning for a stop signal's default given */
	/* ---- The small process attributes (small syscalls). Set by
	 * task_misc_init() (kernel/task_misc.c) where a task is set up; fork
	 * copies them all, as Linux's copy_creds/copy_signal do. ---- */
	struct task_cred cred;                  /* getuid, setuid, getgroups, ... (root: 0) */
	struct rlimit rlim[RLIM_NLIMITS];       /* getrlimit/setrlimit/prlimit64 (Linux: signal->rlim) */
	uint32_t pgid, sid;                     /* process group and session; a session leader has sid == pid */
	int32_t pdeath_signal;                  /* prctl(PR_SET_PDEATHSIG), 0: none */
	char prctl_comm[TASK_PRCTL_COMM_LEN];   /* prctl(PR_SET_NAME/PR_GET_NAME): Linux's 16-byte comm */
	struct cpumask cpus_allowed;            /* sched_setaffinity (a cpumask of NR_CPUS bits) */
	uint64_t robust_list_head;              /* set_robust_list/get_robust_list */
	char exe_path[TASK_EXE_PATH_LEN];       /* readlink("/proc/self/exe"); exec sets it */
	uint64_t syscall_count;                 /* syscalls made (FL_INTROSPECT_SYSCALLS: the vDSO makes none) */
	/* Files (fs/): set up by task_files_init (kernel/console_file.c) with
	 * descriptors 0, 1, 2 on the console; fork: dup_fd, exit: exit_files. */
	struct files_struct *files;    /* the descriptor table */
	struct inode *cwd;             /* the working directory (getcwd, chdir, relative paths) */
	/* ---- Programs on every CPU: kernel/sched.c ---- */
	uint32_t cpu;                  /* the CPU it runs on, or whose queue it waits on, or last ran on */
	/* ---- Memory syscalls off the big kernel lock:
	 * kernel/mm_syscall_lock.c counts this task's mmap, munmap, mprotect,
	 * madvise, brk and mremap while programs run on several CPUs; a thread's
	 * go into its leader's when it ends (task_exit.c), the process's sums
	 * into its exit record. Only the task itself writes its own. ---- */
	uint64_t mm_syscalls_unlocked;   /* run under the mm's mmap_lock alone */
	uint64_t mm_syscalls_locked;     /* took the big kernel lock (a file, shmem or hugetlb range) */
};

/*
 * Gives t the process attributes a program started by Linux's init has:
 * root's ids and no supplementary groups, Linux's default resource limits
 * (INIT_RLIMITS: stack 8 MiB soft / unlimited hard, nofile 1024 / 4096, ...),
 * process group and session 0 (init's), every CPU allowed, no parent-death
 * signal, comm and exe_path from the program's name (exe_path "/bin/NAME").
 */
void task_misc_init(struct task_struct *t);

/* The process group of t (wait4 with pid 0 or < -1, kill with them). */
static inline uint32_t task_pgid(const struct task_struct *t) { return t->group_leader->pgid; }

/* The most tasks that may exist at once (Linux's max_threads: the tasks
 * whose kernel stacks would take an eighth of RAM; kernel/task_misc.c). */
uint64_t max_threads(void);

/* The fd limit (RLIMIT_NOFILE's soft value): one more than the highest fd
 * number open() and dup() may hand out, for the fd table. */
static inline uint64_t task_nofile_limit(const struct task_struct *t)
{
	return t->rlim[RLIMIT_NOFILE].rlim_cur;
}

/* `current`, the running task, is this CPU's: cpu/percpu.h (with
 * task_account_minor_fault). */


/*
 * exit(2): ends the calling thread; with its last thread the process ends
 * with status code, its exit record goes out and its parent may reap it
 * (kernel/task_exit.c). Never returns.
 */
void do_exit(int32_t code) __attribute__((noreturn));

/* exit_group(2): every thread of the current process ends; the process's
 * status is code (kernel/task_exit.c). Never returns. */
void do_group_exit(int32_t code) __attribute__((noreturn));

/*
 * Kills the current process with signal sig for the reason code (an si_code
 * above): a {"type":"kill"} record with the signal, code, addr, rip,
 * error_code, vector and reason in words; every thread of it ends (the end
 * of a signal whose action is to terminate: Linux's do_group_exit(sig)
 * after get_signal; kernel/task_exit.c). Never returns.
 */
void force_fatal_sig(int sig, int code, const char *reason, uint64_t addr, const struct pt_regs *regs)
	__attribute__((noreturn));

/*
 * A fault of the current program in ring 3 (Linux's force_sig_fault(sig,
 * code, addr)): when the program has a handler for sig that is not blocked,
 * the signal is queued with its siginfo and sigcontext facts (regs' vector
 * and error code, and for a page fault addr as cr2) and this returns: the
 * handler runs on the way back to ring 3 (exit_to_user_mode). Otherwise
 * (default action, ignored or blocked: Linux then forces the default) the
 * program is killed at once with force_fatal_sig and this never returns.
 * SIGKILL always kills.
 */
void force_sig_fault(int sig, int code, const char *reason, uint64_t addr, const struct pt_regs *regs);

/*
 * The last step before a return to ring 3 from a syscall or an exception
 * (Linux's exit_to_user_mode_loop and arch_do_signal_or_restart): delivers
 * every pending signal that is not blocked, building a handler's signal
 * frame in *regs, ignoring or killing by its action, and restarts an
 * interrupted syscall as Linux does (-ERESTART*). Returns with *regs the
 * ring-3 state to go to (always a user CS and SS and a canonical rip), or
 * never (killed). Does nothing without a current task.
 */
void exit_to_user_mode(struct pt_regs *regs);

/*
 * Whether a return of t to ring 3 has work for exit_to_user_mode: a fatal
 * signal, or a pending signal t does not block (Linux's exit work flags). A
 * page fault resolved without the big lock reads it unlocked on its way
 * back: a signal sent after the read is seen at the next entry.
 */
static inline bool exit_to_user_mode_work(const struct task_struct *t)
{
	return t && (__atomic_load_n(&t->fatal_signal, __ATOMIC_RELAXED) ||
		     (__atomic_load_n(&t->pending.signal.sig, __ATOMIC_RELAXED) & ~t->blocked.sig));
}

#endif /* !__ASSEMBLER__ */
#endif
