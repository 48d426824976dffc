/*
 * Bringing up the other CPUs (Linux's arch/x86/kernel/smpboot.c):
 * the CPUs the ACPI MADT lists as enabled, started one at a time with
 * INIT-SIPI-SIPI through the real-mode trampoline (cpu/trampoline.h), each
 * given its struct pcpu (GDT, TSS, IST and entry stacks, GS base), the IDT,
 * its local APIC in the boot CPU's mode, the boot CPU's control registers,
 * and then left in cpu/smp.h's idle loop.
 *
 *   smp = off (or 1)  nothing is started
 *   smp = N           at most N CPUs, the boot CPU included, in MADT order
 *   smp = auto        every enabled CPU, up to NR_CPUS
 *
 * A CPU that has not called in AP_CALLIN_TIMEOUT_MS after its second
 * STARTUP IPI gets an INIT (it waits for a STARTUP that never comes), a
 * `warning` record saying how far it got, and is left out; the run goes on.
 * Each CPU that came up has its CPUID features compared with the boot CPU's
 * (a `check` record "smp.cpu_features", failing on any difference). One `cpu`
 * record per CPU (docs/records.md) and one `smp` record sum it up; the
 * screen lists the CPUs.
 */
#ifndef FAULTLINE_SMPBOOT_H
#define FAULTLINE_SMPBOOT_H

#include "base/bootinfo.h"
#include "lib/config.h"

#define AP_CALLIN_TIMEOUT_MS 2000

/*
 * Brings the other CPUs up as cfg->smp says (see above), after apic_init_bsp
 * and tsc_init, on the kernel's tables in the boot paging mode, with no
 * program running. The config hook `test = smp_refuse_cpu` makes the first
 * AP halt in real mode instead, so the timeout path runs. Cannot fail as a
 * whole: what did not work is in the records.
 */
void smp_boot_cpus(const struct faultline_config *cfg, const struct boot_info *bi);

#endif
