/*
 * The console as files: descriptor 0 reads at end of file, descriptors 1
 * and 2 write into the program's output records (user_output_scan: serial
 * and screen, line by line). task_files_init gives a new task its table
 * with these three, exit_files takes it away.
 */
#include "kernel/console_file.h"
#include "kernel/user_records.h"
#include "fs/fcntl.h"
#include "fs/fdtable.h"
#include "fs/inode.h"
#include "fault/uaccess.h"
#include "base/errno.h"
#include "base/process.h"

#define WRITE_CHUNK 512

/* stdin: always at end of file (Linux's vfs_read checks the buffer first). */
static int64_t console_read(struct file *f, uint64_t buf, uint64_t count, int64_t *pos)
{
	(void)f;
	(void)pos;
	if (!access_ok(buf, count))
		return -EFAULT;
	return 0;
}

/* Copies count bytes from the user buffer to the console, in chunks. */
static int64_t console_write(struct file *f, uint64_t buf, uint64_t count, int64_t *pos)
{
	(void)f;
	(void)pos;
	char chunk[WRITE_CHUNK];
	uint64_t done = 0;
	if (!access_ok(buf, count))
		return -EFAULT;
	while (done < count) {
		uint64_t n = count - done < WRITE_CHUNK ? count - done : WRITE_CHUNK;
		uint64_t left = copy_from_user(chunk, buf + done, n);
		if (n - left)
			user_output_scan(chunk, n - left);      /* serial (output records) and screen, line by line */
		done += n - left;
		if (left)
			return done ? (int64_t)done : -EFAULT;
	}
	return (int64_t)done;
}

static const struct file_operations console_fops = {
	.read = console_read,
	.write = console_write,
};

/* See kernel/console_file.h. */
int task_files_init(struct task_struct *tsk)
{
	if (fdtable_init())
		return -ENOMEM;
	struct files_struct *files = files_alloc();
	struct file *in = alloc_file(&console_fops, O_RDONLY | O_LARGEFILE, FMODE_READ);
	struct file *out = alloc_file(&console_fops, O_WRONLY | O_LARGEFILE, FMODE_WRITE);
	if (!files || !in || !out) {
		fput(in);
		fput(out);
		put_files_struct(files);
		return -ENOMEM;
	}
	alloc_fd(files, 0, 0);
	fd_install(files, 0, in);
	alloc_fd(files, 0, 0);
	fd_install(files, 1, out);
	alloc_fd(files, 0, 0);
	fd_install(files, 2, get_file(out));   /* 1 and 2 share one open file, as a terminal's */
	tsk->files = files;
	tsk->cwd = fs_root_inode();
	if (tsk->cwd)
		iget(tsk->cwd);
	return 0;
}

/* See kernel/console_file.h. */
void exit_files(struct task_struct *tsk)
{
	put_files_struct(tsk->files);
	tsk->files = NULL;
	iput(tsk->cwd);
	tsk->cwd = NULL;
}
