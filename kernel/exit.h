/*
 * Ending a run. Under QEMU with isa-debug-exit (iobase 0xf4) the value v
 * written makes QEMU exit with status (v << 1) | 1: 0 → 1 (all passed),
 * 1 → 3 (something failed). Elsewhere the summary stays on screen, the CPU
 * halts, and a key press on a PS/2 keyboard reboots.
 */
#ifndef FAULTLINE_EXIT_H
#define FAULTLINE_EXIT_H

#include <stdint.h>
#include <stdbool.h>
#include "lib/config.h"

enum exit_status { EXIT_STATUS_SUCCESS = 0, EXIT_STATUS_FAILURE = 1 };

/* How to end: from the config's exit key; set once the config is read. */
void machine_exit_set_mode(enum config_exit mode, bool under_hypervisor);

/* Ends the run. Never returns. */
void machine_exit(enum exit_status status) __attribute__((noreturn));

#endif
