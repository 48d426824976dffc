/*
 * umip_str: on a CPU with UMIP (CPUID.7.0:ECX[2]) the kernel sets CR4.UMIP,
 * so str at CPL 3 raises #GP and the process dies by SIGSEGV; on a CPU
 * without UMIP str is unprivileged and the program exits 0 (the harness
 * expects either end from the CPU's UMIP bit: umip_* programs).
 *
 * str, not sgdt: Linux emulates sgdt, sidt and smsw for ring 3 under UMIP
 * (returning made-up values) but not str and sldt, so str ends the same way
 * on faultline (no emulation) and on Linux. Without UMIP the program records
 * what the now unprivileged instructions reveal, for the reader.
 */
#include "user/rt/rt.h"

RT_PROGRAM(umip_str);

struct __attribute__((packed)) table_register { uint16_t limit; uint64_t base; };

static int cpu_has_umip(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	if (a < 7)
		return 0;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	return (c >> 2) & 1;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	uint16_t tr;

	if (!cpu_has_umip()) {
		struct table_register gdtr;
		__asm__ volatile("sgdt %0; str %1" : "=m"(gdtr), "=r"(tr) : : "memory");
		rt_test("no_umip", RT_PASS, "this CPU has no UMIP: str (0x%x) and sgdt (base 0x%lx) run at CPL 3; "
			"the end expected is exit 0", tr, gdtr.base);
		return 0;
	}
	rt_test("setup", RT_PASS, "the CPU has UMIP: str at CPL 3 must raise #GP");
	rt_before_fatal_access();
	__asm__ volatile("str %0" : "=r"(tr) : : "memory");
	rt_survived("str at CPL 3 on a CPU with UMIP (got 0x%x)", tr);
}
