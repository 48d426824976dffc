/*
 * The matrix sample on every CPU (checks/matrix_sample.h).
 *
 * One scratch space serves every CPU in turn: each CPU runs its share with
 * interrupts off while the boot CPU waits, INVLPGs the case address before
 * each case and flushes its whole TLB when done, so the next CPU finds no
 * translation of the space cached anywhere but in its own TLB, which never
 * saw it. The same space means the same case addresses and frames on every
 * CPU: the outcomes compare as they are.
 */
#include "checks/matrix_sample.h"
#include "checks/matrix_run.h"
#include "base/format.h"
#include "base/string.h"
#include "cpu/cpufeature.h"
#include "cpu/smp.h"
#include "cpu/x86.h"
#include "lib/kprintf.h"
#include "lib/record.h"
#include "lib/tsc.h"
#include "paging/buddy.h"
#include "paging/tlb.h"

/* Room for the boot CPU's outcomes: the sample is at most about twice MATRIX_SAMPLE_CASES. */
#define SAMPLE_MAX (2 * MATRIX_SAMPLE_CASES + 2)

/* Check_mismatch records per CPU for mismatches with the model that are not known deviations. */
#define SAMPLE_MISMATCH_RECORDS 3

/* What a CPU did on one case, in a form two CPUs can compare (the frames are the same). */
struct sample_outcome {
	uint64_t vector;                /* MATRIX_NO_EXCEPTION or the vector */
	uint64_t error_code;
	bool cr2_is_va;                 /* for a #PF: CR2 was the case address */
	uint8_t accessed;               /* bit L: A of the walk's level-L entry */
	bool dirty;                     /* D of the leaf */
};

static struct matrix_plan plan;
static struct matrix_run run;
static struct sample_outcome boot_outcome[SAMPLE_MAX];
static uint64_t boot_cases;             /* how many boot_outcome holds */
static uint32_t skew_cpu;               /* test hook: 0 off, else the CPU that pretends to differ */

/* The CPU whose share runs, and whether it is the reference (the boot CPU, first). */
static struct {
	bool reference;
	uint64_t differ;                /* cases whose outcome is not the boot CPU's */
	bool have_first;
	struct access_case first_case;  /* the first such case */
	uint64_t first_va;
	struct sample_outcome first_got, first_boot;
} cmp;

/* See checks/matrix_sample.h. */
void matrix_sample_test_skew(bool on)
{
	skew_cpu = on ? 1 : 0;
}

/* obs (of a case at va with leaf level leaf) as a sample_outcome. */
static struct sample_outcome outcome_of(const struct matrix_observed *obs, uint64_t va, int leaf)
{
	struct sample_outcome s = { obs->vector, obs->error_code, obs->cr2 == va, 0, false };

	if (obs->vector == MATRIX_NO_EXCEPTION)
		s.error_code = 0;
	if (obs->vector != MATRIX_VECTOR_PF)
		s.cr2_is_va = false;
	for (int l = 0; l <= PG_LEVEL_256T; l++)
		if (obs->entry[l] & _PAGE_ACCESSED)
			s.accessed |= (uint8_t)(1u << l);
	s.dirty = (obs->entry[leaf] & _PAGE_DIRTY) != 0;
	return s;
}

static bool same_outcome(const struct sample_outcome *a, const struct sample_outcome *b)
{
	return a->vector == b->vector && a->error_code == b->error_code && a->cr2_is_va == b->cr2_is_va &&
	       a->accessed == b->accessed && a->dirty == b->dirty;
}

/* s in words: "#PF 0x7 at the case address, A on PTE PDE, D 1". Always NUL-terminates. */
static void describe_outcome(const struct sample_outcome *s, char *buf, size_t size)
{
	size_t len;

	if (s->vector == MATRIX_NO_EXCEPTION)
		len = (size_t)format(buf, size, "no fault");
	else if (s->vector == MATRIX_VECTOR_PF)
		len = (size_t)format(buf, size, "#PF 0x%llx%s", s->error_code,
				     s->cr2_is_va ? "" : " at another CR2");
	else
		len = (size_t)format(buf, size, "vector %llu error 0x%llx", s->vector, s->error_code);
	if (len < size)
		len += (size_t)format(buf + len, size - len, ", A set in");
	for (int l = PG_LEVEL_256T; l >= 0 && len < size; l--)
		if (s->accessed & (1u << l))
			len += (size_t)format(buf + len, size - len, " %s", matrix_level_name(l));
	if (len < size)
		format(buf + len, size - len, "%s, D %d", s->accessed ? "" : " none", s->dirty);
}

