/*
 * threadrace_unmap: one thread takes memory away while TR_THREADS others
 * fault in it and write to it. Each worker stores its own values into its
 * own word (its own cache line) of every page of a view, reads each back,
 * and catches SIGSEGV with sigsetjmp/siglongjmp. The main thread, once
 * every worker has started, does one of:
 *
 *   munmap    of the view (a MAP_SHARED mapping of a memfd, which the main
 *             thread also maps at a second address, the alias, to see the
 *             data after the view is gone);
 *   mprotect  of the view to PROT_READ;
 *   dontneed  MADV_DONTNEED of the view, over and over while the workers
 *             run: a shared view (data kept in the memfd) and a private
 *             anonymous view (each zap leaves zero pages).
 *
 * On any correct kernel:
 *   *_segv       munmap and mprotect: every worker takes exactly one
 *                SIGSEGV (it stops at its first), with si_code SEGV_MAPERR
 *                (munmap) or SEGV_ACCERR (mprotect) and si_addr the word it
 *                was storing to or reading back; dontneed: none.
 *   *_no_late_write  no store succeeds that a worker began after munmap or
 *                mprotect had returned in the main thread, and the alias
 *                does not change after that either: the kernel flushed
 *                every CPU's TLB before returning (a missing or late
 *                shootdown, a fault that re-installs a pte of a range
 *                being unmapped, lets one through).
 *   *_data       the memfd (alias) holds, in each worker's word, the last
 *                value that worker stored successfully - never another
 *                value, never lost (a frame freed and reused while a fault
 *                still maps it shows up here); after mprotect the view
 *                reads the same; every read-back during the run returned
 *                what was just stored, or (a private view under
 *                MADV_DONTNEED only) zero.
 * The rounds repeat with the main thread acting a little later each time.
 * The process must end clean (exit 0; faultline's leak and table checks
 * after the program).
 */
#define TR_PROGRAM "threadrace_unmap"
#include "threadrace.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/syscall.h>

#define PAGES 64
#define LEN (PAGES * TR_PAGE)
#define ROUNDS 6
#define DONTNEED_PASSES 6
#define LATE_LIMIT 64

enum op { OP_MUNMAP, OP_MPROTECT, OP_DONTNEED_SHARED, OP_DONTNEED_PRIVATE, OP_END };
static const char *const op_names[] = { "munmap", "mprotect", "dontneed_shared", "dontneed_private" };

struct worker_state {
	uint64_t last[PAGES];            /* the last value stored successfully in each page */
	long segv, wrong, zero, late;
	int code;
	uintptr_t addr, attempt;         /* si_addr; the word being accessed */
	atomic_long progress;            /* words stored this round */
	char pad[64];
};

static struct worker_state ws[TR_THREADS];
static struct tr_barrier bar;
static unsigned char *view;
static int cur_op, round_no;
static atomic_int op_done, finished;

static __thread sigjmp_buf *tls_jb;
static __thread volatile int tls_code;
static __thread volatile uintptr_t tls_addr;

/* SIGSEGV: back to the worker's sigsetjmp with the fault's code and address;
 * anywhere else the default action (the program dies, which fails it). */
static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (!tls_jb) {
		signal(sig, SIG_DFL);
		return;
	}
	tls_code = si->si_code;
	tls_addr = (uintptr_t)si->si_addr;
	siglongjmp(*tls_jb, 1);
}

static volatile uint64_t *slot(unsigned char *base, int p, int id)
{
	return (volatile uint64_t *)(base + (size_t)p * TR_PAGE + (size_t)id * 64);
}

/* One round of worker id: passes over the pages, from its own starting
 * page, until a SIGSEGV (munmap, mprotect) or DONTNEED_PASSES passes. */
static void worker_round(int id)
{
	struct worker_state *s = &ws[id];
	sigjmp_buf jb;
	if (sigsetjmp(jb, 1)) {
		tls_jb = NULL;
		s->segv++;
		s->code = tls_code;
		s->addr = tls_addr;
		return;
	}
	tls_jb = &jb;
	int dontneed = cur_op == OP_DONTNEED_SHARED || cur_op == OP_DONTNEED_PRIVATE;
	for (uint64_t pass = 0; !dontneed || pass < DONTNEED_PASSES; pass++) {
		for (int k = 0; k < PAGES; k++) {
			int p = (k + id * PAGES / TR_THREADS) % PAGES;
			volatile uint64_t *w = slot(view, p, id);
			uint64_t v = ((uint64_t)(round_no + 1) << 48) | ((pass + 1) << 8) | (uint64_t)(id + 1);
			int armed = atomic_load(&op_done);
			s->attempt = (uintptr_t)w;
			*w = v;
			s->last[p] = v;
			if (armed && ++s->late >= LATE_LIMIT)
				goto out;
			uint64_t r = *w;
			if (r == 0 && cur_op == OP_DONTNEED_PRIVATE)
				s->zero++;
			else if (r != v)
				s->wrong++;
			atomic_fetch_add_explicit(&s->progress, 1, memory_order_relaxed);
		}
	}
out:
	tls_jb = NULL;
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	for (;;) {
		tr_barrier_wait(&bar);           /* go */
		if (cur_op == OP_END)
			return NULL;
		worker_round(id);
		atomic_fetch_add(&finished, 1);
		tr_barrier_wait(&bar);           /* done */
	}
}

struct op_result {
	long segv, bad_code, bad_addr, late, changed, bad_data, wrong, zero;
};

/* One round of op on the memfd fd (alias: its mapping that stays): maps the
 * view, lets the workers go, acts, and adds what it found to res. */
