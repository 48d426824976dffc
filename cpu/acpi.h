/*
 * ACPI static tables: finding them from the RSDP and reading the two things
 * the timekeeping code needs (the PM timer from the FADT, the HPET base).
 *
 * Only physical addresses are kept; every access goes through phys_to_virt(),
 * so lookups keep working when direct_map_base moves from the firmware's
 * identity map (0) to the kernel's direct map. A pointer returned by
 * acpi_find_table() is valid only under the mapping current at the call.
 * The tables must be mapped (they are MEM_ACPI_RECLAIM / ACPI NVS RAM).
 *
 * Parsing is pure (host-tested against fake tables built in a buffer).
 */
#ifndef FAULTLINE_ACPI_H
#define FAULTLINE_ACPI_H

#include <stdbool.h>
#include <stdint.h>
#include "base/json.h"

/* The header every system description table starts with (36 bytes). */
struct acpi_table_header {
	char signature[4];
	uint32_t length;            /* whole table, header included */
	uint8_t revision;
	uint8_t checksum;           /* all bytes of the table sum to 0 (mod 256) */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t asl_compiler_id;
	uint32_t asl_compiler_revision;
} __attribute__((packed));

/* Root System Description Pointer: 20 bytes in ACPI 1.0, 36 from 2.0 on. */
struct acpi_table_rsdp {
	char signature[8];          /* "RSD PTR " */
	uint8_t checksum;           /* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision;           /* 0: ACPI 1.0; 2 and up: the fields below exist */
	uint32_t rsdt_physical_address;
	uint32_t length;
	uint64_t xsdt_physical_address;
	uint8_t extended_checksum;  /* over all `length` bytes */
	uint8_t reserved[3];
} __attribute__((packed));

#define ACPI_RSDP_V1_LENGTH 20
#define ACPI_RSDP_V2_LENGTH 36

/* Generic Address Structure. */
struct acpi_generic_address {
	uint8_t space_id;           /* ACPI_ADR_SPACE_* */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_width;
	uint64_t address;
} __attribute__((packed));

#define ACPI_ADR_SPACE_SYSTEM_MEMORY 0
#define ACPI_ADR_SPACE_SYSTEM_IO     1
#define ACPI_ADR_SPACE_PCI_CONFIG    2

/* GAS access sizes (access_width): 0 undefined (legacy), then 1, 2, 4, 8 bytes. */
#define ACPI_ACCESS_BYTE  1
#define ACPI_ACCESS_WORD  2
#define ACPI_ACCESS_DWORD 3
#define ACPI_ACCESS_QWORD 4

/* FADT ("FACP") byte offsets of the fields we read; older FADTs are shorter. */
#define ACPI_FADT_PM_TMR_BLK     76   /* uint32_t I/O port */
#define ACPI_FADT_PM_TMR_LEN     91   /* uint8_t, 4 when there is a PM timer */
#define ACPI_FADT_BOOT_FLAGS     109  /* uint16_t IAPC_BOOT_ARCH (FADT revision 2 on) */
#define ACPI_FADT_FLAGS          112  /* uint32_t */
#define ACPI_FADT_RESET_REG      116  /* struct acpi_generic_address (FADT revision 2 on) */
#define ACPI_FADT_RESET_VALUE    128  /* uint8_t */
#define ACPI_FADT_X_PM_TMR_BLK   208  /* struct acpi_generic_address */
#define ACPI_FADT_TMR_VAL_EXT    (1u << 8)   /* the PM timer counts 32 bits, not 24 */
#define ACPI_FADT_RESET_REGISTER (1u << 10)  /* RESET_REG_SUP: the reset register works */
#define ACPI_FADT_HW_REDUCED     (1u << 20)  /* no fixed hardware: no PM timer */
#define ACPI_FADT_8042           (1u << 1)   /* IAPC_BOOT_ARCH: a keyboard controller at 0x60/0x64 */
#define ACPI_FADT2_REVISION      2           /* the FADT revision that has BOOT_FLAGS and RESET_REG */

/* HPET description table. */
struct acpi_table_hpet {
	struct acpi_table_header header;
	uint32_t id;                /* event timer block ID (the capabilities low word) */
	struct acpi_generic_address address; /* the register block, system memory */
	uint8_t sequence;
	uint16_t minimum_tick;
	uint8_t flags;
} __attribute__((packed));

/* The ACPI power-management timer (3.579545 MHz). */
#define ACPI_PM_TIMER_HZ 3579545u

struct acpi_pm_timer {
	bool present;
	bool io;                    /* true: I/O port; false: memory (physical) */
	bool ext32;                 /* true: 32-bit counter; false: 24-bit */
	bool from_x_block;          /* taken from X_PM_TMR_BLK, not PM_TMR_BLK */
	uint64_t address;           /* port number or physical address */
};

