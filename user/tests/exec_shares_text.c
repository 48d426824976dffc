/*
 * exec_shares_text: a program's text and data come from the page cache, as
 * Linux's exec maps them, so processes running the same binary share it.
 * The program runs itself twice more (fork + execve of /proc/self/exe with
 * "probe", which exits at once): the second run finds every page it touches
 * in the page cache, so wait4's rusage of it shows no major fault
 * (ru_majflt 0), and it needs no more minor faults than the first. On
 * faultline, where the cache starts cold, the program's own start had to
 * read its pages (ru_majflt > 0: a faultline-only check; Linux's initramfs
 * keeps every file in memory). And while it runs, its file cannot be
 * written: open for writing and truncate are -ETXTBSY (Linux before 6.11;
 * a later host kernel allows it and the check says skip).
 */
#include "user/rt/rt.h"

RT_PROGRAM(exec_shares_text);

/* fork + execve("/proc/self/exe", {name, "probe"}) and wait4 with rusage.
 * Returns the child's wait status, or -errno; *ru its rusage. */
static long run_probe(const char *name, struct rusage *ru)
{
	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		char *const argv[] = { (char *)name, "probe", NULL };
		char *const envp[] = { NULL };
		syscall6(SYS_execve, (long)"/proc/self/exe", (long)argv, (long)envp, 0, 0, 0);
		sys_exit_group(127);
	}
	if (pid < 0)
		return pid;
	int st = -1;
	memset(ru, 0, sizeof(*ru));
	long w = syscall6(SYS_wait4, pid, (long)&st, 0, (long)ru, 0, 0);
	return w == pid ? st : (w < 0 ? w : -1);
}

/* The host kernel's major.minor from uname (0 if unreadable). */
static long kernel_version(void)
{
	struct utsname u;
	if (sys_uname(&u))
		return 0;
	long major = 0, minor = 0;
	const char *p = u.release;
	while (*p >= '0' && *p <= '9')
		major = major * 10 + (*p++ - '0');
	if (*p == '.')
		p++;
	while (*p >= '0' && *p <= '9')
		minor = minor * 10 + (*p++ - '0');
	return major * 1000 + minor;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc >= 2 && strcmp(argv[1], "probe") == 0)
		sys_exit_group(0);
	struct rusage self, first, second;
	sys_getrusage(RUSAGE_SELF, &self);
	if (fl_on_faultline())
		rt_check("cold_start_major", self.ru_majflt > 0,
			 "the program's own start: ru_majflt %ld, ru_minflt %ld (want majors: the cache starts cold)",
			 (long)self.ru_majflt, (long)self.ru_minflt);
	else
		rt_test("cold_start_major", RT_SKIP, "the Linux reference's files are in memory already");

	long s1 = run_probe(argv[0], &first);
	long s2 = run_probe(argv[0], &second);
	rt_check("probes_ran", s1 == 0 && s2 == 0, "probe exit statuses 0x%lx, 0x%lx", s1, s2);
	rt_check("second_run_no_major", s2 == 0 && second.ru_majflt == 0,
		 "second run: ru_majflt %ld, ru_minflt %ld (first: %ld, %ld)", (long)second.ru_majflt,
		 (long)second.ru_minflt, (long)first.ru_majflt, (long)first.ru_minflt);
	rt_check("second_run_not_dearer", s2 == 0 && second.ru_minflt <= first.ru_minflt + 2,
		 "second run: ru_minflt %ld, first %ld", (long)second.ru_minflt, (long)first.ru_minflt);

	/* deny_write_access: the running program's file. */
	char exe[256];
	long n = sys_readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	bool etxtbsy = fl_on_faultline() || kernel_version() < 6011;
	long fd = sys_open(exe, O_WRONLY, 0);
	if (fd >= 0)
		sys_close((int)fd);
	struct stat st;
	long size = sys_stat(exe, &st) == 0 ? st.st_size : 0;
	long tr = sys_truncate(exe, size);   /* to its own size: no change where it is allowed */
	if (etxtbsy) {
		rt_check("open_write_etxtbsy", fd == -ETXTBSY, "open(\"%s\", O_WRONLY) returned %ld", exe, fd);
		rt_check("truncate_etxtbsy", tr == -ETXTBSY, "truncate(\"%s\") returned %ld", exe, tr);
	} else {
		rt_test("open_write_etxtbsy", RT_SKIP, "Linux 6.11 and later let a running program's file be written");
		rt_test("truncate_etxtbsy", RT_SKIP, "Linux 6.11 and later let a running program's file be written");
	}
	long rd = sys_open(exe, O_RDONLY, 0);
	rt_check("open_read_ok", rd >= 0, "open(\"%s\", O_RDONLY) returned %ld", exe, rd);
	if (rd >= 0)
		sys_close((int)rd);
	return 0;
}
