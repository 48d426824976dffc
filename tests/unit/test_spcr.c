/*
 * Host tests for cpu/spcr.c: synthetic SPCR tables of each revision, the
 * UARTs faultline drives (I/O, MMIO with 8-, 16- and 32-bit registers) and
 * the ones it must refuse. Tables are placed at the end of a buffer so
 * AddressSanitizer catches a read past the length the parser was given.
 */
#include <stdint.h>
/* The tables are written as positional initialisers that leave the later revisions' fields 0. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "tests/unit/unit.h"
#include "../../base/json.c"
#include "../../cpu/acpi.c"
#include "../../cpu/spcr.c"

uint64_t direct_map_base;

static uint8_t buf[256];

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

struct spcr_fields {
	uint32_t length;
	uint8_t revision, type;
	uint8_t space, bit_width, access_width;
	uint64_t address;
	uint8_t baud_code;
	uint32_t clock, precise_baud;
};

/* Builds an SPCR of f.length bytes ending at the end of buf; returns it. */
static const struct acpi_table_header *spcr(struct spcr_fields f)
{
	uint8_t *t = buf + sizeof(buf) - f.length;
	uint8_t full[96] = { 0 };

	memcpy(full, "SPCR", 4);
	put32(full + 4, f.length);
	full[8] = f.revision;
	full[36] = f.type;
	full[40] = f.space;
	full[41] = f.bit_width;
	full[43] = f.access_width;
	put64(full + 44, f.address);
	full[58] = f.baud_code;
	put32(full + 76, f.clock);
	put32(full + 80, f.precise_baud);
	memcpy(t, full, f.length);
	return (const struct acpi_table_header *)t;
}

TEST(io_port_com2_115200)
{
	struct acpi_spcr s;
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 2, ACPI_SPCR_16550, ACPI_ADR_SPACE_SYSTEM_IO, 8,
								 ACPI_ACCESS_BYTE, 0x2f8, 7 }), &s), SPCR_OK);
	CHECK(!s.mmio);
	CHECK_EQ_U64(s.address, 0x2f8);
	CHECK_EQ_U64(s.reg_width, 1);
	CHECK_EQ_U64(s.reg_shift, 0);
	CHECK_EQ_U64(s.baud, 115200);
	CHECK_EQ_U64(s.clock_hz, UART_DEFAULT_CLOCK_HZ);
	CHECK_EQ_U64(s.revision, 2);
}

TEST(io_port_ignores_access_width)
{
	/* I/O registers are a byte apart whatever the GAS says (Linux's "io"). */
	struct acpi_spcr s;
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 2, ACPI_SPCR_16550_SUBSET,
								 ACPI_ADR_SPACE_SYSTEM_IO, 32, ACPI_ACCESS_DWORD,
								 0x3f8, 3 }), &s), SPCR_OK);
	CHECK_EQ_U64(s.reg_width, 1);
	CHECK_EQ_U64(s.reg_shift, 0);
	CHECK_EQ_U64(s.baud, 9600);
}

TEST(mmio_register_widths)
{
	struct acpi_spcr s;
	/* 32-bit accesses: registers 4 bytes apart (Linux's "mmio32"). */
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 2, ACPI_SPCR_16550_WITH_GAS,
								 ACPI_ADR_SPACE_SYSTEM_MEMORY, 32, ACPI_ACCESS_DWORD,
								 0xfe032000, 7 }), &s), SPCR_OK);
	CHECK(s.mmio);
	CHECK_EQ_U64(s.address, 0xfe032000);
	CHECK_EQ_U64(s.reg_width, 4);
	CHECK_EQ_U64(s.reg_shift, 2);
	/* 16-bit. */
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 2, ACPI_SPCR_16550, ACPI_ADR_SPACE_SYSTEM_MEMORY,
								 16, ACPI_ACCESS_WORD, 0xfe000000, 7 }), &s), SPCR_OK);
	CHECK_EQ_U64(s.reg_width, 2);
	CHECK_EQ_U64(s.reg_shift, 1);
	/* 8-bit. */
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 2, ACPI_SPCR_16550, ACPI_ADR_SPACE_SYSTEM_MEMORY,
								 8, ACPI_ACCESS_BYTE, 0xfe000000, 0 }), &s), SPCR_OK);
	CHECK_EQ_U64(s.reg_width, 1);
	CHECK_EQ_U64(s.reg_shift, 0);
	CHECK_EQ_U64(s.baud, 0);                   /* "as is": keep the firmware's setting */
	/* Access size undefined (ACPI 1.0 style): the bit width decides. */
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 1, ACPI_SPCR_16550, ACPI_ADR_SPACE_SYSTEM_MEMORY,
								 32, 0, 0xfe000000, 7 }), &s), SPCR_OK);
	CHECK_EQ_U64(s.reg_width, 4);
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 1, ACPI_SPCR_16550, ACPI_ADR_SPACE_SYSTEM_MEMORY,
								 0, 0, 0xfe000000, 7 }), &s), SPCR_OK);
	CHECK_EQ_U64(s.reg_width, 1);
	/* 64-bit accesses do not exist on a 16550: bytes, as Linux defaults. */
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 2, ACPI_SPCR_16550, ACPI_ADR_SPACE_SYSTEM_MEMORY,
								 64, ACPI_ACCESS_QWORD, 0xfe000000, 7 }), &s), SPCR_OK);
	CHECK_EQ_U64(s.reg_width, 1);
}

