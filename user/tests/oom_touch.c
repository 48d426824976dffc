/*
 * oom_touch: maps far more anonymous memory than the machine has
 * (MAP_NORESERVE, so the mmap itself succeeds, as on Linux), then writes one
 * byte per page until the kernel runs out of frames. The expected end is
 * death by SIGKILL from the out-of-memory handling (faultline: an oom record;
 * Linux: the OOM killer), with the kernel alive afterwards.
 */
#include "user/rt/rt.h"

RT_PROGRAM(oom_touch);

#define HUGE_MAPPING (64ull << 30)

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	long p = sys_mmap(0, HUGE_MAPPING, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	rt_test("mmap_larger_than_ram", p > 0 ? RT_PASS : RT_FAIL,
		"mmap of 64 GiB with MAP_NORESERVE returned 0x%lx", (unsigned long)p);
	if (p <= 0)
		return 1;
	rt_expect_kill_anywhere(SIGKILL, SI_KERNEL);
	for (uint64_t off = 0; off < HUGE_MAPPING; off += 4096)
		poke8((uintptr_t)p + off, 1);
	rt_survived("writing 64 GiB of fresh pages");
}
