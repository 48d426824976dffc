/*
 * readlink_self_exe: readlink("/proc/self/exe") is the absolute path of the
 * running program, ending in its name (on faultline "/bin/NAME", where the
 * Linux reference runs it from too); readlinkat(AT_FDCWD, ...) agrees;
 * a small buffer gets the first bytes, no NUL, and that count; bufsiz 0 is
 * -EINVAL, an empty path and a missing file -ENOENT, a bad pointer -EFAULT.
 */
#include "user/rt/rt.h"

RT_PROGRAM(readlink_self_exe);

#define NR_readlink   89
#define NR_readlinkat 267
#define AT_FDCWD      (-100)
#define SELF          "/proc/self/exe"

static long rl(const char *path, char *buf, long size)
{
	return syscall6(NR_readlink, (long)path, (long)buf, size, 0, 0, 0);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	static const char name[] = "/readlink_self_exe";
	char buf[256], buf2[256];
	memset(buf, 0, sizeof(buf));
	long n = rl(SELF, buf, sizeof(buf) - 1);
	long nl = (long)strlen(name);
	rt_check("path", n > nl && buf[0] == '/' && strcmp(buf + n - nl, name) == 0,
		 "readlink(\"%s\") returned %ld: \"%s\"", SELF, n, n > 0 ? buf : "");
	if (fl_on_faultline())
		rt_check("bin_path", strcmp(buf, "/bin/readlink_self_exe") == 0, "\"%s\" (want /bin/readlink_self_exe)",
			 buf);
	else
		rt_test("bin_path", RT_SKIP, "where the program lies is the host's choice off faultline");
	memset(buf2, 0, sizeof(buf2));
	long n2 = syscall6(NR_readlinkat, AT_FDCWD, (long)SELF, (long)buf2, sizeof(buf2) - 1, 0, 0);
	rt_check("readlinkat", n2 == n && strcmp(buf, buf2) == 0, "readlinkat returned %ld: \"%s\"", n2,
		 n2 > 0 ? buf2 : "");
	char small[8];
	memset(small, 'x', sizeof(small));
	long n3 = rl(SELF, small, 4);
	rt_check("truncated", n3 == 4 && memcmp(small, buf, 4) == 0 && small[4] == 'x',
		 "bufsiz 4 returned %ld, bytes \"%c%c%c%c\", byte 4 '%c' (want untouched 'x')", n3, small[0],
		 small[1], small[2], small[3], small[4]);
	long e1 = rl(SELF, buf, 0), e2 = rl("", buf, 10), e3 = rl("/faultline-no-such-file", buf, 10);
	long e4 = rl((const char *)8, buf, 10), e5 = rl(SELF, (char *)8, 10), e6 = rl(SELF, buf, -1);
	rt_check("errors", e1 == -EINVAL && e2 == -ENOENT && e3 == -ENOENT && e4 == -EFAULT && e5 == -EFAULT &&
		 e6 == -EINVAL,
		 "bufsiz 0 %ld, \"\" %ld, missing %ld, bad path %ld, bad buffer %ld, bufsiz -1 %ld "
		 "(want -EINVAL, -ENOENT, -ENOENT, -EFAULT, -EFAULT, -EINVAL)", e1, e2, e3, e4, e5, e6);
	return 0;
}
