/*
 * The checks on every core (checks/check_smp.h).
 *
 * The TLB checks share one pattern, the one of checks/check_tlb.c spread
 * over two CPUs: a page maps frame A, a read on CPU B caches the
 * translation, CPU A switches the PTE to frame B without telling B, and then
 * something is done that must (or may) drop B's translation. What the
 * architecture leaves open (B may drop an entry at any time) is reported;
 * what it promises is asserted.
 */
#include "checks/check_smp.h"
#include "checks/checks.h"
#include "checks/matrix_sample.h"
#include "checks/targeted.h"
#include "base/format.h"
#include "base/string.h"
#include "cpu/apic.h"
#include "cpu/smp.h"
#include "cpu/x86.h"
#include "lib/kprintf.h"
#include "lib/record.h"
#include "lib/tsc.h"
#include "paging/buddy.h"
#include "paging/init.h"
#include "paging/memory.h"
#include "paging/mm_types.h"
#include "paging/page.h"
#include "paging/tlb.h"

#define FRAME_A_PATTERN 0xaaaa00000000aaaaull
#define FRAME_B_PATTERN 0xbbbb00000000bbbbull
#define FRAME_C_PATTERN 0xcccc00000000ccccull

/* The test address space's pages (user half, supervisor entries: kernel mode only). */
#define SMP_TEST_BASE 0x0000300000000000ull      /* PML4 slot 96: no other check uses it */
#define VA_SHOOT      (SMP_TEST_BASE + 0x0000)
#define VA_AD         (SMP_TEST_BASE + 0x2000)
#define VA_GLOBAL     (SMP_TEST_BASE + 0x4000)
#define VA_NONGLOBAL  (SMP_TEST_BASE + 0x6000)
#define VA_ZAP        (SMP_TEST_BASE + 0x8000)
#define VA_LAZY       (SMP_TEST_BASE + 0xa000)
#define VA_BACK       (SMP_TEST_BASE + 0xc000)

#define TSC_ROUNDS 200
#define IPI_WAIT_MS 5000   /* generous: a loaded MTTCG host can keep a virtual CPU off its thread a while */

/* ---- The per-core table ----------------------------------------------------- */

#define TABLE_ROWS 48
static struct {
	char name[32];
	uint8_t result[NR_CPUS];    /* 0 none, else 1 + TEST_PASS/FAIL/SKIP (the worst kept) */
} table[TABLE_ROWS];
static uint32_t table_rows;

/* The check observer (lib/record.h): keeps the worst result per check and CPU. */
static void observe(const char *name, int result, uint32_t cpu)
{
	if (cpu >= NR_CPUS)
		return;
	uint32_t i = 0;
	while (i < table_rows && strcmp(table[i].name, name) != 0)
		i++;
	if (i == table_rows) {
		if (table_rows == TABLE_ROWS)
			return;
		format(table[table_rows++].name, sizeof(table[0].name), "%s", name);
	}
	uint8_t v = (uint8_t)(1 + result), *cell = &table[i].result[cpu];
	static const uint8_t rank[] = { 0, 1, 3, 2 };   /* none < pass < skip < fail */
	if (rank[v] > rank[*cell])
		*cell = v;
}

/* See checks/check_smp.h. */
void smp_checks_observe(void)
{
	record_set_check_observer(observe);
}

/* Draws the table: one row per check that ran on a CPU other than the boot
 * CPU, one column per CPU (up to 32, then counts). */
static void draw_table(void)
{
	uint32_t n = nr_cpu_ids;
	if (n < 2)
		return;
	static const char mark[] = { '.', 'P', 'F', 'S' };
	kprintf("per-core checks (P pass, F fail, S skip, . not run), CPUs 0..%u:\n", n - 1);
	for (uint32_t i = 0; i < table_rows; i++) {
		bool elsewhere = false;
		for (uint32_t c = 1; c < n; c++)
			elsewhere |= table[i].result[c] != 0;
		if (!elsewhere)
			continue;
		char row[128];
		int len = format(row, sizeof(row), "  %-22s ", table[i].name);
		if (n <= 32) {
			for (uint32_t c = 0; c < n; c++)
				row[len++] = mark[table[i].result[c]];
			row[len] = 0;
		} else {
			uint32_t cnt[4] = { 0 };
			for (uint32_t c = 0; c < n; c++)
				cnt[table[i].result[c]]++;
			format(row + len, sizeof(row) - (size_t)len, "pass %u fail %u skip %u", cnt[1], cnt[2], cnt[3]);
		}
		kprintf("%s\n", row);
	}
}

/* ---- Records ---------------------------------------------------------------- */

