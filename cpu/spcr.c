/*
 * SPCR: the firmware's console UART (cpu/spcr.h).
 *
 * What is read, in order, each field only when the table is long enough for
 * its revision: the interface type (16550 kinds only), the base address
 * (system I/O up to port 0xffff, or system memory, non-zero), the register
 * access size, the baud rate (the revision-4 precise rate when non-zero,
 * else the code), the input clock (revision 3 on).
 */
#include "cpu/spcr.h"

static uint32_t read_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Bytes per register access from a GAS: see acpi_parse_spcr in cpu/spcr.h. */
static uint8_t access_bytes(const struct acpi_generic_address *gas)
{
	switch (gas->access_width) {
	case ACPI_ACCESS_BYTE:  return 1;
	case ACPI_ACCESS_WORD:  return 2;
	case ACPI_ACCESS_DWORD: return 4;
	case 0:
		if (gas->bit_width == 16)
			return 2;
		if (gas->bit_width == 32)
			return 4;
		return 1;
	default:
		return 1;   /* 8-byte or reserved sizes: Linux's "defaulting to byte size" */
	}
}

/* Baud rate from the table's code; 0 keeps the firmware's setting; -1 for a reserved code. */
static int64_t baud_from_code(uint8_t code)
{
	switch (code) {
	case 0: return 0;
	case 3: return 9600;
	case 4: return 19200;
	case 6: return 57600;
	case 7: return 115200;
	default: return -1;
	}
}

/* See cpu/spcr.h. */
int acpi_parse_spcr(const struct acpi_table_header *h, struct acpi_spcr *out)
{
	const uint8_t *t = (const uint8_t *)h;
	struct acpi_generic_address gas;

	*out = (struct acpi_spcr){ 0 };
	if (!h)
		return SPCR_ABSENT;
	if (h->length < ACPI_SPCR_MIN_LENGTH || !acpi_read_gas(h, ACPI_SPCR_BASE_ADDRESS, &gas))
		return SPCR_TOO_SHORT;
	out->revision = h->revision;
	out->interface_type = t[ACPI_SPCR_INTERFACE_TYPE];
	if (out->interface_type != ACPI_SPCR_16550 && out->interface_type != ACPI_SPCR_16550_SUBSET &&
	    out->interface_type != ACPI_SPCR_16550_WITH_GAS)
		return SPCR_NOT_16550;

	if (gas.space_id == ACPI_ADR_SPACE_SYSTEM_IO) {
		out->reg_width = 1;
		out->reg_shift = 0;
	} else if (gas.space_id == ACPI_ADR_SPACE_SYSTEM_MEMORY) {
		out->mmio = true;
		out->reg_width = access_bytes(&gas);
		out->reg_shift = out->reg_width == 4 ? 2 : out->reg_width == 2 ? 1 : 0;
	} else {
		return SPCR_BAD_SPACE;
	}
	out->address = gas.address;
	if (gas.address == 0 || (!out->mmio && gas.address > 0xffff))
		return SPCR_NO_ADDRESS;

	int64_t baud = baud_from_code(t[ACPI_SPCR_BAUD_RATE]);
	if (h->revision >= 4 && h->length >= ACPI_SPCR_PRECISE_BAUD + 4 && read_u32(t + ACPI_SPCR_PRECISE_BAUD))
		baud = read_u32(t + ACPI_SPCR_PRECISE_BAUD);
	if (baud < 0)
		return SPCR_BAD_BAUD;
	out->baud = (uint32_t)baud;

	out->clock_hz = UART_DEFAULT_CLOCK_HZ;
	if (h->revision >= 3 && h->length >= ACPI_SPCR_UART_CLOCK + 4 && read_u32(t + ACPI_SPCR_UART_CLOCK))
		out->clock_hz = read_u32(t + ACPI_SPCR_UART_CLOCK);
	return SPCR_OK;
}

/* See cpu/spcr.h. */
int acpi_get_spcr(struct acpi_spcr *out)
{
	return acpi_parse_spcr(acpi_find_table("SPCR"), out);
}

/* See cpu/spcr.h. */
const char *acpi_spcr_strerror(int err)
{
	switch (err) {
	case SPCR_OK:         return "ok";
	case SPCR_ABSENT:     return "no SPCR table";
	case SPCR_TOO_SHORT:  return "SPCR table too short";
	case SPCR_NOT_16550:  return "SPCR names a UART that is not 16550-compatible";
	case SPCR_BAD_SPACE:  return "SPCR UART is neither in I/O nor in memory space";
	case SPCR_NO_ADDRESS: return "SPCR UART has no usable address";
	case SPCR_BAD_BAUD:   return "SPCR gives a reserved baud-rate code";
	default:              return "unknown SPCR error";
	}
}
