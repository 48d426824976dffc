/*
 * bench_tlb_shootdown: what removing a translation costs when other CPUs
 * may have it cached (docs/bench.md, "Many CPUs"). The main thread, pinned
 * to the first CPU, and t = 0..N-1 target threads of the same process, each
 * pinned to a CPU of its own, share one page A. Per repetition:
 *
 *   the main thread maps A afresh (MAP_FIXED) and writes it; it bumps a
 *   generation word; every target reads A (its TLB now holds A) and
 *   acknowledges; then the main thread times, with the harness's bracket,
 *
 *     munmap    munmap(A, 4096): the entry cleared and every CPU that may
 *               cache it flushed before the frame is freed (Linux's
 *               flush_tlb_mm_range: an IPI to each, waited for)
 *     mprotect  (A mapped and read by all again) mprotect(A, 4096, PROT_READ):
 *               the entry write-protected and the same flush
 *
 * The targets keep running in the process between repetitions (spinning on
 * the generation word, yielding now and then), so their CPUs stay in the
 * mm's CPU mask and cannot be skipped as lazy. t = 0 is the local flush
 * alone. With fewer CPUs than threads the targets share CPUs and
 * `cpus_used` says so: nothing is then remote. One `bench` record per class
 * and t, with `targets` t and `cpus_used`. Arguments: --tasks N (threads in
 * all, main included: default the CPUs of the affinity mask), --reps R
 * (default 500), --raw.
 */
#include "user/bench/scale.h"
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_tlb_shootdown);

#define SPINS_BEFORE_YIELD 256
#define WARM_REPS 16
#define RAW_PER_RECORD 200

struct target {
	volatile uint64_t ack;   /* the last generation this target read A in */
	int32_t cpu;
	uint8_t pad[52];
};

static struct {
	volatile uint64_t gen;
	uint8_t pad0[56];
	volatile uint32_t quit;
	volatile uint32_t ready;
	uint8_t pad1[56];
	struct target t[BENCH_MAX_TASKS];
	uintptr_t page;
	struct bench_cpus cpus;
} sd __attribute__((aligned(64)));

/* Spins a while, then yields the CPU (which, when it is shared, lets the others run). */
static void relax(uint32_t *spins)
{
	if (++*spins % SPINS_BEFORE_YIELD == 0)
		sys_sched_yield();
	else
		__asm__ volatile("pause");
}

/* A target thread: pin, then read A whenever the generation moves. */
static void target_body(void *arg, uint32_t index)
{
	(void)arg;
	struct target *me = &sd.t[index];
	bench_pin(sd.cpus.cpu[(index + 1) % sd.cpus.n]);
	me->cpu = (int32_t)bench_getcpu();
	__atomic_fetch_add(&sd.ready, 1, __ATOMIC_SEQ_CST);
	uint64_t seen = 0;
	uint32_t spins = 0;
	while (!sd.quit) {
		uint64_t g = sd.gen;
		if (g != seen) {
			(void)peek8(sd.page);
			me->ack = g;
			seen = g;
		} else {
			relax(&spins);
		}
	}
}

/* Maps A afresh, writes it, and has every target read it. Returns 0 or -errno. */
static long share_page(uint32_t targets)
{
	long a = sys_mmap((void *)sd.page, PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (a < 0)
		return a;
	poke8(sd.page, 1);
	uint64_t g = ++sd.gen;
	uint32_t spins = 0;
	for (uint32_t i = 0; i < targets; i++)
		while (sd.t[i].ack != g)
			relax(&spins);
	return 0;
}

/* Writes class cls's samples for t targets (bench_samples with raw, then bench). Returns 0 or -errno. */
static long report(const char *cls, uint64_t *samples, uint64_t n, uint32_t t, uint32_t used,
		   uint64_t empty, uint64_t reps, bool raw)
{
	for (uint64_t first = 0; raw && first < n; first += RAW_PER_RECORD) {
		struct json j;
		scale_record_begin(&j, "bench_samples");
		json_str(&j, "workload", "tlb_shootdown");
		json_str(&j, "class", cls);
		json_u64(&j, "targets", t);
		json_u64(&j, "first", first);
		json_array_begin(&j, "samples");
		for (uint64_t i = first; i < n && i < first + RAW_PER_RECORD; i++)
			json_u64(&j, 0, samples[i]);
		json_close(&j);
		long e = scale_record_emit(&j);
		if (e < 0)
			return e;
	}
	struct json j;
	scale_record_begin(&j, "bench");
	json_str(&j, "workload", "tlb_shootdown");
	json_str(&j, "class", cls);
	json_u64(&j, "targets", t);
	scale_json_stats(&j, samples, n, empty);
	json_u64(&j, "cpus_used", used);
	json_u64(&j, "reps", reps);
	return scale_record_emit(&j);
}

/* Writes a bench_error record; returns 1. */
static int fail(const char *what, long err, uint32_t t)
{
	struct json j;
	scale_record_begin(&j, "bench_error");
	json_str(&j, "workload", "tlb_shootdown");
	json_u64(&j, "targets", t);
	json_str(&j, "what", what);
	json_i64(&j, "error", err);
	scale_record_emit(&j);
	return 1;
}

/* Parses "--tasks N --reps R --raw". Returns 0 or -EINVAL. */
static long parse(int argc, char **argv, uint64_t *tasks, uint64_t *reps, bool *raw)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--raw") == 0) {
			*raw = true;
			continue;
		}
		if (i + 1 >= argc)
			return -EINVAL;
		uint64_t *out = strcmp(argv[i], "--tasks") == 0 ? tasks : strcmp(argv[i], "--reps") == 0 ? reps : 0;
		uint64_t hi = out == tasks ? BENCH_MAX_TASKS : 1000000, v = 0;
		const char *s = argv[++i];
		if (!out || !*s)
			return -EINVAL;
		for (; *s; s++) {
			if (*s < '0' || *s > '9' || v > hi)
				return -EINVAL;
			v = v * 10 + (uint64_t)(*s - '0');
		}
		if (v < 1 || v > hi)
			return -EINVAL;
		*out = v;
	}
	return 0;
}