/* The enumerator's callback: the matrix's judgement, then the comparison with the boot CPU. */
static void sample_case(void *ctx, const struct access_case *c, const struct access_outcome *o)
{
	struct matrix_run *m = ctx;
	uint64_t i = m->ran;
	struct sample_outcome got;

	matrix_judge_case(m, c, o);
	got = outcome_of(&m->last, m->last_va, c->leaf_level);
	if (skew_cpu && m->cpu == skew_cpu && i == boot_cases / 2)
		got.error_code ^= X86_PF_WRITE;         /* the test hook: pretend to disagree */
	if (i >= SAMPLE_MAX)
		return;
	if (cmp.reference) {
		boot_outcome[i] = got;
		boot_cases = i + 1;
		return;
	}
	if (i >= boot_cases || same_outcome(&got, &boot_outcome[i]))
		return;
	if (!cmp.differ++) {
		cmp.have_first = true;
		cmp.first_case = *c;
		cmp.first_va = m->last_va;
		cmp.first_got = got;
		cmp.first_boot = boot_outcome[i];
	}
}

/* The share of the CPU it runs on (arg unused: the one run). Interrupts off. */
static void sample_here(void *arg)
{
	struct matrix_run *m = &run;

	(void)arg;
	matrix_save_kernel_state(m);
	uint64_t t0 = rdtsc_ordered();
	access_model_enumerate_every(&plan.space, 0, plan.stride, sample_case, m);
	m->busy_cycles = rdtsc_ordered() - t0;
	flush_tlb_all();                        /* nothing of the space stays cached here */
	m->state_ok = matrix_kernel_state_restored(m);
}

/* The smp.matrix_sample record of cpu (and its mismatch records), from run and cmp. */
static void report_cpu(uint32_t cpu, uint64_t runnable, int err)
{
	uint64_t mismatches = 0, failing = 0;
	char detail[1024], words[512];
	size_t len;
	uint32_t written = 0;

	for (int leaf = PG_LEVEL_4K; leaf <= PG_LEVEL_1G; leaf++) {
		for (int cpl = 0; cpl < 2; cpl++) {
			mismatches += run.groups[leaf][cpl].mismatches;
			failing += run.groups[leaf][cpl].failing;
		}
	}
	if (err) {
		format(detail, sizeof(detail), "could not run on CPU %u: %d", cpu, err);
		record_hw_check_cpu("smp.matrix_sample", TEST_FAIL, (uint32_t)pgtable_levels(), cpu, detail);
		return;
	}
	len = (size_t)format(detail, sizeof(detail),
			     "CPU %u ran %llu cases in %llu ms (1 in %llu of the %llu of the default space this CPU can do, "
			     "%d-level walks): %llu mismatches with the model (%llu not known deviations of this "
			     "machine), %llu outcomes differ from CPU 0's; controls restored: %s",
			     cpu, run.ran, tsc_to_ns(run.busy_cycles) / 1000000, plan.stride, runnable, pgtable_levels(), mismatches, failing,
			     cmp.reference ? 0 : cmp.differ, run.state_ok ? "yes" : "no");
	if (len < sizeof(detail))
		len += (size_t)format(detail + len, sizeof(detail) - len,
				      "; by leaf (CPL 0 + 3): 4K %llu + %llu, 2M %llu + %llu, 1G %llu + %llu",
				      run.groups[PG_LEVEL_4K][0].ran, run.groups[PG_LEVEL_4K][1].ran,
				      run.groups[PG_LEVEL_2M][0].ran, run.groups[PG_LEVEL_2M][1].ran,
				      run.groups[PG_LEVEL_1G][0].ran, run.groups[PG_LEVEL_1G][1].ran);
	if (cmp.have_first && len < sizeof(detail)) {
		matrix_describe_case(&cmp.first_case, words, sizeof(words));
		len += (size_t)format(detail + len, sizeof(detail) - len, "; first differing case: %s, at 0x%llx: ",
				      words, cmp.first_va);
		describe_outcome(&cmp.first_got, words, sizeof(words));
		if (len < sizeof(detail))
			len += (size_t)format(detail + len, sizeof(detail) - len, "CPU %u got %s, ", cpu, words);
		describe_outcome(&cmp.first_boot, words, sizeof(words));
		if (len < sizeof(detail))
			format(detail + len, sizeof(detail) - len, "CPU 0 got %s", words);
	}
	for (uint32_t p = 0; p < run.npending && failing && len < sizeof(detail); p++) {
		const struct matrix_pending *mp = &run.pending[p];

		if (!(mp->kinds & ~plan.known_deviations))
			continue;
		matrix_describe_case(&mp->c, words, sizeof(words));
		len += (size_t)format(detail + len, sizeof(detail) - len, "; first mismatch with the model: %s: ", words);
		matrix_describe_expected(&mp->o, words, sizeof(words));
		if (len < sizeof(detail))
			len += (size_t)format(detail + len, sizeof(detail) - len, "model says %s, ", words);
		matrix_describe_observed(&mp->obs, mp->va, words, sizeof(words));
		if (len < sizeof(detail))
			len += (size_t)format(detail + len, sizeof(detail) - len, "CPU %u got %s", cpu, words);
		break;
	}
	bool ok = !failing && !cmp.differ && run.state_ok && (cmp.reference || run.ran == boot_cases);
	record_hw_check_cpu("smp.matrix_sample", !ok ? TEST_FAIL : run.ran ? TEST_PASS : TEST_SKIP,
			    (uint32_t)pgtable_levels(), cpu, detail);
	if (!ok)
		kprintf("check smp.matrix_sample on CPU %u FAILED: %s\n", cpu, detail);
	for (uint32_t p = 0; p < run.npending && written < SAMPLE_MISMATCH_RECORDS; p++) {
		if (!(run.pending[p].kinds & ~plan.known_deviations))
			continue;
		written++;
		matrix_report_mismatch(&run.pending[p], "smp.matrix_sample", cpu);
	}
}

