/*
 * smp_parallel: threads of one process run at the same time on different
 * CPUs. N threads, N the CPUs sched_getaffinity allows (at most
 * 8), first fault in interleaved pages of one shared mapping (neighbouring
 * pages, one page table, touched concurrently), then spin: each counts its
 * own heartbeat and publishes the CPU getcpu names. A thread that sees every
 * other heartbeat move within a window of its own spinning (WINDOW_NS: long
 * enough for an emulator's virtual CPUs to share fewer host cores), while
 * the published CPUs are all different (threads
 * taking turns on one CPU would publish the same one), has observed all N
 * running together; then all stop. Checks:
 * that observation (within 30 s), every page's contents, and that getcpu
 * (the syscall and musl's sched_getcpu, which uses the vDSO) names an
 * allowed CPU and the two agree. With one CPU allowed there is nothing to
 * run in parallel: no "together" record (one thread; the other two checks
 * still run). Prints its test records with printf (docs/records.md).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 8
#define PAGES_PER_THREAD 64
#define PAGE 4096
#define WINDOW_NS 100000000ull   /* 100 ms */
#define TIMEOUT_NS 30000000000ull
#define SPIN 64

static int nthreads;
static cpu_set_t allowed;
static volatile uint64_t beat[MAX_THREADS][8];       /* one cache line each */
static volatile int cpu_now[MAX_THREADS][16];
static volatile int done;
static int seen_cpus[MAX_THREADS];                   /* the CPUs seen together */
static uint64_t cpus_used[MAX_THREADS];               /* bit n: getcpu named CPU n */
static int bad_getcpu[MAX_THREADS], vdso_mismatch[MAX_THREADS], vdso_checked[MAX_THREADS];
static unsigned char *region;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int getcpu_syscall(void)
{
	unsigned cpu = ~0u, node = ~0u;
	if (syscall(SYS_getcpu, &cpu, &node, NULL) != 0)
		return -1;
	return (int)cpu;
}

/* Whether every other thread's heartbeat moved between s0 and now, and the
 * published CPUs are all different: then all ran together. */
static int all_together(int self, const uint64_t *s0)
{
	for (int j = 0; j < nthreads; j++)
		if (j != self && beat[j][0] == s0[j])
			return 0;
	for (int j = 0; j < nthreads; j++) {
		if (cpu_now[j][0] < 0)
			return 0;
		for (int k = 0; k < j; k++)
			if (cpu_now[j][0] == cpu_now[k][0])
				return 0;
	}
	return 1;
}

static void *runner(void *arg)
{
	int id = (int)(long)arg;
	/* Interleaved pages: page p belongs to thread p % nthreads. */
	for (int p = id; p < nthreads * PAGES_PER_THREAD; p += nthreads)
		memset(region + (size_t)p * PAGE, 0x40 + id, PAGE);
	uint64_t start = now_ns();
	uint64_t s0[MAX_THREADS];
	unsigned iter = 0;
	while (!done) {
		/* Mostly the vDSO's getcpu (no syscall, no kernel lock); every 16th
		 * time the syscall's too, and the vDSO's answer between two
		 * identical syscall answers must agree. */
		int c = sched_getcpu();
		if ((iter++ & 15) == 0) {
			int c1 = getcpu_syscall(), v = sched_getcpu(), c2 = getcpu_syscall();
			if (c1 == c2) {
				vdso_checked[id]++;
				vdso_mismatch[id] += v != c1;
			}
			c = c2;
		}
		if (c < 0 || c >= CPU_SETSIZE || !CPU_ISSET(c, &allowed))
			bad_getcpu[id]++;
		else if (c < 64)
			cpus_used[id] |= 1ull << c;
		cpu_now[id][0] = c;
		uint64_t t0 = now_ns(), t1;
		for (int j = 0; j < nthreads; j++)
			s0[j] = beat[j][0];
		int together = 0;
		do {
			for (int k = 0; k < SPIN; k++)
				beat[id][0]++;
			together = nthreads > 1 && all_together(id, s0);
			t1 = now_ns();
		} while (nthreads > 1 && !together && !done && t1 - t0 < WINDOW_NS);
		if (together && !done) {
			for (int j = 0; j < nthreads; j++)
				seen_cpus[j] = cpu_now[j][0];
			done = 1;
		}
		if (t1 - start > TIMEOUT_NS)
			break;
		if (nthreads == 1 && iter > 100)
			break;
	}
	return NULL;
}

