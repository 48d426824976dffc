/* The local APIC: its mode, IPIs and its timer (cpu/apic.h). */
#include "cpu/apic.h"
#include "base/page_types.h"
#include "cpu/cpufeature.h"
#include "cpu/x86.h"

uint64_t lapic_timer_hz;
enum apic_mode apic_mode;
bool apic_x2apic_from_firmware;
static volatile uint32_t *lapic;   /* xAPIC: the registers in the direct map */
static uint64_t xapic_phys;        /* xAPIC: their physical address (the same on every CPU) */

/* Polls of the xAPIC delivery status before an IPI counts as stuck. */
#define ICR_BUSY_POLLS 1000000u

/* See cpu/apic.h. */
uint32_t apic_read(uint32_t reg)
{
	if (apic_mode == APIC_MODE_X2APIC)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return lapic[reg / 4];
}

/* See cpu/apic.h. */
void apic_write(uint32_t reg, uint32_t v)
{
	if (apic_mode == APIC_MODE_X2APIC)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
	else
		lapic[reg / 4] = v;
}

/* See cpu/apic.h. */
uint64_t lapic_phys_base(void)
{
	if (!boot_cpu_has(X86_FEATURE_APIC))
		return 0;
	uint64_t msr = rdmsr(MSR_IA32_APICBASE);
	if (!(msr & MSR_IA32_APICBASE_ENABLE) || (msr & MSR_IA32_APICBASE_EXTD))
		return 0;
	return msr & APIC_BASE_MASK;
}

/* Software-enables this CPU's APIC: spurious vector 0xff, every priority. */
static void apic_software_enable(void)
{
	apic_write(APIC_TASKPRI, 0);
	apic_write(APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
}

/* See cpu/apic.h. */
enum apic_mode apic_init_bsp(void)
{
	apic_mode = APIC_MODE_NONE;
	if (!boot_cpu_has(X86_FEATURE_APIC))
		return APIC_MODE_NONE;
	uint64_t msr = rdmsr(MSR_IA32_APICBASE);
	if (!(msr & MSR_IA32_APICBASE_ENABLE))
		return APIC_MODE_NONE;   /* the firmware turned it off (hardware-disabled): leave it */
	apic_x2apic_from_firmware = msr & MSR_IA32_APICBASE_EXTD;
	if (apic_x2apic_from_firmware || boot_cpu_has(X86_FEATURE_X2APIC)) {
		/* xAPIC -> x2APIC is allowed directly from the enabled state (SDM 11.12.5). */
		if (!apic_x2apic_from_firmware)
			wrmsr(MSR_IA32_APICBASE, msr | MSR_IA32_APICBASE_EXTD);
		apic_mode = APIC_MODE_X2APIC;
	} else {
		xapic_phys = msr & APIC_BASE_MASK;
		lapic = (volatile uint32_t *)__va(xapic_phys);
		apic_mode = APIC_MODE_XAPIC;
	}
	apic_software_enable();
	return apic_mode;
}

/* See cpu/apic.h. */
bool apic_init_ap(void)
{
	uint64_t msr = rdmsr(MSR_IA32_APICBASE);
	if (apic_mode == APIC_MODE_X2APIC) {
		uint32_t a, b, c, d;
		cpuid_count(1, 0, &a, &b, &c, &d);
		if (!(msr & MSR_IA32_APICBASE_EXTD)) {
			if (!(c & (1u << 21)))
				return false;
			msr |= MSR_IA32_APICBASE_ENABLE;
			wrmsr(MSR_IA32_APICBASE, msr);
			wrmsr(MSR_IA32_APICBASE, msr | MSR_IA32_APICBASE_EXTD);
		}
	} else if (apic_mode == APIC_MODE_XAPIC) {
		if ((msr & MSR_IA32_APICBASE_EXTD) || (msr & APIC_BASE_MASK) != xapic_phys)
			return false;
		if (!(msr & MSR_IA32_APICBASE_ENABLE))
			wrmsr(MSR_IA32_APICBASE, msr | MSR_IA32_APICBASE_ENABLE);
	} else {
		return false;
	}
	apic_software_enable();
	apic_write(APIC_LVTT, APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
	return true;
}

/* See cpu/apic.h. */
uint32_t read_apic_id(void)
{
	uint32_t id = apic_read(APIC_ID);
	return apic_mode == APIC_MODE_X2APIC ? id : id >> 24;
}

/* See cpu/apic.h. */
bool apic_send_ipi(uint32_t dest, uint32_t icr_low)
{
	if (apic_mode == APIC_MODE_X2APIC) {
		/* One 64-bit write; x2APIC ICR writes are not serialising w.r.t. memory: fence first
		 * so the request the IPI announces is visible to the target (Linux's weak_wrmsr_fence). */
		__asm__ volatile("mfence" ::: "memory");
		wrmsr(MSR_X2APIC_BASE + (APIC_ICR >> 4), ((uint64_t)dest << 32) | icr_low);
		return true;
	}
	if (apic_mode != APIC_MODE_XAPIC)
		return false;
	apic_write(APIC_ICR2, dest << 24);
	apic_write(APIC_ICR, icr_low);
	for (uint32_t i = 0; i < ICR_BUSY_POLLS; i++) {
		if (!(apic_read(APIC_ICR) & APIC_ICR_BUSY))
			return true;
		cpu_relax();
	}
	return false;
}

/* See cpu/apic.h. */
bool lapic_timer_init(uint64_t tsc_hz)
{
	if (apic_mode == APIC_MODE_NONE || !tsc_hz)
		return false;
	apic_software_enable();
	/* One-shot from the top for 10 ms of TSC time: the count it fell by is
	 * the timer's clock / 16 / 100. */
	apic_write(APIC_LVTT, APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
	apic_write(APIC_TDCR, APIC_TDR_DIV_16);
	apic_write(APIC_TMICT, 0xffffffffu);
	uint64_t t0 = rdtsc(), end = t0 + tsc_hz / 100;
	while (rdtsc() < end)
		cpu_relax();
	uint32_t left = apic_read(APIC_TMCCT);
	uint64_t t1 = rdtsc();
	apic_write(APIC_TMICT, 0);
	uint64_t fell = 0xffffffffull - left;
	if (fell == 0 || t1 <= t0)
		return false;
	lapic_timer_hz = fell * 16 * tsc_hz / (t1 - t0);
	return lapic_timer_hz >= 1000;   /* anything slower is not a working timer */
}

/* See cpu/apic.h. */
void lapic_timer_start(uint32_t hz)
{
	uint64_t count = lapic_timer_hz / 16 / hz;
	apic_write(APIC_TDCR, APIC_TDR_DIV_16);
	apic_write(APIC_LVTT, APIC_LVT_TIMER_PERIODIC | LOCAL_TIMER_VECTOR);
	apic_write(APIC_TMICT, (uint32_t)(count ? (count > 0xffffffffu ? 0xffffffffu : count) : 1));
}

/* See cpu/apic.h. */
void lapic_timer_stop(void)
{
	apic_write(APIC_LVTT, APIC_LVT_MASKED | LOCAL_TIMER_VECTOR);
	apic_write(APIC_TMICT, 0);
}

/* See cpu/apic.h. */
void lapic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}
