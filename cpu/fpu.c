/* The user's FPU/SSE/AVX state: see cpu/fpu.h. */
#include "cpu/fpu.h"
#include "base/string.h"
#include "cpu/x86.h"

static uint32_t area_size = 512;
static uint64_t xfeatures;          /* XCR0: the components XSAVE saves */
static uint8_t init_state[FPU_AREA_MAX] __attribute__((aligned(FPU_AREA_ALIGN)));

/* Reads an extended control register (XCR0: the enabled state components). */
static inline uint64_t xgetbv(uint32_t index)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(index));
	return ((uint64_t)hi << 32) | lo;
}

/* See cpu/fpu.h. */
void fpu_area_init(void *area)
{
	memset((char *)area + 512, 0, 64);   /* the header follows the 512-byte legacy area */
}

/* See cpu/fpu.h. */
void fpu_save(void *area)
{
	if (xfeatures)
		__asm__ volatile("xsave64 (%0)" : : "r"(area), "a"((uint32_t)xfeatures),
				 "d"((uint32_t)(xfeatures >> 32)) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

/* See cpu/fpu.h. */
void fpu_restore(const void *area)
{
	if (xfeatures)
		__asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"((uint32_t)xfeatures),
				 "d"((uint32_t)(xfeatures >> 32)) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

/* See cpu/fpu.h. */
uint32_t fpu_init(void)
{
	if (read_cr4() & X86_CR4_OSXSAVE) {
		uint32_t a, b, c, d;
		cpuid_count(0xd, 0, &a, &b, &c, &d);
		if (b >= 576 && b <= FPU_AREA_MAX) {
			xfeatures = xgetbv(0);
			area_size = b;
		}
	}
	/* The initial state: x87 reset, default MXCSR, and (XSAVE) a header
	 * whose XSTATE_BV is 0 except x87/SSE, so XRSTOR puts the rest in its
	 * init state (zeroed registers). */
	memset(init_state, 0, sizeof(init_state));
	uint32_t mxcsr = 0x1f80;
	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
	fpu_save(init_state);
	memset(init_state + 32, 0, 384);            /* ST0-7 and XMM0-15: zero, not the firmware's */
	if (xfeatures)
		*(uint64_t *)(init_state + 512) &= 3;   /* XSTATE_BV: x87 and SSE only */
	return area_size;
}

/* See cpu/fpu.h. */
uint32_t fpu_area_size(void)
{
	return area_size;
}

/* See cpu/fpu.h. */
void fpu_init_state(void *area)
{
	memcpy(area, init_state, area_size);
}