/* A check record about CPU cpu (its "cpu"), detail formatted. */
static void smp_record(const char *name, int result, uint32_t cpu, const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vformat(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	record_hw_check_cpu(name, result, (uint32_t)pgtable_levels(), cpu, detail);
	if (result == TEST_FAIL)
		kprintf("check %s on CPU %u FAILED: %s\n", name, cpu, detail);
}

/* ---- IPIs and function calls ------------------------------------------------- */

static uint64_t ipi_count(uint32_t cpu)
{
	return __atomic_load_n(&pcpu_area[cpu].ipis_received, __ATOMIC_ACQUIRE);
}

/* Waits up to IPI_WAIT_MS for every other CPU's count to reach want[cpu]. */
static void wait_ipis(const uint64_t *want)
{
	uint64_t end = rdtsc() + tsc_hz / 1000 * IPI_WAIT_MS;
	for (uint32_t c = 1; c < nr_cpu_ids; c++)
		while (ipi_count(c) < want[c] && rdtsc() < end)
			cpu_relax();
}

/*
 * ipi: one IPI addressed to each CPU, then (once each has taken it: two
 * of one vector before the first is serviced are one, the IRR has a bit
 * per vector) one all-but-self shorthand; each must count both.
 */
static void check_ipi(void)
{
	static uint64_t before[NR_CPUS], want[NR_CPUS], first[NR_CPUS];   /* 12 KiB at 512: off the stack */
	for (uint32_t c = 1; c < nr_cpu_ids; c++) {
		before[c] = ipi_count(c);
		want[c] = before[c] + 1;
	}
	bool sent = true;
	for (uint32_t c = 1; c < nr_cpu_ids; c++)
		sent &= smp_send_ipi(c);
	wait_ipis(want);
	for (uint32_t c = 1; c < nr_cpu_ids; c++) {
		first[c] = ipi_count(c) - before[c];
		want[c] = before[c] + 2;
	}
	sent &= smp_send_ipi_allbutself();
	wait_ipis(want);
	for (uint32_t c = 1; c < nr_cpu_ids; c++) {
		uint64_t got = ipi_count(c) - before[c];
		smp_record("smp.ipi", sent && first[c] == 1 && got == 2 ? TEST_PASS : TEST_FAIL, c,
			   "CPU %u (APIC id %u) took %llu CALL_FUNCTION_VECTOR interrupt(s) for the IPI addressed to it "
			   "(want 1), %llu in all after the all-but-self shorthand (want 2); delivery %s", c,
			   pcpu_area[c].apic_id, first[c], got, sent ? "accepted" : "stuck (xAPIC delivery status)");
	}
}

struct whoami {
	uint32_t cpu, apic_id;
	struct cpumask ran;
};

static void whoami_func(void *arg)
{
	struct whoami *w = arg;
	w->cpu = smp_processor_id();
	w->apic_id = read_apic_id();
}

static void mark_func(void *arg)
{
	cpumask_set_cpu(smp_processor_id(), &((struct whoami *)arg)->ran);
}

/* call_function: each CPU runs a function asked of it alone, and one asked of all. */
static void check_call_function(void)
{
	struct whoami all = { 0 };
	struct cpumask mask = { { 0 } };
	for (uint32_t c = 0; c < nr_cpu_ids; c++)
		cpumask_set_cpu(c, &mask);
	uint32_t many = smp_call_function_many(&mask, mark_func, &all, true);
	for (uint32_t c = 1; c < nr_cpu_ids; c++) {
		struct whoami w = { UINT32_MAX, UINT32_MAX, { { 0 } } };
		uint64_t t0 = rdtsc();
		int err = smp_call_function_single(c, whoami_func, &w, true);
		uint64_t rtt = rdtsc() - t0;
		bool ok = !err && w.cpu == c && w.apic_id == pcpu_area[c].apic_id && cpumask_test_cpu(c, &all.ran);
		smp_record("smp.call_function", ok ? TEST_PASS : TEST_FAIL, c,
			   "smp_call_function_single(%u): %d, ran on CPU %u APIC id %u (want %u, %u), round trip %llu "
			   "cycles; smp_call_function_many reached %u CPUs, this one %s",
			   c, err, w.cpu, w.apic_id, c, pcpu_area[c].apic_id, rtt, many,
			   cpumask_test_cpu(c, &all.ran) ? "included" : "missing");
	}
}

/* ---- TSC synchronisation -------------------------------------------------------- */

/* One cache line both CPUs bounce: seq odd = the boot CPU's ping, even = the
 * answer; stop tells the other side to leave, active says it has not yet. */
static struct {
	volatile uint64_t seq;
	volatile uint64_t t_remote;
	volatile uint32_t stop;
	volatile uint32_t active;
} __attribute__((aligned(64))) pingpong;

/* How long the boot CPU waits for one answer (or for the other side to start
 * or to leave) before it calls the other CPU gone. Generous: under MTTCG on a
 * loaded host a virtual CPU's thread can be off the host CPU for a long while,
 * and a slow answer is no skew. */
#define TSC_PONG_TIMEOUT_MS 5000

/* The remote side: TSC_ROUNDS answers, each the TSC read after seeing the
 * ping; leaves early when the boot CPU sets stop (it gave up waiting), so a
 * late CPU never stays in this loop to answer the next CPU's pings. */
static void tsc_pong(void *arg)
{
	(void)arg;
	for (uint64_t r = 0; r < TSC_ROUNDS; r++) {
		while (__atomic_load_n(&pingpong.seq, __ATOMIC_ACQUIRE) != 2 * r + 1) {
			if (__atomic_load_n(&pingpong.stop, __ATOMIC_ACQUIRE))
				goto out;
			cpu_relax();
		}
		pingpong.t_remote = rdtsc_ordered();
		__atomic_store_n(&pingpong.seq, 2 * r + 2, __ATOMIC_RELEASE);
	}
out:
	__atomic_store_n(&pingpong.active, 0, __ATOMIC_RELEASE);
}

/* Waits up to TSC_PONG_TIMEOUT_MS for pingpong.active to become 0; returns whether it did. */
static bool tsc_pong_left(void)
{
	uint64_t t0 = rdtsc(), limit = (tsc_hz ? tsc_hz : 1000000000ull) / 1000 * TSC_PONG_TIMEOUT_MS;
	while (__atomic_load_n(&pingpong.active, __ATOMIC_ACQUIRE))
		if (rdtsc() - t0 > limit)
			return false;
	return true;
}

/*
 * tsc_sync: in each round the boot CPU reads t0, pings, waits for the
 * answer and reads t2; the other CPU read t1 in between, so its offset
 * (its TSC minus ours) lies in [t1 - t2, t1 - t0]. The intersection over
 * all rounds bounds it; a bound that excludes 0 proves a skew, which fails
 * when it exceeds TSC_SKEW_LIMIT_CYCLES. The estimate is the middle of the
 * tightest round. An answer missing for TSC_PONG_TIMEOUT_MS fails the check;
 * the other side is then told to stop and waited for, so the next CPU's
 * ping-pong starts alone.
 */
static void check_tsc_sync(uint32_t cpu)
{
	if (!boot_cpu_has(X86_FEATURE_TSC)) {
		smp_record("smp.tsc_sync", TEST_SKIP, cpu, "no TSC");
		return;
	}
	if (__atomic_load_n(&pingpong.active, __ATOMIC_ACQUIRE)) {
		smp_record("smp.tsc_sync", TEST_FAIL, cpu, "a CPU checked before never left its ping-pong");
		return;
	}
	__atomic_store_n(&pingpong.seq, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&pingpong.stop, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&pingpong.active, 1, __ATOMIC_RELEASE);
	int err = smp_call_function_single(cpu, tsc_pong, NULL, false);
	if (err) {
		__atomic_store_n(&pingpong.active, 0, __ATOMIC_RELEASE);
		smp_record("smp.tsc_sync", TEST_FAIL, cpu, "could not start the other side: %d", err);
		return;
	}
	int64_t lo = INT64_MIN, hi = INT64_MAX, best_mid = 0;
	uint64_t best_rtt = UINT64_MAX, timeout = (tsc_hz ? tsc_hz : 1000000000ull) / 1000 * TSC_PONG_TIMEOUT_MS;
	bool lost = false;
	uint64_t answered = 0;
	for (uint64_t r = 0; r < TSC_ROUNDS && !lost; r++) {
		uint64_t t0 = rdtsc_ordered();
		__atomic_store_n(&pingpong.seq, 2 * r + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&pingpong.seq, __ATOMIC_ACQUIRE) != 2 * r + 2)
			if (rdtsc() - t0 > timeout) {
				lost = true;
				break;
			}
		uint64_t t2 = rdtsc_ordered();
		if (lost)
			break;
		answered++;
		int64_t t1 = (int64_t)pingpong.t_remote;
		int64_t l = t1 - (int64_t)t2, h = t1 - (int64_t)t0;
		lo = l > lo ? l : lo;
		hi = h < hi ? h : hi;
		if (t2 - t0 < best_rtt) {
			best_rtt = t2 - t0;
			best_mid = t1 - (int64_t)(t0 + (t2 - t0) / 2);
		}
	}
	/* The other side finishes its loop, or leaves it on stop when we lost it. */
	if (lost)
		__atomic_store_n(&pingpong.stop, 1, __ATOMIC_RELEASE);
	bool left = tsc_pong_left();
	if (lost) {
		smp_record("smp.tsc_sync", TEST_FAIL, cpu, "the other CPU answered %llu of %u pings, then none for %u ms; "
			   "told to stop it %s", answered, TSC_ROUNDS, TSC_PONG_TIMEOUT_MS,
			   left ? "left its loop" : "did not leave its loop either");
		return;
	}
	int64_t proven = lo > 0 ? lo : hi < 0 ? -hi : 0;
	bool ok = proven <= TSC_SKEW_LIMIT_CYCLES;
	smp_record("smp.tsc_sync", ok ? TEST_PASS : TEST_FAIL, cpu,
		   "CPU %u's TSC minus CPU 0's: estimate %lld cycles (round trip %llu), bounded to [%lld, %lld] by "
		   "%u ping-pongs; proven skew %lld cycles (limit %u)",
		   cpu, best_mid, best_rtt, lo, hi, TSC_ROUNDS, proven, TSC_SKEW_LIMIT_CYCLES);
}

