/*
 * fork_thp_cow: what copy-on-write of transparent huge pages costs after
 * fork, in minor faults as getrusage counts them, and that it keeps both
 * sides apart. Two THPs (A, B) written before the fork and a third 2 MiB
 * only read (the huge zero page, C). Linux 6.1 shares each 2 MiB leaf
 * write-protected; the first write on either side splits that side's leaf
 * and copies the 4 KiB page written, every further page written is one
 * fault more; reads cost nothing. So:
 *
 *   the parent writes 8 pages of B at once      8 faults
 *   the child then reads all of A, B and C      0 faults, the parent's data
 *   the child writes 8 pages of A, then of B    8 faults each
 *   the child writes a page of C                its own page, zeros elsewhere
 *   after the child exits, the parent writes    1 fault: A is its alone again,
 *   8 pages of A                                reused whole
 *   ... and 8 more pages of B (split already)   8 faults
 *
 * Every side sees only its own writes. On faultline, introspection also
 * shows the child's leaf of A to be the parent's 2 MiB (same frame, both
 * read-only) before anyone writes. THP off (Linux's "never"): the counts are
 * skipped, the isolation still checked.
 */
#include "user/rt/rt.h"

RT_PROGRAM(fork_thp_cow);

#define MB (1ul << 20)
#define N 8                      /* pages written per step */
#define SYS_pipe 22

/* Faults each write of one step took, as digits ("11111111"), for the
 * details: a count that is off says which write took it. */
struct step_faults {
	char per_write[N + 1];
};

/* What the child measured, in a shared page. */
struct child_report {
	volatile int64_t read_faults, a_faults, b_faults, bad;
	volatile uint64_t a_pfn, a_flags;
	struct step_faults a_writes, b_writes;
};

/* Page i of a 2 MiB chunk that step s writes (spread over the chunk). */
static uintptr_t page_of(uintptr_t chunk, int s, int i) { return chunk + ((uintptr_t)(i * 61 + s * 7) % 512) * PAGE_SIZE; }

/* Writes salt + page number into the first word of the N pages of step s; the
 * faults taken, and each write's in *sf. */
static int64_t write_step(uintptr_t chunk, int s, uint64_t salt, struct step_faults *sf)
{
	int64_t first = rt_minflt(), before = first;
	for (int i = 0; i < N; i++) {
		poke64(page_of(chunk, s, i), salt + i);
		int64_t now = rt_minflt(), d = now - before;
		sf->per_write[i] = (char)(d >= 0 && d <= 9 ? '0' + d : '+');
		before = now;
	}
	sf->per_write[N] = 0;
	return before - first;
}

/* One write to p, and to the 12 KiB of stack below this frame (more than
 * what the measured calls use, wherever the stack happens to start in its
 * page): after fork, the stack's CoW faults happen here, before anything is
 * measured. */
static __attribute__((noinline)) int64_t warm_up(uintptr_t p)
{
	volatile uint8_t pad[3 * PAGE_SIZE];
	for (uint32_t i = 0; i < sizeof(pad); i += 512)
		pad[i] = (uint8_t)i;
	int64_t before = rt_minflt();
	poke64(p, 1);
	return rt_minflt() - before + pad[0];
}

/* Pages of the 2 MiB at chunk whose first word is not what fill() put there,
 * not counting the pages of step s (holding salt + i instead; s < 0: none). */
