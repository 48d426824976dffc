/*
 * threadrace_file: TR_THREADS threads of one process fault the same file
 * pages (the page cache) at once, through MAP_SHARED and MAP_PRIVATE
 * mappings of a file the program writes (files/threadrace.tmp: PAGES pages,
 * each word naming its page and offset), all threads in the same page order
 * so that several fault on one page together. On any correct kernel:
 *
 *   shared_read      every thread reads the file's words through a
 *                    read-only shared mapping;
 *   shared_read_faults  at least one fault per 16 pages (fault-around maps
 *                    at most 64 KiB at a time), at most one per page and
 *                    thread;
 *   shared_write     each thread adds 1 (a locked add) to a counter in
 *                    every page and stores its own word there through a
 *                    shared writable mapping: pread then finds every
 *                    counter at its value + TR_THREADS, every own word, and
 *                    the rest of the file as written (a write fault that
 *                    mapped a second frame for a file page, or lost a
 *                    racing thread's store, fails it);
 *   private_cow      through a private writable mapping, threads read the
 *                    even pages and add/store into the odd ones: the even
 *                    pages read as the file, the odd ones hold the file's
 *                    words with the threads' additions and words (each
 *                    copy made once, from the file page, whole);
 *   private_file_unchanged  pread: the file is as written, nothing of the
 *                    private writes reached it;
 *   private_anon_rss smaps: the private mapping's Anonymous is exactly the
 *                    odd pages (one copy per written page: two racing
 *                    threads that both copy a page, the loser's copy
 *                    mapped too or in place of the winner's, show here or
 *                    in private_cow).
 */
#define TR_PROGRAM "threadrace_file"
#include "threadrace.h"

#define PAGES 64
#define LEN (PAGES * TR_PAGE)
#define OWN_WORD(id) (8 + 8 * (id))
#define PATH "files/threadrace.tmp"

enum { PHASE_READ, PHASE_WRITE, PHASE_PRIVATE, PHASE_END };

static struct tr_barrier bar;
static unsigned char *view;
static int phase;
static long read_wrong[TR_THREADS][8];

static uint64_t file_word(int p, int i)
{
	return 0xf11e000000000000ull | ((uint64_t)p << 16) | (uint64_t)i;
}

static uint64_t own_value(int p, int id)
{
	return 0x7700000000000000ull | ((uint64_t)id << 40) | (uint64_t)p;
}

/* What word i of page p must hold after phase (PHASE_WRITE: the file after
 * the shared writes; PHASE_PRIVATE: the private view after its writes). */
static uint64_t expected(int p, int i, int which)
{
	int written = which == PHASE_WRITE || (which == PHASE_PRIVATE && p % 2 == 1);
	if (!written)
		return file_word(p, i);
	if (i == 0)
		return file_word(p, 0) + TR_THREADS;
	if (i >= 8 && i % 8 == 0 && (i - 8) / 8 < TR_THREADS)
		return own_value(p, (i - 8) / 8);
	return file_word(p, i);
}

/* Pages of buf (a copy or a view of the file) not as expected after phase which. */
static long wrong_pages(const unsigned char *buf, int which)
{
	long bad = 0;
	for (int p = 0; p < PAGES; p++) {
		const uint64_t *w = (const uint64_t *)(buf + (size_t)p * TR_PAGE);
		for (int i = 0; i < (int)(TR_PAGE / 8); i++)
			if (w[i] != expected(p, i, which)) {
				bad++;
				break;
			}
	}
	return bad;
}

static void read_pages(int id, int step)
{
	for (int p = 0; p < PAGES; p += step) {
		const volatile uint64_t *w = (const volatile uint64_t *)(view + (size_t)p * TR_PAGE);
		for (int i = 0; i < (int)(TR_PAGE / 8); i++)
			if (w[i] != file_word(p, i)) {
				read_wrong[id][0]++;
				break;
			}
	}
}

static void write_pages(int id, int first, int step)
{
	for (int p = first; p < PAGES; p += step) {
		uint64_t *w = (uint64_t *)(view + (size_t)p * TR_PAGE);
		atomic_fetch_add((_Atomic uint64_t *)&w[0], 1);
		w[OWN_WORD(id)] = own_value(p, id);
	}
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	for (;;) {
		tr_barrier_wait(&bar);           /* ready */
		tr_barrier_wait(&bar);           /* go */
		if (phase == PHASE_END)
			return NULL;
		if (phase == PHASE_READ) {
			read_pages(id, 1);
		} else if (phase == PHASE_WRITE) {
			write_pages(id, 0, 1);
		} else {
			/* Half the threads read first, half write first: both kinds of
			 * fault on the same pages at once. */
			if (id % 2) {
				read_pages(id, 2);
				write_pages(id, 1, 2);
			} else {
				write_pages(id, 1, 2);
				read_pages(id, 2);
			}
		}
		tr_barrier_wait(&bar);           /* done */
	}
}

