/* The per-program time limit on the PIT (kernel/watchdog.h). */
#include "kernel/watchdog.h"
#include "cpu/x86.h"
#include "fault/traps.h"
#include "base/process.h"
#include "base/format.h"
#include "lib/tsc.h"

#define PIT_HZ       1193182u
#define TICK_HZ      100u
#define PIC1_DATA    0x21
#define PIC1_COMMAND 0x20

uint64_t watchdog_ticks;
static uint64_t deadline_tsc;
static uint32_t limit_seconds;

/* See kernel/watchdog.h. */
void watchdog_arm(uint32_t seconds)
{
	uint32_t divisor = PIT_HZ / TICK_HZ;
	limit_seconds = seconds;
	fault_register_timer_handler(watchdog_tick);
	deadline_tsc = rdtsc() + (uint64_t)seconds * tsc_hz;
	outb(0x43, 0x34);                 /* channel 0, lobyte/hibyte, mode 2 (rate generator) */
	outb(0x40, (uint8_t)divisor);
	outb(0x40, (uint8_t)(divisor >> 8));
	outb(PIC1_DATA, 0xfe);            /* only IRQ 0 */
}

/* See kernel/watchdog.h. */
void watchdog_disarm(void)
{
	outb(PIC1_DATA, 0xff);
}

/* See kernel/watchdog.h. */
void watchdog_tick(struct pt_regs *regs)
{
	watchdog_ticks++;
	outb(PIC1_COMMAND, 0x20);         /* EOI */
	if (current && user_mode(regs) && rdtsc() > deadline_tsc) {
		static char reason[64];
		format(reason, sizeof(reason), "time limit of %u s exceeded", limit_seconds);
		force_sig_fault(SIGKILL, reason, regs->ip, regs);
	}
}