int main(void)
{
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		printf("{\"type\":\"test\",\"name\":\"ring3.smp_parallel.together\",\"result\":\"fail\",\"detail\":\"sched_getaffinity failed\"}\n");
		return 0;
	}
	nthreads = CPU_COUNT(&allowed);
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	for (int i = 0; i < MAX_THREADS; i++)
		cpu_now[i][0] = -1;
	size_t len = (size_t)nthreads * PAGES_PER_THREAD * PAGE;
	region = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		printf("{\"type\":\"test\",\"name\":\"ring3.smp_parallel.memory\",\"result\":\"fail\",\"detail\":\"mmap failed\"}\n");
		return 0;
	}
	madvise(region, len, MADV_NOHUGEPAGE);
	pthread_t t[MAX_THREADS];
	int created = 0;
	uint64_t t0 = now_ns();
	for (int i = 0; i < nthreads; i++)
		created += pthread_create(&t[i], NULL, runner, (void *)(long)i) == 0;
	for (int i = 0; i < created; i++)
		pthread_join(t[i], NULL);
	uint64_t ms = (now_ns() - t0) / 1000000;

	int bad_pages = 0;
	for (int p = 0; p < nthreads * PAGES_PER_THREAD; p++) {
		unsigned char want = (unsigned char)(0x40 + p % nthreads);
		const unsigned char *pg = region + (size_t)p * PAGE;
		for (int b = 0; b < PAGE; b += 512)
			if (pg[b] != want || pg[PAGE - 1] != want) {
				bad_pages++;
				break;
			}
	}
	int bad = 0, mism = 0, checked = 0;
	uint64_t used = 0;
	for (int i = 0; i < nthreads; i++) {
		bad += bad_getcpu[i];
		mism += vdso_mismatch[i];
		checked += vdso_checked[i];
		used |= cpus_used[i];
	}
	char cpus[128];
	int n = 0;
	cpus[0] = 0;
	for (int i = 0; i < nthreads && n < (int)sizeof(cpus) - 8; i++)
		n += snprintf(cpus + n, sizeof(cpus) - (size_t)n, "%s%d", i ? "," : "", seen_cpus[i]);
	if (nthreads > 1)
		printf("{\"type\":\"test\",\"name\":\"ring3.smp_parallel.together\",\"result\":\"%s\",\"detail\":\"%d of %d threads created; %s (CPUs %s) after %llu ms\"}\n",
		       created == nthreads && done ? "pass" : "fail", created, nthreads,
		       done ? "all seen running at once on different CPUs" : "never seen all running at once", done ? cpus : "-",
		       (unsigned long long)ms);
	printf("{\"type\":\"test\",\"name\":\"ring3.smp_parallel.memory\",\"result\":\"%s\",\"detail\":\"%d pages written by %d threads interleaved, %d wrong\"}\n",
	       bad_pages == 0 ? "pass" : "fail", nthreads * PAGES_PER_THREAD, nthreads, bad_pages);
	printf("{\"type\":\"test\",\"name\":\"ring3.smp_parallel.getcpu\",\"result\":\"%s\",\"detail\":\"getcpu outside the affinity mask %d times; the vDSO disagreed %d of %d times; CPUs used mask 0x%llx\"}\n",
	       bad == 0 && mism == 0 && checked > 0 ? "pass" : "fail", bad, mism, checked, (unsigned long long)used);
	munmap(region, len);
	return 0;
}
