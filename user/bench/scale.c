/*
 * Fault throughput on many CPUs (user/bench/scale.h): the points k = 1..N
 * in each mode, the start barrier, the timed window, the records.
 *
 * One point: the starter clears the shared control page, starts k tasks and
 * waits until each has pinned itself (ready == k); it sets go, sleeps the
 * warm-up, reads the clock and every task's count of writes, sleeps --ms,
 * reads the counts and the clock again, and sets stop. Each task writes one
 * byte per page of fresh regions until it sees stop (checked before every
 * write), storing its count after each write; every write is one fault on
 * faultline and on Linux 6.1 (the record's minflt_run against writes_run,
 * both over the task's whole run, says so). Task 0 times each of its writes
 * inside the window (the latency record). The counts are read one task
 * after another, so a window's edges differ between tasks by the time the
 * starter takes to read k words.
 */
#include "user/bench/scale.h"
#include "base/json.h"
#include "base/string.h"
#include "user/bench/harness.h"
#include "user/bench/stats.h"
#include "user/rt/faultline.h"
#include "user/rt/linux.h"
#include "user/rt/rt.h"

#define RUSAGE_THREAD 1
#define RECORD_BYTES 4096
#define RAW_PER_RECORD 200
#ifndef ECHILD
#define ECHILD 10
#endif
#ifndef ETIMEDOUT
#define ETIMEDOUT 110
#endif
#define READY_TIMEOUT_NS (60ull * 1000000000ull)

/* One task's results, a cache line each. */
struct scale_slot {
	volatile uint64_t count;   /* writes so far (the task stores it after each) */
	uint64_t faults;           /* writes in the measured window: count at its end less at its start */
	uint64_t writes_run;       /* every write of the task's run, warm-up included */
	int64_t minflt;            /* ru_minflt over the task's run, warm-up included */
	int64_t error;             /* -errno of a failed pin, map or unmap; 0 */
	int32_t cpu_start;         /* getcpu after pinning */
	int32_t cpu_end;           /* getcpu after the loop */
	uint64_t pad[2];
};

/* The page(s) the starter and its tasks share (MAP_SHARED: also across fork). */
struct scale_shared {
	volatile uint32_t ready;
	uint32_t mode;                     /* enum bench_mode of this point */
	uint8_t pad0[56];
	volatile uint32_t go;
	volatile uint32_t measure;         /* set during the measured window: task 0 keeps its samples */
	volatile uint32_t stop;
	uint8_t pad1[52];
	struct scale_slot slot[BENCH_MAX_TASKS];
	uint64_t nsamples;                 /* task 0's timed writes kept */
	uint64_t samples[SCALE_MAX_SAMPLES];
};

static char record[RECORD_BYTES];

