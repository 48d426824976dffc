/* Pipes (kernel/pipe.h). */
#include "kernel/pipe.h"
#include "kernel/poll.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "base/errno.h"
#include "base/string.h"
#include "cpu/percpu.h"
#include "fault/uaccess.h"
#include "fs/fcntl.h"
#include "fs/fdtable.h"
#include "fs/file.h"
#include "paging/buddy.h"
#include "paging/page.h"
#include "paging/slab.h"

#define PIPE_SIZE (4096u << PIPE_BUFFER_ORDER)

/* One pipe: the ring, who holds which end, who waits (Linux's pipe_inode_info). */
struct pipe_inode_info {
	uint8_t *buf;
	uint32_t head;                     /* bytes written in all, mod 2^32 */
	uint32_t tail;                     /* bytes read in all */
	uint32_t readers, writers;         /* open files of each end */
	uint64_t ino;                      /* for fstat: a number of its own */
	struct wait_queue_head rd_wait;    /* readers waiting for data */
	struct wait_queue_head wr_wait;    /* writers waiting for room */
};

static struct kmem_cache *pipe_cachep;
static uint64_t next_pipe_ino = 1;

static inline uint32_t pipe_used(const struct pipe_inode_info *p) { return p->head - p->tail; }

/* Whether a reader may go on (need 0: data, or no writer left) or a writer
 * (need > 0: that much room, or no reader left). */
static bool pipe_ready(const struct pipe_inode_info *p, uint32_t need)
{
	if (!need)
		return pipe_used(p) > 0 || p->writers == 0;
	return p->readers == 0 || PIPE_SIZE - pipe_used(p) >= need;
}

/* Waits on wq until pipe_ready(p, need); 0, -EAGAIN (nonblock), -ERESTARTSYS (a signal). */
static int pipe_wait(struct pipe_inode_info *p, struct wait_queue_head *wq, uint32_t need, bool nonblock)
{
	struct wait_queue_entry w = { .task = NULL };
	int ret = 0;
	for (;;) {
		prepare_to_wait(wq, &w);
		if (pipe_ready(p, need))
			break;
		if (nonblock) {
			ret = -EAGAIN;
			break;
		}
		if (task_sigpending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		schedule_until(0);
	}
	finish_wait(wq, &w);
	return ret;
}

/* f_op->read: what is there, up to count; 0 at EOF (no writer left). */
static int64_t pipe_read(struct file *f, uint64_t ubuf, uint64_t count, int64_t *pos)
{
	(void)pos;
	struct pipe_inode_info *p = f->private_data;
	if (count == 0)
		return 0;
	int err = pipe_wait(p, &p->rd_wait, 0, (f->f_flags & O_NONBLOCK) != 0);
	if (err)
		return err;
	uint64_t done = 0;
	while (done < count && pipe_used(p) > 0) {
		uint32_t off = p->tail % PIPE_SIZE;
		uint64_t n = pipe_used(p);
		if (n > PIPE_SIZE - off)
			n = PIPE_SIZE - off;           /* up to the ring's end */
		if (n > count - done)
			n = count - done;
		if (copy_to_user(ubuf + done, p->buf + off, n))
			return done ? (int64_t)done : -EFAULT;
		p->tail += (uint32_t)n;
		done += n;
	}
	wake_up(&p->wr_wait);
	poll_wake_all();
	return (int64_t)done;
}

/* No reader: SIGPIPE to the writer (Linux's send_sig(SIGPIPE, current, 0)) and -EPIPE. */
static int64_t broken_pipe(void)
{
	struct kernel_siginfo info = { .signo = SIGPIPE, .code = SI_USER, .pid = current->tgid, .uid = 0,
				       .reason = "write to a pipe with no reader (SIGPIPE)" };
	send_signal_to_task(current, SIGPIPE, &info);
	return -EPIPE;
}

/* f_op->write: all of it, waiting for room as it goes; a write of at most
 * PIPE_BUF bytes goes in one piece. */
static int64_t pipe_write(struct file *f, uint64_t ubuf, uint64_t count, int64_t *pos)
{
	(void)pos;
	struct pipe_inode_info *p = f->private_data;
	bool nonblock = (f->f_flags & O_NONBLOCK) != 0;
	if (p->readers == 0)
		return broken_pipe();
	uint64_t done = 0;
	while (done < count) {
		uint32_t need = count - done <= PIPE_BUF ? (uint32_t)(count - done) : 1;
		int err = pipe_wait(p, &p->wr_wait, need, nonblock);
		if (err)
			return done ? (int64_t)done : err;
		if (p->readers == 0)
			return done ? (int64_t)done : broken_pipe();
		uint32_t room = PIPE_SIZE - pipe_used(p);
		uint32_t off = p->head % PIPE_SIZE;
		uint64_t n = count - done;
		if (n > room)
			n = room;
		if (n > PIPE_SIZE - off)
			n = PIPE_SIZE - off;
		if (copy_from_user(p->buf + off, ubuf + done, n))
			return done ? (int64_t)done : -EFAULT;
		p->head += (uint32_t)n;
		done += n;
		wake_up(&p->rd_wait);
		poll_wake_all();
	}
	return (int64_t)done;
}

/* f_op->release: one end fewer; the other side hears of it; the last frees it. */
static void pipe_release(struct file *f)
{
	struct pipe_inode_info *p = f->private_data;
	if (f->f_mode & FMODE_READ)
		p->readers--;
	if (f->f_mode & FMODE_WRITE)
		p->writers--;
	wake_up(&p->rd_wait);
	wake_up(&p->wr_wait);
	poll_wake_all();
	if (p->readers == 0 && p->writers == 0) {
		__free_pages(virt_to_page(p->buf), PIPE_BUFFER_ORDER);
		kmem_cache_free(pipe_cachep, p);
	}
}

/* f_op->poll: the read end is readable with data, hung up with no writer;
 * the write end writable with room (PIPE_BUF), an error with no reader. */
static uint32_t pipe_poll(struct file *f)
{
	const struct pipe_inode_info *p = f->private_data;
	uint32_t mask = 0;
	if (f->f_mode & FMODE_READ) {
		if (pipe_used(p))
			mask |= POLLIN | POLLRDNORM;
		if (!p->writers)
			mask |= POLLHUP;
	}
	if (f->f_mode & FMODE_WRITE) {
		if (PIPE_SIZE - pipe_used(p) >= PIPE_BUF)
			mask |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			mask |= POLLERR;
	}
	return mask;
}

static const struct file_operations pipe_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.release = pipe_release,
	.poll = pipe_poll,
};