/* ---- The targeted checks on each CPU --------------------------------------------- */

static void run_checks_here(void *arg)
{
	run_checks(*(enum config_checks *)arg);
}

/* ---- TLB coherence ----------------------------------------------------------------- */

/* A test address space of its own: a root whose kernel half is the kernel's,
 * and only the test pages in the user half. Only pgd and mm_cpumask are used. */
static struct mm_struct test_mm;
static struct page *frame_a, *frame_b;
/* A second, empty space (the kernel half only) to switch to and back from
 * (smp.tlb_switch_back): with PCIDs test_mm's entries survive the visit. */
static struct mm_struct other_mm;

/* The frame a read of va sees on this CPU: 'A', 'B' or '?' (a fault, anything else). */
static char frame_seen(uint64_t va)
{
	struct probe_result r;
	uint64_t v;
	if (kernel_read(va, &v, &r))
		return '?';
	return v == FRAME_A_PATTERN ? 'A' : v == FRAME_B_PATTERN ? 'B' : v == FRAME_C_PATTERN ? 'C' : '?';
}

struct remote_op {
	uint64_t va;
	char seen;
	bool write_fault;
};

static void remote_load_test_mm(void *arg) { (void)arg; switch_mm(&test_mm); }
static void remote_enter_lazy(void *arg) { (void)arg; enter_lazy_tlb(); }
static void remote_lazy_state(void *arg)
{
	bool *lazy = arg;
	*lazy = this_cpu_read(tlb_is_lazy) && this_cpu_read(loaded_mm) == &test_mm;
}
static void remote_unload(void *arg) { (void)arg; switch_mm(NULL); }
static void remote_load_other_mm(void *arg) { (void)arg; switch_mm(&other_mm); }
static void remote_pcid_on(void *arg) { *(bool *)arg = this_cpu_read(pcid_on); }
/* Reads o->va after switching back to test_mm. */
static void remote_back_read(void *arg)
{
	struct remote_op *o = arg;
	switch_mm(&test_mm);
	o->seen = frame_seen(o->va);
}
static void remote_read(void *arg) { struct remote_op *o = arg; o->seen = frame_seen(o->va); }
static void remote_write(void *arg)
{
	struct remote_op *o = arg;
	struct probe_result r;
	o->write_fault = kernel_write(o->va, FRAME_A_PATTERN, &r);
}
static void remote_cr3_reload_read(void *arg)
{
	struct remote_op *o = arg;
	flush_tlb_local();
	o->seen = frame_seen(o->va);
}

/* What CPU cpu sees at va now. */
static char seen_on(uint32_t cpu, uint64_t va)
{
	struct remote_op o = { va, '?', false };
	if (smp_call_function_single(cpu, remote_read, &o, true))
		return '!';
	return o.seen;
}

static uint64_t *test_pte(uint64_t va)
{
	return (uint64_t *)walk_pte(test_mm.pgd, va, false, NULL);
}

/* Points va's leaf at frame b without any flush. */
static void repoint_no_flush(uint64_t va, struct page *b)
{
	uint64_t *pte = test_pte(va);
	uint64_t v = __atomic_load_n(pte, __ATOMIC_RELAXED);
	__atomic_store_n(pte, (v & ~PTE_PFN_MASK) | page_to_phys(b), __ATOMIC_SEQ_CST);
}

/* Maps va -> frame a with prot in the test space. */
static int test_map(uint64_t va, struct page *f, uint64_t prot)
{
	return map_range(test_mm.pgd, va, page_to_phys(f), PAGE_SIZE, __pgprot(prot), PG_LEVEL_4K);
}

/* Builds the test space and the two frames; 0 or -ENOMEM (nothing kept). */
static int test_mm_setup(void)
{
	memset(&test_mm, 0, sizeof(test_mm));
	memset(&other_mm, 0, sizeof(other_mm));   /* a new ctx_id each: switch_mm gives them one */
	uint64_t root = pgtable_alloc_page(NULL), other_root = pgtable_alloc_page(NULL);
	frame_a = alloc_page();
	frame_b = alloc_page();
	if (!root || !other_root || !frame_a || !frame_b) {
		if (root)
			pgtable_free_page(NULL, root);
		if (other_root)
			pgtable_free_page(NULL, other_root);
		if (frame_a)
			__free_page(frame_a);
		if (frame_b)
			__free_page(frame_b);
		return -ENOMEM;
	}
	test_mm.pgd = (pgd_t *)__va(root);
	memset(test_mm.pgd, 0, PAGE_SIZE);
	pgd_copy_kernel_half(test_mm.pgd);
	other_mm.pgd = (pgd_t *)__va(other_root);
	memset(other_mm.pgd, 0, PAGE_SIZE);
	pgd_copy_kernel_half(other_mm.pgd);
	*(uint64_t *)page_address(frame_a) = FRAME_A_PATTERN;
	*(uint64_t *)page_address(frame_b) = FRAME_B_PATTERN;
	return 0;
}

