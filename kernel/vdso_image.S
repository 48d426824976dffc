/*
 * The vDSO image (build/vdso/vdso.so, built from user/vdso/ by user/user.mk),
 * embedded read-only in the kernel: vdso_image_start .. vdso_image_end.
 * kernel/vdso.c copies it into every process. No code runs here.
 */
	.section .rdata,"dr"
	.balign 64
	.globl vdso_image_start
vdso_image_start:
	.incbin "build/vdso/vdso.so"
	.globl vdso_image_end
vdso_image_end:
