/* The per-program time limit on the PIT (kernel/watchdog.h). */
#include "kernel/watchdog.h"
#include "cpu/pic.h"
#include "cpu/x86.h"
#include "fault/traps.h"
#include "base/process.h"
#include "cpu/percpu.h"
#include "base/format.h"
#include "lib/tsc.h"

#define TICK_HZ      100u
#define PIT_CH0_DATA 0x40
#define PIT_MODE     0x43
#define PIT_CH0_RATE 0x34              /* channel 0, lobyte/hibyte, mode 2 (rate generator) */

uint64_t watchdog_ticks;
static uint64_t deadline_tsc;
static uint32_t limit_seconds;
static bool ticking;

/* See kernel/watchdog.h. */
void watchdog_arm(uint32_t seconds)
{
	uint32_t divisor = PIT_TICK_RATE / TICK_HZ;
	limit_seconds = seconds;
	fault_register_timer_handler(watchdog_tick);
	deadline_tsc = rdtsc() + (uint64_t)seconds * tsc_hz;
	outb(PIT_MODE, PIT_CH0_RATE);
	outb(PIT_CH0_DATA, (uint8_t)divisor);
	outb(PIT_CH0_DATA, (uint8_t)(divisor >> 8));
	outb(PIC_MASTER_IMR, (uint8_t)~1u);   /* only IRQ 0 */
	ticking = true;
}

/* See kernel/watchdog.h. */
bool watchdog_ticking(void)
{
	return ticking;
}

/* See kernel/watchdog.h. */
void watchdog_check(const struct pt_regs *user_regs)
{
	if (current && rdtsc() > deadline_tsc) {
		static char reason[64];
		format(reason, sizeof(reason), "time limit of %u s exceeded", limit_seconds);
		force_sig_fault(SIGKILL, SI_KERNEL, reason, user_regs->ip, user_regs);
	}
}

/* See kernel/watchdog.h. */
void watchdog_disarm(void)
{
	outb(PIC_MASTER_IMR, PIC_MASK_ALL);
	ticking = false;
}

/* See kernel/watchdog.h. */
void watchdog_tick(struct pt_regs *regs)
{
	watchdog_ticks++;
	outb(PIC_MASTER_CMD, PIC_EOI);
	if (user_mode(regs))
		watchdog_check(regs);
}