/* Gives it all back (after every CPU left it): tables, root, frames, and
 * every CPU's TLB flushed (the global test entry). */
static void test_mm_teardown(void)
{
	free_pgtables(test_mm.pgd, 0, TASK_SIZE_MAX + PAGE_SIZE);
	pgtable_free_page(NULL, __pa(test_mm.pgd));
	test_mm.pgd = NULL;
	pgtable_free_page(NULL, __pa(other_mm.pgd));
	other_mm.pgd = NULL;
	__free_page(frame_a);
	__free_page(frame_b);
	flush_tlb_all_cpus();
}

/*
 * tlb_invlpg_local and tlb_shootdown: B caches VA_SHOOT -> A; CPU 0 points
 * it at B and runs INVLPG itself: it must see B, while B may still see A
 * (INVLPG is local: the hazard, shown on purpose). Then flush_tlb_mm_range
 * shoots it down (an IPI, INVLPG on B): B must see B.
 */
static void check_shootdown(uint32_t cpu)
{
	if (test_map(VA_SHOOT, frame_a, PROT_KDATA)) {
		smp_record("smp.tlb_shootdown", TEST_FAIL, cpu, "could not map the test page");
		return;
	}
	char here0 = frame_seen(VA_SHOOT), there0 = seen_on(cpu, VA_SHOOT);
	repoint_no_flush(VA_SHOOT, frame_b);
	flush_tlb_page(VA_SHOOT);
	char here1 = frame_seen(VA_SHOOT), there1 = seen_on(cpu, VA_SHOOT);
	bool in_mask = cpumask_test_cpu(cpu, mm_cpumask(&test_mm));
	uint64_t ipis = tlb_shootdown_stats.ipis;
	flush_tlb_mm_range(&test_mm, VA_SHOOT, VA_SHOOT + PAGE_SIZE, PAGE_SHIFT, false);
	uint64_t sent = tlb_shootdown_stats.ipis - ipis;
	char there2 = seen_on(cpu, VA_SHOOT);
	smp_record("smp.tlb_invlpg_local", here0 == 'A' && there0 == 'A' && here1 == 'B' &&
		   (there1 == 'A' || there1 == 'B') ? TEST_PASS : TEST_FAIL, cpu,
		   "both saw %c/%c; PTE switched, INVLPG on CPU 0: CPU 0 sees %c (must be B), CPU %u sees %c (%s)",
		   here0, there0, here1, cpu, there1,
		   there1 == 'A' ? "its stale entry survived: the hazard a shootdown exists for" :
		   there1 == 'B' ? "it re-walked anyway, which is allowed" : "unexpected");
	smp_record("smp.tlb_shootdown", there0 == 'A' && in_mask && sent >= 1 && there2 == 'B' ? TEST_PASS : TEST_FAIL, cpu,
		   "CPU %u in mm_cpumask %d; before the shootdown it saw %c%s; flush_tlb_mm_range sent %llu IPIs; "
		   "after it CPU %u sees %c (must be B)", cpu, in_mask, there1,
		   there1 == 'A' ? " (stale)" : "", sent, cpu, there2);
}

/*
 * tlb_ad_cross_cpu: a page whose PTE has A and D clear; a read on CPU B
 * sets A (seen from CPU 0, D still clear), a write on B sets D.
 */
static void check_ad_cross(uint32_t cpu)
{
	if (test_map(VA_AD, frame_a, PROT_KDATA & ~(_PAGE_ACCESSED | _PAGE_DIRTY))) {
		smp_record("smp.tlb_ad_cross_cpu", TEST_FAIL, cpu, "could not map the test page");
		return;
	}
	uint64_t *pte = test_pte(VA_AD);
	flush_tlb_mm_range(&test_mm, VA_AD, VA_AD + PAGE_SIZE, PAGE_SHIFT, false);
	uint64_t v0 = __atomic_load_n(pte, __ATOMIC_SEQ_CST);
	char r = seen_on(cpu, VA_AD);
	uint64_t v1 = __atomic_load_n(pte, __ATOMIC_SEQ_CST);
	struct remote_op o = { VA_AD, '?', true };
	int err = smp_call_function_single(cpu, remote_write, &o, true);
	uint64_t v2 = __atomic_load_n(pte, __ATOMIC_SEQ_CST);
	bool ok = !(v0 & (_PAGE_ACCESSED | _PAGE_DIRTY)) && r == 'A' && (v1 & _PAGE_ACCESSED) && !(v1 & _PAGE_DIRTY) &&
		  !err && !o.write_fault && (v2 & _PAGE_DIRTY);
	smp_record("smp.tlb_ad_cross_cpu", ok ? TEST_PASS : TEST_FAIL, cpu,
		   "PTE A/D seen by CPU 0: before %d/%d, after CPU %u read (saw %c) %d/%d (want 1/0), after its write "
		   "(%s) %d/%d (want D 1)", !!(v0 & _PAGE_ACCESSED), !!(v0 & _PAGE_DIRTY), cpu, r,
		   !!(v1 & _PAGE_ACCESSED), !!(v1 & _PAGE_DIRTY), err || o.write_fault ? "faulted" : "ok",
		   !!(v2 & _PAGE_ACCESSED), !!(v2 & _PAGE_DIRTY));
}

