/*
 * files_symlink: symbolic links, as on Linux. Under files/ (names sl_*,
 * removed at the end): symlink and symlinkat; readlink and readlinkat of a
 * link (its text, cut at the buffer) and of anything else (-EINVAL); lstat
 * of the link itself and stat of what it names; a dangling link (stat
 * -ENOENT, open O_CREAT creates its target); links to directories in the
 * middle of a path, relative targets from the link's own directory;
 * O_NOFOLLOW (-ELOOP); loops and a chain of 40 links (fine) and 41 (-ELOOP,
 * Linux's MAXSYMLINKS); getdents64's DT_LNK; unlink and rename of a link
 * act on the link, not its target; symlink over an existing name -EEXIST,
 * an empty target -ENOENT; chdir through a link; execve through a link to
 * this program, whose /proc/self/exe is then the program's own path.
 */
#include "user/rt/rt.h"

RT_PROGRAM(files_symlink);

#define NR_lstat      6
#define NR_symlink    88
#define NR_symlinkat  266
#define NR_readlinkat 267
#define DT_LNK        10

static void expect(const char *name, long got, long want)
{
	rt_check(name, got == want, "returned %ld, expected %ld", got, want);
}

static long symlink_(const char *target, const char *path)
{
	return syscall6(NR_symlink, (long)target, (long)path, 0, 0, 0, 0);
}

static long lstat_(const char *path, struct stat *st)
{
	return syscall6(NR_lstat, (long)path, (long)st, 0, 0, 0, 0);
}

/* The d_type getdents64 gives name in dir, or -1. */
static int dir_type(const char *dir, const char *name)
{
	static uint8_t d[8192];
	long fd = sys_open(dir, O_RDONLY | O_DIRECTORY, 0);
	int type = -1;
	long n;
	while (fd >= 0 && (n = sys_getdents64((int)fd, d, sizeof(d))) > 0)
		for (long off = 0; off < n; off += ((struct linux_dirent64 *)(d + off))->d_reclen)
			if (!strcmp(((struct linux_dirent64 *)(d + off))->d_name, name))
				type = ((struct linux_dirent64 *)(d + off))->d_type;
	if (fd >= 0)
		sys_close((int)fd);
	return type;
}

/* Reads the whole (short) file at path into buf. Returns the bytes or -errno. */
static long read_file(const char *path, char *buf, long size, int flags)
{
	long fd = sys_open(path, O_RDONLY | flags, 0);
	if (fd < 0)
		return fd;
	long n = sys_read((int)fd, buf, (size_t)size);
	sys_close((int)fd);
	return n;
}

