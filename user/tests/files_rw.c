/*
 * files_rw: files through read/write and the calls on names, as on Linux.
 * Reads the test file the stick carries (files/hello.txt), then makes its
 * own files and a directory under files/ (names rw_*, removed at the end):
 * sizes, positions (lseek, pread/pwrite, O_APPEND, holes), readv/writev,
 * ftruncate, stat/fstat, getdents64, mkdir/rename/unlink/rmdir, chdir and
 * getcwd, access, readlink; an unlinked open file stays readable; every bad
 * use fails with Linux's errno. Paths are relative: programs start in / on
 * faultline (and in a directory holding files/ on the host).
 */
#include "user/rt/rt.h"

RT_PROGRAM(files_rw);

static void expect(const char *name, long got, long want)
{
	rt_check(name, got == want, "returned %ld, expected %ld", got, want);
}

static uint8_t buf[20000], back[20000];

/* True if getdents64 of path lists name. */
static bool dir_lists(const char *path, const char *name, long *entries)
{
	long fd = sys_open(path, O_RDONLY | O_DIRECTORY, 0);
	static uint8_t d[4096];
	bool found = false;
	*entries = 0;
	if (fd < 0)
		return false;
	long n;
	while ((n = sys_getdents64((int)fd, d, sizeof(d))) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *e = (struct linux_dirent64 *)(d + off);
			if (!strcmp(e->d_name, name))
				found = true;
			(*entries)++;
			off += e->d_reclen;
		}
	}
	sys_close((int)fd);
	return found;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	char text[64];
	memset(text, 0, sizeof(text));
	long fd = sys_open("files/hello.txt", O_RDONLY, 0);
	long n = sys_read((int)fd, text, sizeof(text));
	rt_check("read_stick_file", n == 17 && !memcmp(text, "hello, faultline\n", 17), "read %ld bytes: %.17s", n, text);
	expect("read_at_eof", sys_read((int)fd, text, sizeof(text)), 0);
	struct stat st;
	expect("fstat", sys_fstat((int)fd, &st), 0);
	rt_check("fstat_size_mode", st.st_size == 17 && (st.st_mode & S_IFMT) == S_IFREG && st.st_nlink == 1,
		 "size %ld mode 0%o nlink %lu", st.st_size, st.st_mode, st.st_nlink);
	expect("write_rdonly_ebadf", sys_write((int)fd, "x", 1), -EBADF);
	expect("ftruncate_rdonly_einval", sys_ftruncate((int)fd, 0), -EINVAL);
	expect("read_bad_buffer", sys_pread((int)fd, (void *)8, 1, 0), -EFAULT);
	sys_close((int)fd);

	/* statx: the basic stats, Linux's layout. */
	static uint8_t stx[256];
	expect("statx", syscall6(332, AT_FDCWD, (long)"files/hello.txt", 0, 0x7ff, (long)stx, 0), 0);
	uint32_t smask, snlink;
	uint16_t smode;
	uint64_t ssize;
	memcpy(&smask, stx, 4);
	memcpy(&snlink, stx + 0x10, 4);
	memcpy(&smode, stx + 0x1c, 2);
	memcpy(&ssize, stx + 0x28, 8);
	rt_check("statx_fields", (smask & 0x7ff) == 0x7ff && snlink == 1 && (smode & S_IFMT) == S_IFREG && ssize == 17,
		 "mask 0x%x nlink %u mode 0%o size %lu", smask, snlink, smode, ssize);
	expect("statx_bad_flags", syscall6(332, AT_FDCWD, (long)"files/hello.txt", 0x4, 0x7ff, (long)stx, 0), -EINVAL);
	expect("statx_reserved_mask", syscall6(332, AT_FDCWD, (long)"files/hello.txt", 0, 0x80000000l, (long)stx, 0),
	       -EINVAL);
	expect("statx_missing", syscall6(332, AT_FDCWD, (long)"files/none", 0, 0x7ff, (long)stx, 0), -ENOENT);
	expect("stat_dir", sys_stat("files", &st), 0);
	rt_check("stat_dir_mode", (st.st_mode & S_IFMT) == S_IFDIR, "mode 0%o", st.st_mode);
	expect("stat_missing", sys_stat("files/no_such_file", &st), -ENOENT);
	expect("stat_through_file", sys_stat("files/hello.txt/x", &st), -ENOTDIR);
	expect("stat_trailing_slash_file", sys_stat("files/hello.txt/", &st), -ENOTDIR);
	expect("stat_empty_path", sys_stat("", &st), -ENOENT);
	expect("open_dir_for_write", sys_open("files", O_WRONLY, 0), -EISDIR);
	expect("open_missing", sys_open("files/no_such_file", O_RDONLY, 0), -ENOENT);
	expect("open_in_missing_dir", sys_open("files/no_dir/x", O_RDWR | O_CREAT, 0644), -ENOENT);
	expect("open_excl_existing", sys_open("files/hello.txt", O_RDWR | O_CREAT | O_EXCL, 0644), -EEXIST);
	expect("open_directory_flag_on_file", sys_open("files/hello.txt", O_RDONLY | O_DIRECTORY, 0), -ENOTDIR);
	expect("open_bad_path_pointer", sys_open((const char *)8, O_RDONLY, 0), -EFAULT);
	char longname[300];
	memcpy(longname, "files/", 6);
	memset(longname + 6, 'n', 280);
	longname[286] = 0;
	expect("open_name_too_long", sys_open(longname, O_RDONLY, 0), -ENAMETOOLONG);
	long dfd = sys_open("files", O_RDONLY, 0);
	expect("read_dir_eisdir", sys_read((int)dfd, text, 1), -EISDIR);
	sys_close((int)dfd);

	/* A new file: write, positions, pread/pwrite, holes, append, truncate. */
	fd = sys_open("files/rw_a.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	rt_check("create", fd >= 0, "open O_CREAT: %ld", fd);
	for (uint32_t i = 0; i < 10000; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	expect("write_10000", sys_write((int)fd, buf, 10000), 10000);
	expect("lseek_end", sys_lseek((int)fd, 0, SEEK_END), 10000);
	expect("lseek_cur_back", sys_lseek((int)fd, -4000, SEEK_CUR), 6000);
	expect("read_middle", sys_read((int)fd, back, 100), 100);
	rt_check("read_middle_bytes", !memcmp(back, buf + 6000, 100), "bytes at 6000 differ");
	expect("pread", sys_pread((int)fd, back, 500, 4000), 500);
	rt_check("pread_bytes", !memcmp(back, buf + 4000, 500), "bytes at 4000 differ");
	expect("pread_keeps_pos", sys_lseek((int)fd, 0, SEEK_CUR), 6100);
	expect("pwrite_across_page", sys_pwrite((int)fd, "ABCDEFGH", 8, 4092), 8);
	expect("pread_across_page", sys_pread((int)fd, back, 8, 4092), 8);
	rt_check("pwrite_read_back", !memcmp(back, "ABCDEFGH", 8), "%.8s", (char *)back);
	expect("pread_negative", sys_pread((int)fd, back, 8, -1), -EINVAL);
	expect("lseek_negative", sys_lseek((int)fd, -1, SEEK_SET), -EINVAL);
	expect("lseek_bad_whence", sys_lseek((int)fd, 0, 7), -EINVAL);
	expect("seek_data_past_end", sys_lseek((int)fd, 20000, SEEK_DATA), -ENXIO);
	expect("seek_hole_is_end", sys_lseek((int)fd, 0, SEEK_HOLE), 10000);
	/* A hole: write past the end, the gap reads zeros. */
	expect("write_past_end", sys_pwrite((int)fd, "Z", 1, 3 * 4096 + 100), 1);
	expect("fstat_after_hole", sys_fstat((int)fd, &st), 0);
	rt_check("hole_size", st.st_size == 3 * 4096 + 101, "size %ld", st.st_size);
	memset(back, 0xee, 4096);
	expect("read_hole", sys_pread((int)fd, back, 2000, 10100), 2000);
	bool zeros = true;
	for (int i = 0; i < 2000; i++)
		zeros = zeros && back[i] == 0;
	rt_check("hole_reads_zeros", zeros, "bytes of the hole are not all zero");
	expect("ftruncate_shrink", sys_ftruncate((int)fd, 5000), 0);
	expect("read_after_truncate", sys_pread((int)fd, back, 8000, 0), 5000);
	expect("ftruncate_grow", sys_ftruncate((int)fd, 6000), 0);
	expect("read_grown", sys_pread((int)fd, back, 2000, 4990), 1010);
	rt_check("grown_part_zero", back[10] == 0 && back[1009] == 0 && back[9] == buf[4999],
		 "byte 4999 %u, 5000 %u, 5999 %u", back[9], back[10], back[1009]);
	expect("ftruncate_negative", sys_ftruncate((int)fd, -1), -EINVAL);
	expect("fsync", sys_fsync((int)fd), 0);
	sys_close((int)fd);

	fd = sys_open("files/rw_a.txt", O_WRONLY | O_APPEND, 0);
	expect("append_write", sys_write((int)fd, "END", 3), 3);
	expect("append_pos", sys_lseek((int)fd, 0, SEEK_CUR), 6003);
	expect("read_wronly_ebadf", sys_read((int)fd, back, 1), -EBADF);
	sys_close((int)fd);
	fd = sys_open("files/rw_a.txt", O_RDONLY, 0);
	expect("append_landed", sys_pread((int)fd, back, 3, 6000), 3);
	rt_check("append_bytes", !memcmp(back, "END", 3), "%.3s", (char *)back);
	sys_close((int)fd);

	/* readv / writev on a file. */
	fd = sys_open("files/rw_v.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
	struct iovec iov[3] = { { (void *)"one,", 4 }, { (void *)"", 0 }, { (void *)"two", 3 } };
	expect("writev_file", sys_writev((int)fd, iov, 3), 7);
	char a[3], b[8];
	struct iovec riov[2] = { { a, 3 }, { b, 8 } };
	sys_lseek((int)fd, 0, SEEK_SET);
	expect("readv_file", sys_readv((int)fd, riov, 2), 7);
	rt_check("readv_bytes", !memcmp(a, "one", 3) && !memcmp(b, ",two", 4), "%.3s|%.4s", a, b);
	expect("truncate_path", sys_truncate("files/rw_v.txt", 2), 0);
	expect("fstat_truncated", sys_fstat((int)fd, &st), 0);
	rt_check("truncate_path_size", st.st_size == 2, "size %ld", st.st_size);
	expect("truncate_dir", sys_truncate("files", 0), -EISDIR);
	sys_close((int)fd);

	/* Directories and names. */
	expect("mkdir", sys_mkdir("files/rw_dir", 0755), 0);
	expect("mkdir_exists", sys_mkdir("files/rw_dir", 0755), -EEXIST);
	expect("mkdir_missing_parent", sys_mkdir("files/no_dir/sub", 0755), -ENOENT);
	expect("rename_into_dir", sys_rename("files/rw_a.txt", "files/rw_dir/moved.txt"), 0);
	expect("rename_gone", sys_stat("files/rw_a.txt", &st), -ENOENT);
	long entries = 0;
	rt_check("getdents_lists", dir_lists("files/rw_dir", "moved.txt", &entries) && entries == 3,
		 "moved.txt listed: %d, %ld entries (expected 3 with . and ..)",
		 dir_lists("files/rw_dir", "moved.txt", &entries), entries);
	rt_check("getdents_root_files", dir_lists("files", "hello.txt", &entries), "hello.txt not in files/");
	expect("getdents_not_dir", sys_getdents64(0 + (int)sys_open("files/hello.txt", O_RDONLY, 0), buf, 4096), -ENOTDIR);
	expect("rmdir_not_empty", sys_rmdir("files/rw_dir"), -ENOTEMPTY);
	expect("unlink_dir", sys_unlink("files/rw_dir"), -EISDIR);
	expect("rmdir_file", sys_rmdir("files/rw_dir/moved.txt"), -ENOTDIR);
	expect("rename_file_over_dir", sys_rename("files/rw_v.txt", "files/rw_dir"), -EISDIR);
	expect("rename_dir_into_itself", sys_rename("files/rw_dir", "files/rw_dir/sub"), -EINVAL);
	expect("rename_missing", sys_rename("files/no_such", "files/x"), -ENOENT);

	/* chdir, getcwd, an absolute path built from it. */
	char cwd[512], abs[600];
	long clen = sys_getcwd(cwd, sizeof(cwd));
	rt_check("getcwd", clen > 0 && cwd[0] == '/' && (long)strlen(cwd) + 1 == clen, "getcwd: %ld", clen);
	expect("getcwd_small", sys_getcwd(cwd, 1), -ERANGE);
	sys_getcwd(cwd, sizeof(cwd));
	format(abs, sizeof(abs), "%s%sfiles/hello.txt", cwd, cwd[1] ? "/" : "");
	fd = sys_open(abs, O_RDONLY, 0);
	rt_check("open_absolute", fd >= 0, "open %s: %ld", abs, fd);
	sys_close((int)fd);
	expect("chdir", sys_chdir("files/rw_dir"), 0);
	fd = sys_open("moved.txt", O_RDONLY, 0);
	rt_check("open_relative_to_cwd", fd >= 0, "open moved.txt in files/rw_dir: %ld", fd);
	sys_close((int)fd);
	expect("chdir_file", sys_chdir("moved.txt"), -ENOTDIR);
	expect("chdir_missing", sys_chdir("nowhere"), -ENOENT);
	expect("chdir_up", sys_chdir("../.."), 0);
	char cwd2[512];
	sys_getcwd(cwd2, sizeof(cwd2));
	rt_check("chdir_back", !strcmp(cwd, cwd2), "%s, was %s", cwd2, cwd);

	expect("access_exists", sys_access("files/hello.txt", 0), 0);
	expect("access_rw", sys_access("files/hello.txt", 6), 0);
	expect("access_missing", sys_access("files/none", 0), -ENOENT);
	expect("access_bad_mode", sys_access("files/hello.txt", 8), -EINVAL);
	expect("readlink_not_link", sys_readlink("files/hello.txt", text, sizeof(text)), -EINVAL);
	expect("readlink_missing", sys_readlink("files/none", text, sizeof(text)), -ENOENT);

	/* Odd bytes in a name. */
	const char *odd = "files/rw odd \x01\x7f\xff name";
	fd = sys_open(odd, O_RDWR | O_CREAT | O_EXCL, 0644);
	rt_check("odd_name_create", fd >= 0, "open: %ld", fd);
	expect("odd_name_stat", sys_stat(odd, &st), 0);
	sys_close((int)fd);
	expect("odd_name_unlink", sys_unlink(odd), 0);

	/* An unlinked open file stays readable. */
	fd = sys_open("files/rw_dir/moved.txt", O_RDONLY, 0);
	expect("unlink_open_file", sys_unlink("files/rw_dir/moved.txt"), 0);
	expect("unlinked_stat", sys_stat("files/rw_dir/moved.txt", &st), -ENOENT);
	expect("unlinked_still_readable", sys_pread((int)fd, back, 3, 6000), 3);
	rt_check("unlinked_bytes", !memcmp(back, "END", 3), "%.3s", (char *)back);
	expect("unlinked_fstat", sys_fstat((int)fd, &st), 0);
	rt_check("unlinked_nlink_0", st.st_nlink == 0, "nlink %lu", st.st_nlink);
	sys_close((int)fd);
	expect("rmdir_empty", sys_rmdir("files/rw_dir"), 0);
	expect("rmdir_gone", sys_rmdir("files/rw_dir"), -ENOENT);
	expect("unlink_v", sys_unlink("files/rw_v.txt"), 0);
	expect("unlink_missing", sys_unlink("files/rw_v.txt"), -ENOENT);
	return 0;
}