/*
 * tlb_global_cr3_reload: a global and a non-global page, cached on both
 * CPUs, switched to frame B without a flush; each CPU reloads CR3: the
 * non-global entry must be gone on both, the global one may survive
 * (reported per CPU: the architecture keeps it unless evicted); then
 * flush_tlb_all on every CPU must drop it.
 */
static void check_global_cr3(uint32_t cpu)
{
	bool pge = read_cr4() & X86_CR4_PGE;
	if (test_map(VA_GLOBAL, frame_a, PROT_KDATA | _PAGE_GLOBAL) || test_map(VA_NONGLOBAL, frame_a, PROT_KDATA)) {
		smp_record("smp.tlb_global_cr3_reload", TEST_FAIL, cpu, "could not map the test pages");
		return;
	}
	char g0 = frame_seen(VA_GLOBAL), n0 = frame_seen(VA_NONGLOBAL);
	char rg0 = seen_on(cpu, VA_GLOBAL), rn0 = seen_on(cpu, VA_NONGLOBAL);
	repoint_no_flush(VA_GLOBAL, frame_b);
	repoint_no_flush(VA_NONGLOBAL, frame_b);
	flush_tlb_local();
	char g1 = frame_seen(VA_GLOBAL), n1 = frame_seen(VA_NONGLOBAL);
	struct remote_op og = { VA_GLOBAL, '?', false }, on = { VA_NONGLOBAL, '?', false };
	smp_call_function_single(cpu, remote_cr3_reload_read, &on, true);
	smp_call_function_single(cpu, remote_cr3_reload_read, &og, true);
	flush_tlb_all_cpus();
	char g2 = frame_seen(VA_GLOBAL), rg2 = seen_on(cpu, VA_GLOBAL);
	bool ok = g0 == 'A' && n0 == 'A' && rg0 == 'A' && rn0 == 'A' && n1 == 'B' && on.seen == 'B' &&
		  (g1 == 'A' || g1 == 'B') && (og.seen == 'A' || og.seen == 'B') && g2 == 'B' && rg2 == 'B';
	smp_record("smp.tlb_global_cr3_reload", ok ? TEST_PASS : TEST_FAIL, cpu,
		   "CR4.PGE %d; after a CR3 reload the non-global page reads %c on CPU 0 and %c on CPU %u (must be B); "
		   "the global page %c on CPU 0 and %c on CPU %u (A: survived, B: dropped, which is allowed); after "
		   "flush_tlb_all on every CPU %c and %c (must be B)",
		   pge, n1, on.seen, cpu, g1, og.seen, cpu, g2, rg2);
}

/*
 * tlb_zap_gather: the teardown path itself (zap_page_range: mmu_gather, then
 * flush_tlb_mm_range, then the frame freed). CPU B caches VA_ZAP -> a frame
 * of its own (C); CPU 0 zaps it. When zap_page_range returns the frame is
 * back in the allocator, so B must fault on VA_ZAP: a read that still
 * found C would be a read of a free frame.
 */
static void check_zap_gather(uint32_t cpu)
{
	struct page *c = alloc_page();
	if (!c || test_map(VA_ZAP, c, PROT_KDATA)) {
		if (c)
			__free_page(c);
		smp_record("smp.tlb_zap_gather", TEST_FAIL, cpu, "could not map the test page");
		return;
	}
	*(uint64_t *)page_address(c) = FRAME_C_PATTERN;
	page_mapcount_inc(c);   /* the pte's map count; its reference is the allocation's */
	char before = seen_on(cpu, VA_ZAP);
	uint64_t ipis = tlb_shootdown_stats.ipis, free_before = nr_free_pages();
	zap_page_range(&test_mm, VA_ZAP, VA_ZAP + PAGE_SIZE);
	uint64_t sent = tlb_shootdown_stats.ipis - ipis, free_after = nr_free_pages();
	test_mm.rss_stat[MM_FILEPAGES] = 0;   /* zap counted the page out of a counter it never entered */
	char after = seen_on(cpu, VA_ZAP), here = frame_seen(VA_ZAP);
	smp_record("smp.tlb_zap_gather", before == 'C' && sent >= 1 && after == '?' && here == '?' ? TEST_PASS : TEST_FAIL,
		   cpu, "CPU %u cached the page (saw %c, want C); zap_page_range sent %llu IPIs, freed frames %llu -> %llu; "
		   "then CPU %u reads %c and CPU 0 %c (want a fault, ?, on both)", cpu, before, sent, free_before,
		   free_after, cpu, after, here);
}

