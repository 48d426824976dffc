/*
 * do_syscall_64: the syscall table. Arguments arrive as Linux passes them
 * (rdi, rsi, rdx, r10, r8, r9); the result, a value or -errno, goes back in
 * rax. The number is the low 32 bits of rax, as on Linux (its do_syscall_64
 * takes an int: syscall(0x100000000 + 39) is getpid there). A number
 * faultline does not provide returns -ENOSYS and a warning record naming it:
 * once per program for each number below SYSCALL_WARN_BITMAP_BITS, and once
 * per program for all numbers above (the first one is named, later ones are
 * not reported), so a program can cause at most SYSCALL_WARN_BITMAP_BITS + 1
 * warnings (docs/records.md, "warning").
 */
#include "fault/syscall.h"
#include "base/process.h"
#include "cpu/kernel_lock.h"
#include "cpu/percpu.h"
#include "fault/fault_lock.h"
#include "lib/record.h"

/* The -ENOSYS answer, with its bounded warnings (see above). */
static int64_t sys_ni_syscall(uint32_t nr)
{
	if (nr < SYSCALL_WARN_BITMAP_BITS) {
		uint64_t *word = &current->warned_syscalls[nr / 64], bit = UINT64_C(1) << (nr % 64);
		if (*word & bit)
			return -ENOSYS;
		*word |= bit;
		record_warning("syscall", "%s: syscall %u is not provided by faultline: -ENOSYS", current->comm, nr);
	} else if (!current->warned_high_syscall) {
		current->warned_high_syscall = true;
		record_warning("syscall", "%s: syscall %u is not provided by faultline: -ENOSYS; "
			       "later syscall numbers >= %u are not reported", current->comm, nr,
			       SYSCALL_WARN_BITMAP_BITS);
	}
	return -ENOSYS;
}

/* The memory syscalls that arrive without the big kernel lock while
 * programs run on several CPUs (page_fault_smp, as the page fault): they
 * serialise on their mm's mmap_lock and take the big lock themselves only
 * for a file, shmem or hugetlb range (kernel/mm_syscall_lock.h). */
static bool mm_syscall_nr(uint32_t nr)
{
	switch (nr) {
	case __NR_mmap:
	case __NR_munmap:
	case __NR_mprotect:
	case __NR_brk:
	case __NR_madvise:
	case __NR_mremap:
		return true;
	default:
		return false;
	}
}

