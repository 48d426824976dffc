/*
 * The serial console: a 16550-compatible UART, polled, 8N1. It starts on
 * COM1 (I/O port 0x3f8, 115200 baud); once the ACPI tables are known,
 * serial_use_acpi_console() moves it to the UART the firmware's SPCR table
 * names (I/O or memory-mapped, 8/16/32-bit registers, its baud rate).
 * Without any UART every write is dropped: a PC without a serial port is
 * normal, and the run goes on.
 */
#ifndef FAULTLINE_SERIAL_H
#define FAULTLINE_SERIAL_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include "base/json.h"

/* Where the console UART came from. */
enum serial_source { SERIAL_NONE = 0, SERIAL_COM1, SERIAL_SPCR };

/* Programs COM1 at 115200 8N1. Returns false if no UART answers (the
 * loopback test fails); serial_write() is then a no-op. */
bool serial_init(void);

/*
 * Moves the console to the UART of the ACPI SPCR table (call after
 * acpi_init, before paging_init: paging maps a memory-mapped UART's page,
 * serial_mmio_range()). The SPCR UART is used only if it passes the
 * loopback test; else COM1 (or nothing) stays. Returns the SPCR result
 * (cpu/spcr.h: SPCR_OK, SPCR_ABSENT, an SPCR_* error), or 1 when the table
 * was good but its UART did not answer.
 */
int serial_use_acpi_console(void);

void serial_write(const char *s, size_t n);    /* "\n" becomes "\r\n" */
bool serial_present(void);
enum serial_source serial_source(void);

/* The console UART's registers when they are memory-mapped: returns true and
 * the physical range; false for I/O ports or no UART. */
bool serial_mmio_range(uint64_t *phys, uint64_t *len);

/* Adds "serial": {"source":"spcr"|"com1","space":"io"|"memory","address":..,
 * "access_bits":8|16|32,"baud":N} (baud 0: unknown) or null without a UART. */
void serial_json(struct json *j);

#endif