static void run_round(int op, int fd, unsigned char *alias, struct op_result *res)
{
	static uint64_t snap[PAGES][TR_THREADS];
	memset(alias, 0, LEN);
	memset(ws, 0, sizeof(ws));
	if (op == OP_DONTNEED_PRIVATE)
		view = tr_map_isolated(LEN, TR_PAGE, MADV_NOHUGEPAGE);
	else
		view = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!view || view == MAP_FAILED) {
		res->bad_data++;
		return;
	}
	cur_op = op;
	atomic_store(&op_done, 0);
	atomic_store(&finished, 0);
	tr_barrier_wait(&bar);                   /* go */
	/* Act once every worker is under way, a little later each round. */
	for (int id = 0; id < TR_THREADS; id++)
		for (unsigned i = 0; atomic_load(&ws[id].progress) < 1 + round_no * 4; i++)
			if (i > 1000)
				sched_yield();
	if (op == OP_MUNMAP || op == OP_MPROTECT) {
		int r = op == OP_MUNMAP ? munmap(view, LEN) : mprotect(view, LEN, PROT_READ);
		res->bad_data += r != 0;
		for (int p = 0; p < PAGES; p++)
			for (int id = 0; id < TR_THREADS; id++)
				snap[p][id] = *slot(alias, p, id);
		atomic_store(&op_done, 1);
	} else {
		while (atomic_load(&finished) < TR_THREADS) {
			res->bad_data += madvise(view, LEN, MADV_DONTNEED) != 0;
			for (int i = 0; i < 2000; i++)
				__builtin_ia32_pause();
		}
	}
	tr_barrier_wait(&bar);                   /* done */

	int want_code = op == OP_MUNMAP ? SEGV_MAPERR : SEGV_ACCERR;
	for (int id = 0; id < TR_THREADS; id++) {
		struct worker_state *s = &ws[id];
		res->segv += s->segv;
		res->late += s->late;
		res->wrong += s->wrong;
		res->zero += s->zero;
		if (s->segv) {
			res->bad_code += s->code != want_code;
			res->bad_addr += s->addr != s->attempt;
		}
		for (int p = 0; p < PAGES; p++) {
			uint64_t a = *slot(alias, p, id);
			if (op == OP_MUNMAP || op == OP_MPROTECT)
				res->changed += a != snap[p][id];
			if (op == OP_DONTNEED_PRIVATE) {
				uint64_t v = *slot(view, p, id);
				res->bad_data += v != s->last[p] && v != 0;
			} else {
				res->bad_data += a != s->last[p];
				if (op == OP_MPROTECT)
					res->bad_data += *slot(view, p, id) != s->last[p];
			}
		}
	}
	if (op != OP_MUNMAP)
		munmap(view, LEN);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (!tr_test("setup_signal", sigaction(SIGSEGV, &sa, NULL) == 0, "sigaction(SIGSEGV)"))
		return 1;
	int fd = (int)syscall(SYS_memfd_create, "threadrace", 0);
	unsigned char *alias = MAP_FAILED;
	if (fd >= 0 && ftruncate(fd, LEN) == 0)
		alias = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!tr_test("setup_memfd", alias != MAP_FAILED, "memfd_create + ftruncate + MAP_SHARED of %lu bytes (fd %d)",
		     (unsigned long)LEN, fd))
		return 1;
	pthread_t t[TR_THREADS];
	tr_barrier_init(&bar, TR_THREADS + 1);
	if (!tr_test("threads", tr_start(t, TR_THREADS, worker) == TR_THREADS, "%d threads started", TR_THREADS))
		return 1;

	for (int op = OP_MUNMAP; op < OP_END; op++) {
		struct op_result res;
		memset(&res, 0, sizeof(res));
		for (round_no = 0; round_no < ROUNDS; round_no++)
			run_round(op, fd, alias, &res);
		char name[64];
		const char *n = op_names[op];
		if (op == OP_MUNMAP || op == OP_MPROTECT) {
			snprintf(name, sizeof(name), "%s_segv", n);
			tr_test(name, res.segv == ROUNDS * TR_THREADS && res.bad_code == 0 && res.bad_addr == 0,
				"%d rounds x %d threads: %ld SIGSEGVs (expected %d), %ld with si_code not %s, %ld with "
				"si_addr not the word accessed", ROUNDS, TR_THREADS, res.segv, ROUNDS * TR_THREADS,
				res.bad_code, op == OP_MUNMAP ? "SEGV_MAPERR" : "SEGV_ACCERR", res.bad_addr);
			snprintf(name, sizeof(name), "%s_no_late_write", n);
			tr_test(name, res.late == 0 && res.changed == 0,
				"%ld stores begun after %s returned succeeded; %ld words of the memfd changed after it "
				"returned", res.late, n, res.changed);
		} else {
			snprintf(name, sizeof(name), "%s_segv", n);
			tr_test(name, res.segv == 0, "%d rounds x %d threads x %d passes under MADV_DONTNEED: %ld SIGSEGVs",
				ROUNDS, TR_THREADS, DONTNEED_PASSES, res.segv);
		}
		snprintf(name, sizeof(name), "%s_data", n);
		tr_test(name, res.wrong == 0 && res.bad_data == 0,
			"%ld read-backs not the value just stored%s; %ld words not the last value stored (or a failed "
			"call); %ld read-backs of a zapped page (zero)", res.wrong,
			op == OP_DONTNEED_PRIVATE ? " nor zero" : "", res.bad_data, res.zero);
	}
	cur_op = OP_END;
	tr_barrier_wait(&bar);
	tr_join(t, TR_THREADS);
	munmap(alias, LEN);
	close(fd);
	return 0;
}
