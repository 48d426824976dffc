/*
 * segv_growsdown_min_addr: a MAP_GROWSDOWN mapping grows down on a touch
 * below it, but never below mmap_min_addr (Linux's expand_downwards refuses
 * with -EPERM: SIGSEGV). The bug this guards against: a growsdown mapping
 * at 0x10000 grew down to page 0 when the program touched address 8.
 *
 * To prove it is the growth path that refuses (not a missing mapping), the
 * program first maps one growsdown page at 0x20000 and touches 0x1f000 and
 * then 0x10000 (the lowest allowed page): both grow the mapping. Then it
 * writes to address 8, which must kill it. faultline's kill record names
 * the reason ("stack would grow below mmap_min_addr"; tests/qemu/ring3.py
 * checks it).
 */
#include "user/rt/rt.h"

RT_PROGRAM(segv_growsdown_min_addr);

#define BASE 0x20000ul
#define MIN_ADDR 0x10000ul

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	long p = sys_mmap((void *)BASE, PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_GROWSDOWN, -1, 0);
	if (!rt_check("setup", p == (long)BASE, "MAP_GROWSDOWN page at 0x%lx returned 0x%lx", BASE, p))
		return 0;
	poke8(BASE - PAGE_SIZE, 1);      /* one page below: grows */
	poke8(MIN_ADDR, 2);              /* down to mmap_min_addr: grows */
	long below_min = rt_page_is_mapped((const void *)MIN_ADDR);
	rt_check("grows_to_mmap_min_addr", peek8(BASE - PAGE_SIZE) == 1 && peek8(MIN_ADDR) == 2 && below_min == 1,
		 "touching 0x%lx and 0x%lx grew the mapping (0x%lx mapped: %ld)", BASE - PAGE_SIZE, MIN_ADDR,
		 MIN_ADDR, below_min);
	rt_expect_kill(SIGSEGV, SEGV_MAPERR, 8);
	poke8(8, 3);                     /* would grow the mapping to page 0 */
	rt_survived("writing address 8 below a MAP_GROWSDOWN mapping that reaches 0x%lx", MIN_ADDR);
}