/* acpi_init() results. */
enum {
	ACPI_OK = 0,
	ACPI_ERR_NO_RSDP = -1,          /* firmware gave no RSDP address */
	ACPI_ERR_RSDP_SIGNATURE = -2,
	ACPI_ERR_RSDP_CHECKSUM = -3,    /* 20-byte or extended checksum wrong */
	ACPI_ERR_RSDP_LENGTH = -4,      /* revision >= 2 with an impossible length */
	ACPI_ERR_NO_ROOT = -5,          /* neither a valid XSDT nor a valid RSDT */
};

/*
 * Validates the RSDP at rsdp_phys and picks the root table: the XSDT when the
 * RSDP is revision >= 2 and the XSDT is valid, else the RSDT. Counts every
 * listed table whose length or checksum is bad (see acpi_bad_tables()).
 * Returns ACPI_OK, or an ACPI_ERR_* (then no table is found by name).
 * May be called again (e.g. by tests); each call starts from scratch.
 */
int acpi_init(uint64_t rsdp_phys);

/* Returns a short text for an acpi_init() result. */
const char *acpi_strerror(int err);

/*
 * Returns the first table with this signature whose length and checksum are
 * valid, or NULL (also before a successful acpi_init). Invalid tables are
 * skipped.
 */
const struct acpi_table_header *acpi_find_table(const char sig[4]);

/* Same, for the n-th (from 0) valid table with this signature (e.g. "SSDT"). */
const struct acpi_table_header *acpi_find_table_nth(const char sig[4], uint32_t n);

/* Number of tables listed by the root table, valid or not (0 before init). */
/*
 * Calls fn for the root table and every valid table it lists, with the
 * table's physical address and length: so the kernel can map them before it
 * leaves the firmware's identity map. Nothing happens before acpi_init().
 */
void acpi_for_each_table_range(void (*fn)(void *ctx, uint64_t phys, uint64_t len), void *ctx);
uint32_t acpi_table_count(void);

/* Tables skipped because their length was impossible or their checksum wrong. */
uint32_t acpi_bad_tables(void);

/*
 * Reads the PM timer location from the FADT: X_PM_TMR_BLK when it is a
 * non-zero system-I/O or system-memory address, else PM_TMR_BLK (I/O port)
 * when non-zero and PM_TMR_LEN is 4. Returns false (t->present false) when
 * there is no FADT, the platform is hardware-reduced, or neither block is set.
 */
bool acpi_get_pm_timer(struct acpi_pm_timer *t);

/*
 * Reads the HPET register block's physical address from the HPET table.
 * Returns false if there is no valid HPET table, the table is too short, or
 * the block is not in system memory. The caller must map that page (MMIO,
 * uncached) before touching it once the kernel runs on its own page tables.
 */
bool acpi_get_hpet_base(uint64_t *phys);

/* The FADT's reset register (ACPI 6.5, 4.8.3.6), as Linux's acpi_reboot() reads it. */
struct acpi_reset_reg {
	uint8_t space_id;           /* ACPI_ADR_SPACE_SYSTEM_IO, _SYSTEM_MEMORY or _PCI_CONFIG */
	uint64_t address;           /* port; physical address; or PCI (device << 32 | function << 16 | offset), bus 0 */
	uint8_t value;              /* RESET_VALUE: the byte to write */
};

/*
 * Reads the reset register from a FADT of revision 2 or later whose flags say
 * RESET_REG_SUP, in I/O, memory or PCI configuration space, at a non-zero
 * address. Returns false (r zeroed) otherwise.
 */
bool acpi_get_reset_register(struct acpi_reset_reg *r);

/*
 * Whether the firmware says there is no keyboard controller: a FADT of
 * revision 2 or later without the 8042 bit in IAPC_BOOT_ARCH (Linux's
 * X86_LEGACY_I8042_FIRMWARE_ABSENT). Without ACPI or with an older FADT the
 * controller is expected, and this returns false.
 */
bool acpi_i8042_absent(void);

/*
 * Reads a Generic Address Structure at byte offset off of table h. Returns
 * false if it does not fit in the table's length.
 */
bool acpi_read_gas(const struct acpi_table_header *h, uint32_t off, struct acpi_generic_address *gas);

/* Pure: returns true if the len bytes at p sum to 0 (mod 256). */
bool acpi_checksum_ok(const void *p, uint32_t len);

/*
 * Adds to the open object j: "acpi_revision", "acpi_oem", "acpi_root"
 * ("xsdt"/"rsdt"/null), "acpi_tables" (array of signatures), "acpi_bad_tables",
 * "pm_timer" ({"space":"io"|"memory","address":..,"bits":24|32} or null),
 * "hpet" (address or null), "reset_register" ({"space":"io"|"memory"|"pci",
 * "address":..,"value":..} or null) and "i8042" (false when the FADT says
 * there is no keyboard controller). Before a successful acpi_init: revision,
 * root, pm_timer, hpet and reset_register as null, i8042 true.
 */
void acpi_json(struct json *j);

#endif
