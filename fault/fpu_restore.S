/*
 * fxrstor_checked(fx [rcx]) -> 0, or -EINVAL [eax] (fault/fpu_restore.h).
 * A #GP on the fxrstor64 (an MXCSR the CPU refuses) is fixed up by
 * fixup_exception() to fxrstor_fixup; the state was not loaded.
 */
#include "base/errno.h"

	.text
	.globl fxrstor_checked, fxrstor_fault_ip, fxrstor_fixup
fxrstor_checked:
fxrstor_fault_ip:
	fxrstor64 (%rcx)
	xorl %eax, %eax
	ret
fxrstor_fixup:
	movl $-EINVAL, %eax
	ret
