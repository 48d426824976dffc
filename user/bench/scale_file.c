/*
 * Files for the scaling workloads (user/bench/scale_file.h).
 */
#include "user/bench/scale_file.h"
#include "base/format.h"
#include "base/string.h"
#include "user/rt/linux.h"
#include "user/rt/syscall.h"

#define CHUNK 65536u

static uint8_t chunk[CHUNK];

/* The path of task index's file into buf. */
static void file_name(char *buf, size_t size, uint32_t index)
{
	format(buf, size, "files/bench_scale_%ld_%u.bin", sys_getpid(), index);
}

/* See user/bench/scale_file.h. */
long scale_files_setup(struct scale_run *r)
{
	uint64_t len = r->args.mib << 20;
	memset(chunk, 's', sizeof(chunk));
	for (uint32_t i = 0; i < BENCH_MAX_TASKS; i++)
		r->fd[i] = -1;
	for (uint32_t i = 0; i < r->args.tasks; i++) {
		char name[64];
		file_name(name, sizeof(name), i);
		long fd = sys_open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			scale_files_teardown(r);
			return fd;
		}
		r->fd[i] = fd;
		for (uint64_t done = 0; done < len; done += CHUNK) {
			long w = sys_write((int)fd, chunk, CHUNK);
			if (w != CHUNK) {
				scale_files_teardown(r);
				return w < 0 ? w : -ENOSPC;
			}
		}
	}
	return 0;
}

/* See user/bench/scale_file.h. */
void scale_files_teardown(struct scale_run *r)
{
	for (uint32_t i = 0; i < BENCH_MAX_TASKS; i++) {
		if (r->fd[i] < 0)
			continue;
		char name[64];
		file_name(name, sizeof(name), i);
		sys_close((int)r->fd[i]);
		sys_unlink(name);
		r->fd[i] = -1;
	}
}
