/*
 * memfd_basic: memfd_create as Linux has it. The file starts empty and
 * read-write with the flags asked for (MFD_CLOEXEC: FD_CLOEXEC); ftruncate
 * sizes it; a MAP_SHARED mapping and write/pread see the same bytes; bad
 * flags and a name over 249 bytes are -EINVAL, a bad name pointer -EFAULT.
 */
#include "user/rt/rt.h"

RT_PROGRAM(memfd_basic);

#define NR_memfd_create 319
#define MFD_CLOEXEC 1

static long sc(long nr, long a, long b, long c, long d) { return syscall6(nr, a, b, c, d, 0, 0); }

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long fd = sc(NR_memfd_create, (long)"basic", MFD_CLOEXEC, 0, 0);
	long fdflags = sc(SYS_fcntl, fd, F_GETFD, 0, 0), fl = sc(SYS_fcntl, fd, F_GETFL, 0, 0);
	uint64_t st[18] = {0};
	long fs = sc(SYS_fstat, fd, (long)st, 0, 0);
	rt_check("create", fd >= 0 && fdflags == 1 && (fl & O_ACCMODE) == O_RDWR && fs == 0 && st[6] == 0,
		 "memfd_create %ld, F_GETFD %ld, F_GETFL %#lx, fstat %ld size %lu", fd, fdflags, fl, fs,
		 (unsigned long)st[6]);
	long t = sc(SYS_ftruncate, fd, 8192, 0, 0);
	long p = sys_mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	char *m = (char *)p;
	long w = -1, r = -1;
	char buf[6] = {0};
	if (p > 0) {
		m[4096] = 'x';
		w = sys_write((int)fd, "hello", 5);
		r = sc(SYS_pread64, fd, (long)buf, 1, 4096);
	}
	rt_check("shared", t == 0 && p > 0 && w == 5 && r == 1 && buf[0] == 'x' && m[0] == 'h' && m[4] == 'o',
		 "ftruncate %ld, mmap %#lx, write %ld, pread %ld '%c', mapping '%c%c'", t, p, w, r, buf[0],
		 p > 0 ? m[0] : '?', p > 0 ? m[4] : '?');
	char longname[300];
	for (int i = 0; i < 299; i++)
		longname[i] = 'n';
	longname[299] = 0;
	long e1 = sc(NR_memfd_create, (long)"x", 0x100, 0, 0), e2 = sc(NR_memfd_create, (long)longname, 0, 0, 0);
	long e3 = sc(NR_memfd_create, 16, 0, 0, 0);
	rt_check("errors", e1 == -EINVAL && e2 == -EINVAL && e3 == -EFAULT,
		 "bad flag %ld, long name %ld (want -EINVAL), bad pointer %ld (want -EFAULT)", e1, e2, e3);
	return 0;
}
