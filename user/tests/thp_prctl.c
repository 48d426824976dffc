/*
 * thp_prctl: prctl(PR_SET_THP_DISABLE) turns transparent huge pages off for
 * the process: a MADV_HUGEPAGE region then faults once per 4 KiB page.
 * PR_GET_THP_DISABLE reads the setting back; unused arguments must be 0
 * (-EINVAL), as Linux checks them.
 */
#include "user/rt/rt.h"

RT_PROGRAM(thp_prctl);

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long g0 = rt_prctl(PR_GET_THP_DISABLE, 0);
	long s1 = rt_prctl(PR_SET_THP_DISABLE, 1);
	long g1 = rt_prctl(PR_GET_THP_DISABLE, 0);
	rt_check("set_and_get", g0 == 0 && s1 == 0 && g1 == 1,
		 "PR_GET_THP_DISABLE %ld (expected 0), PR_SET_THP_DISABLE 1 %ld, then GET %ld (expected 1)", g0, s1, g1);
	long bad_get = rt_prctl(PR_GET_THP_DISABLE, 1);
	long bad_set = syscall6(SYS_prctl, PR_SET_THP_DISABLE, 1, 1, 0, 0, 0);
	rt_check("unused_arguments_einval", bad_get == -EINVAL && bad_set == -EINVAL,
		 "PR_GET_THP_DISABLE with arg2 1: %ld, PR_SET_THP_DISABLE with arg3 1: %ld (expected -EINVAL)",
		 bad_get, bad_set);

	long a = rt_map_thp_region(2ul << 20);
	long warm = rt_map_small_pages(PAGE_SIZE, PROT_READ | PROT_WRITE);
	poke8((uintptr_t)warm, 1);
	int64_t before = rt_minflt();
	for (uintptr_t p = (uintptr_t)a; p < (uintptr_t)a + (2ul << 20); p += PAGE_SIZE)
		poke8(p, 1);
	int64_t faults = rt_minflt() - before;
	rt_check("disabled_faults_per_page", a > 0 && faults == 512,
		 "with THP disabled, 512 pages of a MADV_HUGEPAGE region written: %ld minor faults (expected 512)",
		 (long)faults);
	long s0 = rt_prctl(PR_SET_THP_DISABLE, 0);
	rt_check("enable_again", s0 == 0 && rt_prctl(PR_GET_THP_DISABLE, 0) == 0, "PR_SET_THP_DISABLE 0: %ld", s0);
	return 0;
}