/* The exec'd copy: exit 0 if /proc/self/exe is want, 9 if not. */
static int probe(const char *want)
{
	char exe[256];
	long n = sys_readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	return n > 0 && !strcmp(exe, want) ? 0 : 9;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc == 3 && !strcmp(argv[1], "probe"))
		return probe(argv[2]);
	char buf[256], name[64], target[64];
	struct stat st;

	long fd = sys_open("files/sl_target", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	rt_check("create_target", fd >= 0 && sys_write((int)fd, "target text\n", 12) == 12, "open returned %ld", fd);
	sys_close((int)fd);

	expect("symlink", symlink_("sl_target", "files/sl_link"), 0);
	memset(buf, 0, sizeof(buf));
	expect("readlink", sys_readlink("files/sl_link", buf, sizeof(buf)), 9);
	rt_check("readlink_text", !strcmp(buf, "sl_target"), "\"%s\"", buf);
	memset(buf, 0, sizeof(buf));
	expect("readlink_cut", sys_readlink("files/sl_link", buf, 4), 4);
	rt_check("readlink_cut_text", !memcmp(buf, "sl_t", 4) && buf[4] == 0, "\"%s\"", buf);
	memset(buf, 0, sizeof(buf));
	expect("readlinkat", syscall6(NR_readlinkat, AT_FDCWD, (long)"files/sl_link", (long)buf, sizeof(buf), 0, 0), 9);
	expect("readlink_regular_einval", sys_readlink("files/sl_target", buf, sizeof(buf)), -EINVAL);
	expect("readlink_dir_einval", sys_readlink("files", buf, sizeof(buf)), -EINVAL);
	expect("readlink_missing_enoent", sys_readlink("files/sl_nothing", buf, sizeof(buf)), -ENOENT);

	expect("lstat", lstat_("files/sl_link", &st), 0);
	rt_check("lstat_is_link", (st.st_mode & S_IFMT) == S_IFLNK && st.st_size == 9 && (st.st_mode & 0777) == 0777,
		 "mode 0%o size %ld", st.st_mode, st.st_size);
	expect("stat", sys_stat("files/sl_link", &st), 0);
	rt_check("stat_follows", (st.st_mode & S_IFMT) == S_IFREG && st.st_size == 12, "mode 0%o size %ld",
		 st.st_mode, st.st_size);
	memset(buf, 0, sizeof(buf));
	rt_check("read_through_link", read_file("files/sl_link", buf, sizeof(buf), 0) == 12 &&
		 !strcmp(buf, "target text\n"), "\"%s\"", buf);
	expect("o_nofollow_eloop", read_file("files/sl_link", buf, sizeof(buf), O_NOFOLLOW), -ELOOP);
	expect("o_nofollow_regular", read_file("files/sl_target", buf, sizeof(buf), O_NOFOLLOW), 12);
	expect("d_type_lnk", dir_type("files", "sl_link"), DT_LNK);

	/* Existing names and bad targets. */
	expect("symlink_eexist", symlink_("x", "files/sl_link"), -EEXIST);
	expect("symlink_over_file_eexist", symlink_("x", "files/sl_target"), -EEXIST);
	expect("symlink_empty_enoent", symlink_("", "files/sl_empty"), -ENOENT);
	expect("symlink_no_dir_enoent", symlink_("x", "files/sl_nodir/l"), -ENOENT);
	expect("symlinkat", syscall6(NR_symlinkat, (long)"sl_target", AT_FDCWD, (long)"files/sl_link2", 0, 0, 0), 0);

	/* Dangling: lstat yes, stat no; O_CREAT creates the target. */
	expect("symlink_dangling", symlink_("sl_created", "files/sl_dangling"), 0);
	expect("stat_dangling_enoent", sys_stat("files/sl_dangling", &st), -ENOENT);
	expect("lstat_dangling", lstat_("files/sl_dangling", &st), 0);
	expect("mkdir_over_dangling_eexist", sys_mkdir("files/sl_dangling", 0755), -EEXIST);
	expect("open_excl_dangling_eexist", sys_open("files/sl_dangling", O_WRONLY | O_CREAT | O_EXCL, 0644), -EEXIST);
	fd = sys_open("files/sl_dangling", O_WRONLY | O_CREAT, 0644);
	rt_check("open_creat_through_dangling", fd >= 0, "open returned %ld", fd);
	if (fd >= 0)
		sys_close((int)fd);
	expect("created_target_exists", sys_stat("files/sl_created", &st), 0);

	/* Directories: a link in the middle of a path, a relative target from the link's directory. */
	expect("mkdir_dir", sys_mkdir("files/sl_dir", 0755), 0);
	expect("symlink_to_dir", symlink_("sl_dir", "files/sl_dlink"), 0);
	expect("symlink_up", symlink_("../sl_target", "files/sl_dir/up"), 0);
	memset(buf, 0, sizeof(buf));
	rt_check("read_via_dir_link_and_dotdot", read_file("files/sl_dlink/up", buf, sizeof(buf), 0) == 12 &&
		 !strcmp(buf, "target text\n"), "\"%s\"", buf);
	expect("stat_dir_link_slash", sys_stat("files/sl_dlink/", &st), 0);
	rt_check("stat_dir_link_is_dir", (st.st_mode & S_IFMT) == S_IFDIR, "mode 0%o", st.st_mode);
	expect("lstat_dir_link", lstat_("files/sl_dlink", &st), 0);
	rt_check("lstat_dir_link_is_link", (st.st_mode & S_IFMT) == S_IFLNK, "mode 0%o", st.st_mode);
	expect("rmdir_link_enotdir", sys_rmdir("files/sl_dlink"), -ENOTDIR);

	/* Loops and the 40-link limit. */
	expect("loop_a", symlink_("sl_loop_b", "files/sl_loop_a"), 0);
	expect("loop_b", symlink_("sl_loop_a", "files/sl_loop_b"), 0);
	expect("stat_loop_eloop", sys_stat("files/sl_loop_a", &st), -ELOOP);
	expect("open_loop_eloop", sys_open("files/sl_loop_a", O_RDONLY, 0), -ELOOP);
	expect("lstat_loop_ok", lstat_("files/sl_loop_a", &st), 0);
	bool made = true;
	for (int i = 0; i <= 40; i++) {
		format(name, sizeof(name), "files/sl_chain%d", i);
		if (i == 0)
			format(target, sizeof(target), "sl_target");
		else
			format(target, sizeof(target), "sl_chain%d", i - 1);
		made = made && symlink_(target, name) == 0;
	}
	rt_check("chain_made", made, "41 links");
	expect("chain_40_links_ok", sys_stat("files/sl_chain39", &st), 0);
	expect("chain_41_links_eloop", sys_stat("files/sl_chain40", &st), -ELOOP);

	/* unlink and rename act on the link. */
	expect("rename_link", sys_rename("files/sl_link2", "files/sl_link3"), 0);
	memset(buf, 0, sizeof(buf));
	rt_check("renamed_link_text", sys_readlink("files/sl_link3", buf, sizeof(buf)) == 9 && !strcmp(buf, "sl_target"),
		 "\"%s\"", buf);
	expect("unlink_link", sys_unlink("files/sl_link"), 0);
	expect("link_gone", lstat_("files/sl_link", &st), -ENOENT);
	expect("target_stays", sys_stat("files/sl_target", &st), 0);

	/* chdir through a link: the working directory is the directory itself. */
	long cd = sys_chdir("files/sl_dlink");
	long n = sys_getcwd(buf, sizeof(buf));
	rt_check("chdir_through_link", cd == 0 && n > 13 && !strcmp(buf + n - 14, "/files/sl_dir"),
		 "chdir %ld, getcwd %ld \"%s\"", cd, n, n > 0 ? buf : "");
	sys_chdir("../..");

	/* execve through a link: /proc/self/exe names the file itself. */
	static char self[256];
	long sn = sys_readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[sn > 0 ? sn : 0] = 0;
	expect("symlink_to_self", symlink_(self, "files/sl_exe"), 0);
	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		char *const cargv[] = { "files_symlink", "probe", self, NULL };
		char *const cenvp[] = { NULL };
		syscall6(SYS_execve, (long)"files/sl_exe", (long)cargv, (long)cenvp, 0, 0, 0);
		sys_exit_group(127);
	}
	int wst = -1;
	long w = syscall6(SYS_wait4, pid, (long)&wst, 0, 0, 0, 0);
	rt_check("exec_through_link", pid > 0 && w == pid && wst == 0,
		 "status 0x%x (0: /proc/self/exe was \"%s\", 9: it was not, 0x7f00: execve failed)", wst, self);

	/* Clean up. */
	long bad = 0;
	const char *const names[] = { "files/sl_exe", "files/sl_link3", "files/sl_dangling", "files/sl_created", "files/sl_dir/up",
				      "files/sl_dlink", "files/sl_loop_a", "files/sl_loop_b", "files/sl_target" };
	for (uint32_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		bad += sys_unlink(names[i]) != 0;
	for (int i = 0; i <= 40; i++) {
		format(name, sizeof(name), "files/sl_chain%d", i);
		bad += sys_unlink(name) != 0;
	}
	bad += sys_rmdir("files/sl_dir") != 0;
	expect("cleanup", bad, 0);
	return 0;
}
