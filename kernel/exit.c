/*
 * machine_exit: see kernel/exit.h. With exit = auto the debug-exit port is
 * tried only under a hypervisor (CPUID says so); if the write does not end
 * the machine (no such device), we fall through to halt-and-wait.
 */
#include "kernel/exit.h"
#include "cpu/x86.h"
#include "lib/kprintf.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4

static enum config_exit exit_mode = EXIT_AUTO;
static bool exit_under_hypervisor = true;

/* See kernel/exit.h. */
void machine_exit_set_mode(enum config_exit mode, bool under_hypervisor)
{
	exit_mode = mode;
	exit_under_hypervisor = under_hypervisor;
}

/* Waits for a key on the PS/2 controller, then resets the machine. */
static void __attribute__((noreturn)) halt_until_key_then_reboot(void)
{
	kprintf("\nfaultline: run finished. Press a key to reboot.\n");
	while (inb(0x64) & 1) /* drain */
		(void)inb(0x60);
	for (;;) {
		if (inb(0x64) & 1) {
			(void)inb(0x60);
			break;
		}
		cpu_relax();
	}
	outb(0xcf9, 0x02); /* PCI reset control: request a system reset */
	outb(0xcf9, 0x06);
	outb(0x64, 0xfe);  /* 8042 pulse reset line */
	for (;;)
		hlt();
}

/* See kernel/exit.h. */
void machine_exit(enum exit_status status)
{
	cli();
	if (exit_mode == EXIT_QEMU || (exit_mode == EXIT_AUTO && exit_under_hypervisor))
		outb(QEMU_DEBUG_EXIT_PORT, status == EXIT_STATUS_SUCCESS ? 0 : 1);
	halt_until_key_then_reboot();
}
