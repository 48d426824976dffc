/* The run's time limit and the tick source, the PIT (kernel/watchdog.h). */
#include "kernel/watchdog.h"
#include "kernel/sched.h"
#include "cpu/pic.h"
#include "cpu/x86.h"
#include "lib/tsc.h"

#define PIT_CH0_DATA 0x40
#define PIT_MODE     0x43
#define PIT_CH0_RATE 0x34              /* channel 0, lobyte/hibyte, mode 2 (rate generator) */

static uint64_t deadline_tsc;

/* See kernel/watchdog.h. */
void watchdog_arm(uint32_t seconds)
{
	uint32_t divisor = PIT_TICK_RATE / TICK_HZ;
	deadline_tsc = rdtsc() + (uint64_t)seconds * tsc_hz;
	outb(PIT_MODE, PIT_CH0_RATE);
	outb(PIT_CH0_DATA, (uint8_t)divisor);
	outb(PIT_CH0_DATA, (uint8_t)(divisor >> 8));
	outb(PIC_MASTER_IMR, (uint8_t)~1u);   /* only IRQ 0 */
}

/* See kernel/watchdog.h. */
void watchdog_disarm(void)
{
	outb(PIC_MASTER_IMR, PIC_MASK_ALL);
	deadline_tsc = 0;
}

/* See kernel/sched.h. */
bool watchdog_expired(void)
{
	return deadline_tsc && rdtsc() > deadline_tsc;
}
