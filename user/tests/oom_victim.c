/*
 * oom_victim: the OOM killer kills the biggest process, not the one that
 * asked. A child touches 150 MiB and sleeps; the parent then writes fresh
 * pages until 100 MiB (more than the 256 MiB machine has left): the child,
 * the bigger one, must die by SIGKILL and the parent must finish its
 * writes. Run with 256 MiB of memory (tests/qemu/ring3.py).
 */
#include "user/rt/rt.h"

RT_PROGRAM(oom_victim);

#define CHILD_BYTES  (150ull << 20)
#define PARENT_BYTES (100ull << 20)

/* Writes one byte to each page of a new anonymous mapping of len bytes. */
static long touch_new(uint64_t len)
{
	long p = sys_mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p < 0)
		return p;
	for (uint64_t off = 0; off < len; off += 4096)
		poke8((uintptr_t)p + off, 1);
	return p;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	static volatile int never;
	/* The child says in a shared page when its memory is filled. */
	long shared = sys_mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared < 0) {
		rt_check("shared_page", 0, "mmap of a shared page failed: %ld", shared);
		return 0;
	}
	volatile int *child_full = (volatile int *)shared;
	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		touch_new(CHILD_BYTES);
		*child_full = 1;
		never = 0;
		for (;;)   /* sleeps until killed */
			syscall6(SYS_futex, (long)&never, 0 /* FUTEX_WAIT */, 0, 0, 0, 0);
	}
	/* Let the child fill its memory first: yield until it says so. A fixed
	 * number of yields was enough on one CPU only: with the child on another
	 * CPU (faultline with several, Linux) the parent's yields return at once
	 * and its writes raced the child's, which then was the smaller process
	 * when memory ran out (seen under -smp 4: the parent was chosen). */
	while (!*child_full)
		sys_sched_yield();
	long p = touch_new(PARENT_BYTES);
	int status = -1;
	long w = syscall6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
	rt_check("parent_survived", p > 0, "the parent wrote 100 MiB (mmap returned 0x%lx)", (unsigned long)p);
	rt_check("child_killed", w == pid && (status & 0x7f) == SIGKILL,
		 "wait4 returned %ld (expected %ld), status 0x%x (expected SIGKILL, 9)", w, pid, status);
	return 0;
}
