/*
 * Resetting the machine at the end of a run, the ways Linux's
 * arch/x86/kernel/reboot.c knows them (its reboot_type names), in the order
 * faultline tries them: the firmware's ResetSystem runtime service, the ACPI
 * FADT reset register, the PCI reset control port 0xcf9, the keyboard
 * controller's reset line.
 */
#ifndef FAULTLINE_REBOOT_H
#define FAULTLINE_REBOOT_H

#include <stdbool.h>

enum reboot_type {
	BOOT_EFI = 0,       /* ResetSystem(EfiResetCold) through the runtime services */
	BOOT_ACPI,          /* the FADT's RESET_REG <- RESET_VALUE (I/O, memory or PCI config space) */
	BOOT_CF9_FORCE,     /* port 0xcf9: hard reset request, then a full reset */
	BOOT_KBD,           /* 0xfe to the 8042's command port: pulse the reset line */
	BOOT_NR,
};

/* The way's name in reboot lines and test hooks: "efi", "acpi", "cf9", "kbd". */
const char *reboot_type_name(enum reboot_type t);

/*
 * Resets the machine: tries every way in order from BOOT_EFI, or only
 * `only` when it is below BOOT_NR (the test hooks reboot_efi, reboot_acpi,
 * reboot_cf9, reboot_kbd). Each attempt prints a "reboot: resetting via ..."
 * line and waits 50 ms for the reset to happen. Returns only if no attempt
 * reset the machine (after saying so).
 */
void machine_restart(enum reboot_type only);

#endif