/*
 * tlb_lazy: CPU B has the test space loaded and enters lazy TLB mode (as
 * when kswapd runs there); CPU 0 switches VA_LAZY to another frame and
 * flushes: B gets no IPI (it is skipped, marked instead) but stays in the
 * mask. When B leaves lazy mode for the same space it must see the new
 * frame. A flush that frees tables reaches a lazy B, which then leaves the
 * space for the kernel's tables (Linux 6.1).
 */
static void check_lazy(uint32_t cpu)
{
	if (test_map(VA_LAZY, frame_a, PROT_KDATA)) {
		smp_record("smp.tlb_lazy", TEST_FAIL, cpu, "could not map the test page");
		return;
	}
	char there0 = seen_on(cpu, VA_LAZY);
	bool lazy = false;
	smp_call_function_single(cpu, remote_enter_lazy, NULL, true);
	smp_call_function_single(cpu, remote_lazy_state, &lazy, true);
	repoint_no_flush(VA_LAZY, frame_b);
	uint64_t ipis = tlb_shootdown_stats.ipis, skipped = tlb_shootdown_stats.lazy_skipped;
	flush_tlb_mm_range(&test_mm, VA_LAZY, VA_LAZY + PAGE_SIZE, PAGE_SHIFT, false);
	uint64_t sent = tlb_shootdown_stats.ipis - ipis, skip = tlb_shootdown_stats.lazy_skipped - skipped;
	bool in_mask = cpumask_test_cpu(cpu, mm_cpumask(&test_mm));
	smp_call_function_single(cpu, remote_load_test_mm, NULL, true);   /* leaves lazy mode */
	char there1 = seen_on(cpu, VA_LAZY);
	/* Lazy again; a flush that frees tables must reach it and make it leave. */
	smp_call_function_single(cpu, remote_enter_lazy, NULL, true);
	ipis = tlb_shootdown_stats.ipis;
	flush_tlb_mm_range(&test_mm, VA_LAZY, VA_LAZY + PAGE_SIZE, PAGE_SHIFT, true);
	uint64_t sent_freed = tlb_shootdown_stats.ipis - ipis;
	bool left = !cpumask_test_cpu(cpu, mm_cpumask(&test_mm)) && pcpu_area[cpu].loaded_mm == NULL;
	smp_call_function_single(cpu, remote_load_test_mm, NULL, true);   /* back, for the next checks */
	bool ok = there0 == 'A' && lazy && sent == 0 && skip == 1 && in_mask && there1 == 'B' && sent_freed == 1 && left;
	smp_record("smp.tlb_lazy", ok ? TEST_PASS : TEST_FAIL, cpu,
		   "CPU %u lazy %d (saw %c); a flush sent it %llu IPIs, skipped %llu (want 0, 1), in mm_cpumask %d; "
		   "leaving lazy mode it sees %c (want B); a flush freeing tables sent %llu IPIs (want 1) and it left the "
		   "space %d", cpu, lazy, there0, sent, skip, in_mask, there1, sent_freed, left);
}

/*
 * tlb_switch_back (PCID, Linux's per-mm TLB generations): CPU B caches
 * VA_BACK -> A in test_mm, switches to other_mm (leaving test_mm's
 * mm_cpumask) and back. First the hazard, on purpose: CPU 0 repoints the
 * PTE to B with no flush at all; coming back, B may still see A (with PCIDs
 * its entries were kept under test_mm's PCID: reported). Then the fix:
 * B reloads CR3 (sees B), leaves again, CPU 0 repoints to A and calls
 * flush_tlb_mm_range, which sends B no IPI (it is not in the mask) but
 * moves test_mm's generation; coming back, B must see A - never the stale
 * B its PCID may still hold.
 */
