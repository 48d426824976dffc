/*
 * machine_exit: see kernel/exit.h. With exit = auto the debug-exit port is
 * tried only under a hypervisor (CPUID says so); if the write does not end
 * the machine (no such device), the end screen follows:
 *
 *   reboot_after   keyboard controller   the end screen
 *   0              yes                   waits for a key, then resets
 *   0              no                    stays (switch the machine off)
 *   N              yes                   resets after N s, or at a key
 *   N              no                    resets after N s
 *
 * A reset that fails every way (kernel/reboot.c) leaves the machine halted.
 */
#include "kernel/exit.h"
#include "cpu/acpi.h"
#include "cpu/i8042.h"
#include "cpu/x86.h"
#include "kernel/reboot.h"
#include "lib/kprintf.h"
#include "lib/tsc.h"
#include "base/string.h"

#define QEMU_DEBUG_EXIT_PORT 0xf4

static enum config_exit exit_mode = EXIT_AUTO;
static bool exit_under_hypervisor = true;
static uint32_t reboot_after;
static enum reboot_type reboot_only = BOOT_NR;     /* BOOT_NR: every way in turn */

/* See kernel/exit.h. */
void machine_exit_set_mode(const struct faultline_config *cfg, bool under_hypervisor)
{
	exit_mode = cfg->exit;
	exit_under_hypervisor = under_hypervisor;
	reboot_after = cfg->reboot_after;
	for (int t = 0; t < BOOT_NR; t++) {
		char hook[CONFIG_TEST_LEN];
		memcpy(hook, "reboot_", 8);
		strlcpy(hook + 7, reboot_type_name((enum reboot_type)t), sizeof(hook) - 7);
		if (config_has_test(cfg, hook))
			reboot_only = (enum reboot_type)t;
	}
}

/* Whether a keyboard controller is there: the FADT does not say it is absent
 * (Linux's test) and its status port does not float high (0xff: no chip). */
static bool i8042_present(void)
{
	return !acpi_i8042_absent() && inb(I8042_STATUS_REG) != I8042_STATUS_FLOATING;
}

/* Takes the byte the controller holds, if any; true if it was the keyboard's. */
static bool i8042_key_pressed(void)
{
	uint8_t status = inb(I8042_STATUS_REG);
	if (!(status & I8042_STR_OBF))
		return false;
	(void)inb(I8042_DATA_REG);
	return !(status & I8042_STR_AUXDATA);
}

/* The end screen (see the table above); returns when it is time to reset. */
static void end_screen(void)
{
	bool kbd = i8042_present();
	for (int i = 0; kbd && i < 64 && (inb(I8042_STATUS_REG) & I8042_STR_OBF); i++)
		(void)inb(I8042_DATA_REG);   /* drain what was typed during the run */

	if (reboot_after == 0) {
		if (!kbd) {
			kprintf("\nfaultline: run finished. No keyboard controller on this machine: the results stay "
				"on screen until you switch it off (reboot_after = SECONDS resets it).\n");
			for (;;)
				hlt();
		}
		kprintf("\nfaultline: run finished. Press a key to reboot.\n");
		while (!i8042_key_pressed())
			cpu_relax();
		return;
	}
	kprintf("\nfaultline: run finished. Rebooting in %u s%s.\n", reboot_after,
		kbd ? " (a key reboots now)" : "");
	/* In 10 ms steps; before tsc_init (an early panic) each step may take longer. */
	for (uint64_t step = 0; step < (uint64_t)reboot_after * 100; step++) {
		tsc_delay_us(10000);
		if (kbd && i8042_key_pressed())
			return;
	}
}

/* See kernel/exit.h. */
void machine_exit(enum exit_status status)
{
	cli();
	if (exit_mode == EXIT_QEMU || (exit_mode == EXIT_AUTO && exit_under_hypervisor))
		outb(QEMU_DEBUG_EXIT_PORT, status == EXIT_STATUS_SUCCESS ? 0 : 1);
	end_screen();
	machine_restart(reboot_only);
	kprintf("reboot: no way of resetting this machine worked; halted. Switch it off.\n");
	for (;;)
		hlt();
}
