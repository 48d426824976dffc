/*
 * The tick and the run's time limit (kernel/watchdog.h): the local APIC
 * timer, calibrated against the TSC, where the CPU has one; the PIT
 * otherwise.
 */
#include "kernel/watchdog.h"
#include "kernel/sched.h"
#include "cpu/apic.h"
#include "cpu/smp.h"
#include "cpu/pic.h"
#include "cpu/x86.h"
#include "lib/record.h"
#include "base/format.h"
#include "lib/tsc.h"

#define PIT_CH0_DATA 0x40
#define PIT_MODE     0x43
#define PIT_CH0_RATE 0x34              /* channel 0, lobyte/hibyte, mode 2 (rate generator) */

static uint64_t deadline_tsc;
static char reason[64];
static enum { TICK_NONE, TICK_PIT, TICK_LAPIC } tick_source;

/* Picks the tick source, once. */
static void tick_source_init(void)
{
	if (tick_source != TICK_NONE)
		return;
	if (lapic_timer_init(tsc_hz)) {
		tick_source = TICK_LAPIC;
		struct json *j = record_begin("tick");
		json_str(j, "source", "lapic");
		json_u64(j, "hz", TICK_HZ);
		json_u64(j, "lapic_timer_hz", lapic_timer_hz);
		record_end();
	} else {
		tick_source = TICK_PIT;
		struct json *j = record_begin("tick");
		json_str(j, "source", "pit");
		json_u64(j, "hz", TICK_HZ);
		record_end();
	}
}

/* Starts or stops this CPU's local APIC timer (arg non-NULL: start). */
static void lapic_tick_here(void *arg)
{
	if (arg)
		lapic_timer_start(TICK_HZ);
	else
		lapic_timer_stop();
}

/* The same on every other CPU that runs tasks (the calibration is the boot
 * CPU's: every local APIC timer runs from the same bus clock). */
static void lapic_tick_others(bool start)
{
	if (!sched_smp)
		return;
	smp_call_function_many(sched_cpus(), lapic_tick_here, start ? (void *)1 : NULL, true);
}

/* See kernel/watchdog.h. */
void watchdog_arm(uint32_t seconds)
{
	tick_source_init();
	deadline_tsc = rdtsc() + (uint64_t)seconds * tsc_hz;
	format(reason, sizeof(reason), "time limit of %u s exceeded", seconds);
	if (tick_source == TICK_LAPIC) {
		lapic_timer_start(TICK_HZ);
		lapic_tick_others(true);
		return;
	}
	uint32_t divisor = PIT_TICK_RATE / TICK_HZ;
	outb(PIT_MODE, PIT_CH0_RATE);
	outb(PIT_CH0_DATA, (uint8_t)divisor);
	outb(PIT_CH0_DATA, (uint8_t)(divisor >> 8));
	outb(PIC_MASTER_IMR, (uint8_t)~1u);   /* only IRQ 0 */
}

/* See kernel/watchdog.h. */
void watchdog_disarm(void)
{
	if (tick_source == TICK_LAPIC) {
		lapic_timer_stop();
		lapic_tick_others(false);
	} else
		outb(PIC_MASTER_IMR, PIC_MASK_ALL);
	deadline_tsc = 0;
}

/* See kernel/watchdog.h. */
void tick_ack(void)
{
	if (tick_source == TICK_LAPIC)
		lapic_eoi();
	else
		outb(PIC_MASTER_CMD, PIC_EOI);
}

/* See kernel/watchdog.h. */
const char *watchdog_reason(void)
{
	return reason;
}

/* See kernel/sched.h. */
bool watchdog_expired(void)
{
	return deadline_tsc && rdtsc() > deadline_tsc;
}
