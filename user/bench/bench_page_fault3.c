/*
 * bench_page_fault3: shared file write faults on many CPUs (will-it-scale's
 * page_fault3 idea; user/bench/scale.h). Each task has its own file of --mib
 * MiB (default 16) in the page cache; it maps it MAP_SHARED read-write,
 * writes one byte per page (the cached page mapped writable and dirtied:
 * do_shared_fault, class file-shared-write) and unmaps it, again and again
 * for --ms; k = 1..N tasks, threads and processes. See docs/bench.md,
 * "Many CPUs".
 */
#include "user/bench/scale_file.h"
#include "user/rt/rt.h"

RT_PROGRAM(bench_page_fault3);

/* Task index's file mapped shared, read-write. */
static long map_shared(struct scale_run *r, uint32_t index, uint64_t len)
{
	return sys_mmap(0, len, PROT_READ | PROT_WRITE, MAP_SHARED, (int)r->fd[index], 0);
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	static const struct scale_workload w = {
		.name = "page_fault3", .cls = "file-shared-write", .default_mib = 16, .setup = scale_files_setup,
		.map = map_shared, .teardown = scale_files_teardown,
	};
	return scale_main(&w, argc, argv);
}
