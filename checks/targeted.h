/*
 * Inside the targeted checks (checks/checks.h): the scratch address space
 * they run in and the helpers they share. Not for use outside checks/.
 *
 * The scratch space is a root table of our own whose kernel half is a copy
 * of init_top_pgt's (as exec gives every program) and whose user half holds
 * only what the checks map; CR3 points to it while the checks run. Fixed
 * pages, set up once:
 *
 *   USER_CODE_VA   ring-3 code: the snippets below, each ending in int3
 *   USER_STACK_VA  ring-3 stack
 *   USER_DATA_VA   a user data page holding USER_DATA_PATTERN
 *   USER_NX_VA     a user page full of int3, mapped NX
 *
 * Each check maps the rest itself (supervisor pages at KERN_VA(n), large
 * pages, the reserved-bit region) from frames scratch_alloc() hands out;
 * scratch_teardown() unmaps everything, frees every table and frame and
 * reloads the kernel's CR3.
 */
#ifndef FAULTLINE_CHECKS_TARGETED_H
#define FAULTLINE_CHECKS_TARGETED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "checks/probe.h"
#include "paging/page.h"
#include "paging/pgtable.h"

/* ---- The scratch layout (all in the user half, PML4 slots 32 and 64) ---- */

#define SCRATCH_BASE       0x0000100000000000ull   /* PML4 slot 32 */
#define USER_CODE_VA       (SCRATCH_BASE + 0x0000)
#define USER_STACK_VA      (SCRATCH_BASE + 0x2000)
#define USER_DATA_VA       (SCRATCH_BASE + 0x4000)
#define USER_NX_VA         (SCRATCH_BASE + 0x6000)
#define USER_PKEY_VA       (SCRATCH_BASE + 0x8000)   /* the pku check's own user page */
#define KERN_VA(n)         (SCRATCH_BASE + 0x100000 + (uint64_t)(n) * 0x2000)   /* supervisor pages */
#define LARGE_2M_VA        (SCRATCH_BASE + 0x40000000ull)    /* own PUD entry */
#define LARGE_1G_VA        (SCRATCH_BASE + 0x80000000ull)    /* 1 GiB aligned */
#define RSVD_BASE          0x0000200000000000ull   /* PML4 slot 64: its own PML4E */
#define LA57_HIGH_VA       0x00abcdef12345000ull   /* above 2^47: only 5-level reaches it */

/* Offsets of the ring-3 snippets in the code page (rbx = address, rax = value). */
#define SNIP_LOAD      0x00   /* mov (%rbx), %rax; int3 */
#define SNIP_STORE     0x10   /* mov %rax, (%rbx); int3 */
#define SNIP_JMP       0x20   /* jmp *%rbx (the target should hold int3) */
#define SNIP_RET       0x30   /* ret: for ring-0 calls into a user page (SMEP) */
#define SNIP_INT3      0x40   /* int3 alone: an executable jump target */

#define USER_DATA_PATTERN  0x5ca1ab1e0ddba11ull

/* Raw protections, 4 KiB format; none global (the checks decide that). */
#define PROT_KDATA  (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX)
#define PROT_KRO    (_PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX)
#define PROT_KEXEC  (_PAGE_PRESENT | _PAGE_ACCESSED)
#define PROT_UCODE  (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)
#define PROT_UDATA  (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX)

#define SCRATCH_MAX_BLOCKS 32

struct scratch {
	pgd_t *pgd;                    /* root (direct-map address) */
	uint64_t pgd_phys;
	uint64_t saved_cr3;            /* the kernel's CR3, reloaded by teardown */
	struct page *user_data;        /* frame behind USER_DATA_VA */
	uint32_t nblocks;
	struct page *blocks[SCRATCH_MAX_BLOCKS];   /* every frame block handed out */
	uint8_t orders[SCRATCH_MAX_BLOCKS];
};

/* ---- The space (checks/targeted.c) -------------------------------------- */

/* A zeroed block of 2^order frames owned by s (freed by teardown); NULL if none. */
struct page *scratch_alloc(struct scratch *s, uint32_t order);

/* map_range() into the scratch root with raw protection prot; its return value. */
int scratch_map(struct scratch *s, uint64_t va, uint64_t pa, uint64_t size, uint64_t prot, int leaf_level);

/* Unmaps [va, va+size) (tables emptied by it are freed) and flushes every TLB entry. */
void scratch_unmap(struct scratch *s, uint64_t va, uint64_t size);

