/*
 * TSC frequency: read from CPUID when the CPU states it, else measured
 * against a reference clock of known rate (ACPI PM timer, HPET, PIT), and
 * the conversions built on it.
 *
 * The first half of the file is pure arithmetic and the calibration loop over
 * two abstract clocks (host-tested); the second half reads the hardware.
 * tsc_to_ns() is exact (rounded down) and cannot overflow in between
 * (base/math64.h's cycles_to_ns, which the vDSO uses too).
 */
#include "lib/tsc.h"
#include "cpu/acpi.h"
#include "cpu/x86.h"
#include "base/page_types.h"

#define NSEC_PER_SEC  1000000000ull
#define USEC_PER_SEC  1000000ull
#define FS_PER_SEC    1000000000000000ull

uint64_t tsc_hz;
const char *tsc_source = "none";
uint32_t tsc_calibration_ms;
uint32_t tsc_calibration_runs;


/* ---- frequency arithmetic ---- */

bool tsc_hz_plausible(uint64_t hz)
{
	return hz >= TSC_HZ_MIN && hz <= TSC_HZ_MAX;
}

uint64_t tsc_hz_from_cpuid(const struct cpuinfo_x86 *c, const char **source)
{
	uint64_t hz;
	const char *from;

	if (c->tsc_ratio_denominator == 0 || c->tsc_ratio_numerator == 0)
		return 0;
	if (c->tsc_crystal_hz != 0) {
		hz = mul_u64_u64_div_u64(c->tsc_crystal_hz, c->tsc_ratio_numerator,
					 c->tsc_ratio_denominator);
		from = "cpuid15";
	} else if (c->base_mhz != 0) {
		hz = (uint64_t)c->base_mhz * 1000000u;
		from = "cpuid16";
	} else {
		return 0;
	}
	if (!tsc_hz_plausible(hz))
		return 0;
	*source = from;
	return hz;
}

uint64_t counter_delta(uint64_t start, uint64_t end, uint64_t mask)
{
	return (end - start) & mask;
}

uint32_t acpi_pm_delta(uint32_t start, uint32_t end, bool ext32)
{
	return (uint32_t)counter_delta(start, end, ext32 ? 0xffffffffu : 0xffffffu);
}

uint64_t tsc_hz_from_ref(uint64_t tsc_delta, uint64_t ref_ticks, uint64_t hz_num, uint64_t hz_den)
{
	if (ref_ticks == 0 || hz_den == 0 || ref_ticks > UINT64_MAX / hz_den)
		return 0;
	return mul_u64_u64_div_u64(tsc_delta, hz_num, ref_ticks * hz_den);
}

uint64_t tsc_median(uint64_t *v, uint32_t n)
{
	uint32_t good = 0;

	/* Keep the plausible values at the front, then insertion-sort them. */
	for (uint32_t i = 0; i < n; i++)
		if (tsc_hz_plausible(v[i]))
			v[good++] = v[i];
	if (good < n / 2 + 1)
		return 0;
	for (uint32_t i = 1; i < good; i++) {
		uint64_t x = v[i];
		uint32_t k = i;
		for (; k > 0 && v[k - 1] > x; k--)
			v[k] = v[k - 1];
		v[k] = x;
	}
	return v[(good - 1) / 2];
}

/* ---- calibration against an abstract reference ---- */

bool tsc_window_end_sharp(uint64_t window, uint64_t gap)
{
	return gap <= window / TSC_MAX_END_BLUR;
}

