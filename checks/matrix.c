/*
 * The paging conformance matrix runner (checks/matrix.h).
 *
 * The default space is first narrowed to what this CPU can do (no 1 GiB
 * leaves without pdpe1gb, SMEP/SMAP/PKE fixed at 0 without the feature, NXE
 * fixed without NX or without the XD-free kernel copy) and to the current
 * paging mode (the other one is a pass of its own, checks/both_modes.h);
 * what that takes away is counted as skipped, by reason. For each remaining case the
 * enumerator hands over (every k-th for CHECKS_DEFAULT), one round trip:
 *
 *   1. write the walk (checks/matrix_space.c) and put `ret` (ring 0) or
 *      `int3` (ring 3) at the data frame's first byte, the fetch target;
 *   2. load CR3 (the XD-free root when the case has NXE = 0, loaded before
 *      NXE is cleared and left after it is set again), EFER.NXE, CR4.SMEP/
 *      SMAP/PKE, PKRU, CR0.WP; INVLPG the case address;
 *   3. the access: ring 0 through probe_kernel() (a byte load, a byte store,
 *      or a call to the address), with RFLAGS.AC as the case says; ring 3
 *      through probe_user() into a snippet of the code page;
 *   4. put every control back, read the walk's entries, compare with the
 *      model (checks/matrix_verdict.c).
 *
 * Nothing but the probe runs between 2 and 4, so the changed controls never
 * meet other kernel code; records are written only with the kernel's own
 * state back.
 */
#include "checks/matrix.h"
#include "checks/access_model.h"
#include "checks/matrix_space.h"
#include "checks/matrix_verdict.h"
#include "checks/probe.h"
#include "cpu/cpufeature.h"
#include "cpu/gdt.h"
#include "cpu/x86.h"
#include "base/format.h"
#include "lib/kprintf.h"
#include "lib/progress.h"
#include "lib/record.h"
#include "base/string.h"
#include "lib/tsc.h"
#include "paging/buddy.h"
#include "paging/tlb.h"

/* Mismatch records written at most: in all, and per combination of kinds (matrix_classify). */
#define MATRIX_MISMATCH_RECORDS      12
#define MATRIX_MISMATCH_PER_KINDS    3

/* Why a case of the space cannot run on this CPU (narrow_to_cpu). */
enum matrix_skip {
	SKIP_PDPE1GB,           /* 1 GiB leaf, CPU without pdpe1gb */
	SKIP_SMEP,
	SKIP_SMAP,
	SKIP_PKU,
	SKIP_NX,                /* NXE = 1, CPU without NX */
	SKIP_NONX_COPY,         /* NXE = 0, no memory for the XD-free kernel copy */
	SKIP_NR
};

static const char *const skip_words[SKIP_NR] = {
	[SKIP_PDPE1GB]   = "1 GiB leaf: no pdpe1gb",
	[SKIP_SMEP]      = "SMEP: no smep",
	[SKIP_SMAP]      = "SMAP: no smap",
	[SKIP_PKU]       = "PKE: no pku",
	[SKIP_NX]        = "NXE=1: no nx",
	[SKIP_NONX_COPY] = "NXE=0: no memory for the XD-free kernel tables",
};

/* One check group: a leaf size at one CPL. */
struct matrix_group {
	uint64_t runnable;              /* the space's cases this CPU can do (after narrow_to_cpu) */
	uint64_t ran, mismatches;
	uint64_t skipped[SKIP_NR];      /* the space's cases this CPU cannot do, by the first reason */
	uint64_t kinds[MISMATCH_KIND_NR];       /* mismatches of each kind (one may have several) */
	uint64_t other_mode;            /* the space's cases of the other paging mode: not runnable */
	uint64_t failing;               /* mismatches not explained by a known deviation of this machine */
};

