/*
 * The fault-latency benchmark harness (user/bench/harness.h): argument
 * parsing, 2 MiB-aligned mappings, the timed touch loop, the kernel's
 * per-class counters (faultline only) and the records. Everything a measured
 * loop writes (sample arrays, order arrays, kernel snapshots, the record
 * buffer) is allocated and faulted in before the measurement starts.
 */
#include "user/bench/harness.h"
#include "base/json.h"
#include "base/string.h"
#include "user/rt/faultline.h"
#include "user/rt/linux.h"
#include "user/rt/mm.h"
#include "user/rt/print.h"
#include "user/rt/syscall.h"

#define RECORD_BYTES 4096
#define RAW_PER_RECORD 200      /* samples per bench_samples record */

bool bench_have_rdtscp;

static struct fault_stats kstats_before, kstats_after;
static char record[RECORD_BYTES];

/* The kernel's class names (paging/fault_stats.c), in enum fault_class order. */
static const char *const kernel_class_names[] = {
	"read-zero", "read-zero+pt", "write-anon", "write-anon+pt", "shared-anon",
	"cow-zero", "reuse", "cow-copy", "stack-grow", "spurious", "uaccess", "segv", "oom",
	"thp-read", "thp-write", "thp-cow-zero", "thp-fallback", "hugetlb-2m", "hugetlb-1g",
	"file-read", "file-read-major", "file-cow", "file-shared-write",
	"swap-in", "swap-in-same-filled", "swap-cache",
};
_Static_assert(sizeof(kernel_class_names) / sizeof(kernel_class_names[0]) == FAULT_NR_CLASSES,
	       "fault classes changed: update kernel_class_names");
_Static_assert(FAULT_HIST_BUCKETS == BENCH_HIST_BUCKETS, "histogram buckets differ from the kernel's");