uint64_t tsc_calibrate_once(const struct tsc_reference *ref, uint32_t window_ms)
{
	uint64_t target, limit, prev, now, ticks = 0;
	uint64_t tsc_first, tsc_prev, tsc_now, tsc_start, start_gap;

	if (ref->hz_den == 0 || ref->hz_den > UINT64_MAX / 1000)
		return 0;
	target = mul_u64_u64_div_u64(window_ms, ref->hz_num, 1000 * ref->hz_den);
	if (target == 0 || target > ref->mask / 2)
		return 0;
	/* The most TSC cycles a window can take: at TSC_HZ_MAX for window_ms. */
	limit = mul_u64_u64_div_u64(TSC_HZ_MAX, window_ms, 1000);

	/*
	 * Start on a tick edge, so the window begins at a known reference
	 * instant; the edge lies between the TSC reads around the read that
	 * first saw it (tsc_prev .. tsc_now).
	 */
	tsc_first = tsc_now = ref->read_tsc(ref->ctx);
	prev = ref->read_ref(ref->ctx) & ref->mask;
	do {
		tsc_prev = tsc_now;
		now = ref->read_ref(ref->ctx) & ref->mask;
		tsc_now = ref->read_tsc(ref->ctx);
		if (tsc_now - tsc_first > limit)
			return 0;       /* the reference does not move */
	} while (now == prev);
	start_gap = tsc_now - tsc_prev;

	tsc_start = tsc_now;
	prev = now;
	for (;;) {
		uint64_t delta;

		tsc_prev = tsc_now;
		now = ref->read_ref(ref->ctx) & ref->mask;
		tsc_now = ref->read_tsc(ref->ctx);
		if (tsc_now - tsc_start > limit)
			return 0;       /* stopped, or far slower than it claims */
		delta = counter_delta(prev, now, ref->mask);
		if (delta > ref->mask / 2)
			return 0;       /* a glitch (or a counter running backwards) */
		ticks += delta;
		prev = now;
		/* End at the first read, once the window is long enough, that
		 * was quick enough to pin the end down; a slow one extends it. */
		if (ticks >= target && tsc_window_end_sharp(tsc_now - tsc_start, tsc_now - tsc_prev))
			break;
	}
	/* The start cannot be moved afterwards: a blurred start loses the run. */
	if (!tsc_window_end_sharp(tsc_now - tsc_start, start_gap))
		return 0;
	return tsc_hz_from_ref(tsc_now - tsc_start, ticks, ref->hz_num, ref->hz_den);
}

uint64_t tsc_calibrate(const struct tsc_reference *ref, uint32_t window_ms, uint32_t runs,
		       uint32_t *good)
{
	uint64_t hz[TSC_MAX_RUNS];
	uint32_t plausible = 0;

	if (runs > TSC_MAX_RUNS)
		runs = TSC_MAX_RUNS;
	/* A short first window, thrown away, warms the caches and branch
	 * predictors (under QEMU TCG: translates the loop) so that the first
	 * counted window does not start with a slow read. */
	tsc_calibrate_once(ref, 1);
	for (uint32_t i = 0; i < runs; i++) {
		hz[i] = tsc_calibrate_once(ref, window_ms);
		if (tsc_hz_plausible(hz[i]))
			plausible++;
	}
	if (good)
		*good = plausible;
	return tsc_median(hz, runs);
}

/* ---- the result ---- */

void tsc_set_frequency(uint64_t hz, const char *source, uint32_t calibration_ms, uint32_t runs)
{
	if (hz == 0) {
		tsc_hz = 0;
		tsc_source = "none";
		tsc_calibration_ms = 0;
		tsc_calibration_runs = 0;
		return;
	}
	tsc_hz = hz;
	tsc_source = source;
	tsc_calibration_ms = calibration_ms;
	tsc_calibration_runs = runs;
}

uint64_t tsc_to_ns(uint64_t cycles)
{
	if (tsc_hz == 0)
		return 0;
	return cycles_to_ns(cycles, tsc_hz);
}

void tsc_json(struct json *j)
{
	json_u64(j, "tsc_hz", tsc_hz);
	json_str(j, "tsc_source", tsc_source);
	json_u64(j, "tsc_calibration_ms", tsc_calibration_ms);
	json_u64(j, "tsc_calibration_runs", tsc_calibration_runs);
}

#ifndef HOST_TEST
/* ---- the hardware ---- */

