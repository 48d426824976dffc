/*
 * The reference model of one paging access: given the entries of a 4- or
 * 5-level walk, the control bits and the access, what the architecture says
 * must happen -- a #PF with which error code, or success -- and what the
 * accessed and dirty flags of every entry are afterwards.
 *
 * Written from the Intel SDM vol. 3A 4.6 (access rights), 4.7 (page-fault
 * exceptions), 4.8 (accessed and dirty flags), the #PF footnote of 6.15, and
 * the AMD APM vol. 2 5.6. Pure C: no hardware, no allocation; the page-table
 * conformance checks run it next to the real CPU, the host tests run it
 * alone. Shadow stacks, PKS, CET, SGX, HLAT and implicit supervisor accesses
 * are out of scope.
 *
 * The enumerator walks a configurable space of cases (struct access_space)
 * and hands each case with its outcome to a callback.
 */
#ifndef FAULTLINE_ACCESS_MODEL_H
#define FAULTLINE_ACCESS_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "paging/pgtable_types.h"   /* enum pg_level, _PAGE_*, X86_PF_* */

/* What the access does. */
enum access_kind {
	ACCESS_READ,
	ACCESS_WRITE,
	ACCESS_FETCH,                   /* instruction fetch */
	ACCESS_KIND_NR
};

/*
 * The one reserved bit a case may set on purpose, at c->rsvd_level. (An XD
 * bit while EFER.NXE = 0 is reserved too; that one comes from the entry's nx
 * flag, at any level, and needs no kind of its own.)
 */
enum access_rsvd {
	ACCESS_RSVD_NONE,
	ACCESS_RSVD_MAXPHYADDR,         /* bit MAXPHYADDR: lowest bit above the address field (M < 52) */
	ACCESS_RSVD_BIT51,              /* bit 51, the top of 51:M (M < 52) */
	ACCESS_RSVD_PS_TOP,             /* bit 7 (PS) of a PML4E or PML5E */
	ACCESS_RSVD_LARGE_LOW,          /* bit 13 of a 2 MiB / 1 GiB leaf: address bits below the page size */
	ACCESS_RSVD_NR
};

/* The flags of one paging-structure entry of the walk. */
struct access_entry {
	bool present;                   /* P */
	bool writable;                  /* R/W */
	bool user;                      /* U/S */
	bool nx;                        /* XD (bit 63) */
	bool accessed;                  /* A, before the access */
	bool dirty;                     /* D, before the access; the leaf only */
};

/*
 * One access. entry[] is indexed by enum pg_level: entry[paging_levels] is
 * the PML5E/PML4E the walk starts at, entry[leaf_level] maps the page; the
 * entries below the leaf and entry[0] are not looked at. PS is implied: 1 in
 * the leaf when it is a PDE or PDPTE, 0 elsewhere (PS in a PML4E/PML5E is
 * ACCESS_RSVD_PS_TOP).
 */
struct access_case {
	uint8_t paging_levels;          /* 4 or 5 */
	uint8_t leaf_level;             /* PG_LEVEL_4K, PG_LEVEL_2M or PG_LEVEL_1G */
	uint8_t maxphyaddr;             /* M, 36..52 (CPUID 0x80000008 EAX[7:0]) */
	struct access_entry entry[PG_LEVEL_256T + 1];
	uint8_t rsvd;                   /* enum access_rsvd */
	uint8_t rsvd_level;             /* the entry holding it, when rsvd != NONE */
	uint8_t pkey;                   /* protection key of the leaf, 0..15 */
	uint32_t pkru;                  /* AD of key i is bit 2i, WD bit 2i+1 */
	uint8_t access;                 /* enum access_kind */
	bool user;                      /* CPL 3 (else CPL 0) */
	bool cr0_wp;
	bool efer_nxe;
	bool cr4_smep;
	bool cr4_smap;
	bool rflags_ac;
	bool cr4_pke;
};

/*
 * What an A or D flag looks like after the access. AD_UNDEFINED: the
 * architecture lets the processor set it or leave it; a checker must accept
 * either.
 */
enum ad_state {
	AD_CLEAR,
	AD_SET,
	AD_UNDEFINED
};

/* Why the access faulted: the first rule broken, for reports. */
enum access_fault_reason {
	ACCESS_OK,
	ACCESS_NOT_PRESENT,             /* P = 0 in an entry of the walk */
	ACCESS_RESERVED,                /* a reserved bit in an entry of the walk */
	ACCESS_USER_SUPERVISOR,         /* user access to a supervisor-mode address */
	ACCESS_READ_ONLY,               /* write where some R/W = 0 (user, or supervisor with CR0.WP) */
	ACCESS_NO_EXECUTE,              /* fetch where some XD = 1, EFER.NXE = 1 */
	ACCESS_SMEP,                    /* supervisor fetch from a user-mode address */
	ACCESS_SMAP,                    /* supervisor data access to a user-mode address, AC = 0 */
	ACCESS_PKEY,                    /* PKRU denies the data access */
	ACCESS_REASON_NR
};

struct access_outcome {
	bool fault;
	uint32_t error_code;            /* X86_PF_* bits; 0 when !fault */
	uint8_t reason;                 /* enum access_fault_reason */
	uint8_t fault_level;            /* entry that ended the walk (P = 0 or reserved bit); 0 otherwise */
	uint8_t accessed[PG_LEVEL_256T + 1];   /* enum ad_state, same index as entry[] */
	uint8_t dirty;                  /* enum ad_state of the leaf's D */
};

/* True if c describes a walk the model covers (levels, leaf, reserved kind at an entry where that bit is reserved, MAXPHYADDR, access kind). */
bool access_case_valid(const struct access_case *c);