struct matrix_run {
	struct matrix_space space;
	uint64_t stride, index;
	struct matrix_group groups[PG_LEVEL_1G + 1][2];   /* [leaf level][CPL 3] */
	uint32_t mismatch_records;
	uint32_t records_per_kinds[1u << MISMATCH_KIND_NR];
	unsigned known_deviations;      /* kinds (bits) this machine is known to get wrong */
	/* The kernel's state, put back after every case. */
	uint64_t cr0, cr3, cr4, efer, rflags;
	uint32_t pkru;
	bool have_pku;
};

static struct matrix_run matrix;

/* ---- Controls ----------------------------------------------------------- */

static inline void write_rflags(uint64_t f)
{
	__asm__ volatile("pushq %0; popfq" : : "r"(f) : "memory", "cc");
}

/* Records the kernel's CR0, CR3, CR4, EFER, RFLAGS and (with PKU) PKRU. */
static void save_kernel_state(struct matrix_run *m)
{
	m->cr0 = read_cr0();
	m->cr3 = read_cr3();
	m->cr4 = read_cr4();
	m->efer = rdmsr(MSR_EFER);
	m->rflags = read_rflags();
	m->have_pku = boot_cpu_has(X86_FEATURE_PKU);
	m->pkru = 0;
	if (m->have_pku) {
		write_cr4(m->cr4 | X86_CR4_PKE);
		m->pkru = rdpkru();
		write_cr4(m->cr4);
	}
}

/* ---- The access --------------------------------------------------------- */

static void access_read(void *va)
{
	(void)*(volatile uint8_t *)va;
}

static void access_write(void *va)
{
	*(volatile uint8_t *)va = 0xc3;         /* the byte already there: ret */
}

static void access_fetch(void *va)
{
	((void (*)(void))va)();                 /* the target is ret */
}

/* Makes c's access from ring 0; the exception, if any, in *r. */
static void access_ring0(const struct access_case *c, uint64_t va, struct probe_result *r)
{
	static void (*const fns[ACCESS_KIND_NR])(void *) = { access_read, access_write, access_fetch };

	if (c->rflags_ac)
		write_rflags(read_rflags() | X86_EFLAGS_AC);
	probe_kernel(fns[c->access], (void *)(uintptr_t)va, r);
	write_rflags(read_rflags() & ~X86_EFLAGS_AC);
}

/* Makes c's access from ring 3 (a snippet of the code page); the exception, if any, in *r. */
static void access_ring3(const struct access_case *c, uint64_t va, struct probe_result *r)
{
	static const uint64_t snippet[ACCESS_KIND_NR] = { MATRIX_SNIP_LOAD, MATRIX_SNIP_STORE, MATRIX_SNIP_JMP };
	struct pt_regs regs = { 0 };

	regs.bx = va;
	regs.ax = 0xcc;                         /* the store writes back the byte already there: int3 */
	regs.ip = MATRIX_CODE_VA + snippet[c->access];
	regs.cs = __USER_CS;
	regs.ss = __USER_DS;
	regs.sp = MATRIX_STACK_VA + PAGE_SIZE - 64;
	regs.flags = X86_EFLAGS_FIXED;
	probe_user(&regs, r);
}

/* Runs case c at va on the CPU with its controls, fills *obs, and puts the kernel's state back. */
static void run_on_cpu(struct matrix_run *m, const struct access_case *c, uint64_t va,
		       struct matrix_observed *obs)
{
	bool nonx = !c->efer_nxe;
	uint64_t cr0 = c->cr0_wp ? m->cr0 | X86_CR0_WP : m->cr0 & ~X86_CR0_WP;
	uint64_t cr4 = m->cr4 & ~(X86_CR4_SMEP | X86_CR4_SMAP | X86_CR4_PKE);
	uint64_t efer = c->efer_nxe ? m->efer | EFER_NXE : m->efer & ~EFER_NXE;
	struct probe_result r;

	if (c->cr4_smep)
		cr4 |= X86_CR4_SMEP;
	if (c->cr4_smap)
		cr4 |= X86_CR4_SMAP;
	if (c->cr4_pke)
		cr4 |= X86_CR4_PKE;