/* HPET registers (32-bit accesses only; every HPET accepts those). */
#define HPET_PERIOD        0x004    /* high half of the capabilities: fs per tick */
#define HPET_CONFIG        0x010
#define HPET_CONFIG_ENABLE (1u << 0)
#define HPET_COUNTER       0x0f0    /* low 32 bits of the main counter */
#define HPET_MAX_PERIOD_FS 100000000u  /* the spec's slowest: 100 ns */

/* PIT channel 2, gated and observed through port 0x61. */
#define PIT_CH2_DATA   0x42
#define PIT_MODE       0x43
#define PIT_CH2_MODE0  0xb0          /* channel 2, low then high byte, mode 0, binary */
#define PORT_61        0x61
#define PORT_61_GATE2  0x01
#define PORT_61_SPKR   0x02
#define PORT_61_OUT2   0x20
#define PIT_MIN_POLLS  100           /* fewer: OUT2 was stuck high, no real count */

static uint64_t read_tsc(void *ctx)
{
	(void)ctx;
	return rdtsc_ordered();
}

static uint64_t read_pm_timer(void *ctx)
{
	const struct acpi_pm_timer *pm = ctx;

	if (pm->io)
		return inl((uint16_t)pm->address);
	return *(volatile uint32_t *)phys_to_virt(pm->address);
}

/* Median TSC frequency against the ACPI PM timer; 0 if there is none or it fails. */
static uint64_t calibrate_against_pm_timer(uint32_t *good)
{
	struct acpi_pm_timer pm;
	struct tsc_reference ref;

	if (!acpi_get_pm_timer(&pm))
		return 0;
	ref = (struct tsc_reference){
		.read_ref = read_pm_timer, .read_tsc = read_tsc, .ctx = &pm,
		.mask = pm.ext32 ? 0xffffffffu : 0xffffffu,
		.hz_num = ACPI_PM_TIMER_HZ, .hz_den = 1,
	};
	return tsc_calibrate(&ref, TSC_CALIBRATION_MS, TSC_CALIBRATION_RUNS, good);
}

static uint32_t hpet_readl(volatile uint8_t *hpet, uint32_t reg)
{
	return *(volatile uint32_t *)(hpet + reg);
}

static void hpet_writel(volatile uint8_t *hpet, uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(hpet + reg) = v;
}

static uint64_t read_hpet_counter(void *ctx)
{
	return hpet_readl(ctx, HPET_COUNTER);
}

/*
 * Median TSC frequency against the HPET main counter (low 32 bits); 0 if
 * there is no HPET or its period is impossible. Turns the counter on if the
 * firmware left it off. The HPET page must be mapped (see acpi_get_hpet_base).
 */
static uint64_t calibrate_against_hpet(uint32_t *good)
{
	volatile uint8_t *hpet;
	struct tsc_reference ref;
	uint64_t phys;
	uint32_t period, config;

	if (!acpi_get_hpet_base(&phys))
		return 0;
	hpet = phys_to_virt(phys);
	period = hpet_readl(hpet, HPET_PERIOD);
	if (period == 0 || period > HPET_MAX_PERIOD_FS)
		return 0;
	config = hpet_readl(hpet, HPET_CONFIG);
	if (!(config & HPET_CONFIG_ENABLE))
		hpet_writel(hpet, HPET_CONFIG, config | HPET_CONFIG_ENABLE);
	ref = (struct tsc_reference){
		.read_ref = read_hpet_counter, .read_tsc = read_tsc, .ctx = (void *)hpet,
		.mask = 0xffffffffu,
		.hz_num = FS_PER_SEC, .hz_den = period,
	};
	return tsc_calibrate(&ref, TSC_CALIBRATION_MS, TSC_CALIBRATION_RUNS, good);
}

/*
 * One PIT window: channel 2 in mode 0 counts window_ms worth of ticks down
 * and raises OUT2 (port 0x61 bit 5) at the end. Returns the TSC frequency,
 * or 0 if OUT2 never rises, was already high, or either end of the window
 * is blurred by a slow port access (tsc_window_end_sharp).
 */
