/*
 * Host tests for cpu/acpi.c: fake ACPI tables are built in a buffer that
 * plays physical memory at FAKE_PHYS (direct_map_base is set so that
 * phys_to_virt(FAKE_PHYS + off) == mem + off). AddressSanitizer catches any
 * read past a table the parser should not have walked: hostile tables are
 * placed at the very end of the buffer.
 */
#include <stdint.h>
#include "tests/unit/unit.h"
#include "../../base/json.c"
#include "../../cpu/acpi.c"

uint64_t direct_map_base;

#define FAKE_PHYS 0x7ff00000ull
#define MEM_SIZE  0x4000u

static uint8_t mem[MEM_SIZE] __attribute__((aligned(16)));

/* Where the tables of the standard layout live (offsets into mem). */
enum {
	RSDP = 0x000, RSDT = 0x100, XSDT = 0x200, FADT = 0x400, HPET = 0x600,
	APIC = 0x700, SSDT1 = 0x800, SSDT2 = 0x900, BAD = 0xa00,
};

static uint64_t pa(uint32_t off) { return FAKE_PHYS + off; }

static void put32(uint32_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		mem[off + i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint32_t off, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		mem[off + i] = (uint8_t)(v >> (8 * i));
}

/* Makes the bytes [off, off+len) sum to 0 by adjusting the byte at sum_at. */
static void fix_sum(uint32_t off, uint32_t len, uint32_t sum_at)
{
	uint8_t s = 0;
	mem[sum_at] = 0;
	for (uint32_t i = 0; i < len; i++)
		s = (uint8_t)(s + mem[off + i]);
	mem[sum_at] = (uint8_t)(0 - s);
}

/* Writes a header (length as given) and zeroes the body; call seal() after filling it. */
static void header(uint32_t off, const char *sig, uint32_t len)
{
	memset(mem + off, 0, len >= 36 ? len : 36);
	memcpy(mem + off, sig, 4);
	put32(off + 4, len);
	mem[off + 8] = 1;
	memcpy(mem + off + 10, "FAULT ", 6);
	memcpy(mem + off + 16, "TESTTBL ", 8);
}

/* Sets the checksum from the length in the header. */
static void seal(uint32_t off)
{
	uint32_t len = mem[off + 4] | mem[off + 5] << 8 | mem[off + 6] << 16 | (uint32_t)mem[off + 7] << 24;
	fix_sum(off, len, off + 9);
}

static void rsdp(uint32_t off, uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
	memcpy(mem + off, "RSD PTR ", 8);
	memcpy(mem + off + 9, "FAULTL", 6);
	mem[off + 15] = revision;
	put32(off + 16, rsdt);
	if (revision >= 2) {
		put32(off + 20, 36);
		put64(off + 24, xsdt);
		memset(mem + off + 33, 0, 3);
	}
	fix_sum(off, 20, off + 8);
	if (revision >= 2)
		fix_sum(off, 36, off + 32);     /* extended, over all 36 */
}

static void root(uint32_t off, const char *sig, const uint32_t *tables, int n)
{
	uint32_t size = sig[0] == 'X' ? 8 : 4;
	header(off, sig, 36 + size * (uint32_t)n);
	for (int i = 0; i < n; i++) {
		if (size == 8)
			put64(off + 36 + 8 * (uint32_t)i, tables[i] ? pa(tables[i]) : 0);
		else
			put32(off + 36 + 4 * (uint32_t)i, tables[i] ? (uint32_t)pa(tables[i]) : 0);
	}
	seal(off);
}

struct gas { uint8_t space, width; uint64_t address; };

/* A FADT of len bytes with the given PM timer fields (fields past len are left out). */
static void fadt(uint32_t len, uint32_t pm_tmr_blk, uint8_t pm_tmr_len, uint32_t flags, struct gas x)
{
	header(FADT, "FACP", len);
	if (len >= 80) put32(FADT + 76, pm_tmr_blk);
	if (len >= 92) mem[FADT + 91] = pm_tmr_len;
	if (len >= 116) put32(FADT + 112, flags);
	if (len >= 220) {
		mem[FADT + 208] = x.space;
		mem[FADT + 209] = x.width;
		mem[FADT + 211] = 3;            /* dword access */
		put64(FADT + 212, x.address);
	}
	seal(FADT);
}

static void hpet_table(uint32_t len, uint8_t space, uint64_t address)
{
	header(HPET, "HPET", len);
	put32(HPET + 36, 0x8086a201);
	if (len >= 52) {
		mem[HPET + 40] = space;
		mem[HPET + 41] = 64;
		put64(HPET + 44, address);
	}
	seal(HPET);
}

/* RSDP v2 -> XSDT and RSDT both listing FACP, HPET, APIC, SSDT, SSDT. */
static void standard_layout(void)
{
	static const uint32_t tables[] = { FADT, HPET, APIC, SSDT1, SSDT2 };

	memset(mem, 0, sizeof(mem));
	direct_map_base = (uint64_t)(uintptr_t)mem - FAKE_PHYS;
	fadt(276, 0xb008, 4, ACPI_FADT_TMR_VAL_EXT,
	     (struct gas){ ACPI_ADR_SPACE_SYSTEM_IO, 32, 0x608 });
	hpet_table(56, ACPI_ADR_SPACE_SYSTEM_MEMORY, 0xfed00000);
	header(APIC, "APIC", 44); seal(APIC);
	header(SSDT1, "SSDT", 40); mem[SSDT1 + 36] = 1; seal(SSDT1);
	header(SSDT2, "SSDT", 40); mem[SSDT2 + 36] = 2; seal(SSDT2);
	root(XSDT, "XSDT", tables, 5);
	root(RSDT, "RSDT", tables, 4);          /* one fewer, to tell them apart */
	rsdp(RSDP, 2, (uint32_t)pa(RSDT), pa(XSDT));
}

TEST(v2_uses_xsdt)
{
	standard_layout();
	CHECK_EQ_U64(acpi_init(pa(RSDP)), ACPI_OK);
	CHECK(acpi.xsdt);
	CHECK_EQ_U64(acpi_table_count(), 5);
	CHECK_EQ_U64(acpi_bad_tables(), 0);
	CHECK(acpi_find_table("FACP") == (const void *)(mem + FADT));
	CHECK(acpi_find_table("HPET") == (const void *)(mem + HPET));
	CHECK(acpi_find_table("APIC") == (const void *)(mem + APIC));
	CHECK(acpi_find_table("DSDT") == NULL);
	CHECK(acpi_find_table("FACS") == NULL);
	/* SSDT2 is only in the XSDT. */
	CHECK(acpi_find_table_nth("SSDT", 0) == (const void *)(mem + SSDT1));
	CHECK(acpi_find_table_nth("SSDT", 1) == (const void *)(mem + SSDT2));
	CHECK(acpi_find_table_nth("SSDT", 2) == NULL);
}

TEST(v1_uses_rsdt_and_reads_20_bytes)
{
	static const uint32_t tables[] = { FADT, APIC };
	uint32_t at = MEM_SIZE - 20;            /* anything past 20 bytes is out of bounds */

	standard_layout();
	root(RSDT, "RSDT", tables, 2);
	rsdp(at, 0, (uint32_t)pa(RSDT), 0);
	CHECK_EQ_U64(acpi_init(pa(at)), ACPI_OK);
	CHECK(!acpi.xsdt);
	CHECK_EQ_U64(acpi_table_count(), 2);
	CHECK(acpi_find_table("APIC") == (const void *)(mem + APIC));
	CHECK(acpi_find_table("HPET") == NULL);
}

TEST(xsdt_bad_falls_back_to_rsdt)
{
	standard_layout();
	mem[XSDT + 40] ^= 0xff;                 /* breaks the XSDT checksum */
	CHECK_EQ_U64(acpi_init(pa(RSDP)), ACPI_OK);
	CHECK(!acpi.xsdt);
	CHECK_EQ_U64(acpi_table_count(), 4);

	standard_layout();
	memcpy(mem + XSDT, "XSDX", 4);          /* wrong signature */
	seal(XSDT);
	CHECK_EQ_U64(acpi_init(pa(RSDP)), ACPI_OK);
	CHECK(!acpi.xsdt);

	standard_layout();
	rsdp(RSDP, 2, (uint32_t)pa(RSDT), 0);   /* no XSDT address */
	CHECK_EQ_U64(acpi_init(pa(RSDP)), ACPI_OK);
	CHECK(!acpi.xsdt);

	standard_layout();
	put32(XSDT + 4, 20);                    /* XSDT shorter than a header */
	seal(XSDT);
	CHECK_EQ_U64(acpi_init(pa(RSDP)), ACPI_OK);
	CHECK(!acpi.xsdt);

	standard_layout();
	mem[XSDT + 40] ^= 0xff;
	mem[RSDT + 40] ^= 0xff;                 /* both bad */
	CHECK_EQ_U64(acpi_init(pa(RSDP)), ACPI_ERR_NO_ROOT);
	CHECK(acpi_find_table("FACP") == NULL);
	CHECK_EQ_U64(acpi_table_count(), 0);
}

TEST(rsdp_rejected)
{
	standard_layout();
	CHECK_EQ_U64(acpi_init(0), ACPI_ERR_NO_RSDP);

	memcpy(mem + RSDP, "RSD PTX ", 8);
	CHECK_EQ_U64(acpi_init(pa(RSDP)), ACPI_ERR_RSDP_SIGNATURE);

	standard_layout();
	mem[RSDP + 8] ^= 1;                     /* 20-byte checksum */
	CHECK_EQ_U64(acpi_init(pa(RSDP)), ACPI_ERR_RSDP_CHECKSUM);

	standard_layout();
	mem[RSDP + 32] ^= 1;                    /* extended checksum only */
	CHECK_EQ_U64(acpi_init(pa(RSDP)), ACPI_ERR_RSDP_CHECKSUM);

	standard_layout();
	mem[RSDP + 24] ^= 0x10;                 /* XSDT address changed, 20-byte part fine */
	CHECK_EQ_U64(acpi_init(pa(RSDP)), ACPI_ERR_RSDP_CHECKSUM);

	standard_layout();
	put32(RSDP + 20, 24);                   /* revision 2 claiming 24 bytes */
	CHECK_EQ_U64(acpi_init(pa(RSDP)), ACPI_ERR_RSDP_LENGTH);

	standard_layout();
	put32(RSDP + 20, 0xffffffffu);          /* must not be walked */
	CHECK_EQ_U64(acpi_init(pa(RSDP)), ACPI_ERR_RSDP_LENGTH);
	CHECK(acpi_find_table("FACP") == NULL);

	CHECK_STR(acpi_strerror(ACPI_ERR_RSDP_LENGTH), "bad RSDP length");
	CHECK_STR(acpi_strerror(42), "unknown ACPI error");
}

TEST(bad_tables_skipped_and_counted)
{
	/* FACP(bad sum), FACP(good), SSDT(len 0), SSDT(len 35), null, SSDT(huge, at the end). */
	uint32_t huge = MEM_SIZE - 36;
	uint32_t tables[] = { BAD, FADT, SSDT1, SSDT2, 0, huge };

	standard_layout();
	header(BAD, "FACP", 120);
	seal(BAD);
	mem[BAD + 100] ^= 0x55;
	put32(SSDT1 + 4, 0);
	put32(SSDT2 + 4, 35);
	header(huge, "SSDT", 36);
	put32(huge + 4, 0x7fffffffu);
	root(XSDT, "XSDT", tables, 6);
	CHECK_EQ_U64(acpi_init(pa(RSDP)), ACPI_OK);
	CHECK_EQ_U64(acpi_table_count(), 6);
	CHECK_EQ_U64(acpi_bad_tables(), 5);
	CHECK(acpi_find_table("FACP") == (const void *)(mem + FADT));
	CHECK(acpi_find_table("SSDT") == NULL);
	CHECK(acpi_find_table_nth("FACP", 1) == NULL);
}

TEST(xsdt_partial_entry_ignored)
{
	static const uint32_t tables[] = { FADT, HPET };

	standard_layout();
	root(XSDT, "XSDT", tables, 2);
	put32(XSDT + 4, 36 + 16 + 4);           /* half an entry more */
	seal(XSDT);
	CHECK_EQ_U64(acpi_init(pa(RSDP)), ACPI_OK);
	CHECK(acpi.xsdt);
	CHECK_EQ_U64(acpi_table_count(), 2);
	CHECK(acpi_find_table("HPET") != NULL);
}

TEST(checksum)
{
	uint8_t b[4] = { 0x10, 0x20, 0x30, 0xa0 };
	CHECK(acpi_checksum_ok(b, 4));
	CHECK(!acpi_checksum_ok(b, 3));
	CHECK(acpi_checksum_ok(b, 0));
	b[3] = 0xa1;
	CHECK(!acpi_checksum_ok(b, 4));
}

static struct acpi_pm_timer pm_after(uint32_t len, uint32_t blk, uint8_t blk_len, uint32_t flags, struct gas x, bool *ok)
{
	struct acpi_pm_timer t;

	standard_layout();
	fadt(len, blk, blk_len, flags, x);
	acpi_init(pa(RSDP));
	*ok = acpi_get_pm_timer(&t);
	return t;
}

TEST(pm_timer_from_fadt)
{
	struct acpi_pm_timer t;
	bool ok;

	/* X_PM_TMR_BLK in I/O space wins over PM_TMR_BLK; 32-bit flag. */
	t = pm_after(276, 0xb008, 4, ACPI_FADT_TMR_VAL_EXT, (struct gas){ 1, 32, 0x608 }, &ok);
	CHECK(ok && t.present && t.io && t.ext32 && t.from_x_block);
	CHECK_EQ_U64(t.address, 0x608);

	/* X block in memory space. */
	t = pm_after(276, 0xb008, 4, 0, (struct gas){ 0, 32, 0xfe000808ull }, &ok);
	CHECK(ok && t.present && !t.io && !t.ext32 && t.from_x_block);
	CHECK_EQ_U64(t.address, 0xfe000808ull);

	/* X block empty: PM_TMR_BLK, 24-bit. */
	t = pm_after(276, 0xb008, 4, 0, (struct gas){ 1, 32, 0 }, &ok);
	CHECK(ok && t.present && t.io && !t.ext32 && !t.from_x_block);
	CHECK_EQ_U64(t.address, 0xb008);

	/* X block in PCI config space (2), or an I/O port above 0xffff: not usable. */
	t = pm_after(276, 0xb008, 4, 0, (struct gas){ 2, 32, 0x608 }, &ok);
	CHECK(ok && !t.from_x_block);
	CHECK_EQ_U64(t.address, 0xb008);
	t = pm_after(276, 0xb008, 4, 0, (struct gas){ 1, 32, 0x10008 }, &ok);
	CHECK(ok && !t.from_x_block);
	CHECK_EQ_U64(t.address, 0xb008);

	/* ACPI 1.0 FADT (116 bytes): no X block, flags still read. */
	t = pm_after(116, 0x408, 4, ACPI_FADT_TMR_VAL_EXT, (struct gas){ 1, 32, 0x608 }, &ok);
	CHECK(ok && t.io && t.ext32 && !t.from_x_block);
	CHECK_EQ_U64(t.address, 0x408);

	/* X block not wholly inside the table (length 216): ignored. */
	t = pm_after(216, 0x408, 4, 0, (struct gas){ 1, 32, 0x608 }, &ok);
	CHECK(ok && !t.from_x_block);
	CHECK_EQ_U64(t.address, 0x408);

	/* Too short for the flags: 24-bit. */
	t = pm_after(100, 0x408, 4, ACPI_FADT_TMR_VAL_EXT, (struct gas){ 0, 0, 0 }, &ok);
	CHECK(ok && !t.ext32);
	CHECK_EQ_U64(t.address, 0x408);

	/* PM_TMR_LEN must be 4; a zero block means no timer. */
	t = pm_after(276, 0x408, 0, 0, (struct gas){ 1, 32, 0 }, &ok);
	CHECK(!ok && !t.present);
	t = pm_after(276, 0, 4, 0, (struct gas){ 1, 32, 0 }, &ok);
	CHECK(!ok && !t.present);

	/* Too short to hold PM_TMR_BLK at all. */
	t = pm_after(80, 0x408, 4, 0, (struct gas){ 0, 0, 0 }, &ok);
	CHECK(!ok);

	/* Hardware-reduced ACPI: no PM timer even if the blocks are set. */
	t = pm_after(276, 0xb008, 4, ACPI_FADT_HW_REDUCED | ACPI_FADT_TMR_VAL_EXT,
		     (struct gas){ 1, 32, 0x608 }, &ok);
	CHECK(!ok && !t.present && !t.ext32);

	/* No FADT at all. */
	standard_layout();
	memcpy(mem + FADT, "FACQ", 4);
	seal(FADT);
	acpi_init(pa(RSDP));
	CHECK(!acpi_get_pm_timer(&t));
	CHECK(!t.present);
}

TEST(hpet_base)
{
	uint64_t base = 1;

	standard_layout();
	acpi_init(pa(RSDP));
	CHECK(acpi_get_hpet_base(&base));
	CHECK_EQ_U64(base, 0xfed00000);

	hpet_table(56, ACPI_ADR_SPACE_SYSTEM_IO, 0xfed00000);
	CHECK(!acpi_get_hpet_base(&base));
	CHECK_EQ_U64(base, 0);

	hpet_table(56, ACPI_ADR_SPACE_SYSTEM_MEMORY, 0);
	CHECK(!acpi_get_hpet_base(&base));

	hpet_table(48, ACPI_ADR_SPACE_SYSTEM_MEMORY, 0xfed00000);  /* truncated */
	CHECK(!acpi_get_hpet_base(&base));

	standard_layout();
	mem[HPET + 50] ^= 1;                    /* bad checksum: absent */
	acpi_init(pa(RSDP));
	CHECK(!acpi_get_hpet_base(&base));
	CHECK_EQ_U64(acpi_bad_tables(), 1);
}

TEST(nothing_before_init)
{
	struct acpi_pm_timer t;
	uint64_t base;

	standard_layout();
	acpi_init(0);
	CHECK(acpi_find_table("FACP") == NULL);
	CHECK(!acpi_get_pm_timer(&t));
	CHECK(!acpi_get_hpet_base(&base));
}

TEST(direct_map_move)
{
	/* Only physical addresses are kept: moving the map moves the results. */
	static uint8_t copy[MEM_SIZE];

	standard_layout();
	CHECK_EQ_U64(acpi_init(pa(RSDP)), ACPI_OK);
	memcpy(copy, mem, sizeof(mem));
	direct_map_base = (uint64_t)(uintptr_t)copy - FAKE_PHYS;
	CHECK(acpi_find_table("FACP") == (const void *)(copy + FADT));
}

/* Re-seals the standard layout's FADT after fields were changed by hand. */
static void fadt_fields(uint8_t revision, uint32_t flags, uint16_t boot_flags, struct gas reset, uint8_t value)
{
	mem[FADT + 8] = revision;
	put32(FADT + 112, flags);
	mem[FADT + 109] = (uint8_t)boot_flags;
	mem[FADT + 110] = (uint8_t)(boot_flags >> 8);
	mem[FADT + 116] = reset.space;
	mem[FADT + 117] = reset.width;
	put64(FADT + 120, reset.address);
	mem[FADT + 128] = value;
	seal(FADT);
}

TEST(reset_register)
{
	struct acpi_reset_reg r;

	standard_layout();
	fadt_fields(3, ACPI_FADT_RESET_REGISTER, ACPI_FADT_8042, (struct gas){ ACPI_ADR_SPACE_SYSTEM_IO, 8, 0xcf9 }, 6);
	CHECK_EQ_U64(acpi_init(pa(RSDP)), ACPI_OK);
	CHECK(acpi_get_reset_register(&r));
	CHECK_EQ_U64(r.space_id, ACPI_ADR_SPACE_SYSTEM_IO);
	CHECK_EQ_U64(r.address, 0xcf9);
	CHECK_EQ_U64(r.value, 6);

	/* Memory and PCI configuration space are kept as they are. */
	fadt_fields(5, ACPI_FADT_RESET_REGISTER, 0, (struct gas){ ACPI_ADR_SPACE_SYSTEM_MEMORY, 8, 0xfed03000 }, 1);
	CHECK(acpi_get_reset_register(&r) && r.space_id == ACPI_ADR_SPACE_SYSTEM_MEMORY && r.address == 0xfed03000);
	fadt_fields(5, ACPI_FADT_RESET_REGISTER, 0, (struct gas){ ACPI_ADR_SPACE_PCI_CONFIG, 8, 0x1f00000044ull }, 2);
	CHECK(acpi_get_reset_register(&r) && r.space_id == ACPI_ADR_SPACE_PCI_CONFIG && r.address == 0x1f00000044ull);

	/* Not there: flag clear, FADT revision 1, address 0, an I/O port above 0xffff, another space. */
	fadt_fields(3, 0, 0, (struct gas){ ACPI_ADR_SPACE_SYSTEM_IO, 8, 0xcf9 }, 6);
	CHECK(!acpi_get_reset_register(&r));
	CHECK_EQ_U64(r.address, 0);
	fadt_fields(1, ACPI_FADT_RESET_REGISTER, 0, (struct gas){ ACPI_ADR_SPACE_SYSTEM_IO, 8, 0xcf9 }, 6);
	CHECK(!acpi_get_reset_register(&r));
	fadt_fields(3, ACPI_FADT_RESET_REGISTER, 0, (struct gas){ ACPI_ADR_SPACE_SYSTEM_IO, 8, 0 }, 6);
	CHECK(!acpi_get_reset_register(&r));
	fadt_fields(3, ACPI_FADT_RESET_REGISTER, 0, (struct gas){ ACPI_ADR_SPACE_SYSTEM_IO, 8, 0x10000 }, 6);
	CHECK(!acpi_get_reset_register(&r));
	fadt_fields(3, ACPI_FADT_RESET_REGISTER, 0, (struct gas){ 0x7f, 8, 0xcf9 }, 6);
	CHECK(!acpi_get_reset_register(&r));

	/* A FADT too short for RESET_VALUE. */
	fadt(116, 0xb008, 4, ACPI_FADT_RESET_REGISTER, (struct gas){ 0 });
	mem[FADT + 8] = 3;
	seal(FADT);
	CHECK(!acpi_get_reset_register(&r));

	acpi_init(0);
	CHECK(!acpi_get_reset_register(&r));
}

TEST(keyboard_controller)
{
	standard_layout();
	fadt_fields(3, 0, ACPI_FADT_8042, (struct gas){ 0 }, 0);
	acpi_init(pa(RSDP));
	CHECK(!acpi_i8042_absent());
	fadt_fields(3, 0, 0x0001, (struct gas){ 0 }, 0);      /* legacy devices, no 8042 */
	CHECK(acpi_i8042_absent());
	fadt_fields(1, 0, 0, (struct gas){ 0 }, 0);           /* ACPI 1.0 FADT: field reserved */
	CHECK(!acpi_i8042_absent());
	fadt(100, 0xb008, 4, 0, (struct gas){ 0 });           /* too short for the field */
	mem[FADT + 8] = 3;
	seal(FADT);
	CHECK(!acpi_i8042_absent());
	acpi_init(0);                                          /* no ACPI: expected, as Linux */
	CHECK(!acpi_i8042_absent());
}

TEST(json)
{
	struct json j;
	char buf[512];

	standard_layout();
	acpi_init(pa(RSDP));
	json_begin(&j, buf, sizeof(buf));
	acpi_json(&j);
	json_end(&j);
	CHECK_STR(buf, "{\"acpi_revision\":2,\"acpi_oem\":\"FAULTL\",\"acpi_root\":\"xsdt\","
		  "\"acpi_tables\":[\"FACP\",\"HPET\",\"APIC\",\"SSDT\",\"SSDT\"],\"acpi_bad_tables\":0,"
		  "\"pm_timer\":{\"space\":\"io\",\"address\":\"0x608\",\"bits\":32},"
		  "\"hpet\":\"0xfed00000\",\"reset_register\":null,\"i8042\":true}");

	fadt_fields(3, ACPI_FADT_RESET_REGISTER, ACPI_FADT_8042, (struct gas){ ACPI_ADR_SPACE_SYSTEM_IO, 8, 0xcf9 }, 6);
	json_begin(&j, buf, sizeof(buf));
	acpi_json(&j);
	json_end(&j);
	CHECK(strstr(buf, "\"reset_register\":{\"space\":\"io\",\"address\":\"0xcf9\",\"value\":\"0x6\"},"
			  "\"i8042\":true}") != NULL);

	acpi_init(0);
	json_begin(&j, buf, sizeof(buf));
	acpi_json(&j);
	json_end(&j);
	CHECK_STR(buf, "{\"acpi_revision\":null,\"acpi_root\":null,\"pm_timer\":null,\"hpet\":null,"
		  "\"reset_register\":null,\"i8042\":true}");
}

UNIT_MAIN(
	UNIT(v2_uses_xsdt),
	UNIT(v1_uses_rsdt_and_reads_20_bytes),
	UNIT(xsdt_bad_falls_back_to_rsdt),
	UNIT(rsdp_rejected),
	UNIT(bad_tables_skipped_and_counted),
	UNIT(xsdt_partial_entry_ignored),
	UNIT(checksum),
	UNIT(pm_timer_from_fadt),
	UNIT(hpet_base),
	UNIT(nothing_before_init),
	UNIT(direct_map_move),
	UNIT(reset_register),
	UNIT(keyboard_controller),
	UNIT(json)
)