/* See user/bench/harness.h. xorshift64* (Vigna): never returns the same state twice in 2^64-1 steps. */
uint64_t bench_random(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Parses a decimal number into *out. Returns 0, or -EINVAL for anything else (or overflow). */
static long parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (!s || !*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/* Parses argv[1..] into *a. Returns 0 or -EINVAL. */
static long parse_args(int argc, char **argv, struct bench_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : 0;
		if (strcmp(opt, "--raw") == 0) {
			a->raw = true;
			continue;
		}
		if (!val)
			return -EINVAL;
		i++;
		if (strcmp(opt, "--mib") == 0) {
			if (parse_u64(val, &a->mib) < 0 || a->mib == 0 || a->mib > 65536)
				return -EINVAL;
		} else if (strcmp(opt, "--reps") == 0) {
			if (parse_u64(val, &a->reps) < 0 || a->reps == 0 || a->reps > 100000)
				return -EINVAL;
		} else if (strcmp(opt, "--seed") == 0) {
			if (parse_u64(val, &a->seed) < 0)
				return -EINVAL;
		} else if (strcmp(opt, "--vmas") == 0 && a->vmas) {
			if (parse_u64(val, &a->vmas) < 0 || a->vmas == 0 || a->vmas > BENCH_MAX_VMAS)
				return -EINVAL;
		} else if (strcmp(opt, "--order") == 0) {
			if (strcmp(val, "seq") == 0)
				a->order = BENCH_SEQ;
			else if (strcmp(val, "random") == 0)
				a->order = BENCH_RANDOM;
			else
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

/* See user/bench/harness.h. */
long bench_alloc_prefaulted(uint64_t len)
{
	long addr = rt_map_small_pages(len, PROT_READ | PROT_WRITE);
	if (addr < 0)
		return addr;
	memset((void *)addr, 0, len);
	return addr;
}

/* Returns the minimum over BENCH_EMPTY_BRACKETS brackets with nothing inside. */
static uint64_t measure_empty_bracket(void)
{
	uint64_t best = UINT64_MAX;
	for (uint32_t i = 0; i < BENCH_EMPTY_BRACKETS; i++) {
		uint64_t t0 = rdtsc_ordered();
		uint64_t d = bench_tsc_end() - t0;
		if (d < best)
			best = d;
	}
	return best;
}

/* See user/bench/harness.h. */
void bench_fill_order(uint32_t *order, uint64_t n, const struct bench_args *a)
{
	for (uint64_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	if (a->order != BENCH_RANDOM)
		return;
	uint64_t state = a->seed;
	for (uint64_t i = n; i > 1; i--) {        /* Fisher-Yates */
		uint64_t j = bench_random(&state) % i;
		uint32_t t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
}

/* See user/bench/harness.h. */
long bench_init(struct bench *b, const char *workload, int argc, char **argv,
		struct bench_args defaults, uint64_t pages, uint64_t stride)
{
	memset(b, 0, sizeof(*b));
	b->workload = workload;
	b->args = defaults;
	if (parse_args(argc, argv, &b->args) < 0) {
		rt_printf(2, "usage: %s [--mib N] [--reps R] [--seed S] [--order seq|random] [--raw]%s\n",
			  argc > 0 ? argv[0] : workload, defaults.vmas ? " [--vmas N]" : "");
		return -EINVAL;
	}
	b->pages = pages ? pages : b->args.mib * (1024 * 1024 / PAGE_SIZE);
	b->stride = stride;
	bench_have_rdtscp = cpu_has_rdtscp();

	long addr = bench_alloc_prefaulted((b->pages * sizeof(uint32_t) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
	if (addr < 0)
		return addr;
	b->order = (uint32_t *)addr;
	bench_fill_order(b->order, b->pages, &b->args);
	/* Fault in what the run and the report will write. */
	memset(&kstats_before, 0, sizeof(kstats_before));
	memset(&kstats_after, 0, sizeof(kstats_after));
	memset(record, 0, sizeof(record));
	b->empty_bracket = measure_empty_bracket();
	return 0;
}

/* See user/bench/harness.h. */
long bench_add_class(struct bench *b, const char *name)
{
	if (b->nclasses >= BENCH_MAX_CLASSES)
		return -EINVAL;
	struct bench_class *c = &b->cls[b->nclasses];
	uint64_t cap = b->pages * b->args.reps;
	long addr = bench_alloc_prefaulted((cap * sizeof(uint64_t) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
	if (addr < 0)
		return addr;
	c->name = name;
	c->samples = (uint64_t *)addr;
	c->cap = cap;
	return b->nclasses++;
}

/* See user/bench/harness.h. */
long bench_map(uint64_t len, int prot, bool noreserve)
{
	uint64_t span = len + BENCH_PMD_SIZE;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | (noreserve ? MAP_NORESERVE : 0);
	long addr = sys_mmap(0, span, prot, flags, -1, 0);
	if (addr < 0)
		return addr;
	uint64_t start = (uint64_t)addr, aligned = (start + BENCH_PMD_SIZE - 1) & ~(BENCH_PMD_SIZE - 1);
	long r = 0;
	if (aligned > start)
		r = sys_munmap((void *)start, aligned - start);
	if (r == 0 && start + span > aligned + len)
		r = sys_munmap((void *)(aligned + len), start + span - aligned - len);
	if (r == 0)
		r = sys_madvise((void *)aligned, len, MADV_NOHUGEPAGE);
	if (r < 0) {
		sys_munmap((void *)start, span);
		return r;
	}
	return (long)aligned;
}

/* See user/bench/harness.h. */
long bench_unmap(uintptr_t base, uint64_t len)
{
	return sys_munmap((void *)base, len);
}

/* See user/bench/harness.h. */
void bench_touch(const struct bench *b, uintptr_t base, const uint32_t *order, uint64_t n,
		 enum bench_access kind)
{
	for (uint64_t i = 0; i < n; i++) {
		uintptr_t a = base + (uintptr_t)order[i] * b->stride;
		if (kind == BENCH_WRITE)
			poke8(a, 1);
		else
			(void)peek8(a);
	}
}

/* The measured loop: out[i] = cycles of the access to base + order[i] * stride, less empty. */
static void time_loop(uint64_t *out, uintptr_t base, uint64_t stride, const uint32_t *order,
		      uint64_t n, enum bench_access kind, uint64_t empty)
{
	if (kind == BENCH_WRITE) {
		for (uint64_t i = 0; i < n; i++) {
			uint64_t d = bench_time_access(base + (uintptr_t)order[i] * stride, BENCH_WRITE);
			out[i] = d > empty ? d - empty : 0;
		}
	} else {
		for (uint64_t i = 0; i < n; i++) {
			uint64_t d = bench_time_access(base + (uintptr_t)order[i] * stride, BENCH_READ);
			out[i] = d > empty ? d - empty : 0;
		}
	}
}

/* Tells faultline's progress bar how many samples of all the classes' room
 * are taken (no call off faultline). Between timed loops only. */
static void report_progress(const struct bench *b)
{
	uint64_t done = 0, total = 0;
	for (uint32_t c = 0; c < b->nclasses; c++) {
		done += b->cls[c].count;
		total += b->cls[c].cap;
	}
	fl_progress(done, total);
}

/* See user/bench/harness.h. */
void bench_time_pages(struct bench *b, uint32_t c, uintptr_t base, const uint32_t *order,
		      uint64_t n, enum bench_access kind)
{
	struct bench_class *cls = &b->cls[c];
	uint64_t room = cls->cap - cls->count;
	if (n > room)
		n = room;

	int64_t before = rt_minflt();
	time_loop(cls->samples + cls->count, base, b->stride, order, n, kind, b->empty_bracket);
	int64_t after = rt_minflt();

	cls->count += n;
	cls->minflt += (before < 0 || after < 0) ? 0 : after - before;
	report_progress(b);
}

/* See user/bench/harness.h. */
long bench_warm_up(const struct bench *b)
{
	static const uint32_t order[4] = { 0, 1, 2, 3 };
	uint64_t out[4];
	long addr = bench_map(4 * PAGE_SIZE, PROT_READ | PROT_WRITE, false);
	if (addr < 0)
		return addr;
	time_loop(out, (uintptr_t)addr, PAGE_SIZE, order, 2, BENCH_READ, b->empty_bracket);
	time_loop(out, (uintptr_t)addr, PAGE_SIZE, order, 4, BENCH_WRITE, b->empty_bracket);
	(void)rt_minflt();
	return bench_unmap((uintptr_t)addr, 4 * PAGE_SIZE);
}

/* See user/bench/harness.h. */
long bench_time_fresh_mappings(struct bench *b, uint32_t c, enum bench_access kind)
{
	uint64_t len = b->pages * b->stride;
	for (uint64_t rep = 0; rep < b->args.reps; rep++) {
		long addr = bench_map(len, PROT_READ | PROT_WRITE, b->stride > PAGE_SIZE);
		if (addr < 0)
			return addr;
		bench_time_pages(b, c, (uintptr_t)addr, b->order, b->pages, kind);
		long r = bench_unmap((uintptr_t)addr, len);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Copies the kernel's counters into *s; returns true when it could (faultline). */
static bool kernel_snapshot(struct fault_stats *s)
{
	return fl_introspect(FL_INTROSPECT_FAULT_STATS, 0, s, sizeof(*s)) == (long)sizeof(*s);
}

/* See user/bench/harness.h. */
void bench_begin(struct bench *b)
{
	b->kernel_stats = kernel_snapshot(&kstats_before);
	b->minflt_before = rt_minflt();
}

/* See user/bench/harness.h. */
void bench_end(struct bench *b)
{
	b->minflt_after = rt_minflt();
	if (b->kernel_stats)
		b->kernel_stats = kernel_snapshot(&kstats_after);
	fl_progress(1, 1);
}

/* Ends the record in the buffer and writes it as one line. Returns rt_write_all's result. */
static long emit(struct json *j)
{
	json_end(j);
	size_t len = strlen(record);
	record[len++] = '\n';
	return rt_write_all(1, record, len);
}

/* Adds "hist_log2":[...] with the first used buckets of hist. */
static void json_hist(struct json *j, const uint64_t *hist, uint32_t used)
{
	json_array_begin(j, "hist_log2");
	for (uint32_t i = 0; i < used; i++)
		json_u64(j, 0, hist[i]);
	json_close(j);
}

/* The workload, class and settings every record of this run carries. */
static void json_identity(struct json *j, const char *type, const struct bench *b, const char *cls)
{
	json_begin(j, record, sizeof(record) - 1);   /* one byte kept for the '\n' */
	json_str(j, "type", type);
	json_str(j, "workload", b->workload);
	json_str(j, "class", cls);
}

/* Writes class c's samples in measured order as bench_samples records. Returns 0 or -errno. */
static long emit_raw(const struct bench *b, const struct bench_class *c)
{
	for (uint64_t first = 0; first < c->count; first += RAW_PER_RECORD) {
		struct json j;
		json_identity(&j, "bench_samples", b, c->name);
		json_u64(&j, "first", first);
		json_array_begin(&j, "samples");
		for (uint64_t i = first; i < c->count && i < first + RAW_PER_RECORD; i++)
			json_u64(&j, 0, c->samples[i]);
		json_close(&j);
		long r = emit(&j);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Writes class c's bench record (sorting its samples). Returns 0 or -errno. */
static long emit_class(const struct bench *b, struct bench_class *c)
{
	struct bench_stats s;
	struct json j;
	bench_summarize(c->samples, c->count, &s);
	json_identity(&j, "bench", b, c->name);
	json_u64(&j, "count", s.count);
	json_u64(&j, "min", s.min);
	json_u64(&j, "p50", s.p50);
	json_u64(&j, "p90", s.p90);
	json_u64(&j, "p99", s.p99);
	json_u64(&j, "p999", s.p999);
	json_u64(&j, "max", s.max);
	json_u64(&j, "mean", s.mean);
	json_str(&j, "unit", c->unit ? c->unit : "tsc");
	json_u64(&j, "empty_bracket", b->empty_bracket);
	json_i64(&j, "minflt", c->minflt);
	json_hist(&j, s.hist, s.hist_used);
	json_u64(&j, "pages", b->pages);
	json_u64(&j, "mib", b->args.mib);
	json_u64(&j, "reps", b->args.reps);
	json_u64(&j, "seed", b->args.seed);
	json_str(&j, "order", b->args.order == BENCH_RANDOM ? "random" : "seq");
	json_str(&j, "tsc_end", bench_have_rdtscp ? "rdtscp" : "rdtsc");
	if (c->vmas)
		json_u64(&j, "vmas", c->vmas);
	json_i64(&j, "minflt_run", b->minflt_after - b->minflt_before);
	json_bool(&j, "faultline", fl_on_faultline());
	return emit(&j);
}

/*
 * Writes one bench_kernel record per kernel fault class that saw faults
 * between bench_begin and bench_end. Counts, sums and histograms are the
 * differences of the two snapshots; min and max cannot be subtracted, so
 * they are exact for the run only when the class had no faults before it
 * (min_max says "run"), else they cover the whole program ("program").
 */
static long emit_kernel(const struct bench *b)
{
	for (uint32_t k = 0; k < FAULT_NR_CLASSES; k++) {
		const struct fault_class_stats *x = &kstats_before.cls[k], *y = &kstats_after.cls[k];
		uint64_t count = y->count - x->count;
		if (count == 0)
			continue;
		uint64_t hist[FAULT_HIST_BUCKETS];
		uint32_t used = 0;
		for (uint32_t i = 0; i < FAULT_HIST_BUCKETS; i++) {
			hist[i] = y->hist[i] - x->hist[i];
			if (hist[i])
				used = i + 1;
		}
		struct json j;
		json_identity(&j, "bench_kernel", b, kernel_class_names[k]);
		json_u64(&j, "count", count);
		json_u64(&j, "min", y->cycles_min);
		json_u64(&j, "mean", (y->cycles_total - x->cycles_total) / count);
		json_u64(&j, "max", y->cycles_max);
		json_str(&j, "min_max", x->count == 0 ? "run" : "program");
		json_u64(&j, "clear_cycles", y->clear_cycles - x->clear_cycles);
		json_u64(&j, "pgtables", y->pgtables_allocated - x->pgtables_allocated);
		json_str(&j, "unit", "tsc");
		json_u64(&j, "mib", b->args.mib);
		json_hist(&j, hist, used);
		long r = emit(&j);
		if (r < 0)
			return r;
	}
	return 0;
}

/* See user/bench/harness.h. */
int bench_fail(const struct bench *b, const char *what, long err)
{
	struct json j;
	json_begin(&j, record, sizeof(record) - 1);
	json_str(&j, "type", "bench_error");
	json_str(&j, "workload", b->workload);
	json_str(&j, "what", what);
	json_i64(&j, "error", err);
	emit(&j);
	return 1;
}

/* See user/bench/harness.h. */
long bench_report(struct bench *b)
{
	for (uint32_t c = 0; c < b->nclasses; c++) {
		if (!b->cls[c].count)
			continue;   /* a class the machine could not make (bench_hugetlb's 1 GiB pages) */
		long r = b->args.raw ? emit_raw(b, &b->cls[c]) : 0;
		if (r == 0)
			r = emit_class(b, &b->cls[c]);
		if (r < 0)
			return r;
	}
	return b->kernel_stats ? emit_kernel(b) : 0;
}

/* See user/bench/harness.h. */
int bench_start(struct bench *b, const char *workload, int argc, char **argv, struct bench_args defaults,
		const char *cls0, long *id0, const char *cls1, long *id1)
{
	if (bench_init(b, workload, argc, argv, defaults, 0, PAGE_SIZE) < 0)
		return 2;
	*id0 = bench_add_class(b, cls0);
	if (*id0 < 0)
		return bench_fail(b, "sample array", *id0);
	if (cls1) {
		*id1 = bench_add_class(b, cls1);
		if (*id1 < 0)
			return bench_fail(b, "sample array", *id1);
	}
	long r = bench_warm_up(b);
	if (r < 0)
		return bench_fail(b, "warm-up", r);
	return 0;
}

/* See user/bench/harness.h. */
int bench_main_fresh_mappings(const char *workload, const char *cls, enum bench_access kind,
			      struct bench_args defaults, int argc, char **argv)
{
	struct bench b;
	long c;
	int status = bench_start(&b, workload, argc, argv, defaults, cls, &c, NULL, NULL);
	if (status)
		return status;

	bench_begin(&b);
	long r = bench_time_fresh_mappings(&b, (uint32_t)c, kind);
	bench_end(&b);

	if (r < 0)
		return bench_fail(&b, "mmap/munmap", r);
	return bench_report(&b) < 0 ? 1 : 0;
}
