/*
 * segv_ldt_selector: loading an LDT selector (0x7: index 0, TI = 1, RPL 3)
 * into %fs kills the process with SIGSEGV, because there is no LDT: the
 * kernel loads the null selector into LDTR (Linux does the same for a
 * process that never called modify_ldt, which faultline does not have).
 *
 * To make a live LDT visible, the program first tries to map page 0 and put
 * a valid ring-3 data descriptor in its first 8 bytes: the firmware leaves
 * LDTR with base 0 and limit 0xffff, so if the kernel kept that LDT (and the
 * CPU has no SMAP to stop the descriptor read), the load would succeed and
 * rt_survived() would say so. Where page 0 cannot be mapped (Linux's
 * mmap_min_addr), the load must fail all the same.
 */
#include "user/rt/rt.h"

RT_PROGRAM(segv_ldt_selector);

#define LDT_SELECTOR 0x7
#define USER_DATA_DESCRIPTOR 0x00cff2000000fffful   /* present, DPL 3, read/write, 4 GiB */
#define SYS_modify_ldt 154

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	uint8_t buf[16];

	long ldt = syscall6(SYS_modify_ldt, 0, (long)buf, sizeof(buf), 0, 0, 0);
	if (fl_on_faultline())
		rt_check("no_modify_ldt", ldt == -ENOSYS, "modify_ldt(0) returned %ld (expected %d)", ldt, -ENOSYS);
	else
		rt_test("no_modify_ldt", RT_SKIP, "faultline only: Linux has modify_ldt (returned %ld here)", ldt);

	long page0 = sys_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (page0 == 0)
		poke64(0, USER_DATA_DESCRIPTOR);
	rt_test("setup", RT_PASS, "about to load selector 0x%x into %%fs (%s)", LDT_SELECTOR,
		page0 == 0 ? "page 0 holds a ring-3 data descriptor" : "page 0 could not be mapped");
	rt_expect_kill(SIGSEGV, SI_KERNEL, 0);          /* #GP: no LDT */
	__asm__ volatile("movl %0, %%fs" : : "r"(LDT_SELECTOR) : "memory");
	rt_survived("loading LDT selector 0x%x into %%fs", LDT_SELECTOR);
}
