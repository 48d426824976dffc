/*
 * What the CPU is and what it can do, read from CPUID once at boot.
 *
 * The decoding (raw CPUID register values -> struct cpuinfo_x86) is pure and
 * takes its CPUID values from a callback, so the host tests feed it recorded
 * tables of hand-made CPUs; cpu_detect() feeds it the CPUID instruction.
 * Feature bits are one bitmap tested with cpu_has()/boot_cpu_has(), as in
 * Linux; names follow /proc/cpuinfo where Linux has one.
 */
#ifndef FAULTLINE_CPUFEATURE_H
#define FAULTLINE_CPUFEATURE_H

#include <stdbool.h>
#include <stdint.h>
#include "base/json.h"

enum x86_vendor {
	X86_VENDOR_UNKNOWN = 0,
	X86_VENDOR_INTEL,
	X86_VENDOR_AMD,
	X86_VENDOR_HYGON,
	X86_VENDOR_CENTAUR,
	X86_VENDOR_ZHAOXIN,
};

/* One bit each in cpuinfo_x86.features; cpu_feature_name() gives the name. */
enum x86_feature {
	X86_FEATURE_PSE,            /* 1:EDX[3]   4 MiB pages in 32-bit paging, PS bit */
	X86_FEATURE_TSC,            /* 1:EDX[4] */
	X86_FEATURE_MSR,            /* 1:EDX[5] */
	X86_FEATURE_PAE,            /* 1:EDX[6] */
	X86_FEATURE_APIC,           /* 1:EDX[9] */
	X86_FEATURE_PGE,            /* 1:EDX[13]  global pages */
	X86_FEATURE_PAT,            /* 1:EDX[16] */
	X86_FEATURE_CLFLUSH,        /* 1:EDX[19] */
	X86_FEATURE_PCID,           /* 1:ECX[17] */
	X86_FEATURE_X2APIC,         /* 1:ECX[21] */
	X86_FEATURE_TSC_DEADLINE,   /* 1:ECX[24] */
	X86_FEATURE_XSAVE,          /* 1:ECX[26] */
	X86_FEATURE_OSXSAVE,        /* 1:ECX[27] */
	X86_FEATURE_HYPERVISOR,     /* 1:ECX[31]  running under a hypervisor */
	X86_FEATURE_FSGSBASE,       /* 7.0:EBX[0] */
	X86_FEATURE_SMEP,           /* 7.0:EBX[7] */
	X86_FEATURE_ERMS,           /* 7.0:EBX[9] */
	X86_FEATURE_INVPCID,        /* 7.0:EBX[10] */
	X86_FEATURE_SMAP,           /* 7.0:EBX[20] */
	X86_FEATURE_UMIP,           /* 7.0:ECX[2] */
	X86_FEATURE_PKU,            /* 7.0:ECX[3]  protection keys for user pages */
	X86_FEATURE_OSPKE,          /* 7.0:ECX[4]  CR4.PKE is set */
	X86_FEATURE_LA57,           /* 7.0:ECX[16] 5-level paging */
	X86_FEATURE_SYSCALL,        /* 0x80000001:EDX[11] */
	X86_FEATURE_NX,             /* 0x80000001:EDX[20] */
	X86_FEATURE_PDPE1GB,        /* 0x80000001:EDX[26] 1 GiB pages */
	X86_FEATURE_RDTSCP,         /* 0x80000001:EDX[27] */
	X86_FEATURE_LM,             /* 0x80000001:EDX[29] long mode */
	X86_FEATURE_INVARIANT_TSC,  /* 0x80000007:EDX[8] TSC rate constant in all P/C-states */
	X86_FEATURE_CONSTANT_TSC,   /* derived: TSC rate does not follow P-states */
	X86_FEATURE_COUNT
};

struct cpuinfo_x86 {
	enum x86_vendor x86_vendor;
	char x86_vendor_id[13];     /* "GenuineIntel", "AuthenticAMD", ... */
	char x86_model_id[49];      /* brand string, trimmed; "" if none */
	uint32_t x86;               /* family, extended family folded in */
	uint32_t x86_model;         /* model, extended model folded in */
	uint32_t x86_stepping;
	uint32_t cpuid_level;       /* highest basic leaf */
	uint32_t extended_cpuid_level; /* highest 0x8000xxxx leaf, 0 if none */
	uint8_t x86_phys_bits;      /* MAXPHYADDR */
	uint8_t x86_virt_bits;      /* linear address bits */
	uint64_t features;          /* bit n = enum x86_feature n */

	/* Leaf 0x40000000 when X86_FEATURE_HYPERVISOR: "TCGTCGTCGTCG", "KVMKVMKVM", ... */
	char hypervisor_id[13];
	uint32_t hypervisor_max_leaf;

	/* Raw TSC/crystal leaves for lib/tsc.c; 0 where the leaf is absent. */
	uint32_t tsc_ratio_denominator; /* 0x15 EAX */
	uint32_t tsc_ratio_numerator;   /* 0x15 EBX */
	uint32_t tsc_crystal_hz;        /* 0x15 ECX */
	uint32_t base_mhz;              /* 0x16 EAX */
	uint32_t max_mhz;               /* 0x16 EBX */
	uint32_t bus_mhz;               /* 0x16 ECX */
};

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

/* Returns the four registers CPUID(leaf, subleaf) would return. */
typedef void (*cpuid_fn)(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *r, void *ctx);

/* The boot CPU, filled by cpu_detect(&boot_cpu_data) early in kernel_main. */
extern struct cpuinfo_x86 boot_cpu_data;

static inline bool cpu_has(const struct cpuinfo_x86 *c, enum x86_feature f)
{
	return (c->features >> f) & 1;
}
#define boot_cpu_has(f) cpu_has(&boot_cpu_data, (f))

/*
 * Fills *c from the CPUID values fn returns. Never queries a leaf above the
 * maximum the CPU reports for that range. Cannot fail: what is absent stays
 * 0 / "" / false.
 */
void cpu_decode(struct cpuinfo_x86 *c, cpuid_fn fn, void *ctx);

/* Fills *c from the CPUID instruction of the running CPU (kernel only). */
void cpu_detect(struct cpuinfo_x86 *c);

/* Returns the /proc/cpuinfo-style name of a feature ("nx", "la57", ...), or "?" */
const char *cpu_feature_name(enum x86_feature f);

/*
 * Adds the boot record's CPU fields to the open object j: cpu_vendor,
 * cpu_family, cpu_model, cpu_stepping, cpu_name, cpuid_max_leaf,
 * cpuid_max_ext_leaf, maxphyaddr, virt_bits, hypervisor (signature string, or
 * null on bare metal) and "features":{name: bool, ...} for every feature.
 */
void cpu_features_json(const struct cpuinfo_x86 *c, struct json *j);

#endif