	*(volatile uint8_t *)page_address(m->space.data) = c->user ? 0xcc : 0xc3;
	matrix_write_walk(&m->space, c, va, nonx);

	/* XD-free root first: only then may NXE go (XD is reserved without it). */
	write_cr3(nonx ? m->space.nonx_root_phys : m->space.root_phys);
	if (efer != m->efer)
		wrmsr(MSR_EFER, efer);
	write_cr4(cr4);
	if (c->cr4_pke)
		wrpkru(c->pkru);
	write_cr0(cr0);
	flush_tlb_page(va);

	if (c->user)
		access_ring3(c, va, &r);
	else
		access_ring0(c, va, &r);

	write_cr0(m->cr0);
	if (c->cr4_pke)
		wrpkru(m->pkru);
	write_cr4(m->cr4);
	if (efer != m->efer)
		wrmsr(MSR_EFER, m->efer);           /* NXE back before the root with XD returns */
	write_cr3(m->cr3);

	obs->vector = r.vector;
	obs->error_code = r.error_code;
	obs->cr2 = r.cr2;
	for (int l = 0; l <= PG_LEVEL_256T; l++)
		obs->entry[l] = matrix_read_entry(&m->space, l);
	matrix_clear_walk(&m->space);
}

/* ---- Reporting ---------------------------------------------------------- */

static const char *const leaf_names[PG_LEVEL_1G + 1] = { "", "4k", "2m", "1g" };

/* Writes the check_mismatch record of case c in words. */
static void report_mismatch(const struct access_case *c, const struct access_outcome *o, uint64_t va,
			    const struct matrix_observed *obs, unsigned diff, unsigned kinds, int a_level)
{
	char text[512], group[24];
	struct json *j;

	format(group, sizeof(group), "matrix.%s.cpl%d", leaf_names[c->leaf_level], c->user ? 3 : 0);
	j = record_begin("check_mismatch");
	json_str(j, "group", group);
	json_array_begin(j, "kinds");
	for (unsigned k = 0; k < MISMATCH_KIND_NR; k++)
		if (kinds & (1u << k))
			json_str(j, NULL, matrix_mismatch_kind_name(k));
	json_close(j);
	matrix_describe_case(c, text, sizeof(text));
	json_str(j, "case", text);
	json_hex(j, "address", va);
	matrix_describe_expected(o, text, sizeof(text));
	json_str(j, "expected", text);
	matrix_describe_observed(obs, va, text, sizeof(text));
	json_str(j, "got", text);
	if (diff & MATRIX_DIFF_ACCESSED) {
		format(text, sizeof(text), "A of %s is %d, model says %s", matrix_level_name(a_level),
		       (obs->entry[a_level] & _PAGE_ACCESSED) != 0,
		       o->accessed[a_level] == AD_SET ? "set" : "clear");
		json_str(j, "accessed", text);
	}
	if (diff & MATRIX_DIFF_DIRTY) {
		format(text, sizeof(text), "D of %s is %d, model says %s", matrix_level_name(c->leaf_level),
		       (obs->entry[c->leaf_level] & _PAGE_DIRTY) != 0, o->dirty == AD_SET ? "set" : "clear");
		json_str(j, "dirty", text);
	}
	json_array_begin(j, "entries");
	for (int l = c->paging_levels; l >= c->leaf_level; l--) {
		format(text, sizeof(text), "%s 0x%llx", matrix_level_name(l), obs->entry[l]);
		json_str(j, NULL, text);
	}
	json_close(j);
	record_end();
}

