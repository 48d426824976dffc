/*
 * Process start-up (see user/rt/start.h). The initial stack Linux (and
 * faultline) builds, from the address _start hands us upwards:
 *
 *   argc | argv[0] ... argv[argc-1] | NULL | envp[0] ... | NULL | auxv pairs ... AT_NULL, 0
 */
#include "user/rt/start.h"
#include "user/rt/linux.h"
#include "user/rt/record.h"
#include "user/rt/syscall.h"

int rt_argc;
char **rt_argv;
char **rt_envp;
const uint64_t *rt_auxv;
const uint64_t *rt_initial_sp;

/* See user/rt/start.h. */
uint64_t rt_getauxval(uint64_t type)
{
	if (!rt_auxv)
		return 0;
	for (const uint64_t *a = rt_auxv; a[0] != AT_NULL; a += 2)
		if (a[0] == type)
			return a[1];
	return 0;
}

/*
 * Writes one byte in every page of a RT_STACK_PREFAULT-byte frame, from the
 * top down (each touch is at most a page below the last one, so a kernel that
 * only grows the stack near rsp is satisfied too). Not inlined, so the frame
 * lies below rt_start's.
 */
__attribute__((noinline)) static void rt_prefault_stack(void)
{
	volatile char frame[RT_STACK_PREFAULT];

	for (uint32_t off = RT_STACK_PREFAULT; off >= 4096; off -= 4096)
		frame[off - 4096] = 0;
}

/* See user/rt/start.h. */
void rt_exit(int status)
{
	rt_flush();
	sys_exit_group(status);
}

/* Called by _start with the initial stack pointer; never returns. */
__attribute__((noreturn)) void rt_start(uint64_t *sp);
void rt_start(uint64_t *sp)
{
	char **p;

	rt_initial_sp = sp;
	rt_argc = (int)sp[0];
	rt_argv = (char **)(sp + 1);
	rt_envp = rt_argv + rt_argc + 1;
	for (p = rt_envp; *p; p++)
		;
	rt_auxv = (const uint64_t *)(p + 1);

	rt_prefault_stack();
	rt_exit(main(rt_argc, rt_argv, rt_envp));
}
