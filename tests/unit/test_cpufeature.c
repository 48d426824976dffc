/*
 * Host tests for cpu/cpufeature.c: cpu_decode() over recorded CPUID tables of
 * hand-made CPUs (an Intel-like one under KVM, an AMD-like one on bare metal,
 * an old one with few leaves), the family/model rules, brand trimming, every
 * feature bit at its SDM position, and the JSON the boot record gets.
 *
 * The fake CPUID behaves like Intel hardware for leaves above the reported
 * maximum: it answers with the highest basic leaf's data (here full of set
 * bits), and counts the query, so a decoder that reads such leaves fails.
 */
#include <stdint.h>
#include <stdlib.h>
#include "tests/unit/unit.h"
#include "../../base/json.c"
#include "../../cpu/cpufeature.c"

struct cpuid_record {
	uint32_t leaf, subleaf;
	struct cpuid_regs r;
};

#define MAX_RECORDS 32

struct fake_cpu {
	struct cpuid_record rec[MAX_RECORDS];
	int n;
	int out_of_range;       /* queries of leaves the CPU does not report */
	int hypervisor_queries; /* queries of 0x40000000 */
};

/* Packs 4 characters into a register the way CPUID does (first char in the low byte). */
static uint32_t pack4(const char *s)
{
	return (uint32_t)(uint8_t)s[0] | (uint32_t)(uint8_t)s[1] << 8 |
	       (uint32_t)(uint8_t)s[2] << 16 | (uint32_t)(uint8_t)s[3] << 24;
}

static void add(struct fake_cpu *f, uint32_t leaf, uint32_t sub, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	f->rec[f->n++] = (struct cpuid_record){ leaf, sub, { a, b, c, d } };
}

static const struct cpuid_record *lookup(const struct fake_cpu *f, uint32_t leaf, uint32_t sub)
{
	for (int i = 0; i < f->n; i++)
		if (f->rec[i].leaf == leaf && f->rec[i].subleaf == sub)
			return &f->rec[i];
	return 0;
}

/* The record for (leaf, 0), to edit a made CPU. */
static struct cpuid_regs *regs_of(struct fake_cpu *f, uint32_t leaf)
{
	for (int i = 0; i < f->n; i++)
		if (f->rec[i].leaf == leaf && f->rec[i].subleaf == 0)
			return &f->rec[i].r;
	printf("no record for leaf 0x%x\n", leaf);
	exit(1);
}

static void fake_cpuid(uint32_t leaf, uint32_t sub, struct cpuid_regs *r, void *ctx)
{
	struct fake_cpu *f = ctx;
	const struct cpuid_record *rec = lookup(f, leaf, sub);
	const struct cpuid_record *leaf0 = lookup(f, 0, 0), *leaf1 = lookup(f, 1, 0);
	const struct cpuid_record *ext0 = lookup(f, 0x80000000u, 0);
	uint32_t max_basic = leaf0 ? leaf0->r.eax : 0;
	uint32_t max_ext = ext0 ? ext0->r.eax : 0;
	bool in_range;

	if (leaf >= 0x80000000u)
		in_range = leaf == 0x80000000u || leaf <= max_ext;
	else if (leaf >= 0x40000000u)
		in_range = leaf1 && ((leaf1->r.ecx >> 31) & 1);
	else
		in_range = leaf <= max_basic;
	if (leaf == 0x40000000u)
		f->hypervisor_queries++;
	if (!in_range) {
		f->out_of_range++;
		*r = (struct cpuid_regs){ 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu };
		return;
	}
	*r = rec ? rec->r : (struct cpuid_regs){ 0, 0, 0, 0 };
}

/* Adds leaves 0x80000002..4 holding the 48-byte brand s (NUL padded). */
static void add_brand(struct fake_cpu *f, const char *s)
{
	char b[48] = { 0 };
	size_t n = strlen(s);
	memcpy(b, s, n < 48 ? n : 48);
	for (uint32_t i = 0; i < 3; i++)
		add(f, 0x80000002u + i, 0, pack4(b + 16 * i), pack4(b + 16 * i + 4),
		    pack4(b + 16 * i + 8), pack4(b + 16 * i + 12));
}

