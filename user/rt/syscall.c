/*
 * Raw Linux system calls (see user/rt/syscall.h).
 *
 * The x86-64 syscall convention: number in rax, arguments in rdi, rsi, rdx,
 * r10, r8, r9; the result comes back in rax; the `syscall` instruction itself
 * overwrites rcx (return rip) and r11 (saved rflags). The kernel may read
 * and write user memory the arguments point at, hence the "memory" clobber.
 */
#include "user/rt/syscall.h"

/* Returns the kernel's result: >= 0, or -errno. */
long syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Reads up to len bytes; returns the count (0 at end of file) or -errno. */
long sys_read(int fd, void *buf, size_t len)
{
	return syscall6(SYS_read, fd, (long)buf, (long)len, 0, 0, 0);
}

/* Writes up to len bytes; returns the count written or -errno (-EFAULT for a bad buf). */
long sys_write(int fd, const void *buf, size_t len)
{
	return syscall6(SYS_write, fd, (long)buf, (long)len, 0, 0, 0);
}

/* Writes iovcnt buffers in order; returns the total written or -errno. */
long sys_writev(int fd, const struct iovec *iov, int iovcnt)
{
	return syscall6(SYS_writev, fd, (long)iov, iovcnt, 0, 0, 0);
}

/* Maps len bytes; returns the mapping's address or -errno. */
long sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long offset)
{
	return syscall6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, offset);
}

/* Unmaps [addr, addr+len) (holes are fine); returns 0 or -errno. */
long sys_munmap(void *addr, size_t len)
{
	return syscall6(SYS_munmap, (long)addr, (long)len, 0, 0, 0, 0);
}

/* Changes the protection of [addr, addr+len); returns 0 or -errno (-ENOMEM over a hole). */
long sys_mprotect(void *addr, size_t len, int prot)
{
	return syscall6(SYS_mprotect, (long)addr, (long)len, prot, 0, 0, 0);
}

/* Gives advice about [addr, addr+len); returns 0 or -errno. */
long sys_madvise(void *addr, size_t len, int advice)
{
	return syscall6(SYS_madvise, (long)addr, (long)len, advice, 0, 0, 0);
}

/* Resizes (and with MREMAP_MAYMOVE maybe moves) a mapping; returns its address or -errno. */
long sys_mremap(void *old_addr, size_t old_len, size_t new_len, int flags, void *new_addr)
{
	return syscall6(SYS_mremap, (long)old_addr, (long)old_len, (long)new_len, flags,
			(long)new_addr, 0);
}

/* Asks for the program break at addr (0: just ask); returns the break now in force. */
long sys_brk(void *addr)
{
	return syscall6(SYS_brk, (long)addr, 0, 0, 0, 0, 0);
}

