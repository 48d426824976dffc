/*
 * robust_list: set_robust_list takes only Linux's head size (24 bytes;
 * anything else -EINVAL) and get_robust_list returns the head and that
 * size; another pid is -ESRCH, a bad pointer -EFAULT.
 */
#include "user/rt/rt.h"

RT_PROGRAM(robust_list);

#define NR_set_robust_list 273
#define NR_get_robust_list 274
#define UNUSED_PID         0x3ffffff0

static long head[3];

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	head[0] = (long)&head[0];          /* an empty list points at itself */
	long bad = syscall6(NR_set_robust_list, (long)head, 23, 0, 0, 0, 0);
	long set = syscall6(NR_set_robust_list, (long)head, 24, 0, 0, 0, 0);
	long got = 0, len = 0;
	long g = syscall6(NR_get_robust_list, 0, (long)&got, (long)&len, 0, 0, 0);
	rt_check("set_get", bad == -EINVAL && set == 0 && g == 0 && got == (long)head && len == 24,
		 "set len 23 %ld (want -EINVAL), len 24 %ld; get %ld: head 0x%lx (want 0x%lx), len %ld", bad, set, g,
		 got, (long)head, len);
	long e1 = syscall6(NR_get_robust_list, UNUSED_PID, (long)&got, (long)&len, 0, 0, 0);
	long e2 = syscall6(NR_get_robust_list, 0, 8, (long)&len, 0, 0, 0);
	long e3 = syscall6(NR_get_robust_list, 0, (long)&got, 8, 0, 0, 0);
	rt_check("errors", e1 == -ESRCH && e2 == -EFAULT && e3 == -EFAULT,
		 "unknown pid %ld (want -ESRCH), bad head pointer %ld, bad length pointer %ld (want -EFAULT)", e1, e2, e3);
	return 0;
}
