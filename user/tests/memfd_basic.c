/*
 * memfd_basic: memfd_create(2) gives a descriptor to a file that lives only
 * in memory, as on Linux:
 *   - MFD_CLOEXEC sets the descriptor's close-on-exec flag, no flag leaves it
 *     clear; the file is a regular file of size 0 that ftruncate sizes;
 *   - write() and a MAP_SHARED mapping see the same bytes both ways, a
 *     MAP_PRIVATE mapping's writes stay private;
 *   - a child after fork writes through the inherited mapping and the
 *     parent reads it with read();
 *   - ftruncate to a shorter size zeroes what was past it when grown again;
 *   - errors: unknown flags -EINVAL, a name of 250 bytes -EINVAL (249 is
 *     fine), a name at an unmapped address -EFAULT.
 */
#include "user/rt/rt.h"

RT_PROGRAM(memfd_basic);

#define SYS_memfd_create 319
#define MFD_CLOEXEC 1u

static long memfd_create(const char *name, unsigned flags)
{
	return syscall6(SYS_memfd_create, (long)name, flags, 0, 0, 0, 0);
}

static void expect(const char *name, long got, long want)
{
	rt_check(name, got == want, "returned %ld, expected %ld", got, want);
}

static char longname[260];

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long fd = memfd_create("faultline", MFD_CLOEXEC);
	rt_check("create", fd >= 0, "memfd_create: %ld", fd);
	if (fd < 0)
		return 0;
	expect("cloexec", sys_fcntl((int)fd, F_GETFD, 0), FD_CLOEXEC);
	long plain = memfd_create("", 0);
	expect("no_cloexec", plain >= 0 ? sys_fcntl((int)plain, F_GETFD, 0) : plain, 0);
	sys_close((int)plain);

	struct stat st;
	long r = sys_fstat((int)fd, &st);
	rt_check("fstat_empty", r == 0 && (st.st_mode & S_IFMT) == S_IFREG && st.st_size == 0,
		 "fstat %ld, mode 0%o, size %ld", r, st.st_mode, (long)st.st_size);
	expect("ftruncate", sys_ftruncate((int)fd, 3 * 4096), 0);
	sys_fstat((int)fd, &st);
	expect("size_after_ftruncate", st.st_size, 3 * 4096);

	expect("write", sys_write((int)fd, "hello", 5), 5);
	long m = sys_mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	rt_check("mmap_shared", m > 0, "mmap: %ld", m);
	if (m < 0)
		return 0;
	volatile char *map = (volatile char *)m;
	rt_check("write_seen_in_mapping", map[0] == 'h' && map[4] == 'o' && map[5] == 0 && map[8191] == 0,
		 "mapping reads %c%c..., then %d %d", map[0], map[4], map[5], map[8191]);
	map[4096 + 7] = 'Z';
	char c = 0;
	sys_pread((int)fd, &c, 1, 4096 + 7);
	rt_check("mapping_write_seen_by_read", c == 'Z', "pread reads %d (expected 'Z')", c);

	long pm = sys_mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, (int)fd, 0);
	if (pm > 0)
		*(volatile char *)pm = 'p';
	sys_pread((int)fd, &c, 1, 0);
	rt_check("private_write_stays_private", pm > 0 && c == 'h' && map[0] == 'h' && *(volatile char *)pm == 'p',
		 "mmap %ld; file %c, shared mapping %c, private %c", pm, c, map[0], pm > 0 ? *(volatile char *)pm : 0);

	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		map[2 * 4096 + 9] = 'K';   /* a page nobody touched before the fork */
		sys_exit_group(0);
	}
	int status = -1;
	syscall6(SYS_wait4, pid, (long)&status, 0, 0, 0, 0);
	sys_pread((int)fd, &c, 1, 2 * 4096 + 9);
	rt_check("child_write_seen_by_read", status == 0 && c == 'K', "child status 0x%x; pread reads %d", status, c);

	sys_ftruncate((int)fd, 4096 + 4);
	sys_ftruncate((int)fd, 3 * 4096);
	sys_pread((int)fd, &c, 1, 4096 + 7);
	rt_check("truncate_zeroes", c == 0 && map[4096 + 7] == 0 && map[2 * 4096 + 9] == 0,
		 "after shrinking to 4100 bytes and growing back: read %d, mapping %d %d", c, map[4096 + 7],
		 map[2 * 4096 + 9]);

	expect("bad_flags", memfd_create("x", 0x100), -EINVAL);
	memset(longname, 'n', 250);
	expect("name_250_bytes", memfd_create(longname, 0), -EINVAL);
	longname[249] = 0;
	long ok = memfd_create(longname, 0);
	rt_check("name_249_bytes", ok >= 0, "memfd_create with a 249-byte name: %ld", ok);
	sys_close((int)ok);
	expect("name_fault", memfd_create((const char *)8, 0), -EFAULT);
	return 0;
}
