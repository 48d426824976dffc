/*
 * Pipes (Linux's fs/pipe.c): pipe and pipe2 make two files over one 64 KiB
 * ring buffer. A read waits for data and returns what there is (0 once no
 * writer is left); a write waits for room, writes of at most PIPE_BUF bytes
 * are never interleaved with another writer's, and a write with no reader
 * left raises SIGPIPE and fails with -EPIPE. O_NONBLOCK makes the waits
 * -EAGAIN; a signal ends them (-ERESTARTSYS, or the bytes already moved).
 */
#ifndef FAULTLINE_PIPE_H
#define FAULTLINE_PIPE_H

#include <stdbool.h>
#include <stdint.h>

struct file;

#define PIPE_BUF 4096
#define PIPE_BUFFER_ORDER 4   /* 16 pages: Linux's default pipe size */

/* pipe(2), pipe2(2). */
int64_t sys_pipe(uint64_t fds);
int64_t sys_pipe2(uint64_t fds, uint64_t flags);

/* Whether f is one end of a pipe. */
bool is_pipe(const struct file *f);

/* Linux's struct stat (144 bytes) for a pipe end: a FIFO, st_size the bytes
 * waiting in it. */
void pipe_fill_stat(const struct file *f, uint8_t out[144]);

#endif
