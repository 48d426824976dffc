/*
 * __copy_user(dst [rcx], src [rdx], n [r8]) -> bytes NOT copied [rax]
 *
 * The one place the kernel touches user memory: a rep movsb bracketed by
 * STAC/CLAC (so SMAP allows it). A fault on the rep movsb goes through the
 * page-fault path like a user access (demand paging works); if that cannot
 * map the page, fixup_exception() resumes at copy_user_fixup with rcx still
 * counting the bytes left, which we return. Clobbers rdi, rsi (saved: they
 * are callee-saved in the MS x64 convention). STAC/CLAC exist only with SMAP
 * (else they are #UD), so they run only when uaccess_smap is set.
 */

.macro STAC
	cmpb $0, uaccess_smap(%rip)
	je 1f
	stac
1:
.endm
.macro CLAC
	cmpb $0, uaccess_smap(%rip)
	je 1f
	clac
1:
.endm
	.text
	.globl __copy_user, copy_user_fault_ip, copy_user_fixup
__copy_user:
	pushq %rdi
	pushq %rsi
	movq %rcx, %rdi
	movq %rdx, %rsi
	movq %r8, %rcx
	STAC
copy_user_fault_ip:
	rep movsb
copy_user_fixup:
	movq %rcx, %rax
	CLAC
	popq %rsi
	popq %rdi
	ret

/*
 * __clear_user(dst [rcx], n [rdx]) -> bytes NOT cleared [rax]: as above, rep stosb.
 */
	.globl __clear_user, clear_user_fault_ip, clear_user_fixup
__clear_user:
	pushq %rdi
	movq %rcx, %rdi
	movq %rdx, %rcx
	STAC
	xorl %eax, %eax
clear_user_fault_ip:
	rep stosb
clear_user_fixup:
	movq %rcx, %rax
	CLAC
	popq %rdi
	ret

	.data
	.globl uaccess_smap
uaccess_smap:
	.byte 0