#define BIT(n) (1u << (n))

/* Family 6 model 0x9E stepping 10 (signature 0x000906ea), a VM under KVM. */
static void make_intel(struct fake_cpu *f)
{
	*f = (struct fake_cpu){ 0 };
	add(f, 0, 0, 0x16, pack4("Genu"), pack4("ntel"), pack4("ineI"));
	add(f, 1, 0, 0x000906ea, 0,
	    BIT(17) | BIT(21) | BIT(24) | BIT(26) | BIT(31),          /* pcid x2apic deadline xsave hv */
	    BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(9) | BIT(13) | BIT(16) | BIT(19));
	add(f, 7, 0, 0, BIT(0) | BIT(7) | BIT(9) | BIT(10) | BIT(20), /* fsgsbase smep erms invpcid smap */
	    BIT(2) | BIT(3), 0);                                       /* umip pku */
	add(f, 0x15, 0, 2, 200, 24000000, 0);
	add(f, 0x16, 0, 3200, 4600, 100, 0);
	add(f, 0x40000000u, 0, 0x40000001u, pack4("KVMK"), pack4("VMKV"), pack4("M\0\0\0"));
	add(f, 0x80000000u, 0, 0x80000008u, 0, 0, 0);
	add(f, 0x80000001u, 0, 0, 0, BIT(0), BIT(11) | BIT(20) | BIT(26) | BIT(27) | BIT(29));
	add_brand(f, "      Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz");
	add(f, 0x80000007u, 0, 0, 0, 0, BIT(8));
	add(f, 0x80000008u, 0, 0x3027, 0, 0, 0);                       /* 39 phys, 48 virt */
}

/* Family 0xF + 0x8 = 0x17, model 0x71, stepping 0 (signature 0x00870f10), bare metal. */
static void make_amd(struct fake_cpu *f)
{
	*f = (struct fake_cpu){ 0 };
	add(f, 0, 0, 0x10, pack4("Auth"), pack4("cAMD"), pack4("enti"));
	add(f, 1, 0, 0x00870f10, 0, BIT(17) | BIT(26) | BIT(27),
	    BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(9) | BIT(13) | BIT(16) | BIT(19));
	add(f, 7, 0, 0, BIT(0) | BIT(7) | BIT(9) | BIT(20), BIT(2), 0);
	add(f, 0x80000000u, 0, 0x8000001fu, 0, 0, 0);
	add(f, 0x80000001u, 0, 0, 0, 0, BIT(11) | BIT(20) | BIT(26) | BIT(27) | BIT(29));
	add_brand(f, "AMD Ryzen 7 3700X 8-Core Processor              ");
	add(f, 0x80000007u, 0, 0, 0, 0, BIT(8));
	add(f, 0x80000008u, 0, 0x3030, 0, 0, 0);
}

TEST(intel_identity)
{
	struct fake_cpu f;
	struct cpuinfo_x86 c;

	make_intel(&f);
	cpu_decode(&c, fake_cpuid, &f);
	CHECK_EQ_U64(f.out_of_range, 0);
	CHECK_STR(c.x86_vendor_id, "GenuineIntel");
	CHECK_EQ_U64(c.x86_vendor, X86_VENDOR_INTEL);
	CHECK_EQ_U64(c.x86, 6);
	CHECK_EQ_U64(c.x86_model, 0x9e);
	CHECK_EQ_U64(c.x86_stepping, 10);
	CHECK_EQ_U64(c.cpuid_level, 0x16);
	CHECK_EQ_U64(c.extended_cpuid_level, 0x80000008u);
	CHECK_STR(c.x86_model_id, "Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz");
	CHECK_EQ_U64(c.x86_phys_bits, 39);
	CHECK_EQ_U64(c.x86_virt_bits, 48);
	CHECK_STR(c.hypervisor_id, "KVMKVMKVM");
	CHECK_EQ_U64(c.hypervisor_max_leaf, 0x40000001u);
	CHECK_EQ_U64(f.hypervisor_queries, 1);
	CHECK_EQ_U64(c.tsc_ratio_denominator, 2);
	CHECK_EQ_U64(c.tsc_ratio_numerator, 200);
	CHECK_EQ_U64(c.tsc_crystal_hz, 24000000);
	CHECK_EQ_U64(c.base_mhz, 3200);
	CHECK_EQ_U64(c.max_mhz, 4600);
	CHECK_EQ_U64(c.bus_mhz, 100);
}