/* The enumerator's callback: samples, runs and judges one case. */
static void matrix_case(void *ctx, const struct access_case *c, const struct access_outcome *o)
{
	struct matrix_run *m = ctx;
	struct matrix_group *g;
	struct matrix_observed obs;
	uint64_t va;
	unsigned diff, kinds;
	int a_level;

	if (m->index++ % m->stride != 0)
		return;
	progress_update(m->index);
	g = &m->groups[c->leaf_level][c->user];
	g->ran++;
	va = matrix_case_address(&m->space, c);
	run_on_cpu(m, c, va, &obs);
	diff = matrix_compare(c, o, va, &obs, &a_level);
	if (!diff)
		return;
	g->mismatches++;
	kinds = matrix_classify(c, o, &obs, diff);
	if (kinds & ~m->known_deviations)
		g->failing++;
	for (unsigned k = 0; k < MISMATCH_KIND_NR; k++)
		if (kinds & (1u << k))
			g->kinds[k]++;
	if (m->mismatch_records < MATRIX_MISMATCH_RECORDS &&
	    m->records_per_kinds[kinds] < MATRIX_MISMATCH_PER_KINDS) {
		m->mismatch_records++;
		m->records_per_kinds[kinds]++;
		report_mismatch(c, o, va, &obs, diff, kinds, a_level);
	}
}

/* {"type":"check","name":name,"result":...,"detail":detail}, counted into the run's totals. */
static void report_check(const char *name, int result, const char *detail)
{
	record_hw_check(name, result, (uint32_t)pgtable_levels(), detail);
}

/* The one check record of a group. */
static void report_group(const struct matrix_run *m, int leaf, int cpl, int levels)
{
	const struct matrix_group *g = &m->groups[leaf][cpl];
	char name[24], detail[512];
	uint64_t skipped = 0;
	size_t len;

	for (int i = 0; i < SKIP_NR; i++)
		skipped += g->skipped[i];
	if (m->stride > 1)
		len = (size_t)format(detail, sizeof(detail), "%llu combinations run (1 in %llu of the %llu this CPU "
				     "can do), %llu mismatches", g->ran, m->stride, g->runnable, g->mismatches);
	else
		len = (size_t)format(detail, sizeof(detail), "%llu combinations run (all this CPU can do), "
				     "%llu mismatches", g->ran, g->mismatches);
	if (g->mismatches) {
		const char *sep = " (";

		for (unsigned k = 0; k < MISMATCH_KIND_NR; k++) {
			if (!g->kinds[k] || len >= sizeof(detail))
				continue;
			len += (size_t)format(detail + len, sizeof(detail) - len, "%s%s: %llu", sep,
					      matrix_mismatch_kind_name(k), g->kinds[k]);
			sep = "; ";
		}
		if (len < sizeof(detail))
			len += (size_t)format(detail + len, sizeof(detail) - len, ")");
	}
	if (len < sizeof(detail))
		len += (size_t)format(detail + len, sizeof(detail) - len, "; %llu skipped", skipped);
	if (skipped) {
		const char *sep = " (";

		for (int i = 0; i < SKIP_NR; i++) {
			if (!g->skipped[i] || len >= sizeof(detail))
				continue;
			len += (size_t)format(detail + len, sizeof(detail) - len, "%s%s: %llu", sep,
					      skip_words[i], g->skipped[i]);
			sep = "; ";
		}
		if (len < sizeof(detail))
			len += (size_t)format(detail + len, sizeof(detail) - len, ")");
	}
	if (len < sizeof(detail))
		format(detail + len, sizeof(detail) - len,
		       "; %u-level walks; %llu %u-level combinations not run in this pass (the other paging mode)",
		       levels, g->other_mode, levels == 5 ? 4 : 5);

	format(name, sizeof(name), "matrix.%s.cpl%d", leaf_names[leaf], cpl ? 3 : 0);
	if (g->mismatches && !g->failing && (len = strlen(detail)) < sizeof(detail))
		format(detail + len, sizeof(detail) - len, "; every mismatch is a known QEMU TCG deviation "
		       "from the SDM (docs/checks.md): passing under TCG only");
	report_check(name, g->failing ? TEST_FAIL : g->ran ? TEST_PASS : TEST_SKIP, detail);
}

