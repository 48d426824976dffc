/*
 * segv_stack_guard: the stack grows on demand to exactly its limit (Linux:
 * RLIMIT_STACK, 8 MiB by default, measured from the stack's top) and not one
 * byte further: deep recursion takes the stack most of the way down, the
 * last byte inside the limit can be read, and the byte below it kills the
 * process with SIGSEGV (SEGV_MAPERR at exactly that address). Frames are
 * 64 KiB, each page touched from the top down (as a compiler's stack probes
 * would); the recursion stops a little above the limit. If the stack
 * has grown to 256 MiB without reaching it the program records a failure
 * instead of exhausting memory (user/rt/stack_limit.h does the walk).
 */
#include "user/rt/rt.h"
#include "user/rt/stack_limit.h"

RT_PROGRAM(segv_stack_guard);

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	uint64_t limit = rt_stack_limit();
	uintptr_t end = rt_stack_vm_end();
	if (!rt_check("limit", limit >= (1ul << 20) && end > limit,
		      "stack limit %lu KiB, stack top 0x%lx", limit >> 10, end))
		return 0;
	rt_grow_stack_to(end - limit, 256u * 1024u);   /* the stop margin */
}
