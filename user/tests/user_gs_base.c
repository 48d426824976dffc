/*
 * user_gs_base: a program's GS base is its own and survives the kernel's
 * swapgs on every entry and return. arch_prctl(ARCH_SET_GS) gives %gs:0 and
 * %gs:8 the words of a block of ours; they read the same after a system
 * call and after a page fault (both enter the kernel, which runs on its own
 * GS base, and swap back); ARCH_GET_GS returns the address we set; a
 * kernel-half address is refused with -EPERM, as Linux refuses it.
 */
#include "user/rt/rt.h"

RT_PROGRAM(user_gs_base);

static uint64_t gs_block[2] = { 0x65650000000000a1ul, 0x65650000000000a2ul };

/* Records whether %gs:0 and %gs:8 are gs_block's words. */
static void check_gs_words(const char *check, const char *when)
{
	uint64_t v0, v1;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(v0) : : "memory");
	__asm__ volatile("movq %%gs:8, %0" : "=r"(v1) : : "memory");
	rt_check(check, v0 == gs_block[0] && v1 == gs_block[1],
		 "%%gs:0 = 0x%lx, %%gs:8 = 0x%lx %s (expected 0x%lx, 0x%lx)", v0, v1, when, gs_block[0],
		 gs_block[1]);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	long r = sys_arch_prctl(ARCH_SET_GS, (unsigned long)gs_block);
	rt_check("arch_prctl_set_gs", r == 0, "ARCH_SET_GS returned %ld (expected 0)", r);
	if (r != 0)
		return 0;
	check_gs_words("gs_base_set", "after ARCH_SET_GS");
	sys_getpid();
	check_gs_words("gs_base_after_syscall", "after getpid");
	long addr = rt_map_small_pages(PAGE_SIZE, PROT_READ | PROT_WRITE);
	if (addr < 0) {
		rt_test("gs_base_after_page_fault", RT_FAIL, "mmap failed: %ld", addr);
	} else {
		poke8(addr, 1);
		check_gs_words("gs_base_after_page_fault", "after a page fault");
	}

	uint64_t got = 0;
	r = sys_arch_prctl(ARCH_GET_GS, (unsigned long)&got);
	rt_check("arch_prctl_get_gs", r == 0 && got == (uint64_t)gs_block,
		 "ARCH_GET_GS returned %ld, 0x%lx (expected 0, 0x%lx)", r, got, (uint64_t)gs_block);

	r = sys_arch_prctl(ARCH_SET_GS, 0xffff800000000000ul);
	rt_check("arch_prctl_set_gs_kernel_refused", r == -EPERM,
		 "ARCH_SET_GS(0xffff800000000000) returned %ld (expected -EPERM %d)", r, -EPERM);
	check_gs_words("gs_base_kept_after_refusal", "after the refused ARCH_SET_GS");
	return 0;
}