TEST(intel_features)
{
	struct fake_cpu f;
	struct cpuinfo_x86 c;

	make_intel(&f);
	cpu_decode(&c, fake_cpuid, &f);
	CHECK(cpu_has(&c, X86_FEATURE_NX));
	CHECK(cpu_has(&c, X86_FEATURE_SMEP));
	CHECK(cpu_has(&c, X86_FEATURE_SMAP));
	CHECK(cpu_has(&c, X86_FEATURE_PKU));
	CHECK(!cpu_has(&c, X86_FEATURE_OSPKE));
	CHECK(cpu_has(&c, X86_FEATURE_PCID));
	CHECK(cpu_has(&c, X86_FEATURE_INVPCID));
	CHECK(cpu_has(&c, X86_FEATURE_PGE));
	CHECK(cpu_has(&c, X86_FEATURE_PSE));
	CHECK(cpu_has(&c, X86_FEATURE_PDPE1GB));
	CHECK(!cpu_has(&c, X86_FEATURE_LA57));
	CHECK(cpu_has(&c, X86_FEATURE_INVARIANT_TSC));
	CHECK(cpu_has(&c, X86_FEATURE_CONSTANT_TSC));
	CHECK(cpu_has(&c, X86_FEATURE_TSC));
	CHECK(cpu_has(&c, X86_FEATURE_RDTSCP));
	CHECK(cpu_has(&c, X86_FEATURE_HYPERVISOR));
	CHECK(cpu_has(&c, X86_FEATURE_X2APIC));
	CHECK(cpu_has(&c, X86_FEATURE_FSGSBASE));
	CHECK(cpu_has(&c, X86_FEATURE_UMIP));
	CHECK(cpu_has(&c, X86_FEATURE_SYSCALL));
	CHECK(cpu_has(&c, X86_FEATURE_LM));
	CHECK(!cpu_has(&c, X86_FEATURE_OSXSAVE));
}

TEST(amd_identity_and_features)
{
	struct fake_cpu f;
	struct cpuinfo_x86 c;

	make_amd(&f);
	cpu_decode(&c, fake_cpuid, &f);
	CHECK_EQ_U64(f.out_of_range, 0);
	CHECK_EQ_U64(f.hypervisor_queries, 0);
	CHECK_STR(c.x86_vendor_id, "AuthenticAMD");
	CHECK_EQ_U64(c.x86_vendor, X86_VENDOR_AMD);
	CHECK_EQ_U64(c.x86, 0x17);
	CHECK_EQ_U64(c.x86_model, 0x71);
	CHECK_EQ_U64(c.x86_stepping, 0);
	CHECK_STR(c.x86_model_id, "AMD Ryzen 7 3700X 8-Core Processor");
	CHECK_EQ_U64(c.x86_phys_bits, 48);
	CHECK_EQ_U64(c.x86_virt_bits, 48);
	CHECK_STR(c.hypervisor_id, "");
	CHECK(!cpu_has(&c, X86_FEATURE_HYPERVISOR));
	CHECK(!cpu_has(&c, X86_FEATURE_PKU));
	CHECK(!cpu_has(&c, X86_FEATURE_INVPCID));
	CHECK(cpu_has(&c, X86_FEATURE_SMAP));
	CHECK(cpu_has(&c, X86_FEATURE_OSXSAVE));
	/* Leaves 0x15/0x16 are above the maximum (0x10): not read. */
	CHECK_EQ_U64(c.tsc_ratio_denominator, 0);
	CHECK_EQ_U64(c.tsc_crystal_hz, 0);
	CHECK_EQ_U64(c.base_mhz, 0);
	/* AMD: constant TSC only from the invariant-TSC bit. */
	CHECK(cpu_has(&c, X86_FEATURE_CONSTANT_TSC));
	regs_of(&f, 0x80000007u)->edx = 0;
	cpu_decode(&c, fake_cpuid, &f);
	CHECK(!cpu_has(&c, X86_FEATURE_INVARIANT_TSC));
	CHECK(!cpu_has(&c, X86_FEATURE_CONSTANT_TSC));
}

