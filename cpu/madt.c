/* The MADT's CPUs (cpu/madt.h). */
#include "cpu/madt.h"
#include "cpu/acpi.h"

#define MADT_FIXED_LENGTH 44     /* header (36), local APIC address (4), flags (4) */

/* Reads n (<= 8) bytes at p as a little-endian number. */
static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* Adds one CPU unless it is not one (no flag) or already listed. */
static void add_cpu(struct madt_info *m, uint32_t apic_id, uint32_t uid, uint32_t flags, bool x2)
{
	if (!(flags & (ACPI_MADT_ENABLED | ACPI_MADT_ONLINE_CAPABLE)))
		return;
	for (uint32_t i = 0; i < m->count; i++)
		if (m->cpus[i].apic_id == apic_id)
			return;
	if (m->count == MADT_MAX_CPUS) {
		m->dropped++;
		return;
	}
	m->cpus[m->count++] = (struct madt_cpu){ apic_id, uid, flags & (ACPI_MADT_ENABLED | ACPI_MADT_ONLINE_CAPABLE),
						  (uint8_t)x2 };
}

/* See cpu/madt.h. */
uint32_t madt_parse(const uint8_t *t, uint32_t len, struct madt_info *m)
{
	m->present = false;
	m->count = m->dropped = m->bad_entries = 0;
	m->lapic_phys = 0;
	if (len < MADT_FIXED_LENGTH)
		return 0;
	m->present = true;
	m->lapic_phys = le(t + 36, 4);
	for (uint32_t off = MADT_FIXED_LENGTH; off + 2 <= len;) {
		uint32_t type = t[off], elen = t[off + 1];
		if (elen < 2 || elen > len - off) {
			m->bad_entries++;
			break;
		}
		const uint8_t *e = t + off;
		if (type == ACPI_MADT_TYPE_LOCAL_APIC && elen >= 8)
			add_cpu(m, e[3], e[2], (uint32_t)le(e + 4, 4), false);
		else if (type == ACPI_MADT_TYPE_LOCAL_X2APIC && elen >= 16)
			add_cpu(m, (uint32_t)le(e + 4, 4), (uint32_t)le(e + 12, 4), (uint32_t)le(e + 8, 4), true);
		else if (type == ACPI_MADT_TYPE_LOCAL_APIC_OVERRIDE && elen >= 12)
			m->lapic_phys = le(e + 4, 8);
		off += elen;
	}
	return m->count;
}

/* See cpu/madt.h. */
uint32_t madt_read(struct madt_info *m)
{
	const struct acpi_table_header *h = acpi_find_table("APIC");
	if (!h) {
		m->present = false;
		m->count = m->dropped = m->bad_entries = 0;
		return 0;
	}
	return madt_parse((const uint8_t *)h, h->length, m);
}
