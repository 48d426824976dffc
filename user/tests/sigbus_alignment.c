/*
 * sigbus_alignment: with RFLAGS.AC set, an unaligned load in ring 3 raises
 * #AC (the kernel sets CR0.AM, as Linux does) and kills the process with
 * SIGBUS (Linux: BUS_ADRALN). The same load with AC clear just works.
 *
 * QEMU's TCG does not emulate alignment checking at all (no #AC, whatever
 * CR0.AM and AC say), so under TCG (hypervisor signature "TCGTCGTCGTCG")
 * the program says so and exits 0 without the fatal access; the harness
 * expects that end there (tests/qemu/ring3.py) and SIGBUS everywhere else.
 */
#include "user/rt/rt.h"

RT_PROGRAM(sigbus_alignment);

#define RFLAGS_AC (1ul << 18)

static uint8_t data[16] __attribute__((aligned(16))) = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

/* True when CPUID says the CPU is QEMU's TCG emulator. */
static bool under_tcg(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c >> 31))
		return false;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x40000000u), "c"(0));
	return b == 0x54474354u && c == 0x43544743u && d == 0x47435447u;   /* "TCGTCGTCGTCG" */
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	uint32_t v;
	uint64_t with_ac;

	__asm__ volatile("movl 1(%1), %0" : "=r"(v) : "r"(data) : "memory");
	rt_check("unaligned_without_ac", v == 0x05040302u, "unaligned load with AC clear read 0x%x (expected 0x5040302)", v);
	__asm__ volatile("pushfq; orq %1, (%%rsp); popfq; pushfq; popq %0; pushfq; andq %2, (%%rsp); popfq"
			 : "=&r"(with_ac) : "r"(RFLAGS_AC), "r"(~RFLAGS_AC) : "memory", "cc");
	rt_check("ac_settable", (with_ac & RFLAGS_AC) != 0, "popf with AC at CPL 3 gave RFLAGS 0x%lx", with_ac);
	if (under_tcg()) {
		rt_test("tcg_has_no_ac", RT_PASS, "QEMU TCG raises no #AC: the unaligned access with AC set is left out; "
			"the end expected here is exit 0");
		return 0;
	}
	rt_test("setup", RT_PASS, "about to set RFLAGS.AC and load 4 bytes at an odd address");
	rt_expect_kill(SIGBUS, BUS_ADRALN, 0);          /* Linux: si_addr NULL for #AC */
	__asm__ volatile("pushfq; orq %2, (%%rsp); popfq\n\t"
			 "movl 1(%1), %0\n\t"
			 "pushfq; andq %3, (%%rsp); popfq"
			 : "=&r"(v) : "r"(data), "r"(RFLAGS_AC), "r"(~RFLAGS_AC) : "memory", "cc");
	rt_survived("unaligned 4-byte load with RFLAGS.AC set (got 0x%x)", v);
}
