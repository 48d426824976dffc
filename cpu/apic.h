/*
 * The local APIC (xAPIC mode, memory-mapped at the address MSR
 * IA32_APIC_BASE names): enabling it, its timer and the end of an
 * interrupt. The kernel's tick (kernel/watchdog.c) uses its timer,
 * calibrated against the TSC, where the CPU has one; the PIT otherwise.
 */
#ifndef FAULTLINE_APIC_H
#define FAULTLINE_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_IA32_APICBASE        0x1bu
#define MSR_IA32_APICBASE_ENABLE (1ull << 11)
#define MSR_IA32_APICBASE_EXTD   (1ull << 10)    /* x2APIC mode */
#define APIC_BASE_MASK           0xffffff000ull

/* Register offsets (SDM Vol. 3A, Table 11-1). */
#define APIC_ID      0x020
#define APIC_TASKPRI 0x080
#define APIC_EOI     0x0b0
#define APIC_SPIV    0x0f0
#define APIC_SPIV_APIC_ENABLED (1u << 8)
#define APIC_LVTT    0x320
#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVT_TIMER_PERIODIC (1u << 17)
#define APIC_TMICT   0x380
#define APIC_TMCCT   0x390
#define APIC_TDCR    0x3e0
#define APIC_TDR_DIV_16 0x3

/* The vector of the APIC timer's tick (Linux's LOCAL_TIMER_VECTOR). */
#define LOCAL_TIMER_VECTOR 0xec

/* The physical address of this CPU's local APIC registers, or 0 when the
 * CPU has none, it is disabled, or it is in x2APIC mode (MSR access only:
 * not used here). The direct map must cover this page uncached
 * (paging/init.c maps it). */
uint64_t lapic_phys_base(void);

/*
 * Enables the local APIC (software enable, spurious vector 0xff, all
 * priorities accepted) and measures its timer against the TSC, which runs
 * at tsc_hz. Returns false when there is none usable or tsc_hz is 0.
 */
bool lapic_timer_init(uint64_t tsc_hz);

/* Starts the timer in periodic mode at hz interrupts a second on
 * LOCAL_TIMER_VECTOR (after lapic_timer_init succeeded). */
void lapic_timer_start(uint32_t hz);

/* Stops the timer (masked, count 0). */
void lapic_timer_stop(void);

/* Signals the end of the interrupt being handled. */
void lapic_eoi(void);

/* The timer's input clock in Hz as measured (0 before lapic_timer_init). */
extern uint64_t lapic_timer_hz;

#endif