/* Counts each group's cases of space into out[leaf level][CPL 3]. */
static void count_groups(const struct access_space *space, uint64_t out[PG_LEVEL_1G + 1][2])
{
	struct access_space one = *space;

	for (int leaf = PG_LEVEL_4K; leaf <= PG_LEVEL_1G; leaf++) {
		for (int cpl = 0; cpl < 2; cpl++) {
			one.leaf_levels = (uint8_t)(space->leaf_levels & (1u << leaf));
			one.modes = (uint8_t)(space->modes & (1u << cpl));
			out[leaf][cpl] = one.leaf_levels && one.modes ? access_model_enumerate(&one, NULL, NULL) : 0;
		}
	}
}

/* Stops varying the control ctl (ACCESS_CTL_*) in s; it stays at value. */
static void fix_control(struct access_space *s, uint8_t ctl, bool value)
{
	s->varied_controls = (uint8_t)(s->varied_controls & ~ctl);
	s->fixed_controls = (uint8_t)(value ? s->fixed_controls | ctl : s->fixed_controls & ~ctl);
}

/*
 * Narrows *space to the cases this CPU (and the scratch space) can run, and
 * counts per group what each step takes away into skipped[reason] (a case
 * ruled out for several reasons counts under the first); the rest goes to
 * runnable. Skipping in the space, not case by case, keeps the sample of
 * CHECKS_DEFAULT made of cases that run.
 */
static void narrow_to_cpu(struct matrix_run *m, struct access_space *space)
{
	uint64_t before[PG_LEVEL_1G + 1][2], after[PG_LEVEL_1G + 1][2];

	count_groups(space, before);
	for (int reason = 0; reason < SKIP_NR; reason++) {
		switch (reason) {
		case SKIP_PDPE1GB:
			if (boot_cpu_has(X86_FEATURE_PDPE1GB))
				continue;
			space->leaf_levels = (uint8_t)(space->leaf_levels & ~(1u << PG_LEVEL_1G));
			break;
		case SKIP_SMEP:
			if (boot_cpu_has(X86_FEATURE_SMEP))
				continue;
			fix_control(space, ACCESS_CTL_SMEP, false);
			break;
		case SKIP_SMAP:
			if (boot_cpu_has(X86_FEATURE_SMAP))
				continue;
			fix_control(space, ACCESS_CTL_SMAP, false);
			break;
		case SKIP_PKU:
			if (m->have_pku)
				continue;
			fix_control(space, ACCESS_CTL_PKE, false);
			break;
		case SKIP_NX:
			if (boot_cpu_has(X86_FEATURE_NX))
				continue;
			fix_control(space, ACCESS_CTL_NXE, false);
			break;
		default:                        /* SKIP_NONX_COPY */
			if (m->space.nonx_root)
				continue;
			if (boot_cpu_has(X86_FEATURE_NX))
				fix_control(space, ACCESS_CTL_NXE, true);
			else
				space->modes = 0;       /* neither NXE value can run */
			break;
		}
		count_groups(space, after);
		for (int leaf = PG_LEVEL_4K; leaf <= PG_LEVEL_1G; leaf++) {
			for (int cpl = 0; cpl < 2; cpl++) {
				m->groups[leaf][cpl].skipped[reason] = before[leaf][cpl] - after[leaf][cpl];
				before[leaf][cpl] = after[leaf][cpl];
			}
		}
	}
	for (int leaf = PG_LEVEL_4K; leaf <= PG_LEVEL_1G; leaf++)
		for (int cpl = 0; cpl < 2; cpl++)
			m->groups[leaf][cpl].runnable = before[leaf][cpl];
}

/* The smallest prime >= n (n >= 1; 1 stays 1). */
static uint64_t prime_at_least(uint64_t n)
{
	if (n <= 2)
		return n;
	for (;; n++) {
		bool prime = true;

		for (uint64_t d = 2; d * d <= n && prime; d++)
			prime = n % d != 0;
		if (prime)
			return n;
	}
}

