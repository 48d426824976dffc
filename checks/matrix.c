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
 *
 * On one CPU or on many: the run is dealt out in slices (checks/
 * matrix_slice.h), one per CPU taking part -- just this one, or with
 * `parallel` every online CPU with the boot CPU's features, each in its
 * own scratch space (checks/matrix_run.h) -- all started at once; the boot
 * CPU runs its own slice, waits for the others, adds their counts up and
 * writes every record, the same records as a run on one CPU (the first
 * mismatches may be others', from other slices).
 */
#include "checks/matrix.h"
#include "checks/access_model.h"
#include "checks/matrix_run.h"
#include "checks/matrix_slice.h"
#include "checks/matrix_space.h"
#include "checks/matrix_verdict.h"
#include "checks/probe.h"
#include "cpu/cpufeature.h"
#include "cpu/gdt.h"
#include "cpu/smp.h"
#include "cpu/x86.h"
#include "base/format.h"
#include "lib/kprintf.h"
#include "lib/progress.h"
#include "lib/record.h"
#include "base/string.h"
#include "lib/tsc.h"
#include "paging/buddy.h"
#include "paging/tlb.h"

/* A slice whose count of cases run has not moved for this long is given up
 * (its CPU and its scratch space are left alone). Generous: under MTTCG on
 * a loaded host a virtual CPU can be off its host thread for seconds. */
#define MATRIX_SLICE_STALL_MS 60000

static const char *const skip_words[SKIP_NR] = {
	[SKIP_PDPE1GB]   = "1 GiB leaf: no pdpe1gb",
	[SKIP_SMEP]      = "SMEP: no smep",
	[SKIP_SMAP]      = "SMAP: no smap",
	[SKIP_PKU]       = "PKE: no pku",
	[SKIP_NX]        = "NXE=1: no nx",
	[SKIP_NONX_COPY] = "NXE=0: no memory for the XD-free kernel tables",
};

/* The run: what every share reads, every CPU's share, and the sums. */
static struct matrix_plan plan;
static struct matrix_run runs[NR_CPUS];
static struct matrix_group totals[PG_LEVEL_1G + 1][2];

/* ---- Controls ----------------------------------------------------------- */

static inline void write_rflags(uint64_t f)
{
	__asm__ volatile("pushq %0; popfq" : : "r"(f) : "memory", "cc");
}

/* See checks/matrix_run.h. */
void matrix_save_kernel_state(struct matrix_run *m)
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

/* See checks/matrix_run.h. */
bool matrix_kernel_state_restored(const struct matrix_run *m)
{
	bool ok = read_cr0() == m->cr0 && read_cr3() == m->cr3 && read_cr4() == m->cr4 &&
		  rdmsr(MSR_EFER) == m->efer && !(read_rflags() & X86_EFLAGS_AC);

	if (m->have_pku) {
		write_cr4(m->cr4 | X86_CR4_PKE);
		ok = ok && rdpkru() == m->pkru;
		write_cr4(m->cr4);
	}
	return ok;
}

/* See checks/matrix_run.h. */
unsigned matrix_known_deviations(void)
{
	/* QEMU 7.2's TCG reports reserved-bit faults without P and sets A on a 1 GiB
	 * entry that ends a walk (docs/checks.md): known there, failures anywhere else. */
	if (strcmp(boot_cpu_data.hypervisor_id, "TCGTCGTCGTCG") == 0)
		return (1u << MISMATCH_RSVD_WITHOUT_P) | (1u << MISMATCH_A_ON_ENDING_ENTRY);
	return 0;
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

/* See checks/matrix_run.h. */
void matrix_run_case(struct matrix_run *m, const struct access_case *c, uint64_t va,
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

/* See checks/matrix_run.h. */
void matrix_group_name(const struct access_case *c, char *buf, uint32_t size)
{
	format(buf, size, "matrix.%s.cpl%d", leaf_names[c->leaf_level], c->user ? 3 : 0);
}

/* See checks/matrix_run.h. */
void matrix_report_mismatch(const struct matrix_pending *p, const char *group, uint32_t cpu)
{
	const struct access_case *c = &p->c;
	const struct access_outcome *o = &p->o;
	const struct matrix_observed *obs = &p->obs;
	char text[512];
	struct json *j;

	j = record_begin("check_mismatch");
	json_str(j, "group", group);
	json_u64(j, "cpu", cpu);
	json_array_begin(j, "kinds");
	for (unsigned k = 0; k < MISMATCH_KIND_NR; k++)
		if (p->kinds & (1u << k))
			json_str(j, NULL, matrix_mismatch_kind_name(k));
	json_close(j);
	matrix_describe_case(c, text, sizeof(text));
	json_str(j, "case", text);
	json_hex(j, "address", p->va);
	matrix_describe_expected(o, text, sizeof(text));
	json_str(j, "expected", text);
	matrix_describe_observed(obs, p->va, text, sizeof(text));
	json_str(j, "got", text);
	if (p->diff & MATRIX_DIFF_ACCESSED) {
		format(text, sizeof(text), "A of %s is %d, model says %s", matrix_level_name(p->a_level),
		       (obs->entry[p->a_level] & _PAGE_ACCESSED) != 0,
		       o->accessed[p->a_level] == AD_SET ? "set" : "clear");
		json_str(j, "accessed", text);
	}
	if (p->diff & MATRIX_DIFF_DIRTY) {
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

/* Moves the progress bar to the cases run by every share so far. */
static void show_progress(void)
{
	uint64_t done = 0;

	for (uint32_t i = 0; i < plan.slices; i++)
		done += runs[i].ran;
	progress_update(done);
}

/* See checks/matrix_run.h. */
void matrix_judge_case(void *ctx, const struct access_case *c, const struct access_outcome *o)
{
	struct matrix_run *m = ctx;
	struct matrix_group *g;
	struct matrix_observed obs;
	uint64_t va;
	unsigned diff, kinds;
	int a_level;

	m->ran++;
	if (m->progress && (m->ran & 15) == 0)
		show_progress();
	g = &m->groups[c->leaf_level][c->user];
	g->ran++;
	va = matrix_case_address(&m->space, c);
	matrix_run_case(m, c, va, &obs);
	m->last = obs;
	m->last_va = va;
	diff = matrix_compare(c, o, va, &obs, &a_level);
	if (!diff)
		return;
	g->mismatches++;
	kinds = matrix_classify(c, o, &obs, diff);
	if (kinds & ~m->plan->known_deviations)
		g->failing++;
	for (unsigned k = 0; k < MISMATCH_KIND_NR; k++)
		if (kinds & (1u << k))
			g->kinds[k]++;
	if (m->npending < MATRIX_MISMATCH_RECORDS && m->pending_per_kinds[kinds] < MATRIX_MISMATCH_PER_KINDS) {
		m->pending_per_kinds[kinds]++;
		m->pending[m->npending++] = (struct matrix_pending){ *c, *o, obs, va, diff, kinds, a_level };
	}
}

/* {"type":"check","name":name,"result":...,"detail":detail}, counted into the run's totals. */
static void report_check(const char *name, int result, const char *detail)
{
	record_hw_check(name, result, (uint32_t)pgtable_levels(), detail);
}

/* The one check record of a group (its counts: g). */
static void report_group(const struct matrix_group *g, uint64_t stride, int leaf, int cpl, int levels)
{
	char name[24], detail[512];
	uint64_t skipped = 0;
	size_t len;

	for (int i = 0; i < SKIP_NR; i++)
		skipped += g->skipped[i];
	if (stride > 1)
		len = (size_t)format(detail, sizeof(detail), "%llu combinations run (1 in %llu of the %llu this CPU "
				     "can do), %llu mismatches", g->ran, stride, g->runnable, g->mismatches);
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
 * See checks/matrix_run.h. Skipping in the space, not case by case, keeps
 * the sample of CHECKS_DEFAULT made of cases that run.
 */
void matrix_narrow_to_cpu(struct access_space *space, bool have_nonx_copy, bool have_pku,
			  struct matrix_group groups[PG_LEVEL_1G + 1][2])
{
	uint64_t before[PG_LEVEL_1G + 1][2], after[PG_LEVEL_1G + 1][2];

	if (groups)
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
			if (have_pku)
				continue;
			fix_control(space, ACCESS_CTL_PKE, false);
			break;
		case SKIP_NX:
			if (boot_cpu_has(X86_FEATURE_NX))
				continue;
			fix_control(space, ACCESS_CTL_NXE, false);
			break;
		default:                        /* SKIP_NONX_COPY */
			if (have_nonx_copy)
				continue;
			if (boot_cpu_has(X86_FEATURE_NX))
				fix_control(space, ACCESS_CTL_NXE, true);
			else
				space->modes = 0;       /* neither NXE value can run */
			break;
		}
		if (!groups)
			continue;
		count_groups(space, after);
		for (int leaf = PG_LEVEL_4K; leaf <= PG_LEVEL_1G; leaf++) {
			for (int cpl = 0; cpl < 2; cpl++) {
				groups[leaf][cpl].skipped[reason] = before[leaf][cpl] - after[leaf][cpl];
				before[leaf][cpl] = after[leaf][cpl];
			}
		}
	}
	if (!groups)
		return;
	for (int leaf = PG_LEVEL_4K; leaf <= PG_LEVEL_1G; leaf++)
		for (int cpl = 0; cpl < 2; cpl++)
			groups[leaf][cpl].runnable = before[leaf][cpl];
}

/* See checks/matrix_run.h. */
uint64_t matrix_prime_at_least(uint64_t n)
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


/* ---- The run ------------------------------------------------------------ */

/* One CPU's share (arg: its struct matrix_run), on that CPU with interrupts off. */
static void run_slice(void *arg)
{
	struct matrix_run *m = arg;
	uint64_t t0;

	matrix_save_kernel_state(m);
	t0 = rdtsc_ordered();
	access_model_enumerate_every(&m->plan->space, m->slice.first, m->slice.step, matrix_judge_case, m);
	m->busy_cycles = rdtsc_ordered() - t0;
	flush_tlb_all();                        /* global kernel entries seen through the XD-free copy */
	m->state_ok = matrix_kernel_state_restored(m);
	__atomic_store_n(&m->done, 1, __ATOMIC_RELEASE);
}

/*
 * Waits until every share is done, moving the progress bar; a share whose
 * count has not moved for MATRIX_SLICE_STALL_MS is marked lost[i]. Returns
 * the number lost.
 */
static uint32_t wait_for_slices(bool lost[NR_CPUS])
{
	static uint64_t seen[NR_CPUS], since[NR_CPUS];   /* 8 KiB at 512 CPUs: off the stack (one run at a time) */
	uint64_t limit = (tsc_hz ? tsc_hz : 1000000000ull) / 1000 * MATRIX_SLICE_STALL_MS;
	uint32_t left, nlost = 0;

	for (uint32_t i = 0; i < plan.slices; i++) {
		seen[i] = runs[i].ran;
		since[i] = rdtsc();
		lost[i] = false;
	}
	do {
		left = 0;
		show_progress();
		for (uint32_t i = 0; i < plan.slices; i++) {
			if (lost[i] || __atomic_load_n(&runs[i].done, __ATOMIC_ACQUIRE))
				continue;
			left++;
			if (runs[i].ran != seen[i]) {
				seen[i] = runs[i].ran;
				since[i] = rdtsc();
			} else if (rdtsc() - since[i] > limit) {
				lost[i] = true;
				nlost++;
			}
		}
		cpu_relax();
	} while (left > nlost);
	return nlost;
}

/* The speed-up busy / wall in hundredths. */
static uint64_t speedup_x100(uint64_t busy, uint64_t wall)
{
	return wall ? busy * 100 / wall : 0;
}

/*
 * The matrix.parallel check and its numbers record: every share finished
 * and ran exactly its slice's cases; wall-clock and busy cycles, speed-up.
 */
static void report_parallel(uint64_t runnable, uint64_t wall, const bool lost[NR_CPUS], uint32_t nlost)
{
	uint64_t busy = 0, cases = 0;
	bool exact = true;
	char detail[512], per[256];
	size_t len = 0;
	struct json *j;

	per[0] = 0;
	for (uint32_t i = 0; i < plan.slices; i++) {
		uint64_t want = matrix_slice_cases(runs[i].slice, runnable);

		busy += runs[i].busy_cycles;
		cases += runs[i].ran;
		exact = exact && !lost[i] && runs[i].ran == want;
		if (len < sizeof(per))
			len += (size_t)format(per + len, sizeof(per) - len, "%sCPU %u %llu%s", i ? ", " : "", runs[i].cpu,
					      runs[i].ran, lost[i] ? " (lost)" : runs[i].ran == want ? "" : " (want more)");
	}
	uint64_t x100 = speedup_x100(busy, wall);
	format(detail, sizeof(detail),
	       "%u CPUs ran disjoint slices of the same %llu cases (%s); wall clock %llu cycles (%llu ms), busy %llu "
	       "cycles in all: speed-up busy/wall %llu.%02llu%s",
	       plan.slices, cases, per, wall, tsc_to_ns(wall) / 1000000, busy, x100 / 100, x100 % 100,
	       nlost ? "; some CPU stopped making progress: its share was given up" : "");
	kprintf("matrix: %s\n", detail);
	report_check("matrix.parallel", exact ? TEST_PASS : TEST_FAIL, detail);

	j = record_begin("matrix_parallel");
	json_u64(j, "paging", (uint64_t)pgtable_levels());
	json_u64(j, "cpus", plan.slices);
	json_u64(j, "cases", cases);
	json_u64(j, "wall_cycles", wall);
	json_u64(j, "busy_cycles", busy);
	json_u64(j, "speedup_x100", x100);
	json_array_begin(j, "slice_cpus");
	for (uint32_t i = 0; i < plan.slices; i++)
		json_u64(j, NULL, runs[i].cpu);
	json_close(j);
	json_array_begin(j, "slice_cases");
	for (uint32_t i = 0; i < plan.slices; i++)
		json_u64(j, NULL, runs[i].ran);
	json_close(j);
	json_array_begin(j, "slice_busy_cycles");
	for (uint32_t i = 0; i < plan.slices; i++)
		json_u64(j, NULL, runs[i].busy_cycles);
	json_close(j);
	json_u64(j, "lost", nlost);
	record_end();
}

/* Adds every finished share's counts into totals and writes the first mismatches' records. */
static void merge_slices(const bool lost[NR_CPUS])
{
	uint32_t written = 0, per_kinds[1u << MISMATCH_KIND_NR] = { 0 };
	char group[24];

	for (uint32_t i = 0; i < plan.slices; i++) {
		const struct matrix_run *m = &runs[i];

		if (lost[i])
			continue;
		for (int leaf = PG_LEVEL_4K; leaf <= PG_LEVEL_1G; leaf++) {
			for (int cpl = 0; cpl < 2; cpl++) {
				const struct matrix_group *g = &m->groups[leaf][cpl];
				struct matrix_group *t = &totals[leaf][cpl];

				t->ran += g->ran;
				t->mismatches += g->mismatches;
				t->failing += g->failing;
				for (unsigned k = 0; k < MISMATCH_KIND_NR; k++)
					t->kinds[k] += g->kinds[k];
			}
		}
		for (uint32_t p = 0; p < m->npending; p++) {
			unsigned kinds = m->pending[p].kinds;

			if (written == MATRIX_MISMATCH_RECORDS || per_kinds[kinds] == MATRIX_MISMATCH_PER_KINDS)
				continue;
			written++;
			per_kinds[kinds]++;
			matrix_group_name(&m->pending[p].c, group, sizeof(group));
			matrix_report_mismatch(&m->pending[p], group, m->cpu);
		}
	}
}

/*
 * The CPUs that share the run into cpus[] (this one first; with parallel,
 * then every other online CPU with the boot CPU's features: the space is
 * narrowed to those). Returns how many.
 */
static uint32_t pick_cpus(bool parallel, uint32_t cpus[NR_CPUS])
{
	uint32_t self = smp_processor_id(), n = 0;

	cpus[n++] = self;
	if (!parallel)
		return n;
	for (uint32_t c = 0; c < nr_cpu_ids && n < NR_CPUS; c++)
		if (c != self && cpu_online(c) && pcpu_area[c].features == boot_cpu_data.features)
			cpus[n++] = c;
	return n;
}

/* See checks/matrix.h. */
void run_access_matrix(enum config_checks level, uint32_t sample, bool parallel)
{
	struct access_space space;
	uint64_t free_before, start, wall, ms, space_total, runnable, cases = 0;
	uint64_t other[PG_LEVEL_1G + 1][2];
	static uint32_t cpus[NR_CPUS];             /* static: 3 KiB at 512 CPUs, one run at a time */
	static bool lost[NR_CPUS], moved[NR_CPUS];
	uint32_t n, nlost = 0, nonx_pages;
	bool state_ok = true;
	char detail[400];
	int levels = pgtable_levels();

	if (level == CHECKS_NONE)
		return;
	memset(lost, 0, sizeof(lost));
	memset(moved, 0, sizeof(moved));
	plan = (struct matrix_plan){ 0 };
	memset(totals, 0, sizeof(totals));
	plan.known_deviations = matrix_known_deviations();
	free_before = nr_free_pages();
	n = pick_cpus(parallel, cpus);
	/* Every share's scratch space, made here (the allocator is this CPU's while the
	 * others wait); the first owns the XD-free kernel copy, the others share it. */
	for (uint32_t i = 0; i < n; i++) {
		runs[i] = (struct matrix_run){ 0 };
		if (matrix_space_init(&runs[i].space, i ? &runs[0].space : NULL)) {
			if (i == 0) {
				report_check("matrix.setup", TEST_FAIL, "no memory for the scratch address space");
				return;
			}
			n = i;                  /* fewer CPUs: the run is the same */
			break;
		}
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
	matrix_narrow_to_cpu(&space, runs[0].space.nonx_root != NULL, boot_cpu_has(X86_FEATURE_PKU), totals);
	for (int leaf = PG_LEVEL_4K; leaf <= PG_LEVEL_1G; leaf++)
		for (int cpl = 0; cpl < 2; cpl++)
			totals[leaf][cpl].other_mode = other[leaf][cpl];
	runnable = access_model_enumerate(&space, NULL, NULL);
	plan.space = space;
	if (sample)                             /* matrix_sample = N: 1 in N, N made prime */
		plan.stride = sample == 1 ? 1 : matrix_prime_at_least(sample);
	else
		plan.stride = level == CHECKS_FULL || runnable < 2 * MATRIX_DEFAULT_CASES ? 1
			      : matrix_prime_at_least(runnable / MATRIX_DEFAULT_CASES);
	plan.slices = n;
	for (uint32_t i = 0; i < n; i++) {
		runs[i].plan = &plan;
		runs[i].slice = matrix_slice_of(plan.stride, n, i);
		runs[i].cpu = cpus[i];
		runs[i].progress = i == 0;
	}

	progress_begin("matrix", (runnable + plan.stride - 1) / plan.stride);
	start = rdtsc_ordered();
	for (uint32_t i = 1; i < n; i++)
		if (smp_call_function_single(cpus[i], run_slice, &runs[i], false))
			moved[i] = true;        /* could not start there: this CPU runs it after its own */
	run_slice(&runs[0]);
	for (uint32_t i = 1; i < n; i++) {
		if (moved[i]) {
			runs[i].cpu = cpus[0];
			run_slice(&runs[i]);
		}
	}
	if (n > 1)
		nlost = wait_for_slices(lost);
	wall = rdtsc_ordered() - start;
	progress_end();
	ms = tsc_to_ns(wall) / 1000000;

	merge_slices(lost);
	for (int leaf = PG_LEVEL_4K; leaf <= PG_LEVEL_1G; leaf++)
		for (int cpl = 0; cpl < 2; cpl++)
			report_group(&totals[leaf][cpl], plan.stride, leaf, cpl, levels);
	if (n > 1)
		report_parallel(runnable, wall, lost, nlost);

	nonx_pages = runs[0].space.nonx_tables;
	for (uint32_t i = 0; i < n; i++) {
		cases += runs[i].ran;
		if (lost[i])
			continue;               /* its CPU may still be in it: left alone */
		nonx_pages += i ? runs[i].space.nonx_tables : 0;
		state_ok = state_ok && runs[i].state_ok;
	}
	for (uint32_t i = n; i-- > 0;)          /* the copy's owner last */
		if (!lost[i] && !(i == 0 && nlost))
			matrix_space_teardown(&runs[i].space);
	flush_tlb_all();
	state_ok = state_ok && matrix_kernel_state_restored(&runs[0]);
	format(detail, sizeof(detail),
	       "ran %llu cases in %llu ms: 1 in %llu of the %llu this CPU can do of the %s space's %llu "
	       "%u-level cases; MAXPHYADDR %u; XD-free kernel tables: %u pages; controls restored: %s; "
	       "free frames %llu before, %llu after; on %u CPU%s",
	       cases, ms, plan.stride, runnable, space_name, space_total, levels,
	       boot_cpu_data.x86_phys_bits, nonx_pages, state_ok ? "yes" : "no", free_before, nr_free_pages(),
	       n, n == 1 ? "" : "s");
	kprintf("matrix: %s\n", detail);
	report_check("matrix.cleanup", state_ok && !nlost && nr_free_pages() == free_before ? TEST_PASS : TEST_FAIL,
		     detail);
}
