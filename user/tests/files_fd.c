/*
 * files_fd: the descriptor table as Linux has it. dup takes the lowest free
 * number, dup2/dup3/F_DUPFD put a file at or above a number, the
 * close-on-exec bit is per descriptor (F_GETFD/F_SETFD, O_CLOEXEC,
 * F_DUPFD_CLOEXEC, dup3's flag), F_GETFL/F_SETFL are per open file (shared
 * by dup'd descriptors: a seek through one moves the other), and every bad
 * use fails with Linux's errno. RLIMIT_NOFILE is 1024 (run_on_linux.sh sets
 * it so on the host): the 1025th descriptor is -EMFILE.
 */
#include "user/rt/rt.h"

RT_PROGRAM(files_fd);

#define PATH "files/hello.txt"

/* A check that a call returned exactly want. */
static void expect(const char *name, long got, long want)
{
	rt_check(name, got == want, "returned %ld, expected %ld", got, want);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long fd = sys_open(PATH, O_RDONLY, 0);
	rt_check("open_lowest_free", fd == 3, "open %s: %ld (expected 3: 0-2 are taken)", PATH, fd);
	expect("dup_lowest_free", sys_dup((int)fd), 4);
	expect("close_dup", sys_close(4), 0);
	expect("close_again_ebadf", sys_close(4), -EBADF);
	expect("close_negative_ebadf", sys_close(-1), -EBADF);
	expect("close_huge_ebadf", sys_close(100000), -EBADF);
	expect("dup_bad_ebadf", sys_dup(77), -EBADF);

	expect("dup2_to_10", sys_dup2((int)fd, 10), 10);
	expect("dup2_clears_cloexec", sys_fcntl(10, F_GETFD, 0), 0);
	expect("dup2_same_fd", sys_dup2((int)fd, (int)fd), fd);
	expect("dup2_same_bad_fd", sys_dup2(55, 55), -EBADF);
	expect("dup2_bad_old", sys_dup2(55, 56), -EBADF);
	expect("dup2_beyond_limit", sys_dup2((int)fd, 1 << 20), -EBADF);
	expect("dup3_same_fd_einval", sys_dup3((int)fd, (int)fd, 0), -EINVAL);
	expect("dup3_bad_flags_einval", sys_dup3((int)fd, 12, 1), -EINVAL);
	expect("dup3_cloexec", sys_dup3((int)fd, 11, O_CLOEXEC), 11);
	expect("dup3_cloexec_bit", sys_fcntl(11, F_GETFD, 0), FD_CLOEXEC);
	expect("setfd_clear", sys_fcntl(11, F_SETFD, 0), 0);
	expect("setfd_cleared", sys_fcntl(11, F_GETFD, 0), 0);
	expect("setfd_other_bits_ignored", sys_fcntl(11, F_SETFD, 0x7e), 0);
	expect("setfd_other_bits_getfd", sys_fcntl(11, F_GETFD, 0), 0);
	/* dup2 over an open descriptor closes what was there. */
	expect("dup2_replaces", sys_dup2(1, 11), 11);
	expect("dup2_replaced_is_console", sys_write(11, "", 0), 0);

	expect("dupfd_from_20", sys_fcntl((int)fd, F_DUPFD, 20), 20);
	expect("dupfd_from_20_again", sys_fcntl((int)fd, F_DUPFD, 20), 21);
	expect("dupfd_cloexec", sys_fcntl((int)fd, F_DUPFD_CLOEXEC, 30), 30);
	expect("dupfd_cloexec_bit", sys_fcntl(30, F_GETFD, 0), FD_CLOEXEC);
	expect("dupfd_at_limit_einval", sys_fcntl((int)fd, F_DUPFD, 1024), -EINVAL);
	expect("dupfd_last", sys_fcntl((int)fd, F_DUPFD, 1023), 1023);
	expect("fcntl_bad_fd", sys_fcntl(999, F_GETFD, 0), -EBADF);
	expect("fcntl_bad_cmd", sys_fcntl((int)fd, 9999, 0), -EINVAL);

	/* Flags and position belong to the open file, shared by its descriptors. */
	expect("getfl_rdonly", sys_fcntl((int)fd, F_GETFL, 0), O_RDONLY | O_LARGEFILE);
	long cfd = sys_open(PATH, O_RDONLY | O_CLOEXEC, 0);
	expect("open_cloexec_bit", sys_fcntl((int)cfd, F_GETFD, 0), FD_CLOEXEC);
	expect("open_cloexec_not_in_fl", sys_fcntl((int)cfd, F_GETFL, 0), O_RDONLY | O_LARGEFILE);
	expect("setfl_append", sys_fcntl((int)fd, F_SETFL, O_APPEND | O_RDWR), 0);
	expect("setfl_shared_by_dup", sys_fcntl(10, F_GETFL, 0), O_RDONLY | O_LARGEFILE | O_APPEND);
	expect("setfl_clear", sys_fcntl(10, F_SETFL, 0), 0);
	expect("lseek_through_one", sys_lseek((int)fd, 6, SEEK_SET), 6);
	expect("lseek_seen_by_dup", sys_lseek(10, 0, SEEK_CUR), 6);
	char c = 0;
	expect("read_at_shared_pos", sys_read(20, &c, 1), 1);
	rt_check("read_at_shared_pos_byte", c == ' ', "byte 0x%x at 6 (expected ' ')", (unsigned)c);
	expect("ioctl_not_tty", sys_ioctl((int)fd, 0x5401, 0), -ENOTTY);
	expect("ioctl_bad_fd", sys_ioctl(500, 0x5401, 0), -EBADF);

	/* Fill the table: the last free number is 1022 (1023 taken), then -EMFILE. */
	long last = 0, n = 0, r;
	while ((r = sys_dup((int)fd)) >= 0) {
		last = r;
		n++;
	}
	rt_check("emfile_at_limit", r == -EMFILE && last == 1022,
		 "dup until failure: %ld descriptors, last %ld, then %ld (expected -EMFILE after 1022)", n, last, r);
	expect("open_emfile", sys_open(PATH, O_RDONLY, 0), -EMFILE);
	expect("close_frees_one", sys_close(500), 0);
	expect("dup_reuses_it", sys_dup((int)fd), 500);
	for (int i = 3; i < 1024; i++)
		sys_close(i);
	expect("all_closed_open_is_3", sys_open(PATH, O_RDONLY, 0), 3);
	return 0;
}