/* See kernel/pipe.h. */
bool is_pipe(const struct file *f)
{
	return f->f_op == &pipe_fops;
}

/* See kernel/pipe.h. */
void pipe_fill_stat(const struct file *f, uint8_t out[144])
{
	const struct pipe_inode_info *p = f->private_data;
	uint64_t w[18];
	memset(w, 0, sizeof(w));
	w[0] = 0xc;                      /* st_dev: pipefs */
	w[1] = p->ino;
	w[2] = 1;                        /* st_nlink */
	w[3] = 010600;                   /* st_mode: S_IFIFO, rw------- (owner root: uid 0, gid 0) */
	w[6] = pipe_used(p);             /* st_size */
	w[7] = 4096;                     /* st_blksize */
	memcpy(out, w, 144);
}

/* A new pipe and its two files; NULL (nothing left over) without memory. */
static struct pipe_inode_info *create_pipe_files(struct file **rd, struct file **wr, uint32_t flags)
{
	if (!pipe_cachep)
		pipe_cachep = kmem_cache_create("pipe_inode_info", sizeof(struct pipe_inode_info), 0);
	struct pipe_inode_info *p = pipe_cachep ? kmem_cache_zalloc(pipe_cachep) : NULL;
	struct page *buf = p ? alloc_pages(PIPE_BUFFER_ORDER) : NULL;
	*rd = buf ? alloc_file(&pipe_fops, O_RDONLY | (flags & O_NONBLOCK), FMODE_READ) : NULL;
	*wr = *rd ? alloc_file(&pipe_fops, O_WRONLY | (flags & O_NONBLOCK), FMODE_WRITE) : NULL;
	if (!*wr) {
		if (*rd) {
			(*rd)->f_op = NULL;   /* never a pipe: no release */
			fput(*rd);
		}
		if (buf)
			__free_pages(buf, PIPE_BUFFER_ORDER);
		if (p)
			kmem_cache_free(pipe_cachep, p);
		return NULL;
	}
	p->buf = page_address(buf);
	p->readers = p->writers = 1;
	p->ino = next_pipe_ino++;
	init_waitqueue_head(&p->rd_wait);
	init_waitqueue_head(&p->wr_wait);
	(*rd)->private_data = p;
	(*wr)->private_data = p;
	return p;
}

/* See kernel/pipe.h. Linux's do_pipe2: flags first (-EINVAL), then the
 * files (-ENFILE/-ENOMEM), two descriptors (-EMFILE), the copy (-EFAULT,
 * both closed again). */
int64_t sys_pipe2(uint64_t ufds, uint64_t flags)
{
	if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	struct files_struct *files = current->files;
	struct file *rd, *wr;
	if (!create_pipe_files(&rd, &wr, (uint32_t)flags))
		return -ENFILE;
	int fd0 = alloc_fd(files, 0, (uint32_t)flags);
	if (fd0 < 0) {
		fput(rd);
		fput(wr);
		return fd0;
	}
	int fd1 = alloc_fd(files, 0, (uint32_t)flags);
	if (fd1 < 0) {
		put_unused_fd(files, (uint32_t)fd0);
		fput(rd);
		fput(wr);
		return fd1;
	}
	int32_t fds[2] = { fd0, fd1 };
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		put_unused_fd(files, (uint32_t)fd0);
		put_unused_fd(files, (uint32_t)fd1);
		fput(rd);
		fput(wr);
		return -EFAULT;
	}
	fd_install(files, (uint32_t)fd0, rd);
	fd_install(files, (uint32_t)fd1, wr);
	return 0;
}

/* See kernel/pipe.h. */
int64_t sys_pipe(uint64_t ufds)
{
	return sys_pipe2(ufds, 0);
}
