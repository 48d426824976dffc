/*
 * bench_page_fault2: private file copy-on-write faults on many CPUs
 * (will-it-scale's page_fault2 idea; user/bench/scale.h). Each task has its
 * own file of --mib MiB (default 16) in the page cache; it maps it
 * MAP_PRIVATE read-write, writes one byte per page (each write copies the
 * cached page into a new anonymous one: do_cow_fault, class file-cow) and
 * unmaps it, again and again for --ms; k = 1..N tasks, threads and
 * processes. See docs/bench.md, "Many CPUs".
 */
#include "user/bench/scale_file.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_page_fault2);

/* Task index's file mapped privately, read-write. */
static long map_private(struct scale_run *r, uint32_t index, uint64_t len)
{
	return sys_mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, (int)r->fd[index], 0);
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	static const struct scale_workload w = {
		.name = "page_fault2", .cls = "file-cow", .default_mib = 16, .setup = scale_files_setup,
		.map = map_private, .teardown = scale_files_teardown,
	};
	return scale_main(&w, argc, argv);
}
