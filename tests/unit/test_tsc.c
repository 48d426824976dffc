/*
 * Host tests for lib/tsc.c's pure half: the 128-bit multiply-divide (checked
 * against the host's unsigned __int128), the CPUID 0x15/0x16 rules, counter
 * wraparound, Hz from a tick delta, the median, tsc_to_ns, and the
 * calibration loop run against simulated clocks (a PM timer about to wrap, a
 * 14.318 MHz HPET, a stopped counter, a slow one, a glitching one).
 */
#include <stdint.h>
#include "tests/unit/unit.h"
#include "../../base/json.c"
#include "../../base/math64.c"
#include "../../lib/tsc.c"

typedef unsigned __int128 u128;

static uint64_t xorshift_state = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void)
{
	uint64_t x = xorshift_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return xorshift_state = x;
}

static uint64_t exact_mul_div(uint64_t a, uint64_t b, uint64_t c)
{
	u128 q = (u128)a * b / c;
	return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

TEST(mul_div_edges)
{
	CHECK_EQ_U64(mul_u64_u64_div_u64(0, 5, 3), 0);
	CHECK_EQ_U64(mul_u64_u64_div_u64(7, 6, 4), 10);
	CHECK_EQ_U64(mul_u64_u64_div_u64(UINT64_MAX, UINT64_MAX, UINT64_MAX), UINT64_MAX);
	CHECK_EQ_U64(mul_u64_u64_div_u64(UINT64_MAX, 2, 2), UINT64_MAX);
	CHECK_EQ_U64(mul_u64_u64_div_u64(UINT64_MAX, 2, 3), 0xaaaaaaaaaaaaaaaaull);
	CHECK_EQ_U64(mul_u64_u64_div_u64(1ull << 63, 4, 2), UINT64_MAX);   /* 2^64: does not fit */
	CHECK_EQ_U64(mul_u64_u64_div_u64(1ull << 63, 4, 3), 0xaaaaaaaaaaaaaaaaull);  /* 2^65 / 3 fits */
	CHECK_EQ_U64(mul_u64_u64_div_u64(1ull << 63, 4, 5), 0x6666666666666666ull);
	CHECK_EQ_U64(mul_u64_u64_div_u64(5, 5, 0), UINT64_MAX);
	CHECK_EQ_U64(mul_u64_u64_div_u64(1ull << 32, 1ull << 32, 1), UINT64_MAX);
	CHECK_EQ_U64(mul_u64_u64_div_u64(1ull << 32, 1ull << 32, 2), 1ull << 63);
	/* 2^64 - 1 = 3 * 5 * 17 * 257 * 641 * 65537 * 6700417 */
	CHECK_EQ_U64(mul_u64_u64_div_u64(UINT64_MAX, 641, 641), UINT64_MAX);
	CHECK_EQ_U64(mul_u64_u64_div_u64(100000000ull, 1000000000000000ull, 100000000ull),
		     1000000000000000ull);
}

TEST(mul_div_random)
{
	int wrong = 0;

	for (int i = 0; i < 200000; i++) {
		/* Mix full-width and short operands so both paths and the
		 * quotient-overflow case are all exercised. */
		uint64_t a = next_random() >> (next_random() & 63);
		uint64_t b = next_random() >> (next_random() & 63);
		uint64_t c = next_random() >> (next_random() & 63);
		if (c == 0)
			c = 1;
		if (mul_u64_u64_div_u64(a, b, c) != exact_mul_div(a, b, c)) {
			if (wrong++ < 5)
				printf("  %llx * %llx / %llx\n", (unsigned long long)a,
				       (unsigned long long)b, (unsigned long long)c);
		}
	}
	CHECK_EQ_U64(wrong, 0);
}

static struct cpuinfo_x86 leaves(uint32_t denom, uint32_t numer, uint32_t crystal, uint32_t base_mhz)
{
	struct cpuinfo_x86 c = { 0 };
	c.tsc_ratio_denominator = denom;
	c.tsc_ratio_numerator = numer;
	c.tsc_crystal_hz = crystal;
	c.base_mhz = base_mhz;
	return c;
}

TEST(cpuid_frequency)
{
	struct cpuinfo_x86 c;
	const char *src;

	c = leaves(2, 200, 24000000, 3200);
	src = "unset";
	CHECK_EQ_U64(tsc_hz_from_cpuid(&c, &src), 2400000000ull);
	CHECK_STR(src, "cpuid15");

	c = leaves(2, 157, 19200000, 0);        /* 19.2 MHz crystal */
	CHECK_EQ_U64(tsc_hz_from_cpuid(&c, &src), 1507200000ull);

	c = leaves(3, 7, 25000000, 0);          /* rounded down */
	CHECK_EQ_U64(tsc_hz_from_cpuid(&c, &src), 58333333ull);

	c = leaves(2, 0x10000, 0xffffffffu, 0); /* crystal * numerator needs > 32 bits */
	CHECK_EQ_U64(tsc_hz_from_cpuid(&c, &src), 0);   /* 140 THz: implausible */

	c = leaves(2, 166, 0, 2200);            /* crystal unknown: 0x16 base */
	src = "unset";
	CHECK_EQ_U64(tsc_hz_from_cpuid(&c, &src), 2200000000ull);
	CHECK_STR(src, "cpuid16");

	/* What QEMU -cpu max and most hypervisors report: zeros. */
	src = "unset";
	c = leaves(0, 0, 0, 0);
	CHECK_EQ_U64(tsc_hz_from_cpuid(&c, &src), 0);
	c = leaves(2, 0, 24000000, 3200);       /* no numerator */
	CHECK_EQ_U64(tsc_hz_from_cpuid(&c, &src), 0);
	c = leaves(0, 200, 24000000, 3200);     /* no denominator */
	CHECK_EQ_U64(tsc_hz_from_cpuid(&c, &src), 0);
	c = leaves(2, 200, 0, 0);               /* ratio but neither crystal nor base */
	CHECK_EQ_U64(tsc_hz_from_cpuid(&c, &src), 0);
	c = leaves(0, 0, 0, 3200);              /* 0x16 alone is not trusted */
	CHECK_EQ_U64(tsc_hz_from_cpuid(&c, &src), 0);
	c = leaves(1000, 1, 1000, 0);           /* 1 Hz */
	CHECK_EQ_U64(tsc_hz_from_cpuid(&c, &src), 0);
	CHECK_STR(src, "unset");
}

TEST(counter_wraparound)
{
	CHECK_EQ_U64(acpi_pm_delta(100, 300, false), 200);
	CHECK_EQ_U64(acpi_pm_delta(0xfffff0, 0x000010, false), 0x20);
	CHECK_EQ_U64(acpi_pm_delta(0xabfffff0u, 0x12000010u, false), 0x20);  /* junk in bits 31:24 */
	CHECK_EQ_U64(acpi_pm_delta(0xfffffff0u, 0x10, true), 0x20);
	CHECK_EQ_U64(acpi_pm_delta(0x00fffff0u, 0x01000010u, true), 0x20);  /* 32-bit: no wrap at 2^24 */
	CHECK_EQ_U64(acpi_pm_delta(0x123456, 0x123456, false), 0);
	CHECK_EQ_U64(acpi_pm_delta(1, 0, false), 0xffffff);
	CHECK_EQ_U64(acpi_pm_delta(1, 0, true), 0xffffffffu);
	CHECK_EQ_U64(counter_delta(0xfffe, 0x0001, 0xffff), 3);
	CHECK_EQ_U64(counter_delta(5, 2, UINT64_MAX), UINT64_MAX - 2);
}

TEST(hz_from_reference)
{
	/* 60e6 TSC cycles during 71591 PM-timer ticks (20 ms). */
	CHECK_EQ_U64(tsc_hz_from_ref(60000000, 71591, ACPI_PM_TIMER_HZ, 1), 2999995809ull);
	/* HPET at 100 MHz (period 10^7 fs): 2e6 ticks = 20 ms. */
	CHECK_EQ_U64(tsc_hz_from_ref(60000000, 2000000, 1000000000000000ull, 10000000), 3000000000ull);
	/* PIT in half ticks: 23863 ticks + 1/2 at 1193182 Hz. */
	CHECK_EQ_U64(tsc_hz_from_ref(47727000, 2 * 23863 + 1, 2 * PIT_TICK_RATE, 1),
		     47727000ull * 2 * 1193182 / 47727);
	/* A TSC delta whose product with 10^15 needs 128 bits. */
	CHECK_EQ_U64(tsc_hz_from_ref(1ull << 40, 1000000, 1000000000000000ull, 69841279),
		     exact_mul_div(1ull << 40, 1000000000000000ull, 1000000ull * 69841279));
	CHECK_EQ_U64(tsc_hz_from_ref(60000000, 0, ACPI_PM_TIMER_HZ, 1), 0);
	CHECK_EQ_U64(tsc_hz_from_ref(60000000, 100, ACPI_PM_TIMER_HZ, 0), 0);
	CHECK_EQ_U64(tsc_hz_from_ref(60000000, 1ull << 40, 1, 1ull << 30), 0);   /* ticks * den overflows */
}

TEST(median)
{
	uint64_t a[5] = { 3000000500ull, 2999999000ull, 0, 3000000100ull, 3000000000ull };
	CHECK_EQ_U64(tsc_median(a, 5), 3000000000ull);    /* of the four plausible: lower middle */

	uint64_t b[5] = { 3000000500ull, 90000000000ull, 2999999000ull, 500, 3000000100ull };
	CHECK_EQ_U64(tsc_median(b, 5), 3000000100ull);    /* implausible ones dropped */

	uint64_t c[5] = { 3000000500ull, 0, 0, 500, 3000000100ull };
	CHECK_EQ_U64(tsc_median(c, 5), 0);                /* 2 of 5 plausible: not enough */

	uint64_t d[3] = { 2000000000ull, 4000000000ull, 3000000000ull };
	CHECK_EQ_U64(tsc_median(d, 3), 3000000000ull);

	uint64_t e[1] = { 2000000000ull };
	CHECK_EQ_U64(tsc_median(e, 1), 2000000000ull);
	CHECK_EQ_U64(tsc_median(e, 0), 0);
}

TEST(to_ns)
{
	tsc_set_frequency(0, 0, 0, 0);
	CHECK_EQ_U64(tsc_to_ns(123456789), 0);
	CHECK_STR(tsc_source, "none");

	tsc_set_frequency(3000000000ull, "acpi_pm", 20, 5);
	CHECK_EQ_U64(tsc_hz, 3000000000ull);
	CHECK_STR(tsc_source, "acpi_pm");
	CHECK_EQ_U64(tsc_calibration_ms, 20);
	CHECK_EQ_U64(tsc_calibration_runs, 5);
	CHECK_EQ_U64(tsc_to_ns(0), 0);
	CHECK_EQ_U64(tsc_to_ns(2), 0);
	CHECK_EQ_U64(tsc_to_ns(3), 1);
	CHECK_EQ_U64(tsc_to_ns(3000000000ull), 1000000000ull);
	CHECK_EQ_U64(tsc_to_ns(4500000001ull), 1500000000ull);
	CHECK_EQ_U64(tsc_to_ns(UINT64_MAX), 6148914691236517205ull);

	tsc_set_frequency(2400000000ull, "cpuid15", 0, 0);
	CHECK_EQ_U64(tsc_to_ns(UINT64_MAX), 7686143364045646506ull);
	for (int i = 0; i < 10000; i++) {
		uint64_t cyc = next_random();
		if (tsc_to_ns(cyc) != exact_mul_div(cyc, 1000000000ull, 2400000000ull)) {
			CHECK_EQ_U64(tsc_to_ns(cyc), exact_mul_div(cyc, 1000000000ull, 2400000000ull));
			break;
		}
	}
	tsc_set_frequency(0, "x", 1, 1);
	CHECK_EQ_U64(tsc_hz, 0);
	CHECK_STR(tsc_source, "none");
	CHECK_EQ_U64(tsc_calibration_ms, 0);
}

/* ---- simulated clocks ---- */

struct sim {
	uint64_t t_ps;          /* simulated time, picoseconds */
	uint64_t ref_read_ps;   /* cost of one reference read */
	uint64_t tsc_read_ps;
	uint64_t tsc_hz;
	uint64_t ref_num, ref_den;  /* true reference rate: ref_num / ref_den Hz */
	uint64_t ref_offset;    /* counter value at t = 0 */
	uint64_t tsc_offset;    /* TSC value at t = 0 */
	int mode;               /* SIM_* */
	uint64_t glitch_at_read;
	uint64_t stall_at_read; /* this read is followed by a stall of stall_ps */
	uint64_t stall_ps;
	uint64_t ref_reads;
};

enum { SIM_OK, SIM_STOPPED, SIM_GLITCH };

static uint64_t sim_ref(void *ctx)
{
	struct sim *s = ctx;
	s->t_ps += s->ref_read_ps;
	s->ref_reads++;
	if (s->mode == SIM_STOPPED)
		return 0x123456;
	uint64_t ticks = (uint64_t)((u128)s->t_ps * s->ref_num / ((u128)s->ref_den * 1000000000000ull));
	if (s->mode == SIM_GLITCH && s->ref_reads == s->glitch_at_read)
		ticks -= 5;     /* reads a little back in time */
	if (s->ref_reads == s->stall_at_read)
		s->t_ps += s->stall_ps;
	return s->ref_offset + ticks;
}

static uint64_t sim_tsc(void *ctx)
{
	struct sim *s = ctx;
	s->t_ps += s->tsc_read_ps;
	return s->tsc_offset + (uint64_t)((u128)s->t_ps * s->tsc_hz / 1000000000000ull);
}

static struct tsc_reference sim_ref_clock(struct sim *s, uint64_t mask, uint64_t num, uint64_t den)
{
	return (struct tsc_reference){ sim_ref, sim_tsc, s, mask, num, den };
}

static bool within_ppm(uint64_t got, uint64_t want, uint64_t ppm)
{
	uint64_t diff = got > want ? got - want : want - got;
	return diff <= want / 1000000 * ppm;
}

TEST(calibrate_pm_timer_across_wrap)
{
	/* 24-bit PM timer 1000 ticks before wrapping, slow 700 ns port reads. */
	struct sim s = { .ref_read_ps = 700000, .tsc_read_ps = 10000, .tsc_hz = 2893450000ull,
			 .ref_num = ACPI_PM_TIMER_HZ, .ref_den = 1, .ref_offset = 0xfffc18 };
	struct tsc_reference ref = sim_ref_clock(&s, 0xffffff, ACPI_PM_TIMER_HZ, 1);
	uint64_t hz = tsc_calibrate_once(&ref, 20);

	CHECK(within_ppm(hz, s.tsc_hz, 100));
	CHECK(s.t_ps >= 20000000000ull && s.t_ps < 21000000000ull);   /* ~20 ms simulated */
	CHECK((sim_ref(&s) & 0xffffff) < 0xfffc18);                    /* it did wrap */

	/* The TSC itself wraps at 2^64 during the window: still fine. */
	s = (struct sim){ .ref_read_ps = 700000, .tsc_read_ps = 10000, .tsc_hz = 5000000000ull,
			  .ref_num = ACPI_PM_TIMER_HZ, .ref_den = 1,
			  .tsc_offset = UINT64_MAX - 50000000 };   /* wraps after 10 ms */
	ref = sim_ref_clock(&s, 0xffffff, ACPI_PM_TIMER_HZ, 1);
	CHECK(within_ppm(tsc_calibrate_once(&ref, 20), s.tsc_hz, 100));
	CHECK(sim_tsc(&s) < 1000000000);                               /* it did wrap */
}

TEST(calibrate_starts_on_an_edge)
{
	/* A 1 kHz reference: a window of 20 ticks. Starting mid-tick instead of
	 * on an edge would be off by up to a tick (5%). */
	struct sim s = { .t_ps = 500000000ull, .ref_read_ps = 700000, .tsc_read_ps = 10000,
			 .tsc_hz = 3000000000ull, .ref_num = 1000, .ref_den = 1 };
	struct tsc_reference ref = sim_ref_clock(&s, 0xffffffffu, 1000, 1);

	CHECK(within_ppm(tsc_calibrate_once(&ref, 20), s.tsc_hz, 100));
}

TEST(calibrate_hpet_fs_period)
{
	/* 14.31818 MHz HPET: period 69841279 fs; 32-bit counter about to wrap. */
	struct sim s = { .ref_read_ps = 300000, .tsc_read_ps = 10000, .tsc_hz = 1795000000ull,
			 .ref_num = 1000000000000000ull, .ref_den = 69841279,
			 .ref_offset = 0xffffff00u };
	struct tsc_reference ref = sim_ref_clock(&s, 0xffffffffu, 1000000000000000ull, 69841279);
	uint32_t good = 99;

	CHECK(within_ppm(tsc_calibrate(&ref, 20, 5, &good), s.tsc_hz, 50));
	CHECK_EQ_U64(good, 5);
}

TEST(calibrate_fails_on_bad_reference)
{
	struct sim s;
	struct tsc_reference ref;
	uint32_t good = 99;

	/* A counter that never moves (no device: reads return a constant). */
	s = (struct sim){ .ref_read_ps = 700000, .tsc_read_ps = 10000, .tsc_hz = 3000000000ull,
			  .ref_num = ACPI_PM_TIMER_HZ, .ref_den = 1, .mode = SIM_STOPPED };
	ref = sim_ref_clock(&s, 0xffffff, ACPI_PM_TIMER_HZ, 1);
	CHECK_EQ_U64(tsc_calibrate_once(&ref, 20), 0);
	CHECK(s.t_ps < 1000000000000ull);      /* gave up within a simulated second */

	/* A counter 1000 times slower than it claims. */
	s = (struct sim){ .ref_read_ps = 700000, .tsc_read_ps = 10000, .tsc_hz = 3000000000ull,
			  .ref_num = ACPI_PM_TIMER_HZ, .ref_den = 1000 };
	ref = sim_ref_clock(&s, 0xffffff, ACPI_PM_TIMER_HZ, 1);
	CHECK_EQ_U64(tsc_calibrate_once(&ref, 20), 0);

	/* A read that goes back in time once. */
	s = (struct sim){ .ref_read_ps = 700000, .tsc_read_ps = 10000, .tsc_hz = 3000000000ull,
			  .ref_num = ACPI_PM_TIMER_HZ, .ref_den = 1, .mode = SIM_GLITCH,
			  .glitch_at_read = 1000, .ref_offset = 0x800000 };
	ref = sim_ref_clock(&s, 0xffffff, ACPI_PM_TIMER_HZ, 1);
	CHECK_EQ_U64(tsc_calibrate_once(&ref, 20), 0);

	/* ... and in a series of runs the glitched one is outvoted. */
	s.ref_reads = 0;
	s.glitch_at_read = 40000;               /* in the second run (~28000 reads each) */
	CHECK(within_ppm(tsc_calibrate(&ref, 20, 5, &good), s.tsc_hz, 100));
	CHECK_EQ_U64(good, 4);

	/* A window that does not fit in half the counter: refused up front. */
	s = (struct sim){ .ref_read_ps = 700000, .tsc_read_ps = 10000, .tsc_hz = 3000000000ull,
			  .ref_num = ACPI_PM_TIMER_HZ, .ref_den = 1 };
	ref = sim_ref_clock(&s, 0xffff, ACPI_PM_TIMER_HZ, 1);
	CHECK_EQ_U64(tsc_calibrate_once(&ref, 20), 0);
	CHECK_EQ_U64(s.t_ps, 0);
	ref = sim_ref_clock(&s, 0xffffff, ACPI_PM_TIMER_HZ, 0);
	CHECK_EQ_U64(tsc_calibrate_once(&ref, 20), 0);

	/* Every run failing: no frequency. */
	s = (struct sim){ .ref_read_ps = 700000, .tsc_read_ps = 10000, .tsc_hz = 3000000000ull,
			  .ref_num = ACPI_PM_TIMER_HZ, .ref_den = 1, .mode = SIM_STOPPED };
	ref = sim_ref_clock(&s, 0xffffff, ACPI_PM_TIMER_HZ, 1);
	CHECK_EQ_U64(tsc_calibrate(&ref, 20, 3, &good), 0);
	CHECK_EQ_U64(good, 0);
}

TEST(window_end_sharp)
{
	CHECK(tsc_window_end_sharp(60000000, 60000));
	CHECK(!tsc_window_end_sharp(60000000, 60001));
	CHECK(tsc_window_end_sharp(60000000, 0));
	CHECK(!tsc_window_end_sharp(999, 1));
}

/*
 * A read stalled (SMI, preempted host) between reading the reference and
 * the TSC: at the start it spoils the run, at the end it only makes the
 * window longer, in the middle it does not matter.
 */
TEST(calibrate_rejects_stalled_ends)
{
	const struct sim base = { .ref_read_ps = 700000, .tsc_read_ps = 10000, .tsc_hz = 3000000000ull,
				  .ref_num = ACPI_PM_TIMER_HZ, .ref_den = 1 };
	struct sim s = base;
	struct tsc_reference ref = sim_ref_clock(&s, 0xffffff, ACPI_PM_TIMER_HZ, 1);
	uint64_t last_read;

	CHECK(within_ppm(tsc_calibrate_once(&ref, 20), s.tsc_hz, 100));
	last_read = s.ref_reads;

	s = base;
	s.stall_at_read = 2;                    /* the read that sees the first edge */
	s.stall_ps = 100000000;                 /* 100 us */
	CHECK_EQ_U64(tsc_calibrate_once(&ref, 20), 0);

	s = base;
	s.stall_at_read = last_read;            /* the read that would end the window */
	s.stall_ps = 100000000;
	CHECK(within_ppm(tsc_calibrate_once(&ref, 20), s.tsc_hz, 100));
	CHECK(s.ref_reads > last_read);         /* it read on */

	s = base;
	s.stall_at_read = last_read / 2;        /* mid-window: both clocks keep running */
	s.stall_ps = 5000000000ull;             /* 5 ms */
	CHECK(within_ppm(tsc_calibrate_once(&ref, 20), s.tsc_hz, 100));

	s = base;
	s.stall_at_read = last_read;
	s.stall_ps = 10000000;                  /* 10 us: within 1/1000 of 20 ms */
	CHECK(within_ppm(tsc_calibrate_once(&ref, 20), s.tsc_hz, 600));
	CHECK_EQ_U64(s.ref_reads, last_read);   /* accepted as the end */

	/* In a series, only the run with the blurred start is lost. */
	uint32_t good = 0;
	s = base;
	CHECK(within_ppm(tsc_calibrate(&ref, 20, 1, &good), s.tsc_hz, 100));   /* warm-up + 1 */
	CHECK_EQ_U64(good, 1);
	/* The 1 ms warm-up window: ~1400 more reads of 0.71 us than one window alone. */
	CHECK(s.ref_reads > last_read + 1300 && s.ref_reads < last_read + 1500);
	last_read = s.ref_reads;
	s = base;
	s.stall_at_read = last_read + 2;        /* the edge read of the second counted run */
	s.stall_ps = 100000000;
	CHECK(within_ppm(tsc_calibrate(&ref, 20, 5, &good), s.tsc_hz, 100));
	CHECK_EQ_U64(good, 4);
}

TEST(json_fields)
{
	struct json j;
	char buf[256];

	tsc_set_frequency(2893450123ull, "hpet", 20, 5);
	json_begin(&j, buf, sizeof(buf));
	tsc_json(&j);
	json_end(&j);
	CHECK_STR(buf, "{\"tsc_hz\":2893450123,\"tsc_source\":\"hpet\",\"tsc_calibration_ms\":20,"
		  "\"tsc_calibration_runs\":5}");
}

UNIT_MAIN(
	UNIT(mul_div_edges),
	UNIT(mul_div_random),
	UNIT(cpuid_frequency),
	UNIT(counter_wraparound),
	UNIT(hz_from_reference),
	UNIT(median),
	UNIT(to_ns),
	UNIT(calibrate_pm_timer_across_wrap),
	UNIT(calibrate_starts_on_an_edge),
	UNIT(calibrate_hpet_fs_period),
	UNIT(calibrate_fails_on_bad_reference),
	UNIT(window_end_sharp),
	UNIT(calibrate_rejects_stalled_ends),
	UNIT(json_fields)
)
