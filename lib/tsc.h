/*
 * The time-stamp counter as the kernel's clock: its frequency, where that
 * number came from, and cycle <-> time conversions.
 *
 * tsc_init() takes the frequency from the first source that answers, in this
 * order:
 *   "cpuid15"  CPUID 0x15: crystal Hz * EBX / EAX (all three non-zero)
 *   "cpuid16"  CPUID 0x15 ratio present but crystal 0: CPUID 0x16 base MHz
 *   "acpi_pm"  calibrated against the ACPI PM timer (3.579545 MHz)
 *   "hpet"     calibrated against the HPET main counter
 *   "pit"      calibrated against PIT channel 2 (1.193182 MHz)
 * A calibration is TSC_CALIBRATION_RUNS windows of TSC_CALIBRATION_MS each;
 * the median of the plausible runs wins. If nothing works tsc_hz stays 0 and
 * tsc_source is "none".
 *
 * The arithmetic (128-bit multiply-divide, counter wraparound, Hz from a tick
 * delta, the calibration loop over two abstract clocks) is pure and
 * host-tested; only the hardware accessors are kernel-only.
 */
#ifndef FAULTLINE_TSC_H
#define FAULTLINE_TSC_H

#include "base/math64.h"
#include <stdbool.h>
#include <stdint.h>
#include "cpu/cpufeature.h"
#include "base/json.h"

#define TSC_CALIBRATION_MS   20
#define TSC_CALIBRATION_RUNS 5
#define TSC_MAX_RUNS         15
#define PIT_TICK_RATE        1193182u

/* A window whose start or end is known only to within more than 1/this of
 * its length (a read stalled by an SMI or a preempting host) is discarded. */
#define TSC_MAX_END_BLUR     1000

/* Frequencies outside this range are treated as a failed measurement. */
#define TSC_HZ_MIN 1000000ull           /* 1 MHz */
#define TSC_HZ_MAX 20000000000ull       /* 20 GHz */

extern uint64_t tsc_hz;                 /* 0 until tsc_init() succeeds */
extern const char *tsc_source;          /* "none" until then */
extern uint32_t tsc_calibration_ms;     /* window length of each run; 0 from CPUID */
extern uint32_t tsc_calibration_runs;   /* runs that produced a plausible value */

/*
 * Determines tsc_hz (see the order above). Uses acpi_get_pm_timer() and
 * acpi_get_hpet_base(), so call it after acpi_init(); without ACPI it falls
 * through to the PIT. May enable the HPET main counter (and leaves it on).
 * Takes about TSC_CALIBRATION_RUNS * TSC_CALIBRATION_MS when it calibrates.
 */
void tsc_init(const struct cpuinfo_x86 *c);

/* Returns cycles converted to nanoseconds at tsc_hz, rounded down, exact for
 * every input (the result fits 64 bits whenever tsc_hz >= 1 GHz); 0 while
 * tsc_hz is 0. */
uint64_t tsc_to_ns(uint64_t cycles);

/* Spins for at least us microseconds. Before tsc_init it assumes the TSC runs
 * at TSC_HZ_MAX, so it waits at least as long, possibly much longer. */
void tsc_delay_us(uint64_t us);

/* Adds "tsc_hz", "tsc_source", "tsc_calibration_ms", "tsc_calibration_runs". */
void tsc_json(struct json *j);

/* ---- pure pieces (host-tested) ---- */

/* mul_u64_u64_div_u64 and cycles_to_ns: base/math64.h. */

/* Returns true if hz is within [TSC_HZ_MIN, TSC_HZ_MAX]. */
bool tsc_hz_plausible(uint64_t hz);

/*
 * Returns the TSC frequency CPUID leaves 0x15/0x16 state (as recorded in *c)
 * and sets *source to "cpuid15" or "cpuid16"; returns 0 (source untouched)
 * when the leaves are absent, report zeros, or give an implausible value.
 */
uint64_t tsc_hz_from_cpuid(const struct cpuinfo_x86 *c, const char **source);

/* Returns the ticks from start to end of a counter that wraps at mask + 1
 * (mask 0xffffff: 24-bit PM timer), assuming it wrapped at most once. */
uint64_t counter_delta(uint64_t start, uint64_t end, uint64_t mask);

/* PM timer ticks from start to end for a 24-bit (ext32 false) or 32-bit counter. */
uint32_t acpi_pm_delta(uint32_t start, uint32_t end, bool ext32);

/*
 * Returns the TSC frequency when tsc_delta TSC cycles passed while a
 * reference that ticks hz_num / hz_den times a second advanced ref_ticks;
 * 0 if ref_ticks or hz_den is 0 or ref_ticks * hz_den overflows.
 */
uint64_t tsc_hz_from_ref(uint64_t tsc_delta, uint64_t ref_ticks, uint64_t hz_num, uint64_t hz_den);

/* Returns the median of the plausible values among v[0..n) (v is reordered),
 * or 0 if fewer than n/2 + 1 of them are plausible. */
uint64_t tsc_median(uint64_t *v, uint32_t n);

/* A free-running reference counter and the TSC, as two read functions. */
struct tsc_reference {
	uint64_t (*read_ref)(void *ctx);    /* raw counter value */
	uint64_t (*read_tsc)(void *ctx);
	void *ctx;
	uint64_t mask;                      /* counter width: wraps at mask + 1 */
	uint64_t hz_num, hz_den;            /* counter ticks per second = hz_num / hz_den */
};

/*
 * Returns true if an end of a window of `window` TSC cycles is known to
 * within window / TSC_MAX_END_BLUR: gap is the TSC cycles between the two
 * reads that bracket that end.
 */
bool tsc_window_end_sharp(uint64_t window, uint64_t gap);

/*
 * One calibration window: waits for the reference to tick (so the window
 * starts on an edge), counts at least window_ms worth of reference ticks
 * (more if the read that would end the window was slow: the end must be
 * sharp, see tsc_window_end_sharp), and returns the TSC frequency. Returns
 * 0 if the reference stops, runs so slowly that the TSC would have to exceed
 * TSC_HZ_MAX, jumps by more than half its range between two reads, or if the
 * read that saw the starting edge was too slow to pin the start down.
 */
uint64_t tsc_calibrate_once(const struct tsc_reference *ref, uint32_t window_ms);

/* runs (<= TSC_MAX_RUNS) windows after a 1 ms warm-up window that does not
 * count; returns their median (tsc_median), 0 on failure. *good (if not
 * NULL) gets the number of plausible runs. */
uint64_t tsc_calibrate(const struct tsc_reference *ref, uint32_t window_ms, uint32_t runs,
		       uint32_t *good);

/* Sets tsc_hz, tsc_source, tsc_calibration_ms and tsc_calibration_runs;
 * an hz of 0 resets them to "none". */
void tsc_set_frequency(uint64_t hz, const char *source, uint32_t calibration_ms, uint32_t runs);

#endif
