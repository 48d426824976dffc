/*
 * Ending a run. Under QEMU with isa-debug-exit (iobase 0xf4) the value v
 * written makes QEMU exit with status (v << 1) | 1: 0 → 1 (all passed),
 * 1 → 3 (something failed). Elsewhere the end screen: the summary stays on
 * screen, and the machine resets after reboot_after seconds
 * (kernel/reboot.h), or stays when that is 0. A key press resets it at
 * once, but only where a keyboard controller really exists (the ACPI FADT
 * says so and its port answers): most current PCs have none, and reading
 * its absent port would look like a key.
 */
#ifndef FAULTLINE_EXIT_H
#define FAULTLINE_EXIT_H

#include <stdint.h>
#include <stdbool.h>
#include "lib/config.h"

enum exit_status { EXIT_STATUS_SUCCESS = 0, EXIT_STATUS_FAILURE = 1 };

/* How to end: from the config's exit and reboot_after keys and its reboot_*
 * test hooks; set once the config is read. */
void machine_exit_set_mode(const struct faultline_config *cfg, bool under_hypervisor);

/* Ends the run. Never returns. */
void machine_exit(enum exit_status status) __attribute__((noreturn));

#endif
