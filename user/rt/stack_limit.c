/* Walking the stack down to its limit: user/rt/stack_limit.h. */
#include "user/rt/stack_limit.h"
#include "user/rt/rt.h"

#define FRAME_BYTES   (64u * 1024u)
#define MAX_DEPTH     4096u          /* 4096 frames of 64 KiB: 256 MiB */
#define NR_prlimit64  302

static volatile uint32_t deepest;
static uintptr_t limit_low;
static uint32_t stop_margin;

/* See user/rt/stack_limit.h. */
uint64_t rt_stack_limit(void)
{
	uint64_t rl[2];                  /* struct rlimit64: cur, max */

	if (syscall6(NR_prlimit64, 0, RT_RLIMIT_STACK, 0, (long)rl, 0, 0) != 0 || rl[0] == ~0ull)
		return 0;
	return rl[0];
}

/* See user/rt/stack_limit.h. */
uintptr_t rt_stack_vm_end(void)
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
	if ((uintptr_t)frame < limit_low + stop_margin + FRAME_BYTES)
		touch_the_limit();
	if (depth >= MAX_DEPTH)
		return depth;
	return recurse(depth + 1) + frame[depth % FRAME_BYTES];
}

/* See user/rt/stack_limit.h. */
void rt_grow_stack_to(uintptr_t low, uint32_t margin)
{
	limit_low = low;
	stop_margin = margin;
	rt_test("setup", RT_PASS, "the stack may reach down to 0x%lx; recursing with %u KiB frames", low,
		FRAME_BYTES / 1024);
	uint32_t r = recurse(1);
	rt_survived("recursing %u frames (%u MiB of stack; result %u) without reaching the limit", deepest,
		    (uint32_t)((uint64_t)deepest * FRAME_BYTES >> 20), r);
}