TEST(family_model_rules)
{
	static const struct { uint32_t sig, family, model; } cases[] = {
		{ 0x000906ea, 0x06, 0x9e },     /* family 6: extended model counts */
		{ 0x000306c3, 0x06, 0x3c },
		{ 0x00000f41, 0x0f, 0x04 },     /* Pentium 4: family 0xF + ext 0 */
		{ 0x00020f32, 0x0f, 0x23 },     /* family 0xF: extended model counts */
		{ 0x00100f22, 0x10, 0x02 },     /* AMD K10: 0xF + 0x01 */
		{ 0x00a20f12, 0x19, 0x21 },     /* AMD Zen 3: 0xF + 0x0A, model 0x21 */
		{ 0x0ff00f00, 0x10e, 0x00 },    /* maximum extended family */
		{ 0x00010552, 0x05, 0x05 },     /* family 5: extended model ignored */
		{ 0x00f10e50, 0x0e, 0x05 },     /* family 0xE: extended family/model ignored */
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ_U64(x86_family(cases[i].sig), cases[i].family);
		CHECK_EQ_U64(x86_model(cases[i].sig), cases[i].model);
	}
}

TEST(intel_constant_tsc_by_model)
{
	struct fake_cpu f;
	struct cpuinfo_x86 c;

	make_intel(&f);
	regs_of(&f, 0x80000007u)->edx = 0;      /* no invariant TSC */
	cpu_decode(&c, fake_cpuid, &f);
	CHECK(!cpu_has(&c, X86_FEATURE_INVARIANT_TSC));
	CHECK(cpu_has(&c, X86_FEATURE_CONSTANT_TSC));   /* family 6 model 0x9e >= 0xe */
	regs_of(&f, 1)->eax = 0x000006d8;    /* family 6 model 0xd (Dothan) */
	cpu_decode(&c, fake_cpuid, &f);
	CHECK_EQ_U64(c.x86_model, 0xd);
	CHECK(!cpu_has(&c, X86_FEATURE_CONSTANT_TSC));
	regs_of(&f, 1)->eax = 0x00000f30;    /* family 0xF model 3 */
	cpu_decode(&c, fake_cpuid, &f);
	CHECK(cpu_has(&c, X86_FEATURE_CONSTANT_TSC));
	regs_of(&f, 1)->eax = 0x00000f29;    /* family 0xF model 2 */
	cpu_decode(&c, fake_cpuid, &f);
	CHECK(!cpu_has(&c, X86_FEATURE_CONSTANT_TSC));
}

/* An old CPU: basic leaves up to 2 (no leaf 7), a garbage 0x80000000 answer. */
TEST(few_leaves_are_not_overread)
{
	struct fake_cpu f = { 0 };
	struct cpuinfo_x86 c;

	add(&f, 0, 0, 2, pack4("Genu"), pack4("ntel"), pack4("ineI"));
	add(&f, 1, 0, 0x00000f29, 0, 0, BIT(4) | BIT(6));      /* tsc pae */
	add(&f, 2, 0, 0x665b5001, 0, 0, 0x007b7040);
	add(&f, 0x80000000u, 0, 0x665b5001, 0, 0, 0);          /* not 0x8000xxxx */
	cpu_decode(&c, fake_cpuid, &f);
	CHECK_EQ_U64(f.out_of_range, 0);
	CHECK_EQ_U64(c.extended_cpuid_level, 0);
	CHECK_EQ_U64(c.features, (1ull << X86_FEATURE_TSC) | (1ull << X86_FEATURE_PAE));
	CHECK_STR(c.x86_model_id, "");
	CHECK_EQ_U64(c.x86_phys_bits, 36);      /* SDM default with PAE */
	CHECK_EQ_U64(c.x86_virt_bits, 32);      /* no long mode */
	CHECK_EQ_U64(c.tsc_ratio_denominator, 0);

	regs_of(&f, 1)->edx = BIT(4);                /* without PAE: 32 bits */
	cpu_decode(&c, fake_cpuid, &f);
	CHECK_EQ_U64(c.x86_phys_bits, 32);
}