TEST(baud_rates_and_clock)
{
	static const struct { uint8_t code; uint32_t baud; } codes[] = {
		{ 0, 0 }, { 3, 9600 }, { 4, 19200 }, { 6, 57600 }, { 7, 115200 },
	};
	struct acpi_spcr s;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 2, 0, ACPI_ADR_SPACE_SYSTEM_IO, 8, 1,
									 0x3f8, codes[i].code }), &s), SPCR_OK);
		CHECK_EQ_U64(s.baud, codes[i].baud);
	}
	for (uint8_t code = 1; code < 255; code++) {
		if (code == 3 || code == 4 || code == 6 || code == 7)
			continue;
		CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 2, 0, ACPI_ADR_SPACE_SYSTEM_IO, 8, 1,
									 0x3f8, code }), &s), SPCR_BAD_BAUD);
	}
	/* Revision 3: the UART clock; revision 2 ignores the same bytes (reserved). */
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 88, 3, 0, ACPI_ADR_SPACE_SYSTEM_MEMORY, 32, 3,
								 0xfe000000, 7, 48000000 }), &s), SPCR_OK);
	CHECK_EQ_U64(s.clock_hz, 48000000);
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 88, 2, 0, ACPI_ADR_SPACE_SYSTEM_MEMORY, 32, 3,
								 0xfe000000, 7, 48000000 }), &s), SPCR_OK);
	CHECK_EQ_U64(s.clock_hz, UART_DEFAULT_CLOCK_HZ);
	/* Revision 4: the precise baud rate wins over the code, even a reserved one. */
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 88, 4, 0, ACPI_ADR_SPACE_SYSTEM_MEMORY, 32, 3,
								 0xfe000000, 2, 48000000, 1500000 }), &s), SPCR_OK);
	CHECK_EQ_U64(s.baud, 1500000);
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 88, 4, 0, ACPI_ADR_SPACE_SYSTEM_MEMORY, 32, 3,
								 0xfe000000, 6, 0, 0 }), &s), SPCR_OK);
	CHECK_EQ_U64(s.baud, 57600);
	/* A revision-4 field past the table's length is not read. */
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 4, 0, ACPI_ADR_SPACE_SYSTEM_IO, 8, 1,
								 0x3f8, 7 }), &s), SPCR_OK);
	CHECK_EQ_U64(s.baud, 115200);
}

TEST(refused)
{
	struct acpi_spcr s;
	CHECK_EQ_U64(acpi_parse_spcr(NULL, &s), SPCR_ABSENT);
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 79, 2, 0, ACPI_ADR_SPACE_SYSTEM_IO, 8, 1, 0x3f8, 7 }),
				     &s), SPCR_TOO_SHORT);
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 36, 2, 0, 0, 0, 0, 0, 0 }), &s), SPCR_TOO_SHORT);
	/* ARM PL011 (3), SBSA (0x0e): not 16550s. */
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 2, 0x03, ACPI_ADR_SPACE_SYSTEM_MEMORY, 32, 3,
								 0x9000000, 7 }), &s), SPCR_NOT_16550);
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 2, 0x0e, ACPI_ADR_SPACE_SYSTEM_MEMORY, 32, 3,
								 0x9000000, 7 }), &s), SPCR_NOT_16550);
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 2, 0, ACPI_ADR_SPACE_PCI_CONFIG, 8, 1,
								 0x10000, 7 }), &s), SPCR_BAD_SPACE);
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 2, 0, ACPI_ADR_SPACE_SYSTEM_IO, 8, 1, 0, 7 }),
				     &s), SPCR_NO_ADDRESS);
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 2, 0, ACPI_ADR_SPACE_SYSTEM_IO, 8, 1, 0x10000, 7 }),
				     &s), SPCR_NO_ADDRESS);
	CHECK_EQ_U64(acpi_parse_spcr(spcr((struct spcr_fields){ 80, 2, 0, ACPI_ADR_SPACE_SYSTEM_MEMORY, 8, 1, 0, 7 }),
				     &s), SPCR_NO_ADDRESS);
	CHECK_STR(acpi_spcr_strerror(SPCR_NOT_16550), "SPCR names a UART that is not 16550-compatible");
}

UNIT_MAIN(
	UNIT(io_port_com2_115200),
	UNIT(io_port_ignores_access_width),
	UNIT(mmio_register_widths),
	UNIT(baud_rates_and_clock),
	UNIT(refused),
)
