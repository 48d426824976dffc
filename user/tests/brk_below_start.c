/*
 * brk_below_start: a break that cannot be set changes nothing and brk
 * returns the current one (Linux's sys_brk). The bug this guards against:
 * brk(-1) rounded up to page 0 and "shrank" the heap from page 0 up to the
 * break, unmapping the program's text, data and bss. Refused here: below the
 * program's own image (1, an address in the text, a kernel address's wrap
 * included), 2^64 - 1 (rounds to 0), past user space (2^62, a kernel address,
 * a non-canonical one), and up to the top of user space (the stack is in the
 * way). Afterwards brk(0) is unchanged and text, data and bss read back
 * what they held.
 *
 * brk(start - 4096): faultline refuses it (the break never goes below
 * start_brk). A Linux built with CONFIG_COMPAT_BRK and a non-randomized brk
 * lets the break go down to the end of the data segment instead; there that
 * one check is skipped when the break did move (and moved back).
 */
#include "user/rt/rt.h"

RT_PROGRAM(brk_below_start);

static uint64_t data_word = 0x0123456789abcdefull;   /* .data */
static uint64_t bss_words[512];                      /* .bss, 4 KiB */
static const char rodata_text[] = "brk_below_start rodata";

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	bss_words[511] = 42;
	long start = sys_brk(0);
	if (!rt_check("query", start > 0, "brk(0) returned 0x%lx", start))
		return 0;
	uintptr_t text = (uintptr_t)&main;

	static const struct { const char *name; uint64_t arg; } refused[] = {
		{ "minus_one", ~0ull },
		{ "one", 1 },
		{ "two_pow_62", 1ull << 62 },
		{ "kernel_address", 0xffff800000000000ull },
		{ "non_canonical", 0x0100000000000000ull },
		{ "top_of_user_space_4l", 0x00007fffffffefffull },
		{ "top_minus_one_page", (uint64_t)0 - 4096 - 1 },
	};
	long got[sizeof(refused) / sizeof(refused[0])];
	for (uint32_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		got[i] = sys_brk((void *)(uintptr_t)refused[i].arg);
	long in_text = sys_brk((void *)text);
	long below = sys_brk((void *)((uintptr_t)start - 4096));
	long moved_back = below != start ? sys_brk((void *)start) : start;
	long after = sys_brk(0);

	for (uint32_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		rt_check(refused[i].name, got[i] == start, "brk(0x%lx) returned 0x%lx (expected the break 0x%lx)",
			 (unsigned long)refused[i].arg, got[i], start);
	rt_check("address_in_text", in_text == start, "brk(&main = 0x%lx) returned 0x%lx (expected 0x%lx)",
		 (unsigned long)text, in_text, start);
	if (below == start || fl_on_faultline())
		rt_check("one_page_below_start", below == start,
			 "brk(start - 4096) returned 0x%lx (expected 0x%lx)", below, start);
	else
		rt_test("one_page_below_start", RT_SKIP,
			"this Linux moved the break below its start (0x%lx, CONFIG_COMPAT_BRK: down to end_data); "
			"moving it back returned 0x%lx", below, moved_back);
	rt_check("unchanged", after == start, "brk(0) afterwards returned 0x%lx (expected 0x%lx)", after, start);

	/* The image is still there. */
	rt_check("data_readable", data_word == 0x0123456789abcdefull, ".data word reads 0x%lx", data_word);
	rt_check("bss_readable", bss_words[511] == 42 && bss_words[0] == 0, ".bss words read %lu, %lu",
		 bss_words[0], bss_words[511]);
	rt_check("rodata_readable", strcmp(rodata_text, "brk_below_start rodata") == 0, "rodata reads \"%s\"",
		 rodata_text);

	/* And the heap still works. */
	long grown = sys_brk((void *)(start + 8192));
	if (grown == start + 8192)
		poke64((uintptr_t)start, 7);
	long shrunk = sys_brk((void *)start);
	rt_check("heap_still_works", grown == start + 8192 && shrunk == start,
		 "growing by 8 KiB returned 0x%lx, shrinking back 0x%lx", grown, shrunk);
	return 0;
}