/* Extended leaves up to 0x80000004 only: brand yes, 0x80000007/8 not read. */
TEST(extended_max_respected)
{
	struct fake_cpu f;
	struct cpuinfo_x86 c;

	make_intel(&f);
	regs_of(&f, 0x80000000u)->eax = 0x80000004u;
	cpu_decode(&c, fake_cpuid, &f);
	CHECK_EQ_U64(f.out_of_range, 0);
	CHECK_STR(c.x86_model_id, "Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz");
	CHECK(!cpu_has(&c, X86_FEATURE_INVARIANT_TSC));
	CHECK_EQ_U64(c.x86_phys_bits, 36);
	CHECK_EQ_U64(c.x86_virt_bits, 48);
	CHECK(cpu_has(&c, X86_FEATURE_NX));
}

TEST(brand_trimming)
{
	static const struct { const char *raw, *want; } cases[] = {
		{ "   leading", "leading" },
		{ "trailing    ", "trailing" },
		{ "  both sides  ", "both sides" },
		{ "inner  spaces kept", "inner  spaces kept" },
		{ "                                                ", "" },  /* 48 blanks */
		{ "", "" },
		{ "exactly-forty-eight-bytes-long-brand-string-0123", "exactly-forty-eight-bytes-long-brand-string-0123" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_cpu f;
		struct cpuinfo_x86 c;
		make_amd(&f);
		f.n = 0;
		add(&f, 0, 0, 0x10, pack4("Auth"), pack4("cAMD"), pack4("enti"));
		add(&f, 0x80000000u, 0, 0x80000004u, 0, 0, 0);
		add_brand(&f, cases[i].raw);
		cpu_decode(&c, fake_cpuid, &f);
		CHECK_STR(c.x86_model_id, cases[i].want);
	}

	/* A NUL ends the brand even with bytes after it. */
	struct fake_cpu f = { 0 };
	struct cpuinfo_x86 c;
	add(&f, 0, 0, 0x10, pack4("Auth"), pack4("cAMD"), pack4("enti"));
	add(&f, 0x80000000u, 0, 0x80000004u, 0, 0, 0);
	add(&f, 0x80000002u, 0, pack4(" ab "), pack4("\0zzz"), pack4("zzzz"), pack4("zzzz"));
	add(&f, 0x80000003u, 0, pack4("zzzz"), pack4("zzzz"), pack4("zzzz"), pack4("zzzz"));
	add(&f, 0x80000004u, 0, pack4("zzzz"), pack4("zzzz"), pack4("zzzz"), pack4("zzzz"));
	cpu_decode(&c, fake_cpuid, &f);
	CHECK_STR(c.x86_model_id, "ab");
}

/*
 * Every feature bit at the position the SDM / APM gives, written out here
 * independently of the decoder's table: a CPU with only that bit set must
 * have only that feature (plus constant_tsc, derived from invariant_tsc).
 */
TEST(each_feature_bit)
{
	enum { EAX, EBX, ECX, EDX };
	static const struct { int feature; uint32_t leaf; int reg, bit; } bits[] = {
		{ X86_FEATURE_PSE, 1, EDX, 3 },        { X86_FEATURE_TSC, 1, EDX, 4 },
		{ X86_FEATURE_MSR, 1, EDX, 5 },        { X86_FEATURE_PAE, 1, EDX, 6 },
		{ X86_FEATURE_APIC, 1, EDX, 9 },       { X86_FEATURE_PGE, 1, EDX, 13 },
		{ X86_FEATURE_PAT, 1, EDX, 16 },       { X86_FEATURE_CLFLUSH, 1, EDX, 19 },
		{ X86_FEATURE_PCID, 1, ECX, 17 },      { X86_FEATURE_X2APIC, 1, ECX, 21 },
		{ X86_FEATURE_TSC_DEADLINE, 1, ECX, 24 }, { X86_FEATURE_XSAVE, 1, ECX, 26 },
		{ X86_FEATURE_OSXSAVE, 1, ECX, 27 },   { X86_FEATURE_HYPERVISOR, 1, ECX, 31 },
		{ X86_FEATURE_FSGSBASE, 7, EBX, 0 },   { X86_FEATURE_SMEP, 7, EBX, 7 },
		{ X86_FEATURE_ERMS, 7, EBX, 9 },       { X86_FEATURE_INVPCID, 7, EBX, 10 },
		{ X86_FEATURE_SMAP, 7, EBX, 20 },      { X86_FEATURE_UMIP, 7, ECX, 2 },
		{ X86_FEATURE_PKU, 7, ECX, 3 },        { X86_FEATURE_OSPKE, 7, ECX, 4 },
		{ X86_FEATURE_LA57, 7, ECX, 16 },
		{ X86_FEATURE_SYSCALL, 0x80000001u, EDX, 11 }, { X86_FEATURE_NX, 0x80000001u, EDX, 20 },
		{ X86_FEATURE_PDPE1GB, 0x80000001u, EDX, 26 }, { X86_FEATURE_RDTSCP, 0x80000001u, EDX, 27 },
		{ X86_FEATURE_LM, 0x80000001u, EDX, 29 },
		{ X86_FEATURE_INVARIANT_TSC, 0x80000007u, EDX, 8 },
	};
	/* Every enumerated feature but the derived one is in the list. */
	CHECK_EQ_U64(sizeof(bits) / sizeof(bits[0]), X86_FEATURE_COUNT - 1);

	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		struct fake_cpu f = { 0 };
		struct cpuinfo_x86 c;
		uint32_t regs[4] = { 0, 0, 0, 0 };
		uint64_t want = 1ull << bits[i].feature;

		regs[bits[i].reg] = 1u << bits[i].bit;
		add(&f, 0, 0, 7, pack4("Auth"), pack4("cAMD"), pack4("enti"));
		add(&f, 0x80000000u, 0, 0x80000008u, 0, 0, 0);
		if (bits[i].leaf != 1)
			add(&f, 1, 0, 0x00870f10, 0, 0, 0);
		add(&f, bits[i].leaf, 0, regs[0], regs[1], regs[2], regs[3]);
		cpu_decode(&c, fake_cpuid, &f);
		if (bits[i].feature == X86_FEATURE_INVARIANT_TSC)
			want |= 1ull << X86_FEATURE_CONSTANT_TSC;
		if (c.features != want)
			printf("  feature %s\n", cpu_feature_name((enum x86_feature)bits[i].feature));
		CHECK_EQ_U64(c.features, want);
	}
}