static long run_phase(int which)
{
	phase = which;
	tr_barrier_wait(&bar);
	long before = tr_minflt();
	tr_barrier_wait(&bar);
	tr_barrier_wait(&bar);
	return tr_minflt() - before;
}

/* Writes the file's original contents at offset 0; 0 or -1. */
static int write_file(int fd, unsigned char *buf)
{
	for (int p = 0; p < PAGES; p++)
		for (int i = 0; i < (int)(TR_PAGE / 8); i++)
			((uint64_t *)(buf + (size_t)p * TR_PAGE))[i] = file_word(p, i);
	return pwrite(fd, buf, LEN, 0) == (ssize_t)LEN ? 0 : -1;
}

int main(void)
{
	static unsigned char buf[LEN];
	int fd = open(PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (!tr_test("setup_file", fd >= 0 && write_file(fd, buf) == 0, "create and write %s (fd %d)", PATH, fd))
		return 1;
	pthread_t t[TR_THREADS];
	tr_barrier_init(&bar, TR_THREADS + 1);
	if (!tr_test("threads", tr_start(t, TR_THREADS, worker) == TR_THREADS, "%d threads started", TR_THREADS))
		return 1;

	/* Warm-up: the threads' code and stacks, on an anonymous copy. */
	view = tr_map_isolated(LEN, TR_PAGE, MADV_NOHUGEPAGE);
	if (view)
		memcpy(view, buf, LEN);
	run_phase(PHASE_READ);

	view = mmap(NULL, LEN, PROT_READ, MAP_SHARED, fd, 0);
	if (!tr_test("map_shared_read", view != MAP_FAILED, "mmap MAP_SHARED PROT_READ"))
		return 1;
	memset(read_wrong, 0, sizeof(read_wrong));
	long faults = run_phase(PHASE_READ);
	long wrong = 0;
	for (int id = 0; id < TR_THREADS; id++)
		wrong += read_wrong[id][0];
	tr_test("shared_read", wrong == 0, "%d threads read %d file pages through MAP_SHARED at once: %ld pages read wrong",
		TR_THREADS, PAGES, wrong);
	tr_test("shared_read_faults", faults >= PAGES / 16 && faults <= (long)TR_THREADS * PAGES,
		"%ld minor faults (bounds %d..%d)", faults, PAGES / 16, TR_THREADS * PAGES);
	munmap(view, LEN);

	view = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!tr_test("map_shared_write", view != MAP_FAILED, "mmap MAP_SHARED PROT_READ|PROT_WRITE"))
		return 1;
	faults = run_phase(PHASE_WRITE);
	memset(buf, 0, LEN);
	long got = pread(fd, buf, LEN, 0);
	long bad_file = wrong_pages(buf, PHASE_WRITE), bad_view = wrong_pages(view, PHASE_WRITE);
	tr_test("shared_write", got == (long)LEN && bad_file == 0 && bad_view == 0,
		"%d threads adding and storing into %d file pages through MAP_SHARED at once: pread %ld bytes, "
		"%ld pages wrong in the file, %ld in the mapping; %ld minor faults", TR_THREADS, PAGES, got, bad_file,
		bad_view, faults);
	munmap(view, LEN);

	int rewrote = write_file(fd, buf);
	view = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (!tr_test("map_private", rewrote == 0 && view != MAP_FAILED, "rewrite the file, mmap MAP_PRIVATE"))
		return 1;
	memset(read_wrong, 0, sizeof(read_wrong));
	faults = run_phase(PHASE_PRIVATE);
	wrong = 0;
	for (int id = 0; id < TR_THREADS; id++)
		wrong += read_wrong[id][0];
	long bad_private = wrong_pages(view, PHASE_PRIVATE);
	tr_test("private_cow", wrong == 0 && bad_private == 0,
		"%d threads reading even and writing odd pages of a MAP_PRIVATE file mapping at once: %ld reads wrong, "
		"%ld pages wrong afterwards; %ld minor faults", TR_THREADS, wrong, bad_private, faults);
	memset(buf, 0, LEN);
	got = pread(fd, buf, LEN, 0);
	bad_file = wrong_pages(buf, PHASE_READ);
	tr_test("private_file_unchanged", got == (long)LEN && bad_file == 0,
		"pread %ld bytes; %ld pages of the file changed by private writes", got, bad_file);
	long anon = tr_smaps_kb(view, "Anonymous");
	tr_test("private_anon_rss", anon == (long)(PAGES / 2 * TR_PAGE / 1024),
		"smaps Anonymous of the private mapping %ld kB (expected %lu: the %d written pages)", anon,
		PAGES / 2 * TR_PAGE / 1024, PAGES / 2);
	munmap(view, LEN);

	phase = PHASE_END;
	tr_barrier_wait(&bar);
	tr_barrier_wait(&bar);
	tr_join(t, TR_THREADS);
	close(fd);
	unlink(PATH);
	return 0;
}
