/*
 * The CPUs the firmware lists in the ACPI MADT ("APIC" table, ACPI 6.5
 * 5.2.12): its Processor Local APIC entries (type 0, 8-bit APIC ids) and
 * Processor Local x2APIC entries (type 9, 32-bit ids), each with its flags.
 * A CPU is started at boot only when Enabled; Online Capable without Enabled
 * means "may be hot-added later", which Linux does not start at boot either.
 * Entries with neither flag are not CPUs.
 *
 * The parse is pure (host-tested with hand-made tables): madt_parse takes
 * the table's bytes.
 */
#ifndef FAULTLINE_MADT_H
#define FAULTLINE_MADT_H

#include <stdbool.h>
#include <stdint.h>

#define ACPI_MADT_TYPE_LOCAL_APIC          0
#define ACPI_MADT_TYPE_LOCAL_APIC_OVERRIDE 5
#define ACPI_MADT_TYPE_LOCAL_X2APIC        9
#define ACPI_MADT_ENABLED        (1u << 0)
#define ACPI_MADT_ONLINE_CAPABLE (1u << 1)

#define MADT_MAX_CPUS 512

struct madt_cpu {
	uint32_t apic_id;
	uint32_t acpi_uid;      /* the processor's ACPI UID (8 bits in type 0 entries) */
	uint32_t flags;         /* ACPI_MADT_ENABLED, ACPI_MADT_ONLINE_CAPABLE */
	uint8_t x2apic_entry;   /* listed by a type 9 entry */
};

struct madt_info {
	bool present;           /* a valid MADT was found */
	uint64_t lapic_phys;    /* the local APIC address (the override's, if any) */
	uint32_t count;         /* CPUs in cpus[] (enabled or online capable), MADT order */
	uint32_t dropped;       /* CPUs past MADT_MAX_CPUS */
	uint32_t bad_entries;   /* entries with an impossible length (parsing stopped there) */
	struct madt_cpu cpus[MADT_MAX_CPUS];
};

/*
 * Reads the MADT of len bytes at table (header included) into *m. A CPU
 * listed twice (an x2APIC entry repeating a local APIC entry's id) is kept
 * once. Returns the number of CPUs; 0 with m->present false if the table is
 * shorter than its fixed part.
 */
uint32_t madt_parse(const uint8_t *table, uint32_t len, struct madt_info *m);

/* Finds the MADT through cpu/acpi.h and parses it; 0 (m->present false) without one. */
uint32_t madt_read(struct madt_info *m);

#endif