/* See checks/matrix.h. */
void run_access_matrix(enum config_checks level, uint32_t sample)
{
	struct matrix_run *m = &matrix;
	struct access_space space;
	uint64_t free_before, start, total, ms, space_total, runnable;
	uint64_t other[PG_LEVEL_1G + 1][2];
	uint32_t nonx_pages;
	char detail[400];
	int levels = pgtable_levels();
	bool state_ok;

	if (level == CHECKS_NONE)
		return;
	*m = (struct matrix_run){ 0 };
	/* QEMU 7.2's TCG reports reserved-bit faults without P and sets A on a 1 GiB
	 * entry that ends a walk (docs/checks.md): known there, failures anywhere else. */
	if (strcmp(boot_cpu_data.hypervisor_id, "TCGTCGTCGTCG") == 0)
		m->known_deviations = (1u << MISMATCH_RSVD_WITHOUT_P) | (1u << MISMATCH_A_ON_ENDING_ENTRY);
	free_before = nr_free_pages();
	save_kernel_state(m);
	if (matrix_space_init(&m->space)) {
		report_check("matrix.setup", TEST_FAIL, "no memory for the scratch address space");
		return;
	}

	const char *space_name = level == CHECKS_FULL ? "full" : "default";
	if (level == CHECKS_FULL)
		access_space_full(&space);
	else
		access_space_default(&space);
	space.maxphyaddr = boot_cpu_data.x86_phys_bits;
	space.paging_levels = (uint8_t)(1u << (levels == 5 ? 4 : 5));
	count_groups(&space, other);
	space.paging_levels = (uint8_t)(1u << levels);
	space_total = access_model_enumerate(&space, NULL, NULL);
	narrow_to_cpu(m, &space);
	for (int leaf = PG_LEVEL_4K; leaf <= PG_LEVEL_1G; leaf++)
		for (int cpl = 0; cpl < 2; cpl++)
			m->groups[leaf][cpl].other_mode = other[leaf][cpl];
	runnable = access_model_enumerate(&space, NULL, NULL);
	if (sample)                             /* matrix_sample = N: 1 in N, N made prime */
		m->stride = sample == 1 ? 1 : prime_at_least(sample);
	else
		m->stride = level == CHECKS_FULL || runnable < 2 * MATRIX_DEFAULT_CASES ? 1
			    : prime_at_least(runnable / MATRIX_DEFAULT_CASES);

	start = rdtsc_ordered();
	progress_begin("matrix", runnable);
	total = access_model_enumerate(&space, matrix_case, m);
	progress_end();
	ms = tsc_to_ns(rdtsc_ordered() - start) / 1000000;

	for (int leaf = PG_LEVEL_4K; leaf <= PG_LEVEL_1G; leaf++)
		for (int cpl = 0; cpl < 2; cpl++)
			report_group(m, leaf, cpl, levels);

	nonx_pages = m->space.nonx_tables;
	matrix_space_teardown(&m->space);
	flush_tlb_all();                        /* global kernel entries seen through the XD-free copy */
	state_ok = read_cr0() == m->cr0 && read_cr3() == m->cr3 && read_cr4() == m->cr4 &&
		   rdmsr(MSR_EFER) == m->efer && !(read_rflags() & X86_EFLAGS_AC);
	if (m->have_pku) {
		write_cr4(m->cr4 | X86_CR4_PKE);
		state_ok = state_ok && rdpkru() == m->pkru;
		write_cr4(m->cr4);
	}
	format(detail, sizeof(detail),
	       "ran %llu cases in %llu ms: 1 in %llu of the %llu this CPU can do of the %s space's %llu "
	       "%u-level cases; MAXPHYADDR %u; XD-free kernel tables: %u pages; controls restored: %s; "
	       "free frames %llu before, %llu after",
	       (total + m->stride - 1) / m->stride, ms, m->stride, total, space_name, space_total, levels,
	       boot_cpu_data.x86_phys_bits, nonx_pages, state_ok ? "yes" : "no", free_before, nr_free_pages());
	kprintf("matrix: %s\n", detail);
	report_check("matrix.cleanup", state_ok && nr_free_pages() == free_before ? TEST_PASS : TEST_FAIL, detail);
}