static void check_switch_back(uint32_t cpu)
{
	if (test_map(VA_BACK, frame_a, PROT_KDATA)) {
		smp_record("smp.tlb_switch_back", TEST_FAIL, cpu, "could not map the test page");
		return;
	}
	bool pcid = false;
	smp_call_function_single(cpu, remote_pcid_on, &pcid, true);
	char there0 = seen_on(cpu, VA_BACK);
	smp_call_function_single(cpu, remote_load_other_mm, NULL, true);
	bool left = !cpumask_test_cpu(cpu, mm_cpumask(&test_mm));
	repoint_no_flush(VA_BACK, frame_b);
	struct remote_op hazard = { VA_BACK, '?', false };
	smp_call_function_single(cpu, remote_back_read, &hazard, true);
	struct remote_op reload = { VA_BACK, '?', false };
	smp_call_function_single(cpu, remote_cr3_reload_read, &reload, true);
	smp_call_function_single(cpu, remote_load_other_mm, NULL, true);
	repoint_no_flush(VA_BACK, frame_a);
	uint64_t ipis = tlb_shootdown_stats.ipis;
	flush_tlb_mm_range(&test_mm, VA_BACK, VA_BACK + PAGE_SIZE, PAGE_SHIFT, false);
	uint64_t sent = tlb_shootdown_stats.ipis - ipis;
	struct remote_op fixed = { VA_BACK, '?', false };
	smp_call_function_single(cpu, remote_back_read, &fixed, true);
	bool ok = there0 == 'A' && left && (hazard.seen == 'A' || hazard.seen == 'B') && reload.seen == 'B' &&
		  sent == 0 && fixed.seen == 'A';
	smp_record("smp.tlb_switch_back", ok ? TEST_PASS : TEST_FAIL, cpu,
		   "CPU %u (PCID %s) saw %c, switched to another mm (left mm_cpumask %d); PTE switched with no flush: "
		   "back, it sees %c (%s); after a CR3 reload %c (must be B); away again, PTE switched back and "
		   "flush_tlb_mm_range (%llu IPIs, want 0: not in the mask): back, it sees %c (must be A: the "
		   "generation moved)", cpu, pcid ? "on" : "off", there0, left, hazard.seen,
		   hazard.seen == 'A' ? "stale: its PCID kept the entry, the hazard generations exist for" :
		   hazard.seen == 'B' ? "dropped: the switch flushed, or the CPU evicted it" : "unexpected",
		   reload.seen, sent, fixed.seen);
}

/* The TLB checks against one CPU on a fresh test space. */
static void check_tlb_coherence(uint32_t cpu)
{
	static const char *const names[] = { "smp.tlb_invlpg_local", "smp.tlb_shootdown", "smp.tlb_ad_cross_cpu",
					     "smp.tlb_global_cr3_reload", "smp.tlb_zap_gather", "smp.tlb_lazy",
					     "smp.tlb_switch_back" };
	if (test_mm_setup() < 0) {
		for (uint32_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			smp_record(names[i], TEST_FAIL, cpu, "no memory for the test address space");
		return;
	}
	switch_mm(&test_mm);
	smp_call_function_single(cpu, remote_load_test_mm, NULL, true);
	check_shootdown(cpu);
	check_ad_cross(cpu);
	check_global_cr3(cpu);
	check_zap_gather(cpu);
	check_lazy(cpu);
	check_switch_back(cpu);
	smp_call_function_single(cpu, remote_unload, NULL, true);
	switch_mm(NULL);
	bool left = !cpumask_empty(&test_mm.cpu_bitmap) || !cpumask_empty(&other_mm.cpu_bitmap);
	test_mm_teardown();
	if (left)
		smp_record("smp.tlb_shootdown", TEST_FAIL, cpu, "mm_cpumask not empty after every CPU left the test space");
}

/* ---- The run ------------------------------------------------------------------------ */

/* See checks/check_smp.h. */
void run_smp_checks(enum config_checks level)
{
	if (level != CHECKS_NONE && num_online_cpus() > 1) {
		uint64_t free_before = nr_free_pages();
		check_ipi();
		check_call_function();
		for (uint32_t c = 1; c < nr_cpu_ids; c++)
			if (cpu_online(c))
				check_tsc_sync(c);
		for (uint32_t c = 1; c < nr_cpu_ids; c++) {
			if (!cpu_online(c))
				continue;
			kprintf("checks on CPU %u:\n", c);
			smp_call_function_single(c, run_checks_here, &level, true);
		}
		run_matrix_sample_on_cpus(level);   /* matrix: checks/matrix_sample.h */
		for (uint32_t c = 1; c < nr_cpu_ids; c++)
			if (cpu_online(c))
				check_tlb_coherence(c);
		uint64_t free_after = nr_free_pages();
		smp_record("smp.cleanup", free_after == free_before ? TEST_PASS : TEST_FAIL, 0,
			   "free frames %llu -> %llu across the per-core checks; shootdowns %llu, with IPIs %llu, "
			   "CPUs interrupted %llu, lazy CPUs skipped %llu; PCID %s: mm loads that kept the PCID's entries "
			   "%llu, flushed a PCID whose generation was behind %llu", free_before, free_after,
			   tlb_shootdown_stats.flushes, tlb_shootdown_stats.remote, tlb_shootdown_stats.ipis,
			   tlb_shootdown_stats.lazy_skipped, tlb_use_pcid ? "on" : "off",
			   tlb_shootdown_stats.noflush_loads, tlb_shootdown_stats.generation_flushes);
	}
	draw_table();
}
