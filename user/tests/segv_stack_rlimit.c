/*
 * segv_stack_rlimit: a program that lowers its own RLIMIT_STACK to 1 MiB
 * (setrlimit) gets a stack that grows to exactly that limit, measured from
 * the stack's top, and not one byte further (segv_stack_guard does the same
 * with the default 8 MiB): deep recursion takes the stack most of the way down, the
 * last byte inside the limit can be read, and the byte below it kills the
 * process with SIGSEGV (SEGV_MAPERR at exactly that address). Frames are
 * 64 KiB, each page touched from the top down (as a compiler's stack probes
 * would); the recursion stops within STOP_MARGIN of the limit. If the stack
 * has grown to 256 MiB without reaching it the program records a failure
 * instead of exhausting memory.
 *
 * The stack's top (the end of its VMA) is the page end above the highest
 * thing exec put there: on Linux the executable's name (AT_EXECFN) 8 bytes
 * below the end, on faultline the AT_RANDOM bytes right at the end.
 */
#include "user/rt/rt.h"

RT_PROGRAM(segv_stack_rlimit);

#define FRAME_BYTES   (64u * 1024u)
#define MAX_DEPTH     4096u          /* 4096 frames of 64 KiB: 256 MiB */
#define STOP_MARGIN   (128u * 1024u) /* stop recursing this close to the limit */
#define RLIMIT_STACK  3
#define NR_prlimit64  302
#define NR_getrlimit  97
#define NR_setrlimit  160

static volatile uint32_t deepest;
static uintptr_t limit_low;          /* the lowest address the stack may reach */

/* Returns the stack's limit: RLIMIT_STACK's soft value (8 MiB by default); 0 if unlimited. */
static uint64_t stack_limit(void)
{
	uint64_t rl[2];                  /* struct rlimit64: cur, max */

	if (syscall6(NR_prlimit64, 0, RLIMIT_STACK, 0, (long)rl, 0, 0) != 0 || rl[0] == ~0ull)
		return 0;
	return rl[0];
}

/* Returns the end of the stack VMA (see the top of the file). */
static uintptr_t stack_vm_end(void)
{
	const char *execfn = (const char *)rt_getauxval(AT_EXECFN);
	uintptr_t top = rt_getauxval(AT_RANDOM) + 16;

	if (execfn && (uintptr_t)execfn + strlen(execfn) + 1 > top)
		top = (uintptr_t)execfn + strlen(execfn) + 1;
	return (top + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/* At the bottom of the recursion: the last byte inside the limit, then the first byte outside. */
__attribute__((noinline, noreturn)) static void touch_the_limit(void)
{
	uint8_t inside = peek8(limit_low);

	rt_test("limit_reached", RT_PASS, "read 0x%lx, the lowest byte the stack may reach (got %u), "
		"after %u frames of %u KiB", limit_low, inside, deepest, FRAME_BYTES / 1024);
	rt_expect_kill(SIGSEGV, SEGV_MAPERR, limit_low - 1);
	uint8_t outside = peek8(limit_low - 1);
	rt_survived("reading 0x%lx, one byte below the stack limit (got %u)", limit_low - 1, outside);
}

/* Touches a 64 KiB frame and recurses; returns a value that depends on the frame (no tail call). */
__attribute__((noinline)) static uint32_t recurse(uint32_t depth)
{
	volatile uint8_t frame[FRAME_BYTES];

	for (uint32_t off = FRAME_BYTES; off >= PAGE_SIZE; off -= PAGE_SIZE)
		frame[off - PAGE_SIZE] = (uint8_t)depth;
	deepest = depth;
	if ((uintptr_t)frame < limit_low + STOP_MARGIN + FRAME_BYTES)
		touch_the_limit();
	if (depth >= MAX_DEPTH)
		return depth;
	return recurse(depth + 1) + frame[depth % FRAME_BYTES];
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	uint64_t rl[2] = { 1ul << 20, ~0ul };
	syscall6(NR_getrlimit, RLIMIT_STACK, (long)rl, 0, 0, 0, 0);
	rl[0] = 1ul << 20;
	long set = syscall6(NR_setrlimit, RLIMIT_STACK, (long)rl, 0, 0, 0, 0);
	if (!rt_check("setrlimit", set == 0, "setrlimit(RLIMIT_STACK, 1 MiB) returned %ld", set))
		return 0;
	uint64_t limit = stack_limit();
	uintptr_t end = stack_vm_end();
	if (!rt_check("limit", limit == (1ul << 20) && end > limit,
		      "stack limit %lu KiB, stack top 0x%lx", limit >> 10, end))
		return 0;
	limit_low = end - limit;
	rt_test("setup", RT_PASS, "stack top 0x%lx, limit %lu KiB: the stack may reach down to 0x%lx; "
		"recursing with %u KiB frames", end, limit >> 10, limit_low, FRAME_BYTES / 1024);
	uint32_t r = recurse(1);
	rt_survived("recursing %u frames (%u MiB of stack; result %u) without reaching the limit", deepest,
		    (uint32_t)((uint64_t)deepest * FRAME_BYTES >> 20), r);
}
