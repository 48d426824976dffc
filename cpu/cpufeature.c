/*
 * CPU identification: decodes CPUID into struct cpuinfo_x86.
 *
 * cpu_decode() is pure: every CPUID value comes from the cpuid_fn callback,
 * so host tests replay recorded tables. It asks for a leaf only when the CPU
 * reports it (basic leaves up to CPUID.0:EAX, extended leaves up to
 * CPUID.80000000h:EAX, hypervisor leaves only with CPUID.1:ECX[31]); Intel
 * CPUs answer out-of-range leaves with the data of the highest basic leaf,
 * which would otherwise read as random feature bits.
 */
#include "cpu/cpufeature.h"
#include "cpu/x86.h"

struct cpuinfo_x86 boot_cpu_data;

enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

/* Where each feature bit lives. Derived features (constant_tsc) are not here. */
static const struct cpuid_bit {
	uint8_t feature;
	uint8_t reg;
	uint8_t bit;
	uint32_t leaf;
	uint32_t subleaf;
} cpuid_bits[] = {
	{ X86_FEATURE_PSE,           CPUID_EDX, 3,  0x00000001, 0 },
	{ X86_FEATURE_TSC,           CPUID_EDX, 4,  0x00000001, 0 },
	{ X86_FEATURE_MSR,           CPUID_EDX, 5,  0x00000001, 0 },
	{ X86_FEATURE_PAE,           CPUID_EDX, 6,  0x00000001, 0 },
	{ X86_FEATURE_APIC,          CPUID_EDX, 9,  0x00000001, 0 },
	{ X86_FEATURE_PGE,           CPUID_EDX, 13, 0x00000001, 0 },
	{ X86_FEATURE_PAT,           CPUID_EDX, 16, 0x00000001, 0 },
	{ X86_FEATURE_CLFLUSH,       CPUID_EDX, 19, 0x00000001, 0 },
	{ X86_FEATURE_PCID,          CPUID_ECX, 17, 0x00000001, 0 },
	{ X86_FEATURE_X2APIC,        CPUID_ECX, 21, 0x00000001, 0 },
	{ X86_FEATURE_TSC_DEADLINE,  CPUID_ECX, 24, 0x00000001, 0 },
	{ X86_FEATURE_XSAVE,         CPUID_ECX, 26, 0x00000001, 0 },
	{ X86_FEATURE_OSXSAVE,       CPUID_ECX, 27, 0x00000001, 0 },
	{ X86_FEATURE_HYPERVISOR,    CPUID_ECX, 31, 0x00000001, 0 },
	{ X86_FEATURE_FSGSBASE,      CPUID_EBX, 0,  0x00000007, 0 },
	{ X86_FEATURE_SMEP,          CPUID_EBX, 7,  0x00000007, 0 },
	{ X86_FEATURE_ERMS,          CPUID_EBX, 9,  0x00000007, 0 },
	{ X86_FEATURE_INVPCID,       CPUID_EBX, 10, 0x00000007, 0 },
	{ X86_FEATURE_SMAP,          CPUID_EBX, 20, 0x00000007, 0 },
	{ X86_FEATURE_UMIP,          CPUID_ECX, 2,  0x00000007, 0 },
	{ X86_FEATURE_PKU,           CPUID_ECX, 3,  0x00000007, 0 },
	{ X86_FEATURE_OSPKE,         CPUID_ECX, 4,  0x00000007, 0 },
	{ X86_FEATURE_LA57,          CPUID_ECX, 16, 0x00000007, 0 },
	{ X86_FEATURE_SYSCALL,       CPUID_EDX, 11, 0x80000001, 0 },
	{ X86_FEATURE_NX,            CPUID_EDX, 20, 0x80000001, 0 },
	{ X86_FEATURE_PDPE1GB,       CPUID_EDX, 26, 0x80000001, 0 },
	{ X86_FEATURE_RDTSCP,        CPUID_EDX, 27, 0x80000001, 0 },
	{ X86_FEATURE_LM,            CPUID_EDX, 29, 0x80000001, 0 },
	{ X86_FEATURE_INVARIANT_TSC, CPUID_EDX, 8,  0x80000007, 0 },
};