/*
 * Works out the architectural outcome of c into *o. Returns 0, or -1 (and
 * leaves *o zeroed) when !access_case_valid(c).
 */
int access_model(const struct access_case *c, struct access_outcome *o);

/*
 * The bits of the entry at `level` for case c, without the address: P, R/W,
 * U/S, A, D (leaf), PS (large leaf), the protection key (leaf), XD and the
 * chosen reserved bit. The checker ORs in the next table's or the page's
 * address. Returns 0 for a level outside the walk or an invalid case.
 */
uint64_t access_case_entry_flags(const struct access_case *c, int level);

/* Short name of a reason ("not-present", "smap", ...); "?" if out of range. */
const char *access_fault_reason_name(unsigned reason);

/* ---- Enumeration ------------------------------------------------------ */

/* Entry flags a space varies (struct access_space.entry_flags). */
#define ACCESS_EF_P   (1u << 0)
#define ACCESS_EF_RW  (1u << 1)
#define ACCESS_EF_US  (1u << 2)
#define ACCESS_EF_NX  (1u << 3)
#define ACCESS_EF_A   (1u << 4)
#define ACCESS_EF_D   (1u << 5)             /* the leaf only */
#define ACCESS_EF_ALL 0x3fu

/* Control bits (struct access_space.varied_controls / fixed_controls). */
#define ACCESS_CTL_WP    (1u << 0)          /* CR0.WP */
#define ACCESS_CTL_NXE   (1u << 1)          /* EFER.NXE */
#define ACCESS_CTL_SMEP  (1u << 2)          /* CR4.SMEP */
#define ACCESS_CTL_SMAP  (1u << 3)          /* CR4.SMAP */
#define ACCESS_CTL_AC    (1u << 4)          /* RFLAGS.AC */
#define ACCESS_CTL_PKE   (1u << 5)          /* CR4.PKE */
#define ACCESS_CTL_ALL   0x3fu

/*
 * A set of cases: every combination of the values allowed below. Each
 * bitmask field lists allowed values by bit number.
 *
 * The lowest `varied_entries` entries of the walk (the leaf and its parents)
 * take every combination of the flags in entry_flags; flags not varied, and
 * the entries above, are "open": P = R/W = U/S = 1, XD = 0, A = D = 0. Then
 * each case carries at most one perturbation: nothing, one reserved bit of a
 * kind in reserved_kinds at an entry where it is reserved, or (with
 * upper_restrictions) one of P = 0, R/W = 0, U/S = 0, XD = 1 in one entry
 * above the varied ones.
 *
 * With CR4.PKE = 1 the leaf's key takes each value in pkeys and that key's
 * PKRU pair (AD | WD << 1) each value in pkru_rights; the other keys' bits
 * come from pkru_other_keys. With CR4.PKE = 0 one combination is made: the
 * lowest key in pkeys with AD = WD = 1, which the CPU must ignore. pkeys
 * must name at least one key (an empty set yields no cases).
 */
struct access_space {
	uint8_t paging_levels;          /* 1 << 4 | 1 << 5 */
	uint8_t leaf_levels;            /* 1 << PG_LEVEL_4K | 1 << PG_LEVEL_2M | 1 << PG_LEVEL_1G */
	uint8_t varied_entries;         /* 1..5 (clamped to the walk's length) */
	uint8_t entry_flags;            /* ACCESS_EF_* */
	bool upper_restrictions;
	uint8_t reserved_kinds;         /* 1 << ACCESS_RSVD_* (NONE is always in) */
	uint8_t accesses;               /* 1 << ACCESS_READ | ... */
	uint8_t modes;                  /* 1 << 0: CPL 0, 1 << 1: CPL 3 */
	uint8_t varied_controls;        /* ACCESS_CTL_* that take both values */
	uint8_t fixed_controls;         /* values of the others */
	uint16_t pkeys;                 /* bit i: key i */
	uint8_t pkru_rights;            /* bit r: (AD, WD) = (r & 1, r >> 1) */
	uint32_t pkru_other_keys;
	uint8_t maxphyaddr;
};

/*
 * The default space: 4 and 5 levels, all three leaf sizes; leaf and parent
 * varied in P, R/W, U/S, XD (A = D = 0, so every A and D the CPU sets
 * shows); every reserved-bit kind at every entry where it is reserved, and
 * every restriction above; all accesses and modes; WP, NXE, SMEP, SMAP and
 * PKE varied (AC = 0), key 1 with all four PKRU pairs. 11,919,360 cases.
 */
void access_space_default(struct access_space *s);

/*
 * The full space: the default one with A in leaf and parent and D in the
 * leaf varied, RFLAGS.AC varied, and keys 0, 1 and 15. 495,845,376 cases
 * (38,141,952 of them with CR4.PKE = 0).
 */
void access_space_full(struct access_space *s);

/*
 * Calls fn(ctx, case, outcome) for every case of *space (fn may be NULL to
 * just count). Returns the number of cases. Cases are built only from
 * allowed values, so every one is access_case_valid().
 */
uint64_t access_model_enumerate(const struct access_space *space,
				void (*fn)(void *ctx, const struct access_case *c,
					   const struct access_outcome *o),
				void *ctx);

/*
 * The same, but fn is called only for the cases whose index (their place in
 * access_model_enumerate's order, from 0) is first, first + step, first +
 * 2 step, ... (step 0 counts as 1); the model is computed only for those,
 * and runs of cases none of which is asked for are counted without being
 * built, so a sparse selection costs little more than the count. Returns
 * the number of cases of the whole space, as access_model_enumerate.
 */
uint64_t access_model_enumerate_every(const struct access_space *space, uint64_t first, uint64_t step,
				      void (*fn)(void *ctx, const struct access_case *c,
						 const struct access_outcome *o),
				      void *ctx);

#endif
