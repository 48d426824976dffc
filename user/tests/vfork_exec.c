/*
 * vfork_exec: vfork then execve of another program on the stick
 * (/bin/exec_target) with arguments and an environment; the parent resumes
 * only once the child has exec'd, and wait4 returns the new program's exit
 * status (0: it got its argv and envp). Also fork + execve of a path that
 * does not exist (ENOENT in the child, which still exits normally), and
 * execve with a bad pointer (EFAULT, the caller carries on).
 */
#include "user/rt/rt.h"

RT_PROGRAM(vfork_exec);

/* vfork + execve(path, argv, envp) in one piece of assembly (the vfork
 * child must not return through the parent's stack frames); a failed exec
 * exits with 127. Returns the child's pid or -errno. */
static long vfork_execve(const char *path, char *const argv[], char *const envp[])
{
	long ret;
	__asm__ volatile("movl $58, %%eax\n\t"
			 "syscall\n\t"
			 "testq %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "movl $59, %%eax\n\t"
			 "syscall\n\t"
			 "movl $231, %%eax\n\t"
			 "movl $127, %%edi\n\t"
			 "syscall\n"
			 "1:"
			 : "=a"(ret)
			 : "D"(path), "S"(argv), "d"(envp)
			 : "rcx", "r11", "memory");
	return ret;
}

/* Where exec_target is: beside this program (/proc/self/exe's folder) on
 * Linux, /bin on faultline. */
static const char *target_path(char *buf, size_t size)
{
	if (fl_on_faultline())
		return "/bin/exec_target";
	long n = syscall6(89 /* readlink */, (long)"/proc/self/exe", (long)buf, (long)size - 16, 0, 0, 0);
	if (n <= 0)
		return "/bin/exec_target";
	buf[n] = 0;
	while (n > 0 && buf[n - 1] != '/')
		n--;
	memcpy(buf + n, "exec_target", 12);
	return buf;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	char *const xargv[] = { "exec_target", "check", "two words", NULL };
	char *const xenvp[] = { "FAULTLINE_EXEC=1", NULL };
	static char buf[4096];
	const char *path = target_path(buf, sizeof(buf));
	long pid = vfork_execve(path, xargv, xenvp);
	int st = -1;
	long w = syscall6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0);
	rt_check("vfork_execve", pid > 0 && w == pid && st == 0,
		 "vfork returned %ld, wait4 %ld, status 0x%x (expected 0: exec_target got its argv and envp)", pid, w, st);

	pid = vfork_execve("/bin/no_such_program", xargv, xenvp);
	w = syscall6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0);
	rt_check("execve_enoent", pid > 0 && w == pid && st == (127 << 8),
		 "a child whose execve failed exited with 0x%x (expected 0x7f00)", st);

	long r = syscall6(SYS_execve, 16, (long)xargv, (long)xenvp, 0, 0, 0);
	rt_check("execve_efault", r == -14, "execve with a bad path pointer returned %ld (expected -EFAULT)", r);
	r = syscall6(SYS_execve, (long)path, 16, (long)xenvp, 0, 0, 0);
	rt_check("execve_bad_argv", r == -14, "execve with a bad argv returned %ld (expected -EFAULT)", r);
	return 0;
}
