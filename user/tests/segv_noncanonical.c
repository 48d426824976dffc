/*
 * segv_noncanonical: reading 0x0000800000000000 kills the process with
 * SIGSEGV. With 4-level paging that address is non-canonical (bit 47 set,
 * bits 63..48 clear): the CPU raises #GP, not #PF, and the kernel must still
 * turn it into SIGSEGV. With 5-level paging it is canonical but nothing is
 * mapped there (neither Linux nor faultline maps above 47 bits unless asked),
 * so it is a plain #PF on an unmapped address: SIGSEGV all the same. The
 * kill says which: SI_KERNEL at address 0 for the #GP (the CPU does not
 * report the address), SEGV_MAPERR at the address for the #PF.
 */
#include "user/rt/rt.h"

RT_PROGRAM(segv_noncanonical);

#define PAST_47_BITS 0x0000800000000000ul

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	uint32_t bits = rt_user_va_bits();
	rt_test("setup", RT_PASS, "about to read 8 bytes at 0x%lx (%u-bit user addresses: %s)", PAST_47_BITS,
		bits, bits > 47 ? "a #PF" : "a #GP");
	if (bits > 47)
		rt_expect_kill(SIGSEGV, SEGV_MAPERR, PAST_47_BITS);
	else
		rt_expect_kill(SIGSEGV, SI_KERNEL, 0);
	uint64_t v = peek64(PAST_47_BITS);
	rt_survived("reading 0x%lx (got 0x%lx)", PAST_47_BITS, v);
}