TEST(hypervisor_signatures)
{
	static const struct { const char sig[13]; const char *want; } cases[] = {
		{ "TCGTCGTCGTCG", "TCGTCGTCGTCG" },
		{ "KVMKVMKVM\0\0\0", "KVMKVMKVM" },
		{ "Microsoft Hv", "Microsoft Hv" },
		{ "VMwareVMware", "VMwareVMware" },
		{ "bad\x01\x80name\0\0\0", "bad??name" },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_cpu f;
		struct cpuinfo_x86 c;
		make_intel(&f);
		regs_of(&f, 0x40000000u)->ebx = pack4(cases[i].sig);
		regs_of(&f, 0x40000000u)->ecx = pack4(cases[i].sig + 4);
		regs_of(&f, 0x40000000u)->edx = pack4(cases[i].sig + 8);
		cpu_decode(&c, fake_cpuid, &f);
		CHECK_STR(c.hypervisor_id, cases[i].want);
	}
}

TEST(vendors)
{
	static const struct { const char id[13]; enum x86_vendor v; } cases[] = {
		{ "GenuineIntel", X86_VENDOR_INTEL }, { "AuthenticAMD", X86_VENDOR_AMD },
		{ "HygonGenuine", X86_VENDOR_HYGON }, { "CentaurHauls", X86_VENDOR_CENTAUR },
		{ "  Shanghai  ", X86_VENDOR_ZHAOXIN }, { "GenuineIntex", X86_VENDOR_UNKNOWN },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_cpu f = { 0 };
		struct cpuinfo_x86 c;
		add(&f, 0, 0, 1, pack4(cases[i].id), pack4(cases[i].id + 8), pack4(cases[i].id + 4));
		add(&f, 0x80000000u, 0, 0, 0, 0, 0);
		cpu_decode(&c, fake_cpuid, &f);
		CHECK_STR(c.x86_vendor_id, cases[i].id);
		CHECK_EQ_U64(c.x86_vendor, cases[i].v);
	}
}