static uint64_t pit_calibrate_once(uint32_t window_ms)
{
	uint32_t latch = PIT_TICK_RATE * window_ms / 1000;   /* <= 0xffff: window <= 54 ms */
	uint64_t limit = mul_u64_u64_div_u64(TSC_HZ_MAX, window_ms, 1000);
	uint64_t tsc_before, tsc_start, tsc_prev, tsc_now, start, end;
	uint32_t polls = 0;
	uint8_t saved = inb(PORT_61);
	bool out2;

	outb(PORT_61, (uint8_t)((saved & ~PORT_61_SPKR) | PORT_61_GATE2));
	outb(PIT_MODE, PIT_CH2_MODE0);
	outb(PIT_CH2_DATA, (uint8_t)latch);
	tsc_before = rdtsc_ordered();
	outb(PIT_CH2_DATA, (uint8_t)(latch >> 8));   /* the count starts with this write */
	tsc_start = tsc_now = rdtsc_ordered();
	do {
		tsc_prev = tsc_now;
		out2 = (inb(PORT_61) & PORT_61_OUT2) != 0;
		tsc_now = rdtsc_ordered();
		polls++;
	} while (!out2 && tsc_now - tsc_start <= limit);
	outb(PORT_61, saved);
	if (!out2 || polls < PIT_MIN_POLLS)
		return 0;
	/* Each end happened somewhere between two TSC reads: take the middle. */
	start = tsc_before + (tsc_start - tsc_before) / 2;
	end = tsc_prev + (tsc_now - tsc_prev) / 2;
	if (!tsc_window_end_sharp(end - start, tsc_start - tsc_before) ||
	    !tsc_window_end_sharp(end - start, tsc_now - tsc_prev))
		return 0;
	/*
	 * The count is loaded on the first clock after the write (on average
	 * half a tick later) and OUT2 rises latch ticks after that: the window
	 * is latch + 1/2 ticks, counted here in half ticks.
	 */
	return tsc_hz_from_ref(end - start, 2 * (uint64_t)latch + 1, 2 * PIT_TICK_RATE, 1);
}

/* Median TSC frequency against PIT channel 2; 0 if fewer than half the runs worked. */
static uint64_t calibrate_against_pit(uint32_t *good)
{
	uint64_t hz[TSC_CALIBRATION_RUNS];

	*good = 0;
	for (uint32_t i = 0; i < TSC_CALIBRATION_RUNS; i++) {
		hz[i] = pit_calibrate_once(TSC_CALIBRATION_MS);
		if (tsc_hz_plausible(hz[i]))
			(*good)++;
	}
	return tsc_median(hz, TSC_CALIBRATION_RUNS);
}

static const struct {
	const char *source;
	uint64_t (*calibrate)(uint32_t *good);
} calibrators[] = {
	{ "acpi_pm", calibrate_against_pm_timer },
	{ "hpet",    calibrate_against_hpet },
	{ "pit",     calibrate_against_pit },
};

void tsc_init(const struct cpuinfo_x86 *c)
{
	const char *source;
	uint64_t hz;

	tsc_set_frequency(0, 0, 0, 0);
	if (!cpu_has(c, X86_FEATURE_TSC))
		return;
	hz = tsc_hz_from_cpuid(c, &source);
	if (hz) {
		tsc_set_frequency(hz, source, 0, 0);
		return;
	}
	for (uint32_t i = 0; i < sizeof(calibrators) / sizeof(calibrators[0]); i++) {
		uint32_t good = 0;
		hz = calibrators[i].calibrate(&good);
		if (hz) {
			tsc_set_frequency(hz, calibrators[i].source, TSC_CALIBRATION_MS, good);
			return;
		}
	}
}

void tsc_delay_us(uint64_t us)
{
	uint64_t hz = tsc_hz ? tsc_hz : TSC_HZ_MAX;
	uint64_t cycles = mul_u64_u64_div_u64(us, hz, USEC_PER_SEC);
	uint64_t start = rdtsc_ordered();

	while (rdtsc_ordered() - start < cycles)
		cpu_relax();
}
#endif /* HOST_TEST */
