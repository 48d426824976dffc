/*
 * The local APIC, in xAPIC mode (registers memory-mapped at the address
 * MSR IA32_APIC_BASE names) or x2APIC mode (the same registers as MSRs
 * 0x800 + offset/16, the ICR one 64-bit MSR): enabling it on each CPU,
 * its id, inter-processor interrupts (INIT, STARTUP, fixed vectors), its
 * timer and the end of an interrupt. The kernel's tick (kernel/watchdog.c)
 * uses its timer, calibrated against the TSC, where the CPU has one; the
 * PIT otherwise.
 *
 * The mode is chosen once on the boot CPU (apic_init_bsp): x2APIC when the
 * firmware left it on or the CPU has it (CPUID.1:ECX[21]), xAPIC otherwise;
 * every other CPU is put in the same mode (apic_init_ap).
 */
#ifndef FAULTLINE_APIC_H
#define FAULTLINE_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_IA32_APICBASE        0x1bu
#define MSR_IA32_APICBASE_BSP    (1ull << 8)
#define MSR_IA32_APICBASE_ENABLE (1ull << 11)
#define MSR_IA32_APICBASE_EXTD   (1ull << 10)    /* x2APIC mode */
#define APIC_BASE_MASK           0xffffff000ull
#define MSR_X2APIC_BASE          0x800u          /* x2APIC register reg is MSR 0x800 + reg / 16 */

/* Register offsets (SDM Vol. 3A, Table 11-1). */
#define APIC_ID      0x020
#define APIC_TASKPRI 0x080
#define APIC_PROCPRI 0x0a0     /* the processor priority: bits 7..4 its class (SDM 11.8.3.1) */
#define APIC_EOI     0x0b0
#define APIC_SPIV    0x0f0
#define APIC_SPIV_APIC_ENABLED (1u << 8)
#define APIC_ESR     0x280
#define APIC_ICR     0x300     /* low half; in x2APIC mode the whole 64-bit ICR */
#define APIC_ICR2    0x310     /* xAPIC: the destination in bits 31..24 */
#define APIC_LVTT    0x320
#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVT_TIMER_PERIODIC (1u << 17)
#define APIC_TMICT   0x380
#define APIC_TMCCT   0x390
#define APIC_TDCR    0x3e0
#define APIC_TDR_DIV_16 0x3

/* ICR bits (SDM Vol. 3A, 11.6.1). */
#define APIC_DM_FIXED       0x00000u
#define APIC_DM_NMI         0x00400u
#define APIC_DM_INIT        0x00500u
#define APIC_DM_STARTUP     0x00600u
#define APIC_ICR_BUSY       0x01000u   /* delivery status (xAPIC only) */
#define APIC_INT_ASSERT     0x04000u
#define APIC_INT_LEVELTRIG  0x08000u
#define APIC_DEST_ALLBUT    0xc0000u   /* shorthand: all excluding self */

/* The vector of the APIC timer's tick (Linux's LOCAL_TIMER_VECTOR). */
#define LOCAL_TIMER_VECTOR 0xec
/* The IPI that wakes a CPU for a function call or a TLB shootdown
 * (Linux's CALL_FUNCTION_VECTOR): handled by an EOI, the work is in the
 * woken CPU's idle loop (cpu/smp.c). */
#define CALL_FUNCTION_VECTOR 0xfb
/* The IPI that makes a CPU look at its run queue (Linux's
 * RESCHEDULE_VECTOR): wakes an idle CPU for a task queued there, or takes a
 * CPU running ring 3 into the kernel to switch or to die (kernel/sched.c). */
#define RESCHEDULE_VECTOR 0xfd

enum apic_mode { APIC_MODE_NONE = 0, APIC_MODE_XAPIC, APIC_MODE_X2APIC };

/* The mode every CPU's local APIC runs in (APIC_MODE_NONE before apic_init_bsp or without one). */
extern enum apic_mode apic_mode;
/* Whether the firmware handed over the boot CPU already in x2APIC mode. */
extern bool apic_x2apic_from_firmware;

/* The physical address of this CPU's local APIC registers, or 0 when the
 * CPU has none, it is disabled, or it is in x2APIC mode (MSR access only).
 * The direct map must cover this page uncached (paging/init.c maps it). */
uint64_t lapic_phys_base(void);

/*
 * On the boot CPU, on the kernel's tables: chooses the mode (x2APIC when
 * the firmware left it on or the CPU has it, else xAPIC through the page
 * paging/init.c mapped), switches to it, and software-enables the APIC
 * (spurious vector 0xff, all priorities accepted). Returns the mode;
 * APIC_MODE_NONE when the CPU has no usable local APIC.
 */
enum apic_mode apic_init_bsp(void);

/* On another CPU, after apic_init_bsp: the same mode, software-enabled the
 * same way. Returns false if this CPU cannot (no x2APIC where the BSP uses it). */
bool apic_init_ap(void);

/* This CPU's local APIC id (32 bits in x2APIC mode, 8 in xAPIC mode). */
uint32_t read_apic_id(void);

/* A local APIC register (offset as in the table above), in either mode. */
uint32_t apic_read(uint32_t reg);
void apic_write(uint32_t reg, uint32_t v);

/*
 * Sends an IPI: icr_low (delivery mode | level | vector, or a shorthand) to
 * the CPU with APIC id dest (ignored with a shorthand). In xAPIC mode waits
 * for the delivery status to go idle. Returns false if it stayed busy (the
 * IPI may not have been sent); x2APIC has no such status: always true.
 */
bool apic_send_ipi(uint32_t dest, uint32_t icr_low);

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
