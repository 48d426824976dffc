/*
 * Host tests for the CPU list of the ACPI MADT (cpu/madt.c) and the CPUID
 * topology decoding (cpu/topology.c): hand-made tables and CPUs.
 */
#include <stdint.h>
#include "tests/unit/unit.h"
#include "../../base/json.c"
#include "../../cpu/acpi.c"
#include "../../cpu/madt.c"
#include "../../cpu/topology.c"

uint64_t direct_map_base;

static uint8_t t[512];
static uint32_t len;

static void put(uint32_t off, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		t[off + i] = (uint8_t)(v >> (8 * i));
}

/* A MADT header (44 bytes) with local APIC address 0xfee00000. */
static void madt_begin(void)
{
	memset(t, 0, sizeof(t));
	memcpy(t, "APIC", 4);
	put(36, 0xfee00000u, 4);
	len = 44;
}

static void lapic(uint8_t uid, uint8_t id, uint32_t flags)
{
	t[len] = 0; t[len + 1] = 8; t[len + 2] = uid; t[len + 3] = id;
	put(len + 4, flags, 4);
	len += 8;
}

static void x2apic(uint32_t id, uint32_t flags, uint32_t uid)
{
	t[len] = 9; t[len + 1] = 16;
	put(len + 4, id, 4); put(len + 8, flags, 4); put(len + 12, uid, 4);
	len += 16;
}

TEST(madt_lists_enabled_and_online_capable)
{
	static struct madt_info m;
	madt_begin();
	lapic(0, 0, 1);
	lapic(1, 2, 1);
	lapic(2, 4, 2);          /* online capable, not enabled */
	lapic(3, 6, 0);          /* neither: not a CPU */
	x2apic(2, 1, 1);         /* repeats APIC id 2: kept once */
	x2apic(300, 1, 9);       /* an id only x2APIC can name */
	put(len, 0x0c05, 2); put(len + 4, 0xfed00000ull, 8); len += 12;   /* type 5: address override */
	CHECK_EQ_U64(madt_parse(t, len, &m), 4);
	CHECK(m.present);
	CHECK_EQ_U64(m.lapic_phys, 0xfed00000ull);
	CHECK_EQ_U64(m.cpus[1].apic_id, 2);
	CHECK_EQ_U64(m.cpus[2].flags, ACPI_MADT_ONLINE_CAPABLE);
	CHECK_EQ_U64(m.cpus[3].apic_id, 300);
	CHECK(m.cpus[3].x2apic_entry);
	CHECK_EQ_U64(m.cpus[3].acpi_uid, 9);
	CHECK_EQ_U64(m.bad_entries, 0);
}

TEST(madt_stops_at_a_bad_entry)
{
	static struct madt_info m;
	madt_begin();
	lapic(0, 0, 1);
	t[len] = 0; t[len + 1] = 0;   /* zero length: would loop forever */
	len += 8;
	lapic(1, 1, 1);
	CHECK_EQ_U64(madt_parse(t, len, &m), 1);
	CHECK_EQ_U64(m.bad_entries, 1);
	CHECK_EQ_U64(madt_parse(t, 40, &m), 0);   /* shorter than its fixed part */
	CHECK(!m.present);
}

/* A fake CPU: leaf 0 max and vendor, leaf 1, leaf 4, leaf 0xB levels. */
struct fake_cpu {
	uint32_t max_leaf, vendor_ebx, leaf1_ebx, leaf1_edx, leaf4_eax;
	uint32_t levels;                     /* subleaves of 0xB */
	uint32_t shift[3], type[3], x2apic_id;
};

static void fake_cpuid(uint32_t leaf, uint32_t sub, struct cpuid_regs *r, void *ctx)
{
	const struct fake_cpu *c = ctx;
	*r = (struct cpuid_regs){ 0 };
	if (leaf == 0) {
		r->eax = c->max_leaf;
		r->ebx = c->vendor_ebx;
	} else if (leaf == 1) {
		r->ebx = c->leaf1_ebx;
		r->edx = c->leaf1_edx;
	} else if (leaf == 4) {
		r->eax = c->leaf4_eax;
	} else if (leaf == 0xb && sub < c->levels) {
		r->eax = c->shift[sub];
		r->ebx = 1;
		r->ecx = (c->type[sub] << 8) | sub;
		r->edx = c->x2apic_id;
	} else if (leaf == 0xb) {
		r->ecx = sub;
		r->edx = c->x2apic_id;
	}
}

TEST(topology_from_leaf_b)
{
	/* 2 threads per core (shift 1), 8 cores per package (shift 4): APIC id 0x2b
	 * = package 2, core 5, thread 1. */
	struct fake_cpu c = { .max_leaf = 0xd, .vendor_ebx = 0x756e6547, .levels = 2,
			      .shift = { 1, 4 }, .type = { 1, 2 }, .x2apic_id = 0x2b };
	struct cpu_topology topo;
	cpu_topology_decode(&topo, fake_cpuid, &c);
	CHECK_EQ_U64(topo.source, 0xb);
	CHECK_EQ_U64(topo.apic_id, 0x2b);
	CHECK_EQ_U64(topo.package, 2);
	CHECK_EQ_U64(topo.core, 5);
	CHECK_EQ_U64(topo.thread, 1);
}

TEST(topology_from_leaf_1_and_4)
{
	/* No leaf 0xB: HTT, 8 logical per package, leaf 4: 4 cores -> 1 SMT bit, 3 package bits.
	 * Initial APIC id 13 = package 1, core 2, thread 1. */
	struct fake_cpu c = { .max_leaf = 4, .vendor_ebx = 0x756e6547, .leaf1_ebx = (13u << 24) | (8u << 16),
			      .leaf1_edx = 1u << 28, .leaf4_eax = 3u << 26 };
	struct cpu_topology topo;
	cpu_topology_decode(&topo, fake_cpuid, &c);
	CHECK_EQ_U64(topo.source, 1);
	CHECK_EQ_U64(topo.apic_id, 13);
	CHECK_EQ_U64(topo.package, 1);
	CHECK_EQ_U64(topo.core, 2);
	CHECK_EQ_U64(topo.thread, 1);
}

UNIT_MAIN(
	UNIT(madt_lists_enabled_and_online_capable),
	UNIT(madt_stops_at_a_bad_entry),
	UNIT(topology_from_leaf_b),
	UNIT(topology_from_leaf_1_and_4),
)
