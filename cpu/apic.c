/* The local APIC and its timer (cpu/apic.h). */
#include "cpu/apic.h"
#include "base/page_types.h"
#include "cpu/cpufeature.h"
#include "cpu/x86.h"

uint64_t lapic_timer_hz;
static volatile uint32_t *lapic;

static inline uint32_t apic_read(uint32_t reg) { return lapic[reg / 4]; }
static inline void apic_write(uint32_t reg, uint32_t v) { lapic[reg / 4] = v; }

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

/* See cpu/apic.h. */
bool lapic_timer_init(uint64_t tsc_hz)
{
	uint64_t pa = lapic_phys_base();
	if (!pa || !tsc_hz)
		return false;
	lapic = (volatile uint32_t *)__va(pa);
	apic_write(APIC_TASKPRI, 0);
	apic_write(APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff);
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
