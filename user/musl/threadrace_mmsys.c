/*
 * threadrace_mmsys: TR_THREADS threads change their own mappings with the
 * memory syscalls at once - mmap, MAP_FIXED over part of it, mprotect
 * (splitting and re-merging the VMA), MADV_DONTNEED, mremap (grow, which
 * may move), munmap; one thread also grows and shrinks the heap with brk -
 * while they all store to and read back their own word of every page of a
 * shared private anonymous region, which the main thread empties with
 * MADV_DONTNEED over and over, so that the faults there never stop.
 *
 * Each thread writes a tag (thread, round, page) into every page of its
 * region and checks all of them after each step: a region handed to two
 * threads (a VMA tree or a free-range search changed by two CPUs at once),
 * a page of one thread's region freed or reused under another's, a
 * protection or a zap applied to the wrong range, all show up as a tag
 * that is not the one written (or not zero where a page was zapped or
 * replaced).
 *
 * On any correct kernel:
 *   own_regions     every call succeeds and every tag reads back as written
 *                   (zero where MADV_DONTNEED or MAP_FIXED replaced it);
 *   heap            brk grows the heap, its pages hold what was stored,
 *                   and brk gives it back, every round;
 *   shared_region   every read-back of the shared region is the value just
 *                   stored or zero (zapped in between), no SIGSEGV, and
 *                   after the run each word is its thread's last value or
 *                   zero;
 *   maps_restored   /proc/self/maps has as many lines after the run as
 *                   before it (no VMA left behind or lost).
 * The process must end clean (exit 0; faultline's leak and table checks
 * after the program).
 */
#define TR_PROGRAM "threadrace_mmsys"
#include "threadrace.h"

#define ROUNDS 48
#define REGION_PAGES 16
#define SHARED_PAGES 64
#define HEAP_BYTES (64 * TR_PAGE)

struct worker_state {
	long calls_failed, bad_tags, zero_tags;       /* own region */
	long heap_failed, heap_bad;                   /* thread 0's brk */
	long shared_wrong, shared_zero, shared_writes;
	uint64_t last[SHARED_PAGES];                  /* the last value stored in each shared page */
	char pad[64];
};

static struct worker_state ws[TR_THREADS];
static struct tr_barrier bar;
static unsigned char *shared;
static atomic_int finished;

static uint64_t tag(int id, int round, int page)
{
	return 0x7a00000000000000ull | ((uint64_t)(id + 1) << 40) | ((uint64_t)(round + 1) << 16) | (uint64_t)page;
}

static volatile uint64_t *word(unsigned char *base, int page, int slot)
{
	return (volatile uint64_t *)(base + (size_t)page * TR_PAGE + (size_t)slot * 64);
}

/* Checks pages [from, to) of region: tag(id, round, page) where want[page]
 * is 1, zero where it is 0. Adds what is wrong to s. */
static void check_tags(struct worker_state *s, unsigned char *region, int from, int to, const char *want, int id,
		       int round)
{
	for (int p = from; p < to; p++) {
		uint64_t v = *word(region, p, 0);
		if (want[p] ? v != tag(id, round, p) : v != 0)
			s->bad_tags++;
		else if (!want[p])
			s->zero_tags++;
	}
}

/* One pass over the shared region: its own word of every page, stored and
 * read back. */
static void shared_pass(struct worker_state *s, int id, int round)
{
	for (int k = 0; k < SHARED_PAGES; k++) {
		int p = (k + id * SHARED_PAGES / TR_THREADS) % SHARED_PAGES;
		volatile uint64_t *w = word(shared, p, id + 1);
		uint64_t v = ((uint64_t)(round + 1) << 16) | ((uint64_t)(id + 1) << 8) | 1;
		*w = v;
		s->last[p] = v;
		uint64_t r = *w;
		if (r == 0)
			s->shared_zero++;
		else if (r != v)
			s->shared_wrong++;
		s->shared_writes++;
	}
}

/* Thread 0's heap round: grow by HEAP_BYTES, store, read back, shrink. */
static void heap_round(struct worker_state *s, int round)
{
	uintptr_t cur = (uintptr_t)syscall(SYS_brk, 0);
	uintptr_t want = cur + HEAP_BYTES;
	if ((uintptr_t)syscall(SYS_brk, want) != want) {
		s->heap_failed++;
		return;
	}
	for (uintptr_t a = (cur + TR_PAGE - 1) & ~(TR_PAGE - 1); a + 8 <= want; a += TR_PAGE)
		*(volatile uint64_t *)a = tag(0, round, (int)(a >> 12));
	for (uintptr_t a = (cur + TR_PAGE - 1) & ~(TR_PAGE - 1); a + 8 <= want; a += TR_PAGE)
		s->heap_bad += *(volatile uint64_t *)a != tag(0, round, (int)(a >> 12));
	s->heap_failed += (uintptr_t)syscall(SYS_brk, cur) != cur;
}