static uint64_t count_wrong(uintptr_t chunk, uint64_t fill_salt, int s, uint64_t salt)
{
	uint64_t bad = 0;
	for (uintptr_t p = chunk; p < chunk + 2 * MB; p += PAGE_SIZE) {
		uint64_t want = fill_salt + ((p - chunk) >> 12);
		for (int i = 0; s >= 0 && i < N; i++)
			if (page_of(chunk, s, i) == p)
				want = salt + i;
		bad += peek64(p) != want;
	}
	return bad;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	int thp = rt_thp_enabled();
	long m = rt_map_thp_region(6 * MB);
	long sh = sys_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int go[2];
	long p = syscall6(SYS_pipe, (long)go, 0, 0, 0, 0, 0);
	long warm = rt_map_small_pages(PAGE_SIZE, PROT_READ | PROT_WRITE);
	if (m < 0 || sh < 0 || p || warm < 0) {
		rt_test("setup", RT_FAIL, "mmap returned %ld, %ld; pipe %ld", m, sh, p);
		return 1;
	}
	uintptr_t a = (uintptr_t)m, b = a + 2 * MB, c = a + 4 * MB;
	struct child_report *r = (struct child_report *)sh;
	r->read_faults = r->a_faults = r->b_faults = r->bad = -1;
	for (uintptr_t q = a; q < c; q += PAGE_SIZE)
		poke64(q, 1000 + ((q - a) >> 12) % 512);
	warm_up((uintptr_t)warm);
	uint64_t zeros = 0;
	for (uintptr_t q = c; q < c + 2 * MB; q += PAGE_SIZE)
		zeros += peek64(q) == 0;
	struct fl_pte_info pinfo;
	long intro = -1;

	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		struct fl_pte_info cinfo;
		char byte;
		r->a_pfn = 0;
		sys_read(go[0], &byte, 1);
		warm_up((uintptr_t)warm);
		if (fl_describe_va((void *)(a + 5 * PAGE_SIZE), &cinfo) == 0)
			r->a_pfn = cinfo.pfn, r->a_flags = cinfo.flags;
		int64_t m0 = rt_minflt();
		uint64_t bad = count_wrong(a, 1000, -1, 0) + count_wrong(b, 1000, -1, 0);
		for (uintptr_t q = c; q < c + 2 * MB; q += PAGE_SIZE)
			bad += peek64(q) != 0;
		int64_t m1 = rt_minflt();
		int64_t fa = write_step(a, 1, 5000, &r->a_writes);
		int64_t fb = write_step(b, 2, 6000, &r->b_writes);
		poke64(c + 3 * PAGE_SIZE, 77);
		bad += count_wrong(a, 1000, 1, 5000) + count_wrong(b, 1000, 2, 6000);
		for (uintptr_t q = c; q < c + 2 * MB; q += PAGE_SIZE)
			bad += peek64(q) != (q == c + 3 * PAGE_SIZE ? 77u : 0u);
		r->read_faults = m1 - m0;
		r->a_faults = fa;
		r->b_faults = fb;
		r->bad = (int64_t)bad;
		sys_exit_group(0);
	}
	/* The parent: its leaf of A as the fork left it, then 8 writes to B before the child runs on. */
	intro = fl_describe_va((void *)(a + 5 * PAGE_SIZE), &pinfo);
	warm_up((uintptr_t)warm);
	struct step_faults pb_writes, pa_writes, pb2_writes;
	int64_t parent_b = write_step(b, 0, 3000, &pb_writes);
	sys_write(go[1], "g", 1);
	int st = -1;
	long w = syscall6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0);
	uint64_t parent_bad = count_wrong(a, 1000, -1, 0) + count_wrong(b, 1000, 0, 3000);
	for (uintptr_t q = c; q < c + 2 * MB; q += PAGE_SIZE)
		parent_bad += peek64(q) != 0;
	int64_t parent_a = write_step(a, 3, 7000, &pa_writes);
	int64_t parent_b2 = write_step(b, 4, 8000, &pb2_writes);
	parent_bad += count_wrong(a, 1000, 3, 7000);

	rt_check("child_ran", pid > 0 && w == pid && st == 0 && r->bad >= 0 && zeros == 512,
		 "fork %ld, wait4 %ld, status 0x%x, child report %lld, %lu zero pages read before the fork", pid, w,
		 st, (long long)r->bad, (unsigned long)zeros);
	rt_check("isolated", r->bad == 0 && parent_bad == 0,
		 "pages holding the other side's writes (or wrong): %lld in the child, %lu in the parent",
		 (long long)r->bad, (unsigned long)parent_bad);
	if (thp == 1) {
		rt_check("child_reads_free", r->read_faults == 0,
			 "the child's reads of 6 MiB of THPs cost %lld minor faults (expected 0)",
			 (long long)r->read_faults);
		rt_check("cow_fault_per_4k_page", parent_b == N && r->a_faults == N && r->b_faults == N,
			 "%d pages written in a shared THP: parent %lld faults, child %lld (A) and %lld (B) (expected "
			 "%d each: the first splits and copies 4 KiB, each further page one more; per write: %s, %s, %s)",
			 N, (long long)parent_b, (long long)r->a_faults, (long long)r->b_faults, N, pb_writes.per_write,
			 r->a_writes.per_write, r->b_writes.per_write);
		rt_check("alone_reuses_whole_thp", parent_a == 1,
			 "after the child exited, %d pages of A written by the parent: %lld faults (expected 1: "
			 "the THP is its alone again; per write: %s)", N, (long long)parent_a, pa_writes.per_write);
		rt_check("split_side_faults_per_page", parent_b2 == N,
			 "%d more pages of B, whose leaf the parent split: %lld faults (expected %d; per write: %s)", N,
			 (long long)parent_b2, N, pb2_writes.per_write);
	} else {
		rt_test("child_reads_free", RT_SKIP, "THP is off here (%d)", thp);
		rt_test("cow_fault_per_4k_page", RT_SKIP, "THP is off here (%d)", thp);
		rt_test("alone_reuses_whole_thp", RT_SKIP, "THP is off here (%d)", thp);
		rt_test("split_side_faults_per_page", RT_SKIP, "THP is off here (%d)", thp);
	}
	if (intro == 0)
		rt_check("leaf_shared", (pinfo.flags & FL_PTE_HUGE) && !(pinfo.flags & FL_PTE_WRITE) &&
			 r->a_pfn == pinfo.pfn && (r->a_flags & FL_PTE_HUGE) && !(r->a_flags & FL_PTE_WRITE),
			 "A after fork: parent pfn 0x%lx flags 0x%lx, child pfn 0x%lx flags 0x%lx (expected the same "
			 "2 MiB leaf, read-only in both)", (unsigned long)pinfo.pfn, (unsigned long)pinfo.flags,
			 (unsigned long)r->a_pfn, (unsigned long)r->a_flags);
	else
		rt_test("leaf_shared", RT_SKIP, "no introspection off faultline");
	return 0;
}