/* The 4 KiB leaf for va, NULL if there is none. */
uint64_t *scratch_pte(struct scratch *s, uint64_t va);

/*
 * Fills entries[] with the entries that translate va, top level first (5 or
 * 4 of them for a 4 KiB page); stops after a leaf or a non-present entry.
 * Returns how many.
 */
int scratch_walk(struct scratch *s, uint64_t va, uint64_t *entries[5]);

/* Stores val in *entry and drops every translation (global ones too). */
void scratch_set_entry(uint64_t *entry, uint64_t val);

/* ---- Accesses (checks/targeted.c) --------------------------------------- */

/* Ring-0 accesses through probe_kernel. Each returns true if it faulted (details in *r). */
bool kernel_read(uint64_t addr, uint64_t *val, struct probe_result *r);
bool kernel_read_stac(uint64_t addr, uint64_t *val, struct probe_result *r);   /* with RFLAGS.AC set */
bool kernel_write(uint64_t addr, uint64_t val, struct probe_result *r);
bool kernel_call(uint64_t addr, struct probe_result *r);                      /* call addr (must hold ret) */

/* Ring 3: runs the snippet at offset snip of USER_CODE_VA with rbx, rax. True if it faulted. */
bool user_run(uint64_t snip, uint64_t rbx, uint64_t rax, struct probe_result *r);

/* True if r is a #PF with exactly error code err at address cr2. */
static inline bool probe_is_pf(const struct probe_result *r, uint64_t err, uint64_t cr2)
{
	return r->vector == 14 && r->error_code == err && r->cr2 == cr2;
}

/* True if r is a #GP with error code 0. */
static inline bool probe_is_gp(const struct probe_result *r)
{
	return r->vector == 13 && r->error_code == 0;
}

/* True under QEMU's TCG emulator (CPUID hypervisor signature "TCGTCGTCGTCG"). */
bool hypervisor_is_tcg(void);

/*
 * True if r is the #PF of a reserved-bit violation at cr2: error code
 * err | RSVD | P (the SDM, 4.7: RSVD is only ever reported with P set).
 * Under QEMU TCG, which reports RSVD without P, err | RSVD is accepted too
 * and *p_clear set, so the record can say so; anywhere else that is a fail.
 */
bool probe_is_rsvd_pf(const struct probe_result *r, uint64_t err, uint64_t cr2, bool *p_clear);

/* What a check adds to its detail when probe_is_rsvd_pf() set p_clear. */
#define RSVD_WITHOUT_P_NOTE \
	"; TCG reported RSVD without P (a QEMU deviation from SDM 4.7, accepted only under TCG)"

/* Writes what happened ("no fault", "#PF err 0x15 cr2 0x...", ...) to buf; returns buf. */
const char *probe_str(const struct probe_result *r, char *buf, size_t size);

/* ---- State (checks/targeted.c) ------------------------------------------- */

/* The machine state a run of checks changes and must give back. */
struct machine_state {
	uint64_t cr0, cr3, cr4, efer, rflags_ac, free_pages;
};

/* Reads CR0, CR3, CR4, EFER, RFLAGS.AC and the free frames into *m. */
void machine_state_read(struct machine_state *m);

/* ---- Records ------------------------------------------------------------- */

/* Emits {"type":"check","name":name,"result":...,"detail":...} and counts the result. */
void check_record(const char *name, int result, const char *detail_fmt, ...);

/* ---- The checks (each emits exactly one record) -------------------------- */

/* checks/check_tlb.c: what the CPU records and caches. */
void check_accessed_dirty(struct scratch *s);
void check_invlpg(struct scratch *s);
void check_cr3_reload_global(struct scratch *s);
void check_pcid(struct scratch *s);
void check_invpcid(struct scratch *s);

/* checks/check_young.c: A set again after clear + INVLPG, D on a write (reclaim's page_referenced). */
void check_reclaim_young(struct scratch *s);

/* checks/check_access.c: who may access what. */
void check_noncanonical_gp(struct scratch *s);
void check_nx_fetch(struct scratch *s);
void check_smep(struct scratch *s);
void check_smap(struct scratch *s);
void check_pku(struct scratch *s);
void check_cr0_wp(struct scratch *s);

/* checks/check_translation.c: what translates, and what is refused. */
void check_pages_2m(struct scratch *s);
void check_pages_1g(struct scratch *s);
void check_la57(struct scratch *s);
void check_reserved_bits(struct scratch *s);
void check_maxphyaddr(struct scratch *s);

#endif