/* One point: t targets; times reps munmaps and mprotects into the two arrays. */
static int run_point(uint32_t t, uint64_t reps, uint64_t *mu, uint64_t *mp, uint64_t empty, bool raw)
{
	struct bench_tasks tasks;
	sd.quit = 0;
	sd.ready = 0;
	for (uint32_t i = 0; i < t; i++)
		sd.t[i].ack = sd.gen;
	if (t) {
		long e = bench_tasks_start(&tasks, BENCH_THREADS, t, target_body, 0);
		if (e < 0)
			return fail("clone", e, t);
		uint32_t spins = 0;
		while (sd.ready < t)
			relax(&spins);
	}
	long err = 0;
	for (uint64_t rep = 0; rep < reps + WARM_REPS && !err; rep++) {
		uint64_t t0, d;
		if ((err = share_page(t)) < 0)
			break;
		t0 = rdtsc_ordered();
		err = sys_munmap((void *)sd.page, PAGE_SIZE);
		d = bench_tsc_end() - t0;
		if (rep >= WARM_REPS)
			mu[rep - WARM_REPS] = d > empty ? d - empty : 0;
		if (err < 0 || (err = share_page(t)) < 0)
			break;
		t0 = rdtsc_ordered();
		err = sys_mprotect((void *)sd.page, PAGE_SIZE, PROT_READ);
		d = bench_tsc_end() - t0;
		if (rep >= WARM_REPS)
			mp[rep - WARM_REPS] = d > empty ? d - empty : 0;
	}
	sd.quit = 1;
	if (t)
		bench_tasks_join(&tasks);
	if (err < 0)
		return fail("mmap/munmap/mprotect", err, t);
	uint64_t seen = 1ull << (bench_getcpu() & 63);
	for (uint32_t i = 0; i < t; i++)
		seen |= 1ull << (sd.t[i].cpu & 63);
	uint32_t used = (uint32_t)__builtin_popcountll(seen);
	if (report("munmap", mu, reps, t, used, empty, reps, raw) < 0 ||
	    report("mprotect", mp, reps, t, used, empty, reps, raw) < 0)
		return 1;
	return 0;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	long n = bench_cpus_read(&sd.cpus);
	if (n < 0) {
		sd.cpus.n = 1;
		sd.cpus.cpu[0] = 0;
	}
	uint64_t tasks = sd.cpus.n, reps = 500;
	bool raw = false;
	if (parse(argc, argv, &tasks, &reps, &raw) < 0) {
		rt_printf(2, "usage: %s [--tasks N (1..%u)] [--reps R] [--raw]\n", argc > 0 ? argv[0] : "bench_tlb_shootdown",
			  BENCH_MAX_TASKS);
		return 2;
	}
	bench_have_rdtscp = cpu_has_rdtscp();
	uint64_t empty = UINT64_MAX;
	for (uint32_t i = 0; i < BENCH_EMPTY_BRACKETS; i++) {
		uint64_t t0 = rdtsc_ordered(), d = bench_tsc_end() - t0;
		empty = d < empty ? d : empty;
	}
	long mu = bench_alloc_prefaulted(reps * 8), mp = bench_alloc_prefaulted(reps * 8);
	long a = sys_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mu < 0 || mp < 0 || a < 0)
		return fail("set-up", mu < 0 ? mu : mp < 0 ? mp : a, 0);
	sd.page = (uintptr_t)a;
	bench_pin(sd.cpus.cpu[0]);
	for (uint32_t t = 0; t < tasks; t++) {
		int status = run_point(t, reps, (uint64_t *)mu, (uint64_t *)mp, empty, raw);
		if (status)
			return status;
	}
	return 0;
}
