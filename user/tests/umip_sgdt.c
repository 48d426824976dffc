/*
 * umip_sgdt: ring 3 cannot learn where the kernel's descriptor tables are.
 *
 * On a CPU with UMIP (CPUID.7.0:ECX[2]) faultline sets CR4.UMIP, so sgdt at
 * CPL 3 raises #GP and the process dies by SIGSEGV. Linux sets CR4.UMIP too
 * but emulates sgdt/sidt (and sldt/smsw/str) for ring 3 with made-up values
 * (GDT base 0xfffffffffffe0000, IDT base 0xffffffffffff0000, limit 0), so
 * there the program checks it got exactly those and exits 0. On a CPU
 * without UMIP the instructions are unprivileged: the program records what
 * they show (the real kernel addresses: nothing can hide them) and exits 0.
 * The harness expects each of these ends (tests/qemu/ring3.py, umip_*).
 */
#include "user/rt/rt.h"

RT_PROGRAM(umip_sgdt);

#define LINUX_UMIP_GDT_BASE 0xfffffffffffe0000ul
#define LINUX_UMIP_IDT_BASE 0xffffffffffff0000ul

struct __attribute__((packed)) table_register { uint16_t limit; uint64_t base; };

static bool cpu_has_umip(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	if (a < 7)
		return false;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	return (c >> 2) & 1;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	struct table_register gdtr = { 0 }, idtr = { 0 };

	if (!cpu_has_umip()) {
		__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr) : : "memory");
		rt_test("no_umip", RT_PASS, "this CPU has no UMIP: sgdt (base 0x%lx) and sidt (base 0x%lx) "
			"run at CPL 3; the end expected is exit 0", gdtr.base, idtr.base);
		return 0;
	}
	if (fl_on_faultline()) {
		rt_test("setup", RT_PASS, "the CPU has UMIP: sgdt at CPL 3 must raise #GP (no emulation)");
		rt_expect_kill(SIGSEGV, SI_KERNEL, 0);   /* #GP */
		__asm__ volatile("sgdt %0" : "=m"(gdtr) : : "memory");
		rt_survived("sgdt at CPL 3 on a CPU with UMIP (base 0x%lx)", gdtr.base);
	}
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr) : : "memory");
	rt_check("emulated_made_up_values", gdtr.base == LINUX_UMIP_GDT_BASE && idtr.base == LINUX_UMIP_IDT_BASE &&
		 gdtr.limit == 0 && idtr.limit == 0,
		 "UMIP, emulated: sgdt 0x%lx/%u, sidt 0x%lx/%u (expected Linux's 0x%lx/0, 0x%lx/0)", gdtr.base,
		 gdtr.limit, idtr.base, idtr.limit, LINUX_UMIP_GDT_BASE, LINUX_UMIP_IDT_BASE);
	return 0;
}
