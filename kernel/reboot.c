/*
 * machine_restart (kernel/reboot.h). Each way is tried only where the
 * machine says it has it (the runtime services, a FADT reset register);
 * 0xcf9 and the 8042 are written blindly, as Linux does as a last resort.
 * Interrupts are off throughout.
 */
#include "kernel/reboot.h"
#include "base/page_types.h"
#include "cpu/acpi.h"
#include "cpu/i8042.h"
#include "cpu/x86.h"
#include "efi/runtime.h"
#include "lib/kprintf.h"
#include "lib/tsc.h"

#define PCI_CONF_ADDRESS 0xcf8
#define PCI_CONF_DATA    0xcfc
#define RESET_CONTROL    0xcf9       /* Intel's Reset Control Register */
#define RST_CNT_SYS_RST  0x02        /* request a hard reset on the next 0->1 of RST_CPU */
#define RST_CNT_COLD     0x0e        /* FULL_RST | RST_CPU | SYS_RST: cold reset */

/* See kernel/reboot.h. */
const char *reboot_type_name(enum reboot_type t)
{
	static const char *const names[BOOT_NR] = { "efi", "acpi", "cf9", "kbd" };
	return t < BOOT_NR ? names[t] : "?";
}

/* ResetSystem through the runtime services; returns if there are none or it came back. */
static void reset_efi(void)
{
	kprintf("reboot: resetting via the firmware's ResetSystem (cold)\n");
	if (efi_runtime_reset_cold() < 0)
		kprintf("reboot: no UEFI runtime services\n");
}

/* Writes the FADT reset register, as Linux's acpi_reboot(): PCI configuration space on bus 0. */
static void reset_acpi(void)
{
	static const char *const space[] = { "memory", "io", "pci" };
	struct acpi_reset_reg r;

	if (!acpi_get_reset_register(&r)) {
		kprintf("reboot: the FADT has no reset register\n");
		return;
	}
	kprintf("reboot: resetting via the ACPI reset register (%s 0x%llx <- 0x%x)\n", space[r.space_id],
		r.address, r.value);
	switch (r.space_id) {
	case ACPI_ADR_SPACE_SYSTEM_IO:
		outb((uint16_t)r.address, r.value);
		break;
	case ACPI_ADR_SPACE_SYSTEM_MEMORY:   /* mapped by paging_init */
		*(volatile uint8_t *)phys_to_virt(r.address) = r.value;
		break;
	case ACPI_ADR_SPACE_PCI_CONFIG: {
		uint32_t dev = (uint32_t)(r.address >> 32) & 0x1f, fn = (uint32_t)(r.address >> 16) & 0x7;
		uint32_t reg = (uint32_t)r.address & 0xff;
		outl(PCI_CONF_ADDRESS, 0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc));
		outb((uint16_t)(PCI_CONF_DATA + (reg & 3)), r.value);
		break;
	}
	}
}

/* Port 0xcf9, as Linux's BOOT_CF9_FORCE with a cold reset. */
static void reset_cf9(void)
{
	kprintf("reboot: resetting via port 0xcf9\n");
	uint8_t cf9 = inb(RESET_CONTROL) & (uint8_t)~RST_CNT_COLD;
	outb(RESET_CONTROL, cf9 | RST_CNT_SYS_RST);
	tsc_delay_us(50);
	outb(RESET_CONTROL, cf9 | RST_CNT_COLD);
	tsc_delay_us(50);
}

/* Waits (bounded) until the 8042 can take a command. */
static void kb_wait(void)
{
	for (uint32_t i = 0; i < 0x10000 && (inb(I8042_STATUS_REG) & I8042_STR_IBF); i++)
		tsc_delay_us(2);
}

/* The keyboard controller's reset line, as Linux's BOOT_KBD: ten tries. */
static void reset_kbd(void)
{
	kprintf("reboot: resetting via the keyboard controller (0xfe to port 0x64)\n");
	for (int i = 0; i < 10; i++) {
		kb_wait();
		tsc_delay_us(50);
		outb(I8042_COMMAND_REG, I8042_CMD_PULSE_RESET);
		tsc_delay_us(50);
	}
}

/* See kernel/reboot.h. */
void machine_restart(enum reboot_type only)
{
	static void (*const ways[BOOT_NR])(void) = { reset_efi, reset_acpi, reset_cf9, reset_kbd };

	cli();
	for (int t = 0; t < BOOT_NR; t++) {
		if (only < BOOT_NR && (enum reboot_type)t != only)
			continue;
		ways[t]();
		tsc_delay_us(50000);   /* a reset takes effect within microseconds; Linux waits 15 ms after ACPI's */
		kprintf("reboot: %s did not reset the machine\n", reboot_type_name((enum reboot_type)t));
	}
}