/* One round of thread id on a region of its own. */
static void own_round(struct worker_state *s, int id, int round)
{
	char want[2 * REGION_PAGES];
	size_t len = REGION_PAGES * TR_PAGE;
	unsigned char *r = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED) {
		s->calls_failed++;
		return;
	}
	for (int p = 0; p < REGION_PAGES; p++) {
		*word(r, p, 0) = tag(id, round, p);
		want[p] = 1;
	}
	shared_pass(s, id, round);
	/* The first half read-only (a split), then writable again (a merge). */
	s->calls_failed += mprotect(r, len / 2, PROT_READ) != 0;
	check_tags(s, r, 0, REGION_PAGES, want, id, round);
	s->calls_failed += mprotect(r, len / 2, PROT_READ | PROT_WRITE) != 0;
	/* Pages 4..7 zapped: zero when read again. */
	s->calls_failed += madvise(r + 4 * TR_PAGE, 4 * TR_PAGE, MADV_DONTNEED) != 0;
	for (int p = 4; p < 8; p++)
		want[p] = 0;
	check_tags(s, r, 0, REGION_PAGES, want, id, round);
	/* Pages 10, 11 replaced by new memory (MAP_FIXED): zero. */
	if (mmap(r + 10 * TR_PAGE, 2 * TR_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
	    r + 10 * TR_PAGE)
		s->calls_failed++;
	want[10] = want[11] = 0;
	shared_pass(s, id, round);
	/* Twice as long: grown in place or moved, the old pages with it. */
	unsigned char *g = mremap(r, len, 2 * len, MREMAP_MAYMOVE);
	if (g == MAP_FAILED) {
		s->calls_failed++;
		munmap(r, len);
		return;
	}
	for (int p = REGION_PAGES; p < 2 * REGION_PAGES; p++)
		want[p] = 0;
	check_tags(s, g, 0, 2 * REGION_PAGES, want, id, round);
	for (int p = 0; p < 2 * REGION_PAGES; p++) {
		*word(g, p, 0) = tag(id, round, p);
		want[p] = 1;
	}
	shared_pass(s, id, round);
	check_tags(s, g, 0, 2 * REGION_PAGES, want, id, round);
	s->calls_failed += munmap(g, 2 * len) != 0;
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	struct worker_state *s = &ws[id];
	tr_barrier_wait(&bar);   /* go */
	for (int round = 0; round < ROUNDS; round++) {
		own_round(s, id, round);
		if (id == 0)
			heap_round(s, round);
	}
	atomic_fetch_add(&finished, 1);
	tr_barrier_wait(&bar);   /* done */
	return NULL;
}

/* The lines of /proc/self/maps, or -1. */
static long maps_lines(void)
{
	int fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		return -1;
	char buf[4096];
	long lines = 0;
	for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

int main(void)
{
	shared = tr_map_isolated(SHARED_PAGES * TR_PAGE, TR_PAGE, MADV_NOHUGEPAGE);
	if (!tr_test("setup", shared != NULL, "a private anonymous region of %d pages", SHARED_PAGES))
		return 1;
	pthread_t t[TR_THREADS];
	tr_barrier_init(&bar, TR_THREADS + 1);
	if (!tr_test("threads", tr_start(t, TR_THREADS, worker) == TR_THREADS, "%d threads started", TR_THREADS))
		return 1;
	long maps_before = maps_lines();
	long dontneed_failed = 0, dontneed_calls = 0;
	tr_barrier_wait(&bar);   /* go */
	while (atomic_load(&finished) < TR_THREADS) {
		dontneed_failed += madvise(shared, SHARED_PAGES * TR_PAGE, MADV_DONTNEED) != 0;
		dontneed_calls++;
		for (int i = 0; i < 4000; i++)
			__builtin_ia32_pause();
	}
	tr_barrier_wait(&bar);   /* done */
	long maps_after = maps_lines();   /* before the joins, which unmap the threads' stacks */
	tr_join(t, TR_THREADS);

	struct worker_state sum;
	memset(&sum, 0, sizeof(sum));
	long last_bad = 0;
	for (int id = 0; id < TR_THREADS; id++) {
		struct worker_state *s = &ws[id];
		sum.calls_failed += s->calls_failed;
		sum.bad_tags += s->bad_tags;
		sum.zero_tags += s->zero_tags;
		sum.heap_failed += s->heap_failed;
		sum.heap_bad += s->heap_bad;
		sum.shared_wrong += s->shared_wrong;
		sum.shared_zero += s->shared_zero;
		sum.shared_writes += s->shared_writes;
		for (int p = 0; p < SHARED_PAGES; p++) {
			uint64_t v = *word(shared, p, id + 1);
			last_bad += v != 0 && v != s->last[p];
		}
	}
	/* Per round and thread: the 4 zapped pages checked after the zap, then
	 * with the 2 replaced ones and the REGION_PAGES grown ones after mremap. */
	long want_zero = (long)ROUNDS * TR_THREADS * (4 + 4 + 2 + REGION_PAGES);
	tr_test("own_regions", sum.calls_failed == 0 && sum.bad_tags == 0 && sum.zero_tags == want_zero,
		"%d threads x %d rounds of mmap, mprotect x2, madvise(MADV_DONTNEED), mmap(MAP_FIXED), mremap, munmap: "
		"%ld calls failed, %ld tags not as written (or not zero where replaced), %ld zero pages where %ld "
		"expected", TR_THREADS, ROUNDS, sum.calls_failed, sum.bad_tags, sum.zero_tags, want_zero);
	tr_test("heap", sum.heap_failed == 0 && sum.heap_bad == 0,
		"%d rounds of brk +%d KiB and back by one thread while the others map: %ld calls failed, %ld words "
		"not as stored", ROUNDS, HEAP_BYTES / 1024, sum.heap_failed, sum.heap_bad);
	tr_test("shared_region", sum.shared_wrong == 0 && last_bad == 0 && dontneed_failed == 0 &&
			sum.shared_writes == (long)ROUNDS * TR_THREADS * 3 * SHARED_PAGES,
		"%ld stores to the shared region under %ld MADV_DONTNEED (%ld failed): %ld read-backs neither the "
		"value stored nor zero, %ld words at the end neither the last value stored nor zero",
		sum.shared_writes, dontneed_calls, dontneed_failed, sum.shared_wrong, last_bad);
	tr_test("maps_restored", maps_before > 0 && maps_after == maps_before,
		"/proc/self/maps: %ld lines before the run, %ld after", maps_before, maps_after);
	return tr_failed ? 1 : 0;
}
