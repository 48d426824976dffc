/*
 * mmap_limits: the edges of the user address space. The top user page below
 * the canonical boundary is never mappable (a SYSRET to a non-canonical rip
 * could otherwise be arranged from it): 2^47 - 4 KiB with 4-level paging,
 * 2^56 - 4 KiB with 5-level. The 5-level one is refused in both modes (in
 * 4-level mode it is far beyond the user half), as is a mapping reaching past
 * it; an ordinary high page in the 47-bit window can be mapped.
 */
#include "user/rt/rt.h"

RT_PROGRAM(mmap_limits);

#define TOP_PAGE 0x00fffffffffff000ull

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE;

	long top = sys_mmap((void *)TOP_PAGE, 4096, PROT_READ | PROT_WRITE, flags, -1, 0);
	long wrap = sys_mmap((void *)(TOP_PAGE - 4096), 3 * 4096, PROT_READ, flags, -1, 0);
	long below = sys_mmap((void *)0x7ff000000000ull, 4096, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (below > 0)
		poke8((uintptr_t)below, 7);
	long unmap = below > 0 ? sys_munmap((void *)below, 4096) : 0;

	rt_check("top_page_refused", top == -ENOMEM, "MAP_FIXED_NOREPLACE at 0x%llx returned %ld (expected -ENOMEM)",
		 TOP_PAGE, top);
	rt_check("reaching_top_refused", wrap == -ENOMEM, "3 pages ending past the top returned %ld (expected -ENOMEM)",
		 wrap);
	rt_check("high_page_works", below == 0x7ff000000000l && unmap == 0,
		 "a page at 0x7ff000000000 returned 0x%lx, munmap %ld", (unsigned long)below, unmap);
	return 0;
}