/* Returns the process id. */
long sys_getpid(void)
{
	return syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

/* Fills *usage for who (RUSAGE_SELF); returns 0 or -errno. */
long sys_getrusage(int who, struct rusage *usage)
{
	return syscall6(SYS_getrusage, who, (long)usage, 0, 0, 0, 0);
}

/* Reads clock into *ts; returns 0 or -errno. */
long sys_clock_gettime(int clock, struct timespec *ts)
{
	return syscall6(SYS_clock_gettime, clock, (long)ts, 0, 0, 0, 0);
}

/* Reads the wall clock into *tv (tz may be NULL); returns 0 or -errno. */
long sys_gettimeofday(struct timeval *tv, void *tz)
{
	return syscall6(SYS_gettimeofday, (long)tv, (long)tz, 0, 0, 0, 0);
}

/* Fills *buf with the system's names; returns 0 or -errno. */
long sys_uname(struct utsname *buf)
{
	return syscall6(SYS_uname, (long)buf, 0, 0, 0, 0, 0);
}

/* Fills buf with up to len random bytes; returns the count or -errno. */
long sys_getrandom(void *buf, size_t len, unsigned int flags)
{
	return syscall6(SYS_getrandom, (long)buf, (long)len, flags, 0, 0, 0);
}

/* Architecture control (ARCH_SET_FS / ARCH_GET_FS); returns 0 or -errno. */
long sys_arch_prctl(int code, unsigned long addr)
{
	return syscall6(SYS_arch_prctl, code, (long)addr, 0, 0, 0, 0);
}

/* Records tidptr for thread exit; returns the caller's thread id. */
long sys_set_tid_address(int *tidptr)
{
	return syscall6(SYS_set_tid_address, (long)tidptr, 0, 0, 0, 0, 0);
}

/* Gives up the CPU; returns 0. */
long sys_sched_yield(void)
{
	return syscall6(SYS_sched_yield, 0, 0, 0, 0, 0, 0);
}

/* Ends the calling thread; never returns. */
void sys_exit(int status)
{
	for (;;)
		syscall6(SYS_exit, status, 0, 0, 0, 0, 0);
}

/* Ends the process with status & 0xff; never returns. */
void sys_exit_group(int status)
{
	for (;;)
		syscall6(SYS_exit_group, status, 0, 0, 0, 0, 0);
}

/* The file calls (user/rt/syscall.h): each the raw syscall. */
long sys_open(const char *path, int flags, int mode) { return syscall6(SYS_open, (long)path, flags, mode, 0, 0, 0); }
long sys_openat(int dirfd, const char *path, int flags, int mode)
{
	return syscall6(SYS_openat, dirfd, (long)path, flags, mode, 0, 0);
}
long sys_close(int fd) { return syscall6(SYS_close, fd, 0, 0, 0, 0, 0); }
long sys_lseek(int fd, long off, int whence) { return syscall6(SYS_lseek, fd, off, whence, 0, 0, 0); }
long sys_pread(int fd, void *buf, size_t len, long pos) { return syscall6(SYS_pread64, fd, (long)buf, (long)len, pos, 0, 0); }
long sys_pwrite(int fd, const void *buf, size_t len, long pos)
{
	return syscall6(SYS_pwrite64, fd, (long)buf, (long)len, pos, 0, 0);
}
long sys_readv(int fd, const struct iovec *iov, int iovcnt) { return syscall6(SYS_readv, fd, (long)iov, iovcnt, 0, 0, 0); }
long sys_fstat(int fd, struct stat *st) { return syscall6(SYS_fstat, fd, (long)st, 0, 0, 0, 0); }
long sys_stat(const char *path, struct stat *st) { return syscall6(SYS_stat, (long)path, (long)st, 0, 0, 0, 0); }
long sys_getdents64(int fd, void *buf, size_t len) { return syscall6(SYS_getdents64, fd, (long)buf, (long)len, 0, 0, 0); }
long sys_ftruncate(int fd, long len) { return syscall6(SYS_ftruncate, fd, len, 0, 0, 0, 0); }
long sys_truncate(const char *path, long len) { return syscall6(SYS_truncate, (long)path, len, 0, 0, 0, 0); }
long sys_unlink(const char *path) { return syscall6(SYS_unlink, (long)path, 0, 0, 0, 0, 0); }
long sys_mkdir(const char *path, int mode) { return syscall6(SYS_mkdir, (long)path, mode, 0, 0, 0, 0); }
long sys_rmdir(const char *path) { return syscall6(SYS_rmdir, (long)path, 0, 0, 0, 0, 0); }
long sys_rename(const char *from, const char *to) { return syscall6(SYS_rename, (long)from, (long)to, 0, 0, 0, 0); }
long sys_fsync(int fd) { return syscall6(SYS_fsync, fd, 0, 0, 0, 0, 0); }
long sys_msync(void *addr, size_t len, int flags) { return syscall6(SYS_msync, (long)addr, (long)len, flags, 0, 0, 0); }
long sys_access(const char *path, int mode) { return syscall6(SYS_access, (long)path, mode, 0, 0, 0, 0); }
long sys_readlink(const char *path, char *buf, size_t len)
{
	return syscall6(SYS_readlink, (long)path, (long)buf, (long)len, 0, 0, 0);
}
long sys_getcwd(char *buf, size_t len) { return syscall6(SYS_getcwd, (long)buf, (long)len, 0, 0, 0, 0); }
long sys_chdir(const char *path) { return syscall6(SYS_chdir, (long)path, 0, 0, 0, 0, 0); }
long sys_dup(int fd) { return syscall6(SYS_dup, fd, 0, 0, 0, 0, 0); }
long sys_dup2(int fd, int newfd) { return syscall6(SYS_dup2, fd, newfd, 0, 0, 0, 0); }
long sys_dup3(int fd, int newfd, int flags) { return syscall6(SYS_dup3, fd, newfd, flags, 0, 0, 0); }
long sys_fcntl(int fd, int cmd, long arg) { return syscall6(SYS_fcntl, fd, cmd, arg, 0, 0, 0); }
long sys_ioctl(int fd, unsigned long cmd, long arg) { return syscall6(SYS_ioctl, fd, (long)cmd, arg, 0, 0, 0); }
