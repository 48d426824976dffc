/* A CPU's package, core and thread from CPUID (cpu/topology.h). */
#include "cpu/topology.h"
#include "cpu/x86.h"

#define LEVEL_TYPE_INVALID 0
#define LEVEL_TYPE_SMT     1

/* The smallest n with 2^n >= v. */
static uint8_t order_base_2(uint32_t v)
{
	uint8_t n = 0;
	while (n < 32 && (1ull << n) < v)
		n++;
	return n;
}

/* Reads the extended topology leaf (0x1F or 0xB) into t. Returns 0 if the
 * leaf has no valid level 0 (then t is untouched). */
static int decode_extended(struct cpu_topology *t, uint32_t leaf, cpuid_fn fn, void *ctx)
{
	struct cpuid_regs r;
	fn(leaf, 0, &r, ctx);
	if (((r.ecx >> 8) & 0xff) == LEVEL_TYPE_INVALID || r.ebx == 0)
		return 0;
	uint8_t smt = 0, pkg = 0;
	for (uint32_t sub = 0; sub < 8; sub++) {
		fn(leaf, sub, &r, ctx);
		uint32_t type = (r.ecx >> 8) & 0xff;
		if (type == LEVEL_TYPE_INVALID)
			break;
		if (type == LEVEL_TYPE_SMT)
			smt = r.eax & 0x1f;
		pkg = r.eax & 0x1f;
		t->apic_id = r.edx;
	}
	t->smt_shift = smt;
	t->pkg_shift = pkg < smt ? smt : pkg;
	t->source = (uint8_t)leaf;
	return 1;
}

/* See cpu/topology.h. */
void cpu_topology_decode(struct cpu_topology *t, cpuid_fn fn, void *ctx)
{
	struct cpuid_regs r;
	*t = (struct cpu_topology){ 0 };
	fn(0, 0, &r, ctx);
	uint32_t max_leaf = r.eax;
	bool intel = r.ebx == 0x756e6547;   /* "Genu" */
	if (!((max_leaf >= 0x1f && decode_extended(t, 0x1f, fn, ctx)) ||
	      (max_leaf >= 0xb && decode_extended(t, 0xb, fn, ctx)))) {
		fn(1, 0, &r, ctx);
		t->apic_id = r.ebx >> 24;
		uint32_t logical = (r.edx & (1u << 28)) ? (r.ebx >> 16) & 0xff : 1;   /* HTT: the count is valid */
		t->pkg_shift = order_base_2(logical ? logical : 1);
		t->smt_shift = 0;
		if (intel && max_leaf >= 4) {
			fn(4, 0, &r, ctx);
			uint32_t cores = ((r.eax >> 26) & 0x3f) + 1;
			uint8_t core_bits = order_base_2(cores);
			if (core_bits <= t->pkg_shift)
				t->smt_shift = (uint8_t)(t->pkg_shift - core_bits);
		}
		t->source = 1;
	}
	t->package = t->pkg_shift >= 32 ? 0 : t->apic_id >> t->pkg_shift;
	uint32_t in_pkg = t->pkg_shift >= 32 ? t->apic_id : t->apic_id & ((1u << t->pkg_shift) - 1);
	t->core = in_pkg >> t->smt_shift;
	t->thread = t->apic_id & ((1u << t->smt_shift) - 1);
}

#ifndef HOST_TEST
static void cpuid_insn(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r, void *ctx)
{
	(void)ctx;
	cpuid_count(leaf, subleaf, &r->eax, &r->ebx, &r->ecx, &r->edx);
}

/* See cpu/topology.h. */
void cpu_topology_detect(struct cpu_topology *t)
{
	cpu_topology_decode(t, cpuid_insn, 0);
}
#endif
