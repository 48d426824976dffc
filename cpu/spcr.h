/*
 * The Serial Port Console Redirection table (SPCR, Microsoft's spec,
 * revisions 1 to 4): which UART the firmware uses as its console, so the
 * kernel writes its records there too (lib/serial.c). faultline drives
 * 16550-compatible UARTs only, in I/O space or as memory-mapped registers
 * of 8, 16 or 32 bits, as Linux's drivers/acpi/spcr.c hands them to the 8250
 * driver ("io", "mmio", "mmio16", "mmio32").
 *
 * acpi_parse_spcr() is pure (host-tested with synthetic tables).
 */
#ifndef FAULTLINE_SPCR_H
#define FAULTLINE_SPCR_H

#include <stdbool.h>
#include <stdint.h>
#include "cpu/acpi.h"

/* Interface types (the DBG2 serial subtypes) of 16550-compatible UARTs. */
#define ACPI_SPCR_16550          0x00   /* fully 16550-compatible */
#define ACPI_SPCR_16550_SUBSET   0x01   /* 16450, a subset of the 16550 */
#define ACPI_SPCR_16550_WITH_GAS 0x12   /* 16550, registers as the base address's GAS says */

/* Byte offsets in the table. */
#define ACPI_SPCR_INTERFACE_TYPE 36     /* uint8_t */
#define ACPI_SPCR_BASE_ADDRESS   40     /* struct acpi_generic_address */
#define ACPI_SPCR_BAUD_RATE      58     /* uint8_t code: 0 as is, 3 9600, 4 19200, 6 57600, 7 115200 */
#define ACPI_SPCR_UART_CLOCK     76     /* uint32_t Hz, revision 3 on; 0: not given */
#define ACPI_SPCR_PRECISE_BAUD   80     /* uint32_t baud, revision 4 on; 0: use the code */
#define ACPI_SPCR_MIN_LENGTH     80     /* revisions 1 and 2 */

/* The standard 16550 input clock: 1.8432 MHz, 115200 baud at divisor 1. */
#define UART_DEFAULT_CLOCK_HZ 1843200u

/* A console UART as the SPCR describes it. */
struct acpi_spcr {
	uint8_t revision;
	uint8_t interface_type;
	bool mmio;                  /* system memory; false: system I/O ports */
	uint64_t address;           /* port number or physical address of register 0 */
	uint8_t reg_width;          /* bytes per register access: 1, 2 or 4 (always 1 for I/O) */
	uint8_t reg_shift;          /* register n is at address + (n << reg_shift) */
	uint32_t baud;              /* 0: keep what the firmware programmed */
	uint32_t clock_hz;          /* the UART's input clock (UART_DEFAULT_CLOCK_HZ when not given) */
};

enum {
	SPCR_OK = 0,
	SPCR_ABSENT = -1,           /* no valid SPCR table */
	SPCR_TOO_SHORT = -2,        /* shorter than a revision-1 table */
	SPCR_NOT_16550 = -3,        /* an interface faultline cannot drive (PL011, ...) */
	SPCR_BAD_SPACE = -4,        /* not in system memory or system I/O */
	SPCR_NO_ADDRESS = -5,       /* base address 0, or a port above 0xffff */
	SPCR_BAD_BAUD = -6,         /* a reserved baud-rate code */
};

/*
 * Reads the SPCR table h into *out. The register access size comes from the
 * GAS's access size (1, 2 or 4 bytes; 0 takes the bit width if it is 8, 16
 * or 32, else bytes; 8 bytes falls back to bytes, as Linux does); memory-
 * mapped registers are spaced by their access size, I/O registers by one
 * byte. Returns SPCR_OK or one of the SPCR_* errors above (then *out holds
 * what was read up to the error).
 */
int acpi_parse_spcr(const struct acpi_table_header *h, struct acpi_spcr *out);

/* The SPCR of the tables acpi_init() found, parsed. SPCR_ABSENT without one. */
int acpi_get_spcr(struct acpi_spcr *out);

/* A short text for an acpi_parse_spcr() result. */
const char *acpi_spcr_strerror(int err);

#endif