/* Clears run's counts (not its space) for the next CPU. */
static void reset_counts(uint32_t cpu)
{
	memset(run.groups, 0, sizeof(run.groups));
	memset(run.pending_per_kinds, 0, sizeof(run.pending_per_kinds));
	run.npending = 0;
	run.ran = 0;
	run.state_ok = false;
	run.cpu = cpu;
	memset(&cmp, 0, sizeof(cmp));
	cmp.reference = cpu == smp_processor_id();
}


/* See checks/matrix_sample.h. */
void run_matrix_sample_on_cpus(enum config_checks level)
{
	struct access_space space;
	uint64_t free_before = nr_free_pages(), runnable;
	uint32_t self = smp_processor_id();

	if (level == CHECKS_NONE)
		return;
	run = (struct matrix_run){ 0 };
	if (matrix_space_init(&run.space, NULL)) {
		record_hw_check_cpu("smp.matrix_sample", TEST_FAIL, (uint32_t)pgtable_levels(), self,
				    "no memory for the scratch address space");
		return;
	}
	plan = (struct matrix_plan){ 0 };
	plan.known_deviations = matrix_known_deviations();
	access_space_default(&space);
	space.maxphyaddr = boot_cpu_data.x86_phys_bits;
	space.paging_levels = (uint8_t)(1u << pgtable_levels());
	matrix_narrow_to_cpu(&space, run.space.nonx_root != NULL, boot_cpu_has(X86_FEATURE_PKU), NULL);
	runnable = access_model_enumerate(&space, NULL, NULL);
	plan.space = space;
	plan.stride = runnable > MATRIX_SAMPLE_CASES ? matrix_prime_at_least(runnable / MATRIX_SAMPLE_CASES) : 1;
	plan.slices = 1;
	run.plan = &plan;
	boot_cases = 0;

	/* The boot CPU first: the reference the others are compared with. */
	reset_counts(self);
	sample_here(NULL);
	report_cpu(self, runnable, 0);
	for (uint32_t c = 0; c < nr_cpu_ids; c++) {
		if (c == self || !cpu_online(c))
			continue;
		if (pcpu_area[c].features != boot_cpu_data.features) {
			record_hw_check_cpu("smp.matrix_sample", TEST_SKIP, (uint32_t)pgtable_levels(), c,
					    "its CPU features differ from the boot CPU's (check cpu_features): the "
					    "sample, narrowed to the boot CPU's, is not run there");
			continue;
		}
		reset_counts(c);
		int err = smp_call_function_single(c, sample_here, NULL, true);
		report_cpu(c, runnable, err);
	}
	matrix_space_teardown(&run.space);
	flush_tlb_all();
	if (nr_free_pages() != free_before)
		record_hw_check_cpu("smp.matrix_sample", TEST_FAIL, (uint32_t)pgtable_levels(), self,
				    "free frames not as before the sample on every CPU");
}