/* Parses a decimal number in [lo, hi] into *out. Returns 0 or -EINVAL. */
static long parse_num(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;
	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Parses argv over the defaults in *a. Returns 0 or -EINVAL. */
static long parse_args(int argc, char **argv, struct scale_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : 0;
		uint64_t v;
		if (strcmp(opt, "--raw") == 0) {
			a->raw = true;
			continue;
		}
		if (!val)
			return -EINVAL;
		i++;
		if (strcmp(opt, "--tasks") == 0) {
			if (parse_num(val, 1, BENCH_MAX_TASKS, &v) < 0)
				return -EINVAL;
			a->tasks = (uint32_t)v;
		} else if (strcmp(opt, "--ms") == 0) {
			if (parse_num(val, 1, 600000, &a->ms) < 0)
				return -EINVAL;
		} else if (strcmp(opt, "--warmup-ms") == 0) {
			if (parse_num(val, 0, 600000, &a->warmup_ms) < 0)
				return -EINVAL;
			a->warmup_set = true;
		} else if (strcmp(opt, "--mib") == 0) {
			if (parse_num(val, 1, 65536, &a->mib) < 0)
				return -EINVAL;
		} else if (strcmp(opt, "--mode") == 0) {
			if (strcmp(val, "threads") == 0)
				a->modes = 1;
			else if (strcmp(val, "processes") == 0)
				a->modes = 2;
			else if (strcmp(val, "both") == 0)
				a->modes = 3;
			else
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

/* ru_minflt of the calling thread (threads mode) or process, or -errno. */
static int64_t task_minflt(enum bench_mode mode)
{
	struct rusage ru;
	long r = sys_getrusage(mode == BENCH_THREADS ? RUSAGE_THREAD : RUSAGE_SELF, &ru);
	return r < 0 ? r : ru.ru_minflt;
}

/* Writes one byte per page of [addr, addr + len) until stop; task 0 times
 * each write into the shared samples. Returns the writes done. */
static uint64_t write_pages(struct scale_run *r, uint32_t index, uintptr_t addr, uint64_t len)
{
	struct scale_shared *sh = r->sh;
	struct scale_slot *s = &sh->slot[index];
	uint64_t n = 0, count = s->count;
	for (uint64_t off = 0; off < len; off += PAGE_SIZE, n++) {
		if (sh->stop)
			break;
		if (index == 0 && sh->measure && sh->nsamples < SCALE_MAX_SAMPLES) {
			uint64_t d = bench_time_access(addr + off, BENCH_WRITE);
			sh->samples[sh->nsamples++] = d > r->empty_bracket ? d - r->empty_bracket : 0;
		} else {
			poke8(addr + off, 1);
		}
		s->count = ++count;
	}
	return n;
}

/* A task's body: pin, get ready, wait for go, fault until stop. */
static void task_body(void *arg, uint32_t index)
{
	struct scale_run *r = arg;
	struct scale_shared *sh = r->sh;
	struct scale_slot *s = &sh->slot[index];
	enum bench_mode mode = (enum bench_mode)sh->mode;
	/* A forked task's first touch of each shared page faults: not in the window. */
	bench_prefault((uintptr_t)sh, index == 0 ? sizeof(*sh) : (uintptr_t)&sh->nsamples - (uintptr_t)sh);
	long pin = bench_pin(r->cpus.cpu[index % r->cpus.n]);
	s->cpu_start = (int32_t)bench_getcpu();
	s->error = pin < 0 ? pin : 0;
	uint64_t len = r->args.mib << 20;
	__atomic_fetch_add(&sh->ready, 1, __ATOMIC_SEQ_CST);
	while (!sh->go)
		sys_sched_yield();

	int64_t before = task_minflt(mode);
	uint64_t faults = 0;
	while (!sh->stop && s->error == 0) {
		long addr = r->w->map(r, index, len);
		if (addr < 0) {
			s->error = addr;
			break;
		}
		faults += write_pages(r, index, (uintptr_t)addr, len);
		long u = sys_munmap((void *)addr, len);
		if (u < 0)
			s->error = u;
	}
	int64_t after = task_minflt(mode);
	s->faults = faults;   /* all its writes; the starter replaces it with the window's */
	s->minflt = before < 0 || after < 0 ? -1 : after - before;
	s->cpu_end = (int32_t)bench_getcpu();
}

/* See user/bench/scale.h. */
void scale_record_begin(struct json *j, const char *type)
{
	json_begin(j, record, sizeof(record) - 1);   /* one byte kept for the '\n' */
	json_str(j, "type", type);
}

/* See user/bench/scale.h. */
void scale_json_stats(struct json *j, uint64_t *samples, uint64_t n, uint64_t empty_bracket)
{
	struct bench_stats s;
	bench_summarize(samples, n, &s);
	json_u64(j, "count", s.count);
	json_u64(j, "min", s.min);
	json_u64(j, "p50", s.p50);
	json_u64(j, "p90", s.p90);
	json_u64(j, "p99", s.p99);
	json_u64(j, "p999", s.p999);
	json_u64(j, "max", s.max);
	json_u64(j, "mean", s.mean);
	json_str(j, "unit", "tsc");
	json_u64(j, "empty_bracket", empty_bracket);
	json_array_begin(j, "hist_log2");
	for (uint32_t i = 0; i < s.hist_used; i++)
		json_u64(j, 0, s.hist[i]);
	json_close(j);
	json_str(j, "tsc_end", bench_have_rdtscp ? "rdtscp" : "rdtsc");
	json_bool(j, "faultline", fl_on_faultline());
}

/* See user/bench/scale.h. */
long scale_record_emit(struct json *j)
{
	json_end(j);
	size_t len = strlen(record);
	record[len++] = '\n';
	long r = rt_write_all(1, record, len);
	return r < 0 ? r : 0;
}

/* Starts a record of type for workload, class, mode and k tasks. */
static void identity(struct json *j, const char *type, const struct scale_run *r, enum bench_mode mode, uint32_t k)
{
	scale_record_begin(j, type);
	json_str(j, "workload", r->w->name);
	json_str(j, "class", r->w->cls);
	json_str(j, "mode", bench_mode_name(mode));
	json_u64(j, "tasks", k);
}

/* Writes {"type":"bench_error",...} for a point that failed; returns 1. */
static int point_error(const struct scale_run *r, enum bench_mode mode, uint32_t k, const char *what, long err)
{
	struct json j;
	scale_record_begin(&j, "bench_error");
	json_str(&j, "workload", r->w->name);
	json_str(&j, "mode", bench_mode_name(mode));
	json_u64(&j, "tasks", k);
	json_str(&j, "what", what);
	json_i64(&j, "error", err);
	scale_record_emit(&j);
	return 1;
}

/* The bench_scale record of a point: window, totals, per task. */
static long emit_scale(const struct scale_run *r, enum bench_mode mode, uint32_t k, uint64_t ns, uint64_t cycles)
{
	const struct scale_shared *sh = r->sh;
	uint64_t faults = 0, used = 0, seen[512 / 64] = { 0 }, writes = 0;   /* seen: CPUs 0..511 */
	int64_t minflt = 0;
	for (uint32_t i = 0; i < k; i++) {
		faults += sh->slot[i].faults;
		writes += sh->slot[i].writes_run;
		minflt = minflt < 0 || sh->slot[i].minflt < 0 ? -1 : minflt + sh->slot[i].minflt;
		int32_t c = sh->slot[i].cpu_start;
		if (c >= 0 && c < 512 && !(seen[c / 64] >> (c % 64) & 1)) {
			seen[c / 64] |= 1ull << (c % 64);
			used++;
		}
	}
	struct json j;
	identity(&j, "bench_scale", r, mode, k);
	json_u64(&j, "cpus", r->cpus.n);
	json_u64(&j, "cpus_used", used);
	json_u64(&j, "faults", faults);
	json_u64(&j, "ns", ns);
	json_u64(&j, "cycles", cycles);
	json_u64(&j, "faults_per_sec", ns ? faults * 1000000000ull / ns : 0);
	json_u64(&j, "writes_run", writes);
	json_i64(&j, "minflt_run", minflt);
	json_array_begin(&j, "per_task");
	for (uint32_t i = 0; i < k; i++)
		json_u64(&j, 0, sh->slot[i].faults);
	json_close(&j);
	json_array_begin(&j, "task_cpu");
	for (uint32_t i = 0; i < k; i++)
		json_i64(&j, 0, sh->slot[i].cpu_start);
	json_close(&j);
	json_u64(&j, "mib", r->args.mib);
	json_u64(&j, "ms", r->args.ms);
	json_u64(&j, "warmup_ms", r->args.warmup_ms);
	json_bool(&j, "faultline", fl_on_faultline());
	return scale_record_emit(&j);
}

/* Task 0's timed writes as a bench record (and bench_samples with --raw). */
static long emit_latency(struct scale_run *r, enum bench_mode mode, uint32_t k)
{
	struct scale_shared *sh = r->sh;
	uint64_t n = sh->nsamples;
	if (r->args.raw) {
		for (uint64_t first = 0; first < n; first += RAW_PER_RECORD) {
			struct json j;
			identity(&j, "bench_samples", r, mode, k);
			json_u64(&j, "first", first);
			json_array_begin(&j, "samples");
			for (uint64_t i = first; i < n && i < first + RAW_PER_RECORD; i++)
				json_u64(&j, 0, sh->samples[i]);
			json_close(&j);
			long e = scale_record_emit(&j);
			if (e < 0)
				return e;
		}
	}
	struct json j;
	identity(&j, "bench", r, mode, k);
	scale_json_stats(&j, sh->samples, n, r->empty_bracket);
	json_u64(&j, "pages", (r->args.mib << 20) / PAGE_SIZE);
	json_u64(&j, "mib", r->args.mib);
	return scale_record_emit(&j);
}

/* Runs one point: k tasks in mode for --ms. Returns 0, or main's status 1
 * after a bench_error record. */
static int run_point(struct scale_run *r, enum bench_mode mode, uint32_t k)
{
	struct scale_shared *sh = r->sh;
	memset((void *)sh, 0, (uintptr_t)&sh->samples - (uintptr_t)sh);
	sh->mode = mode;
	struct bench_tasks t;
	long e = bench_tasks_start(&t, mode, k, task_body, r);
	if (e < 0)
		return point_error(r, mode, k, mode == BENCH_THREADS ? "clone" : "fork", e);

	uint64_t deadline = bench_clock_ns() + READY_TIMEOUT_NS;
	while (sh->ready < k && bench_clock_ns() < deadline)
		sys_sched_yield();
	bool ready = sh->ready == k;
	uint64_t at_start[BENCH_MAX_TASKS], at_end[BENCH_MAX_TASKS];
	sh->go = 1;
	if (ready)
		bench_sleep_ms(r->args.warmup_ms);
	uint64_t t0 = bench_clock_ns(), c0 = rdtsc_ordered();
	for (uint32_t i = 0; i < k; i++)
		at_start[i] = sh->slot[i].count;
	sh->measure = 1;
	if (ready)
		bench_sleep_ms(r->args.ms);
	sh->measure = 0;
	for (uint32_t i = 0; i < k; i++)
		at_end[i] = sh->slot[i].count;
	uint64_t c1 = rdtsc_ordered(), t1 = bench_clock_ns();
	sh->stop = 1;
	long joined = bench_tasks_join(&t);

	if (!ready)
		return point_error(r, mode, k, "tasks never got ready", -ETIMEDOUT);
	if (joined != 0)
		return point_error(r, mode, k, "a task failed", joined < 0 ? joined : -ECHILD);
	for (uint32_t i = 0; i < k; i++) {
		if (sh->slot[i].error)
			return point_error(r, mode, k, "pin/mmap/munmap in a task", sh->slot[i].error);
		sh->slot[i].writes_run = sh->slot[i].faults;
		sh->slot[i].faults = at_end[i] - at_start[i];
	}
	if (emit_scale(r, mode, k, t1 - t0, c1 - c0) < 0 || emit_latency(r, mode, k) < 0)
		return 1;
	return 0;
}

/* See user/bench/scale.h. */
int scale_main(const struct scale_workload *w, int argc, char **argv)
{
	static struct scale_run run;
	struct scale_run *r = &run;
	memset(r, 0, sizeof(*r));
	r->w = w;
	long n = bench_cpus_read(&r->cpus);
	r->args = (struct scale_args){ .tasks = n > 0 ? (uint32_t)n : 1, .ms = 1000, .mib = w->default_mib, .modes = 3 };
	if (n < 0) {
		r->cpus.n = 1;
		r->cpus.cpu[0] = 0;
	}
	if (parse_args(argc, argv, &r->args) < 0) {
		rt_printf(2, "usage: %s [--tasks N (1..%u)] [--ms D] [--warmup-ms W] [--mib M] [--mode threads|processes|both] [--raw]\n",
			  argc > 0 ? argv[0] : w->name, BENCH_MAX_TASKS);
		return 2;
	}
	if (!r->args.warmup_set)
		r->args.warmup_ms = r->args.ms / 4;
	bench_have_rdtscp = cpu_has_rdtscp();
	uint64_t e = UINT64_MAX;
	for (uint32_t i = 0; i < BENCH_EMPTY_BRACKETS; i++) {
		uint64_t t0 = rdtsc_ordered(), d = bench_tsc_end() - t0;
		e = d < e ? d : e;
	}
	r->empty_bracket = e;
	memset(record, 0, sizeof(record));
	long sh = bench_shared_alloc(sizeof(struct scale_shared));
	if (sh < 0)
		return point_error(r, BENCH_THREADS, 0, "shared page", sh);
	r->sh = (struct scale_shared *)sh;
	/* The memory every point will fault in, written once: a virtual machine's
	 * first touch of its guest memory (the host's own faults) is not measured. */
	long pre = bench_map(r->args.tasks * (r->args.mib << 20), PROT_READ | PROT_WRITE, true);
	if (pre >= 0) {
		bench_prefault((uintptr_t)pre, r->args.tasks * (r->args.mib << 20));
		bench_unmap((uintptr_t)pre, r->args.tasks * (r->args.mib << 20));
	}
	long s = w->setup ? w->setup(r) : 0;
	if (s < 0)
		return point_error(r, BENCH_THREADS, 0, "set-up", s);

	int status = 0;
	for (uint32_t m = 0; m < 2 && !status; m++) {
		if (!(r->args.modes >> m & 1))
			continue;
		for (uint32_t k = 1; k <= r->args.tasks && !status; k++)
			status = run_point(r, (enum bench_mode)m, k);
	}
	if (w->teardown)
		w->teardown(r);
	return status;
}