static const char *const feature_names[X86_FEATURE_COUNT] = {
	[X86_FEATURE_PSE] = "pse",
	[X86_FEATURE_TSC] = "tsc",
	[X86_FEATURE_MSR] = "msr",
	[X86_FEATURE_PAE] = "pae",
	[X86_FEATURE_APIC] = "apic",
	[X86_FEATURE_PGE] = "pge",
	[X86_FEATURE_PAT] = "pat",
	[X86_FEATURE_CLFLUSH] = "clflush",
	[X86_FEATURE_PCID] = "pcid",
	[X86_FEATURE_X2APIC] = "x2apic",
	[X86_FEATURE_TSC_DEADLINE] = "tsc_deadline_timer",
	[X86_FEATURE_XSAVE] = "xsave",
	[X86_FEATURE_OSXSAVE] = "osxsave",
	[X86_FEATURE_HYPERVISOR] = "hypervisor",
	[X86_FEATURE_FSGSBASE] = "fsgsbase",
	[X86_FEATURE_SMEP] = "smep",
	[X86_FEATURE_ERMS] = "erms",
	[X86_FEATURE_INVPCID] = "invpcid",
	[X86_FEATURE_SMAP] = "smap",
	[X86_FEATURE_UMIP] = "umip",
	[X86_FEATURE_PKU] = "pku",
	[X86_FEATURE_OSPKE] = "ospke",
	[X86_FEATURE_LA57] = "la57",
	[X86_FEATURE_SYSCALL] = "syscall",
	[X86_FEATURE_NX] = "nx",
	[X86_FEATURE_PDPE1GB] = "pdpe1gb",
	[X86_FEATURE_RDTSCP] = "rdtscp",
	[X86_FEATURE_LM] = "lm",
	[X86_FEATURE_INVARIANT_TSC] = "invariant_tsc",
	[X86_FEATURE_CONSTANT_TSC] = "constant_tsc",
};

/* Returns the feature's name, or "?" for a value outside the enum. */
const char *cpu_feature_name(enum x86_feature f)
{
	if ((unsigned)f >= X86_FEATURE_COUNT || !feature_names[f])
		return "?";
	return feature_names[f];
}

static uint32_t reg_value(const struct cpuid_regs *r, enum cpuid_reg reg)
{
	switch (reg) {
	case CPUID_EAX: return r->eax;
	case CPUID_EBX: return r->ebx;
	case CPUID_ECX: return r->ecx;
	default:        return r->edx;
	}
}

/* Stores v as 4 bytes, low byte first (the order CPUID strings are packed in). */
static void put_reg_bytes(char *dst, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		dst[i] = (char)(v >> (8 * i));
}

/*
 * Makes a 12-byte register string (vendor, hypervisor signature) printable:
 * ends it at the first NUL, turns other non-ASCII/control bytes into '?'.
 */
