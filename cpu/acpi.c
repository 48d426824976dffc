/*
 * ACPI table lookup: RSDP -> XSDT (or RSDT) -> tables by signature, plus the
 * FADT's PM timer and the HPET table's base address.
 *
 * Every table is reached through phys_to_virt() at the moment it is used and
 * checked before its contents are believed: the length must cover at least
 * the header (a shorter table is never walked) and stay below a sane bound,
 * and the bytes must sum to zero. Fields past a table's length are treated
 * as absent, which is how older, shorter FADTs are read.
 */
#include "cpu/acpi.h"
#include "base/page_types.h"

/* Longer than any real static table (DSDTs run to hundreds of KiB). */
#define ACPI_MAX_TABLE_LENGTH (16u << 20)
#define ACPI_MAX_RSDP_LENGTH  4096u
#define ACPI_HEADER_LENGTH    ((uint32_t)sizeof(struct acpi_table_header))

static struct acpi_state {
	bool ready;
	bool xsdt;                  /* entries are 64-bit (XSDT), else 32-bit (RSDT) */
	uint8_t revision;           /* of the RSDP */
	char oem_id[7];
	uint64_t root_phys;
	uint32_t entry_count;
	uint32_t bad_tables;
} acpi;

/* Reads n (<= 8) bytes at p as a little-endian number; p need not be aligned. */
static uint64_t read_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static bool same_sig(const char *a, const char *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

bool acpi_checksum_ok(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum == 0;
}

/*
 * Returns the table at phys if its length is possible and its checksum right,
 * else NULL. Only the header is read before the length has been checked.
 */
static const struct acpi_table_header *map_table(uint64_t phys)
{
	const struct acpi_table_header *h;
	uint32_t len;

	if (phys == 0)
		return 0;
	h = phys_to_virt(phys);
	len = h->length;
	if (len < ACPI_HEADER_LENGTH || len > ACPI_MAX_TABLE_LENGTH)
		return 0;
	if (!acpi_checksum_ok(h, len))
		return 0;
	return h;
}

/* Returns the root table if it is valid and carries the expected signature. */
static const struct acpi_table_header *map_root(uint64_t phys, const char *sig)
{
	const struct acpi_table_header *h = map_table(phys);

	if (!h || !same_sig(h->signature, sig, 4))
		return 0;
	return h;
}

/* Physical address of the root table's i-th entry (i < entry_count). */
static uint64_t root_entry(uint32_t i)
{
	const uint8_t *root = phys_to_virt(acpi.root_phys);
	uint32_t size = acpi.xsdt ? 8 : 4;

	return read_le(root + ACPI_HEADER_LENGTH + (uint64_t)i * size, (int)size);
}

/* Checks the RSDP itself; returns ACPI_OK or the ACPI_ERR_* that describes it. */
static int check_rsdp(const struct acpi_table_rsdp *rsdp)
{
	if (!same_sig(rsdp->signature, "RSD PTR ", 8))
		return ACPI_ERR_RSDP_SIGNATURE;
	if (!acpi_checksum_ok(rsdp, ACPI_RSDP_V1_LENGTH))
		return ACPI_ERR_RSDP_CHECKSUM;
	if (rsdp->revision >= 2) {
		uint32_t len = rsdp->length;
		if (len < ACPI_RSDP_V2_LENGTH || len > ACPI_MAX_RSDP_LENGTH)
			return ACPI_ERR_RSDP_LENGTH;
		if (!acpi_checksum_ok(rsdp, len))
			return ACPI_ERR_RSDP_CHECKSUM;
	}
	return ACPI_OK;
}

int acpi_init(uint64_t rsdp_phys)
{
	const struct acpi_table_rsdp *rsdp;
	const struct acpi_table_header *root = 0;
	int err;

	acpi = (struct acpi_state){ 0 };
	if (rsdp_phys == 0)
		return ACPI_ERR_NO_RSDP;
	rsdp = phys_to_virt(rsdp_phys);
	err = check_rsdp(rsdp);
	if (err != ACPI_OK)
		return err;

	acpi.revision = rsdp->revision;
	for (int i = 0; i < 6; i++)
		acpi.oem_id[i] = rsdp->oem_id[i];

	/* Prefer the XSDT; fall back to the RSDT if the XSDT is missing or bad. */
	if (rsdp->revision >= 2) {
		root = map_root(rsdp->xsdt_physical_address, "XSDT");
		if (root) {
			acpi.xsdt = true;
			acpi.root_phys = rsdp->xsdt_physical_address;
		}
	}
	if (!root) {
		root = map_root(rsdp->rsdt_physical_address, "RSDT");
		if (!root)
			return ACPI_ERR_NO_ROOT;
		acpi.root_phys = rsdp->rsdt_physical_address;
	}

	acpi.entry_count = (root->length - ACPI_HEADER_LENGTH) / (acpi.xsdt ? 8 : 4);
	acpi.ready = true;
	for (uint32_t i = 0; i < acpi.entry_count; i++)
		if (!map_table(root_entry(i)))
			acpi.bad_tables++;
	return ACPI_OK;
}

const char *acpi_strerror(int err)
{
	switch (err) {
	case ACPI_OK:                 return "ok";
	case ACPI_ERR_NO_RSDP:        return "no RSDP";
	case ACPI_ERR_RSDP_SIGNATURE: return "bad RSDP signature";
	case ACPI_ERR_RSDP_CHECKSUM:  return "bad RSDP checksum";
	case ACPI_ERR_RSDP_LENGTH:    return "bad RSDP length";
	case ACPI_ERR_NO_ROOT:        return "no valid XSDT or RSDT";
	default:                      return "unknown ACPI error";
	}
}

const struct acpi_table_header *acpi_find_table_nth(const char sig[4], uint32_t n)
{
	if (!acpi.ready)
		return 0;
	for (uint32_t i = 0; i < acpi.entry_count; i++) {
		const struct acpi_table_header *h = map_table(root_entry(i));
		if (h && same_sig(h->signature, sig, 4) && n-- == 0)
			return h;
	}
	return 0;
}

const struct acpi_table_header *acpi_find_table(const char sig[4])
{
	return acpi_find_table_nth(sig, 0);
}

/* See cpu/acpi.h. */
void acpi_for_each_table_range(void (*fn)(void *ctx, uint64_t phys, uint64_t len), void *ctx)
{
	if (!acpi.ready)
		return;
	const struct acpi_table_header *root = phys_to_virt(acpi.root_phys);
	fn(ctx, acpi.root_phys, root->length);
	for (uint32_t i = 0; i < acpi.entry_count; i++) {
		uint64_t phys = root_entry(i);
		const struct acpi_table_header *h = map_table(phys);
		if (h)
			fn(ctx, phys, h->length);
	}
}

uint32_t acpi_table_count(void)
{
	return acpi.entry_count;
}

uint32_t acpi_bad_tables(void)
{
	return acpi.bad_tables;
}

/* See cpu/acpi.h. */
bool acpi_read_gas(const struct acpi_table_header *h, uint32_t off, struct acpi_generic_address *gas)
{
	const uint8_t *p = (const uint8_t *)h + off;

	if (h->length < off + sizeof(*gas))
		return false;
	gas->space_id = p[0];
	gas->bit_width = p[1];
	gas->bit_offset = p[2];
	gas->access_width = p[3];
	gas->address = read_le(p + 4, 8);
	return true;
}

bool acpi_get_pm_timer(struct acpi_pm_timer *t)
{
	const struct acpi_table_header *fadt = acpi_find_table("FACP");
	const uint8_t *f = (const uint8_t *)fadt;
	struct acpi_generic_address gas;
	uint32_t flags = 0;

	*t = (struct acpi_pm_timer){ 0 };
	if (!fadt)
		return false;
	if (fadt->length >= ACPI_FADT_FLAGS + 4)
		flags = (uint32_t)read_le(f + ACPI_FADT_FLAGS, 4);
	if (flags & ACPI_FADT_HW_REDUCED)
		return false;
	t->ext32 = (flags & ACPI_FADT_TMR_VAL_EXT) != 0;

	if (acpi_read_gas(fadt, ACPI_FADT_X_PM_TMR_BLK, &gas) && gas.address != 0) {
		bool io = gas.space_id == ACPI_ADR_SPACE_SYSTEM_IO;
		bool mem = gas.space_id == ACPI_ADR_SPACE_SYSTEM_MEMORY;
		if (mem || (io && gas.address <= 0xffff)) {
			t->present = true;
			t->io = io;
			t->address = gas.address;
			t->from_x_block = true;
			return true;
		}
	}
	if (fadt->length >= ACPI_FADT_PM_TMR_LEN + 1) {
		uint32_t port = (uint32_t)read_le(f + ACPI_FADT_PM_TMR_BLK, 4);
		if (port != 0 && port <= 0xffff && f[ACPI_FADT_PM_TMR_LEN] == 4) {
			t->present = true;
			t->io = true;
			t->address = port;
			return true;
		}
	}
	t->ext32 = false;
	return false;
}

bool acpi_get_hpet_base(uint64_t *phys)
{
	const struct acpi_table_header *h = acpi_find_table("HPET");
	struct acpi_generic_address gas;

	*phys = 0;
	if (!h || !acpi_read_gas(h, ACPI_HEADER_LENGTH + 4, &gas))
		return false;
	if (gas.space_id != ACPI_ADR_SPACE_SYSTEM_MEMORY || gas.address == 0)
		return false;
	*phys = gas.address;
	return true;
}

/* See cpu/acpi.h. Linux's acpi_reboot() also ignores bit_width and bit_offset, as Windows does. */
bool acpi_get_reset_register(struct acpi_reset_reg *r)
{
	const struct acpi_table_header *fadt = acpi_find_table("FACP");
	const uint8_t *f = (const uint8_t *)fadt;
	struct acpi_generic_address gas;

	*r = (struct acpi_reset_reg){ 0 };
	if (!fadt || fadt->revision < ACPI_FADT2_REVISION || fadt->length < ACPI_FADT_RESET_VALUE + 1)
		return false;
	if (!((uint32_t)read_le(f + ACPI_FADT_FLAGS, 4) & ACPI_FADT_RESET_REGISTER))
		return false;
	if (!acpi_read_gas(fadt, ACPI_FADT_RESET_REG, &gas) || gas.address == 0)
		return false;
	switch (gas.space_id) {
	case ACPI_ADR_SPACE_SYSTEM_IO:
		if (gas.address > 0xffff)
			return false;
		break;
	case ACPI_ADR_SPACE_SYSTEM_MEMORY:
	case ACPI_ADR_SPACE_PCI_CONFIG:
		break;
	default:
		return false;
	}
	r->space_id = gas.space_id;
	r->address = gas.address;
	r->value = f[ACPI_FADT_RESET_VALUE];
	return true;
}

/* See cpu/acpi.h. */
bool acpi_i8042_absent(void)
{
	const struct acpi_table_header *fadt = acpi_find_table("FACP");

	if (!fadt || fadt->revision < ACPI_FADT2_REVISION || fadt->length < ACPI_FADT_BOOT_FLAGS + 2)
		return false;
	return !(read_le((const uint8_t *)fadt + ACPI_FADT_BOOT_FLAGS, 2) & ACPI_FADT_8042);
}

void acpi_json(struct json *j)
{
	struct acpi_pm_timer pm;
	uint64_t hpet;
	size_t oem_len = 0;

	if (!acpi.ready) {
		json_null(j, "acpi_revision");
		json_null(j, "acpi_root");
		json_null(j, "pm_timer");
		json_null(j, "hpet");
		json_null(j, "reset_register");
		json_bool(j, "i8042", true);
		return;
	}
	json_u64(j, "acpi_revision", acpi.revision);
	while (oem_len < 6 && acpi.oem_id[oem_len])
		oem_len++;
	while (oem_len > 0 && acpi.oem_id[oem_len - 1] == ' ')
		oem_len--;
	json_strn(j, "acpi_oem", acpi.oem_id, oem_len);
	json_str(j, "acpi_root", acpi.xsdt ? "xsdt" : "rsdt");
	json_array_begin(j, "acpi_tables");
	for (uint32_t i = 0; i < acpi.entry_count; i++) {
		const struct acpi_table_header *h = map_table(root_entry(i));
		if (h)
			json_strn(j, 0, h->signature, 4);
	}
	json_close(j);
	json_u64(j, "acpi_bad_tables", acpi.bad_tables);

	if (acpi_get_pm_timer(&pm)) {
		json_object_begin(j, "pm_timer");
		json_str(j, "space", pm.io ? "io" : "memory");
		json_hex(j, "address", pm.address);
		json_u64(j, "bits", pm.ext32 ? 32 : 24);
		json_close(j);
	} else {
		json_null(j, "pm_timer");
	}
	if (acpi_get_hpet_base(&hpet))
		json_hex(j, "hpet", hpet);
	else
		json_null(j, "hpet");

	struct acpi_reset_reg rr;
	if (acpi_get_reset_register(&rr)) {
		static const char *const space[] = { "memory", "io", "pci" };
		json_object_begin(j, "reset_register");
		json_str(j, "space", space[rr.space_id]);
		json_hex(j, "address", rr.address);
		json_hex(j, "value", rr.value);
		json_close(j);
	} else {
		json_null(j, "reset_register");
	}
	json_bool(j, "i8042", !acpi_i8042_absent());
}
