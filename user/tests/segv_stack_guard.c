/*
 * segv_stack_guard: unbounded recursion kills the process with SIGSEGV when
 * the stack reaches its limit (Linux: RLIMIT_STACK, 8 MiB by default, then
 * the guard gap); it must not hang or take the machine's memory. Frames are
 * 64 KiB, each page of a frame touched from the top down (as a compiler's
 * stack probes would), so the limit is reached in a few hundred calls. If
 * the stack has grown to 256 MiB without a fault the program gives up and
 * records a failure instead of exhausting memory.
 */
#include "user/rt/rt.h"

RT_PROGRAM(segv_stack_guard);

#define FRAME_BYTES (64u * 1024u)
#define MAX_DEPTH   4096u        /* 4096 frames of 64 KiB: 256 MiB */

static volatile uint32_t deepest;

/* Touches a 64 KiB frame and recurses; returns a value that depends on the frame (no tail call). */
__attribute__((noinline)) static uint32_t recurse(uint32_t depth)
{
	volatile uint8_t frame[FRAME_BYTES];

	for (uint32_t off = FRAME_BYTES; off >= PAGE_SIZE; off -= PAGE_SIZE)
		frame[off - PAGE_SIZE] = (uint8_t)depth;
	deepest = depth;
	if (depth >= MAX_DEPTH)
		return depth;
	return recurse(depth + 1) + frame[depth % FRAME_BYTES];
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	rt_test("setup", RT_PASS, "about to recurse with %u KiB frames, giving up at %u MiB of stack",
		FRAME_BYTES / 1024, (uint32_t)((uint64_t)MAX_DEPTH * FRAME_BYTES >> 20));
	rt_before_fatal_access();
	uint32_t r = recurse(1);
	rt_survived("recursing %u frames (%u MiB of stack; result %u)", deepest,
		    (uint32_t)((uint64_t)deepest * FRAME_BYTES >> 20), r);
}
