/*
 * segv_stack_rlimit: a program that lowers its own RLIMIT_STACK to 1 MiB
 * (setrlimit) gets a stack that grows to exactly that limit, measured from
 * the stack's top, and not one byte further (segv_stack_guard does the same
 * with the default 8 MiB): deep recursion takes the stack most of the way down, the
 * last byte inside the limit can be read, and the byte below it kills the
 * process with SIGSEGV (SEGV_MAPERR at exactly that address). Frames are
 * 64 KiB, each page touched from the top down (as a compiler's stack probes
 * would); the recursion stops a little above the limit. If the stack
 * has grown to 256 MiB without reaching it the program records a failure
 * instead of exhausting memory (user/rt/stack_limit.h does the walk).
 */
#include "user/rt/rt.h"
#include "user/rt/stack_limit.h"

RT_PROGRAM(segv_stack_rlimit);

#define NR_getrlimit  97
#define NR_setrlimit  160

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	uint64_t rl[2] = { 1ul << 20, ~0ul };
	syscall6(NR_getrlimit, RT_RLIMIT_STACK, (long)rl, 0, 0, 0, 0);
	rl[0] = 1ul << 20;
	long set = syscall6(NR_setrlimit, RT_RLIMIT_STACK, (long)rl, 0, 0, 0, 0);
	if (!rt_check("setrlimit", set == 0, "setrlimit(RLIMIT_STACK, 1 MiB) returned %ld", set))
		return 0;
	uint64_t limit = rt_stack_limit();
	uintptr_t end = rt_stack_vm_end();
	if (!rt_check("limit", limit == (1ul << 20) && end > limit,
		      "stack limit %lu KiB, stack top 0x%lx", limit >> 10, end))
		return 0;
	rt_grow_stack_to(end - limit, 128u * 1024u);   /* the stop margin */
}