TEST(json_fields)
{
	struct fake_cpu f;
	struct cpuinfo_x86 c;
	struct json j;
	char buf[2048];

	make_amd(&f);
	cpu_decode(&c, fake_cpuid, &f);
	json_begin(&j, buf, sizeof(buf));
	cpu_features_json(&c, &j);
	json_end(&j);
	CHECK(!j.overflow);
	CHECK(strstr(buf, "{\"cpu_vendor\":\"AuthenticAMD\",\"cpu_family\":23,\"cpu_model\":113,"
			  "\"cpu_stepping\":0,\"cpu_name\":\"AMD Ryzen 7 3700X 8-Core Processor\","
			  "\"cpuid_max_leaf\":\"0x10\",\"cpuid_max_ext_leaf\":\"0x8000001f\","
			  "\"maxphyaddr\":48,\"virt_bits\":48,\"hypervisor\":null,"
			  "\"features\":{\"pse\":true,\"tsc\":true,") == buf);
	CHECK(strstr(buf, "\"nx\":true") != NULL);
	CHECK(strstr(buf, "\"la57\":false") != NULL);
	CHECK(strstr(buf, "\"pku\":false") != NULL);
	CHECK(strstr(buf, "\"smap\":true") != NULL);
	CHECK(strstr(buf, "\"invariant_tsc\":true,\"constant_tsc\":true}}") != NULL);

	make_intel(&f);
	regs_of(&f, 0x40000000u)->ebx = pack4("TCGT");
	regs_of(&f, 0x40000000u)->ecx = pack4("CGTC");
	regs_of(&f, 0x40000000u)->edx = pack4("GTCG");
	cpu_decode(&c, fake_cpuid, &f);
	json_begin(&j, buf, sizeof(buf));
	cpu_features_json(&c, &j);
	json_end(&j);
	CHECK(strstr(buf, "\"hypervisor\":\"TCGTCGTCGTCG\"") != NULL);
	CHECK(strstr(buf, "\"hypervisor\":true") != NULL);
	CHECK(strstr(buf, "\"maxphyaddr\":39,\"virt_bits\":48") != NULL);
}

TEST(feature_name_lookup)
{
	for (int i = 0; i < X86_FEATURE_COUNT; i++)
		CHECK(strcmp(cpu_feature_name((enum x86_feature)i), "?") != 0);
	CHECK_STR(cpu_feature_name(X86_FEATURE_PDPE1GB), "pdpe1gb");
	CHECK_STR(cpu_feature_name(X86_FEATURE_COUNT), "?");
	CHECK_STR(cpu_feature_name((enum x86_feature)-1), "?");
}

UNIT_MAIN(
	UNIT(intel_identity),
	UNIT(intel_features),
	UNIT(amd_identity_and_features),
	UNIT(family_model_rules),
	UNIT(intel_constant_tsc_by_model),
	UNIT(few_leaves_are_not_overread),
	UNIT(extended_max_respected),
	UNIT(brand_trimming),
	UNIT(each_feature_bit),
	UNIT(hypervisor_signatures),
	UNIT(vendors),
	UNIT(json_fields),
	UNIT(feature_name_lookup)
)