/* See fault/syscall.h. */
void do_syscall_64(struct pt_regs *regs)
{
	uint32_t nr = (uint32_t)regs->ax;       /* Linux: (int)rax; negative is out of range */
	uint64_t a0 = regs->di, a1 = regs->si, a2 = regs->dx, a3 = regs->r10, a4 = regs->r8, a5 = regs->r9;
	int64_t ret;

	/* Every syscall body runs under the big kernel lock (cpu/kernel_lock.h)
	 * but the memory syscalls on several CPUs (mm_syscall_nr). */
	if (!page_fault_smp || !mm_syscall_nr(nr))
		lock_kernel();
	current->syscall_count++;   /* the task's own count: no lock needed */
	switch (nr) {
	case __NR_read:            ret = sys_read(a0, a1, a2); break;
	case __NR_write:           ret = sys_write(a0, a1, a2); break;
	case __NR_writev:          ret = sys_writev(a0, a1, a2); break;
	case __NR_mmap:            ret = sys_mmap(a0, a1, a2, a3, a4, a5); break;
	case __NR_munmap:          ret = sys_munmap(a0, a1); break;
	case __NR_mprotect:        ret = sys_mprotect(a0, a1, a2); break;
	case __NR_brk:             ret = sys_brk(a0); break;
	case __NR_madvise:         ret = sys_madvise(a0, a1, a2); break;
	case __NR_mremap:          ret = sys_mremap(a0, a1, a2, a3, a4); break;
	case __NR_getrusage:       ret = sys_getrusage(a0, a1); break;
	case __NR_clock_gettime:   ret = sys_clock_gettime(a0, a1); break;
	case __NR_gettimeofday:    ret = sys_gettimeofday(a0, a1); break;
	case __NR_uname:           ret = sys_uname(a0); break;
	case __NR_getrandom:       ret = sys_getrandom(a0, a1, a2); break;
	case __NR_arch_prctl:      ret = sys_arch_prctl(a0, a1); break;
	case __NR_getpid:          ret = current->tgid; break;
	case __NR_gettid:          ret = current->pid; break;
	case __NR_set_tid_address: current->tid_address = a0; ret = current->pid; break;
	case __NR_sched_yield:     ret = sys_sched_yield(); break;
	case __NR_ioctl:           ret = sys_ioctl(a0, a1, a2); break;
	case __NR_exit:            do_exit((int32_t)(a0 & 0xff));
	case __NR_exit_group:      do_group_exit((int32_t)(a0 & 0xff));
	case __NR_fork:            ret = sys_fork(); break;
	case __NR_vfork:           ret = sys_vfork(); break;
	case __NR_clone:           ret = sys_clone(a0, a1, a2, a3, a4); break;
	case __NR_clone3:          ret = sys_clone3(a0, a1); break;
	case __NR_execve:          ret = sys_execve(a0, a1, a2); break;
	case __NR_wait4:           ret = sys_wait4(a0, a1, a2, a3); break;
	case __NR_waitid:          ret = sys_waitid(a0, a1, a2, a3, a4); break;
	case __NR_getppid:         ret = sys_getppid(); break;
	case __NR_futex:           ret = sys_futex(a0, a1, a2, a3, a4, a5); break;
	case __NR_pipe:            ret = sys_pipe(a0); break;
	case __NR_pipe2:           ret = sys_pipe2(a0, a1); break;
	case __NR_poll:            ret = sys_poll(a0, a1, a2); break;
	case __NR_ppoll:           ret = sys_ppoll(a0, a1, a2, a3, a4); break;
	/* The small syscalls (sysmisc). */
	case __NR_getuid:          ret = sys_getuid(); break;
	case __NR_geteuid:         ret = sys_geteuid(); break;
	case __NR_getgid:          ret = sys_getgid(); break;
	case __NR_getegid:         ret = sys_getegid(); break;
	case __NR_getresuid:       ret = sys_getresuid(a0, a1, a2); break;
	case __NR_getresgid:       ret = sys_getresgid(a0, a1, a2); break;
	case __NR_setuid:          ret = sys_setuid(a0); break;
	case __NR_setgid:          ret = sys_setgid(a0); break;
	case __NR_setreuid:        ret = sys_setreuid(a0, a1); break;
	case __NR_setregid:        ret = sys_setregid(a0, a1); break;
	case __NR_setresuid:       ret = sys_setresuid(a0, a1, a2); break;
	case __NR_setresgid:       ret = sys_setresgid(a0, a1, a2); break;
	case __NR_setfsuid:        ret = sys_setfsuid(a0); break;
	case __NR_setfsgid:        ret = sys_setfsgid(a0); break;
	case __NR_getgroups:       ret = sys_getgroups(a0, a1); break;
	case __NR_setgroups:       ret = sys_setgroups(a0, a1); break;
	case __NR_getpgrp:         ret = sys_getpgrp(); break;
	case __NR_getpgid:         ret = sys_getpgid(a0); break;
	case __NR_setpgid:         ret = sys_setpgid(a0, a1); break;
	case __NR_setsid:          ret = sys_setsid(); break;
	case __NR_getsid:          ret = sys_getsid(a0); break;
	case __NR_getrlimit:       ret = sys_getrlimit(a0, a1); break;
	case __NR_setrlimit:       ret = sys_setrlimit(a0, a1); break;
	case __NR_prlimit64:       ret = sys_prlimit64(a0, a1, a2, a3); break;
	case __NR_prctl:           ret = sys_prctl(a0, a1, a2, a3, a4); break;
	case __NR_sched_getaffinity: ret = sys_sched_getaffinity(a0, a1, a2); break;
	case __NR_sched_setaffinity: ret = sys_sched_setaffinity(a0, a1, a2); break;
	case __NR_sysinfo:         ret = sys_sysinfo(a0); break;
	case __NR_readlink:        ret = sys_readlink(a0, a1, a2); break;
	case __NR_readlinkat:      ret = sys_readlinkat(a0, a1, a2, a3); break;
	case __NR_set_robust_list: ret = sys_set_robust_list(a0, a1); break;
	case __NR_get_robust_list: ret = sys_get_robust_list(a0, a1, a2); break;
	case __NR_rseq:            ret = -ENOSYS; break;   /* deliberate, no warning: kernel/sys_robust_list.c */
	case __NR_nanosleep:       ret = sys_nanosleep(a0, a1); break;
	case __NR_clock_nanosleep: ret = sys_clock_nanosleep(a0, a1, a2, a3); break;
	case __NR_clock_getres:    ret = sys_clock_getres(a0, a1); break;
	case __NR_time:            ret = sys_time(a0); break;
	case __NR_getcpu:          ret = sys_getcpu(a0, a1, a2); break;
	/* files (kernel/sys_file.c) */
	case __NR_open:            ret = sys_open(a0, a1, a2); break;
	case __NR_openat:          ret = sys_openat(a0, a1, a2, a3); break;
	case __NR_close:           ret = sys_close(a0); break;
	case __NR_dup:             ret = sys_dup(a0); break;
	case __NR_dup2:            ret = sys_dup2(a0, a1); break;
	case __NR_dup3:            ret = sys_dup3(a0, a1, a2); break;
	case __NR_fcntl:           ret = sys_fcntl(a0, a1, a2); break;
	case __NR_pread64:         ret = sys_pread64(a0, a1, a2, a3); break;
	case __NR_pwrite64:        ret = sys_pwrite64(a0, a1, a2, a3); break;
	case __NR_readv:           ret = sys_readv(a0, a1, a2); break;
	case __NR_lseek:           ret = sys_lseek(a0, a1, a2); break;
	case __NR_fstat:           ret = sys_fstat(a0, a1); break;
	case __NR_stat:            ret = sys_stat(a0, a1); break;
	case __NR_lstat:           ret = sys_lstat(a0, a1); break;
	case __NR_newfstatat:      ret = sys_newfstatat(a0, a1, a2, a3); break;
	case __NR_statx:           ret = sys_statx(a0, a1, a2, a3, a4); break;
	case __NR_getdents64:      ret = sys_getdents64(a0, a1, a2); break;
	case __NR_ftruncate:       ret = sys_ftruncate(a0, a1); break;
	case __NR_truncate:        ret = sys_truncate(a0, a1); break;
	case __NR_fsync:
	case __NR_fdatasync:       ret = sys_fsync(a0); break;
	case __NR_msync:           ret = sys_msync(a0, a1, a2); break;
	case __NR_mkdir:           ret = sys_mkdirat(SYS_AT_FDCWD, a0, a1); break;
	case __NR_mkdirat:         ret = sys_mkdirat(a0, a1, a2); break;
	case __NR_unlink:          ret = sys_unlinkat(SYS_AT_FDCWD, a0, 0); break;
	case __NR_rmdir:           ret = sys_unlinkat(SYS_AT_FDCWD, a0, 0x200); break;
	case __NR_unlinkat:        ret = sys_unlinkat(a0, a1, a2); break;
	case __NR_rename:          ret = sys_renameat(SYS_AT_FDCWD, a0, SYS_AT_FDCWD, a1); break;
	case __NR_renameat:        ret = sys_renameat(a0, a1, a2, a3); break;
	case __NR_access:          ret = sys_faccessat(SYS_AT_FDCWD, a0, a1); break;
	case __NR_faccessat:       ret = sys_faccessat(a0, a1, a2); break;
	case __NR_getcwd:          ret = sys_getcwd(a0, a1); break;
	case __NR_chdir:           ret = sys_chdir(a0); break;
	case __NR_faultline_introspect: ret = sys_faultline_introspect(a0, a1, a2, a3); break;
	case __NR_rt_sigaction:    ret = sys_rt_sigaction(a0, a1, a2, a3); break;
	case __NR_rt_sigprocmask:  ret = sys_rt_sigprocmask(a0, a1, a2, a3); break;
	case __NR_rt_sigreturn:    ret = sys_rt_sigreturn(regs); break;
	case __NR_rt_sigpending:   ret = sys_rt_sigpending(a0, a1); break;
	case __NR_sigaltstack:     ret = sys_sigaltstack(a0, a1, regs->sp); break;
	case __NR_kill:            ret = sys_kill(a0, a1); break;
	case __NR_tkill:           ret = sys_tkill(a0, a1); break;
	case __NR_tgkill:          ret = sys_tgkill(a0, a1, a2); break;
	case __NR_mlockall:        ret = sys_mlockall(a0); break;
	case __NR_munlockall:      ret = sys_munlockall(); break;
	case __NR_memfd_create:    ret = sys_memfd_create(a0, a1); break;
	/* No network: -ENOSYS without a warning, as a Linux built without
	 * CONFIG_NET (bash-static's glibc asks for nscd's socket, bash for the
	 * peer of its stdin; both go on without). */
	case __NR_socket:
	case __NR_connect:
	case __NR_getsockname:
	case __NR_getpeername:
	case __NR_socketpair:      ret = -ENOSYS; break;
	case __NR_symlink:         ret = sys_symlinkat(a0, SYS_AT_FDCWD, a1); break;
	case __NR_symlinkat:       ret = sys_symlinkat(a0, a1, a2); break;
	default:                   ret = sys_ni_syscall(nr); break;
	}
	regs->ax = (uint64_t)ret;
	if (!kernel_locked()) {
		/* A memory syscall that did not need the big lock: no mmap_lock is
		 * held any more, so the lock may be taken for a signal. One sent
		 * after this look kicks this CPU (kick_process's reschedule IPI,
		 * held back until the return to ring 3 turns interrupts on), and
		 * that entry delivers it. */
		if (!exit_to_user_mode_work(current))
			return;
		lock_kernel();
	}
	exit_to_user_mode(regs);   /* signals (kernel/signal.c) */
	unlock_kernel();
}