static void finish_id_string(char s[13])
{
	s[12] = 0;
	for (int i = 0; i < 12 && s[i]; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			s[i] = '?';
}

/* Family from the CPUID.1:EAX signature: base family, plus extended family if base is 0xF. */
static uint32_t x86_family(uint32_t sig)
{
	uint32_t family = (sig >> 8) & 0xf;

	if (family == 0xf)
		family += (sig >> 20) & 0xff;
	return family;
}

/* Model from the signature: the extended model counts for base families 6 and 0xF. */
static uint32_t x86_model(uint32_t sig)
{
	uint32_t base_family = (sig >> 8) & 0xf;
	uint32_t model = (sig >> 4) & 0xf;

	if (base_family == 0x6 || base_family == 0xf)
		model += ((sig >> 16) & 0xf) << 4;
	return model;
}

static bool leaf_present(const struct cpuinfo_x86 *c, uint32_t leaf)
{
	if (leaf >= 0x80000000u)
		return c->extended_cpuid_level != 0 && leaf <= c->extended_cpuid_level;
	return leaf <= c->cpuid_level;
}

/* Calls fn for a leaf the CPU reports; returns false (and zeros in *r) otherwise. */
static bool read_leaf(const struct cpuinfo_x86 *c, cpuid_fn fn, void *ctx,
		      uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r)
{
	r->eax = r->ebx = r->ecx = r->edx = 0;
	if (!leaf_present(c, leaf))
		return false;
	fn(leaf, subleaf, r, ctx);
	return true;
}

static enum x86_vendor vendor_from_id(const char *id)
{
	static const struct { const char *id; enum x86_vendor v; } vendors[] = {
		{ "GenuineIntel", X86_VENDOR_INTEL },
		{ "AuthenticAMD", X86_VENDOR_AMD },
		{ "HygonGenuine", X86_VENDOR_HYGON },
		{ "CentaurHauls", X86_VENDOR_CENTAUR },
		{ "  Shanghai  ", X86_VENDOR_ZHAOXIN },
	};

	for (unsigned i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++) {
		const char *a = vendors[i].id, *b = id;
		while (*a && *a == *b)
			a++, b++;
		if (*a == 0 && *b == 0)
			return vendors[i].v;
	}
	return X86_VENDOR_UNKNOWN;
}

/* Reads the 48-byte brand string and strips the leading and trailing blanks. */
static void decode_brand(struct cpuinfo_x86 *c, cpuid_fn fn, void *ctx)
{
	char raw[49];
	struct cpuid_regs r;
	size_t start = 0, end;

	c->x86_model_id[0] = 0;
	if (!leaf_present(c, 0x80000004u))
		return;
	for (uint32_t i = 0; i < 3; i++) {
		read_leaf(c, fn, ctx, 0x80000002u + i, 0, &r);
		put_reg_bytes(raw + 16 * i + 0, r.eax);
		put_reg_bytes(raw + 16 * i + 4, r.ebx);
		put_reg_bytes(raw + 16 * i + 8, r.ecx);
		put_reg_bytes(raw + 16 * i + 12, r.edx);
	}
	raw[48] = 0;
	for (end = 0; raw[end]; end++)
		;
	while (start < end && raw[start] == ' ')
		start++;
	while (end > start && raw[end - 1] == ' ')
		end--;
	for (size_t i = start; i < end; i++)
		c->x86_model_id[i - start] = raw[i];
	c->x86_model_id[end - start] = 0;
}

/* Leaf 0x40000000: the hypervisor's signature and its highest leaf. */
static void decode_hypervisor(struct cpuinfo_x86 *c, cpuid_fn fn, void *ctx)
{
	struct cpuid_regs r;

	c->hypervisor_id[0] = 0;
	c->hypervisor_max_leaf = 0;
	if (!cpu_has(c, X86_FEATURE_HYPERVISOR))
		return;
	fn(0x40000000u, 0, &r, ctx);
	put_reg_bytes(c->hypervisor_id + 0, r.ebx);
	put_reg_bytes(c->hypervisor_id + 4, r.ecx);
	put_reg_bytes(c->hypervisor_id + 8, r.edx);
	finish_id_string(c->hypervisor_id);
	c->hypervisor_max_leaf = r.eax;
}

/*
 * Intel says the TSC ticks at a constant rate from family 0xF model 3 and
 * family 6 model 0xE on; everywhere else only the invariant-TSC bit says so.
 */
static bool tsc_rate_is_constant(const struct cpuinfo_x86 *c)
{
	if (cpu_has(c, X86_FEATURE_INVARIANT_TSC))
		return true;
	if (c->x86_vendor != X86_VENDOR_INTEL)
		return false;
	return (c->x86 == 0xf && c->x86_model >= 0x3) ||
	       (c->x86 == 0x6 && c->x86_model >= 0xe);
}

void cpu_decode(struct cpuinfo_x86 *c, cpuid_fn fn, void *ctx)
{
	struct cpuid_regs r;

	*c = (struct cpuinfo_x86){ 0 };

	fn(0, 0, &r, ctx);
	c->cpuid_level = r.eax;
	put_reg_bytes(c->x86_vendor_id + 0, r.ebx);
	put_reg_bytes(c->x86_vendor_id + 4, r.edx);
	put_reg_bytes(c->x86_vendor_id + 8, r.ecx);
	finish_id_string(c->x86_vendor_id);
	c->x86_vendor = vendor_from_id(c->x86_vendor_id);

	/* A valid answer lies in 0x80000000..0x8000ffff; old CPUs return anything. */
	fn(0x80000000u, 0, &r, ctx);
	if ((r.eax & 0xffff0000u) == 0x80000000u)
		c->extended_cpuid_level = r.eax;

	if (read_leaf(c, fn, ctx, 1, 0, &r)) {
		c->x86 = x86_family(r.eax);
		c->x86_model = x86_model(r.eax);
		c->x86_stepping = r.eax & 0xf;
	}

	for (unsigned i = 0; i < sizeof(cpuid_bits) / sizeof(cpuid_bits[0]); i++) {
		const struct cpuid_bit *b = &cpuid_bits[i];
		if (!read_leaf(c, fn, ctx, b->leaf, b->subleaf, &r))
			continue;
		if ((reg_value(&r, (enum cpuid_reg)b->reg) >> b->bit) & 1)
			c->features |= 1ull << b->feature;
	}
	if (tsc_rate_is_constant(c))
		c->features |= 1ull << X86_FEATURE_CONSTANT_TSC;

	decode_brand(c, fn, ctx);
	decode_hypervisor(c, fn, ctx);

	/* Without leaf 0x80000008 the SDM says 36 bits with PAE, else 32. */
	if (read_leaf(c, fn, ctx, 0x80000008u, 0, &r) && (r.eax & 0xff) != 0) {
		c->x86_phys_bits = r.eax & 0xff;
		c->x86_virt_bits = (r.eax >> 8) & 0xff;
	} else {
		c->x86_phys_bits = cpu_has(c, X86_FEATURE_PAE) ? 36 : 32;
		c->x86_virt_bits = cpu_has(c, X86_FEATURE_LM) ? 48 : 32;
	}

	if (read_leaf(c, fn, ctx, 0x15, 0, &r)) {
		c->tsc_ratio_denominator = r.eax;
		c->tsc_ratio_numerator = r.ebx;
		c->tsc_crystal_hz = r.ecx;
	}
	if (read_leaf(c, fn, ctx, 0x16, 0, &r)) {
		c->base_mhz = r.eax & 0xffff;
		c->max_mhz = r.ebx & 0xffff;
		c->bus_mhz = r.ecx & 0xffff;
	}
}

#ifndef HOST_TEST
static void cpuid_instruction(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r, void *ctx)
{
	(void)ctx;
	cpuid_count(leaf, subleaf, &r->eax, &r->ebx, &r->ecx, &r->edx);
}

void cpu_detect(struct cpuinfo_x86 *c)
{
	cpu_decode(c, cpuid_instruction, 0);
}
#endif

void cpu_features_json(const struct cpuinfo_x86 *c, struct json *j)
{
	json_str(j, "cpu_vendor", c->x86_vendor_id);
	json_u64(j, "cpu_family", c->x86);
	json_u64(j, "cpu_model", c->x86_model);
	json_u64(j, "cpu_stepping", c->x86_stepping);
	json_str(j, "cpu_name", c->x86_model_id);
	json_hex(j, "cpuid_max_leaf", c->cpuid_level);
	json_hex(j, "cpuid_max_ext_leaf", c->extended_cpuid_level);
	json_u64(j, "maxphyaddr", c->x86_phys_bits);
	json_u64(j, "virt_bits", c->x86_virt_bits);
	if (cpu_has(c, X86_FEATURE_HYPERVISOR))
		json_str(j, "hypervisor", c->hypervisor_id);
	else
		json_null(j, "hypervisor");
	json_object_begin(j, "features");
	for (int f = 0; f < X86_FEATURE_COUNT; f++)
		json_bool(j, cpu_feature_name((enum x86_feature)f), cpu_has(c, (enum x86_feature)f));
	json_close(j);
}
