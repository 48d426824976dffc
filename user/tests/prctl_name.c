/*
 * prctl_name: PR_GET_NAME starts as the program's name (cut to 15 bytes),
 * PR_SET_NAME keeps the first 15 bytes of a longer name and PR_GET_NAME
 * gives them back NUL-terminated in 16 bytes; PR_SET_PDEATHSIG stores a
 * signal that PR_GET_PDEATHSIG returns, refuses one above 64 (-EINVAL);
 * an unknown option is -EINVAL, a bad pointer -EFAULT.
 */
#include "user/rt/rt.h"

RT_PROGRAM(prctl_name);

#define NR_prctl          157
#define PR_SET_PDEATHSIG  1
#define PR_GET_PDEATHSIG  2
#define PR_SET_NAME       15
#define PR_GET_NAME       16

static long prctl(long op, long a2)
{
	return syscall6(NR_prctl, op, a2, 0, 0, 0, 0);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)envp;
	char name[32];
	memset(name, 'x', sizeof(name));
	long g = prctl(PR_GET_NAME, (long)name);
	const char *base = argv[0];
	for (const char *p = argv[0]; *p; p++)
		if (*p == '/')
			base = p + 1;
	char want[16];
	strlcpy(want, base, sizeof(want));
	rt_check("initial", g == 0 && strcmp(name, want) == 0 && name[16] == 'x',
		 "PR_GET_NAME %ld: \"%s\" (want \"%s\"; 16 bytes written)", g, g == 0 ? name : "", want);

	long s = prctl(PR_SET_NAME, (long)"a-name-longer-than-fifteen");
	memset(name, 'x', sizeof(name));
	g = prctl(PR_GET_NAME, (long)name);
	rt_check("set_long", s == 0 && g == 0 && strcmp(name, "a-name-longer-t") == 0,
		 "PR_SET_NAME %ld, PR_GET_NAME %ld: \"%s\" (want the first 15 bytes)", s, g, g == 0 ? name : "");
	s = prctl(PR_SET_NAME, (long)"short");
	g = prctl(PR_GET_NAME, (long)name);
	rt_check("set_short", s == 0 && g == 0 && strcmp(name, "short") == 0, "PR_SET_NAME short %ld: \"%s\"", s, name);

	int sig = -1;
	long sd = prctl(PR_SET_PDEATHSIG, 9), gd = prctl(PR_GET_PDEATHSIG, (long)&sig);
	long bad = prctl(PR_SET_PDEATHSIG, 65);
	int sig2 = -1;
	long clr = prctl(PR_SET_PDEATHSIG, 0), gd2 = prctl(PR_GET_PDEATHSIG, (long)&sig2);
	rt_check("pdeathsig", sd == 0 && gd == 0 && sig == 9 && bad == -EINVAL && clr == 0 && gd2 == 0 && sig2 == 0,
		 "set 9 %ld, get %ld -> %d; set 65 %ld (want -EINVAL); set 0 %ld, get %ld -> %d", sd, gd, sig, bad,
		 clr, gd2, sig2);
	long unk = prctl(0x7fff0000, 0), e1 = prctl(PR_GET_NAME, 8), e2 = prctl(PR_SET_NAME, 8),
	     e3 = prctl(PR_GET_PDEATHSIG, 8);
	rt_check("errors", unk == -EINVAL && e1 == -EFAULT && e2 == -EFAULT && e3 == -EFAULT,
		 "unknown option %ld (want -EINVAL); PR_GET_NAME(8) %ld, PR_SET_NAME(8) %ld, PR_GET_PDEATHSIG(8) %ld "
		 "(want -EFAULT)", unk, e1, e2, e3);
	return 0;
}
