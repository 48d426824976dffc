/*
 * bench_exec: what it costs to start a program (docs/bench.md). Each repetition forks; the child reads its fault counts and the
 * TSC and execve()s this same binary with them in its arguments ("--probe
 * FD T0 MINFLT MAJFLT"); the new image, first thing in main, reads the TSC
 * and its fault counts and writes the differences into the pipe FD, then
 * exits. The parent reaps it (wait4, with its rusage) and reads the pipe:
 *
 *   exec        execve to the first instruction of the new main (one sample
 *               per repetition); minflt: the faults it took (ru_minflt at
 *               main minus before execve), summed
 *   exec-exit   execve to the parent's return from wait4 after the new
 *               image's exit_group: the whole short life of a program;
 *               minflt from wait4's rusage, summed
 *
 * The binary is in the page cache after the warm-up (one untimed exec), so
 * the faults are minor: its text mapped from the cache (fault-around), its
 * data copied on write, bss and stack fresh. The fork is not timed.
 */
#include "user/bench/harness.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_exec);

#define SYS_pipe 22

/* What the probe sends back through the pipe. */
struct probe_report {
	uint64_t t0, t_main;
	int64_t minflt, majflt;   /* faults from execve to main */
	int64_t minflt0, majflt0; /* the child's counts at execve (faults between fork and execve) */
};

static uint64_t parse_u64(const char *s)
{
	uint64_t v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

/* The exec'd image: report and exit. */
static int probe(char **argv, uint64_t t_main)
{
	struct rusage ru;
	sys_getrusage(RUSAGE_SELF, &ru);
	struct probe_report r = {
		.t0 = parse_u64(argv[3]), .t_main = t_main,
		.minflt = ru.ru_minflt - (int64_t)parse_u64(argv[4]),
		.majflt = ru.ru_majflt - (int64_t)parse_u64(argv[5]),
		.minflt0 = (int64_t)parse_u64(argv[4]), .majflt0 = (int64_t)parse_u64(argv[5]),
	};
	int fd = (int)parse_u64(argv[2]);
	return sys_write(fd, &r, sizeof(r)) == (long)sizeof(r) ? 0 : 3;
}

/* One start of the program: the report, the cycles to the reaped exit and
 * the faults from execve to exit (wait4's rusage less the counts at
 * execve). Returns 0 or -errno (-EINVAL: the child did not report). */
static long one_exec(int rfd, int wfd, struct probe_report *rep, uint64_t *to_exit, int64_t *minflt,
		     int64_t *majflt)
{
	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		static char sfd[24], st0[24], smin[24], smaj[24];
		struct rusage ru;
		sys_getrusage(RUSAGE_SELF, &ru);
		format(sfd, sizeof(sfd), "%d", wfd);
		format(smin, sizeof(smin), "%ld", (long)ru.ru_minflt);
		format(smaj, sizeof(smaj), "%ld", (long)ru.ru_majflt);
		char *const argv[] = { "bench_exec", "--probe", sfd, st0, smin, smaj, NULL };
		char *const envp[] = { NULL };
		uint64_t t0 = rdtsc_ordered();
		format(st0, sizeof(st0), "%lu", (unsigned long)t0);
		syscall6(SYS_execve, (long)"/proc/self/exe", (long)argv, (long)envp, 0, 0, 0);
		sys_exit_group(127);
	}
	if (pid < 0)
		return pid;
	int st = -1;
	struct rusage ru;
	long w = syscall6(SYS_wait4, pid, (long)&st, 0, (long)&ru, 0, 0);
	uint64_t t_end = bench_tsc_end();
	if (w != pid)
		return w < 0 ? w : -EINVAL;
	if (st != 0 || sys_read(rfd, rep, sizeof(*rep)) != (long)sizeof(*rep))
		return -EINVAL;
	*to_exit = t_end - rep->t0;
	*minflt = ru.ru_minflt - rep->minflt0;
	*majflt = ru.ru_majflt - rep->majflt0;
	return 0;
}

int main(int argc, char **argv, char **envp)
{
	uint64_t t_main = rdtsc_ordered();
	(void)envp;
	if (argc == 6 && strcmp(argv[1], "--probe") == 0)
		return probe(argv, t_main);

	struct bench b;
	struct bench_args defaults = { .mib = 1, .reps = 16, .seed = 1, .order = BENCH_SEQ };
	if (bench_init(&b, "exec", argc, argv, defaults, 0, PAGE_SIZE) < 0)
		return 2;
	long ce = bench_add_class(&b, "exec"), cx = bench_add_class(&b, "exec-exit");
	int fds[2];
	long r = syscall6(SYS_pipe, (long)fds, 0, 0, 0, 0, 0);
	if (ce < 0 || cx < 0 || r < 0)
		return bench_fail(&b, "set-up", ce < 0 ? ce : cx < 0 ? cx : r);

	struct probe_report rep;
	uint64_t to_exit;
	int64_t minflt, majflt;
	r = one_exec(fds[0], fds[1], &rep, &to_exit, &minflt, &majflt);   /* warm-up: the binary into the cache */
	if (r < 0)
		return bench_fail(&b, "warm-up exec", r);
	int64_t warm_majflt = rep.majflt;

	bench_begin(&b);
	int64_t majflt_sum = 0, exit_minflt = 0;
	for (uint64_t rep_i = 0; rep_i < b.args.reps && r >= 0; rep_i++) {
		r = one_exec(fds[0], fds[1], &rep, &to_exit, &minflt, &majflt);
		if (r < 0)
			break;
		struct bench_class *e = &b.cls[ce], *x = &b.cls[cx];
		if (e->count < e->cap)
			e->samples[e->count++] = rep.t_main - rep.t0;
		if (x->count < x->cap)
			x->samples[x->count++] = to_exit;
		e->minflt += rep.minflt;
		exit_minflt += minflt;
		majflt_sum += rep.majflt + majflt;
	}
	b.cls[cx].minflt = exit_minflt;
	bench_end(&b);
	if (r < 0)
		return bench_fail(&b, "fork/exec/wait", r);
	rt_printf(1, "{\"type\":\"bench_note\",\"workload\":\"exec\",\"warm_up_majflt\":%ld,\"majflt\":%ld}\n",
		  (long)warm_majflt, (long)majflt_sum);
	return bench_report(&b) < 0 ? 1 : 0;
}
