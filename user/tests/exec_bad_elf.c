/*
 * exec_bad_elf: execve of hostile or broken executables, each a mutation of
 * this program's own file written under files/ (names xelf_*, removed at the
 * end) and run in a forked child. Each case says how it must end, on
 * faultline and on Linux: execve failing with an errno (the child reports it
 * as its exit status), or the new image killed by a signal (where Linux's
 * load_elf_binary fails after the point of no return, or maps what faultline
 * refuses). Cases: a short file, bad magic, an empty file, no execute
 * permission, a directory, a segment whose file bytes run past the end of
 * the file, a segment whose offset and address are not congruent modulo
 * the page size, overlapping segments, a huge p_memsz, too many program
 * headers.
 */
#include "user/rt/rt.h"

RT_PROGRAM(exec_bad_elf);

static uint8_t image[1 << 20], work[1 << 20];
static long image_size;

/* Outcome encodings: >= 0 an errno execve returned, < 0 minus a signal number. */
#define SIG(s) (-(s))
#define EXITED_OK 1000

/* Writes n bytes of buf to path with mode. Returns 0 or -errno. */
static long write_file(const char *path, const uint8_t *buf, long n, int mode)
{
	long fd = sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		return fd;
	long w = n ? sys_write((int)fd, buf, (size_t)n) : 0;
	sys_close((int)fd);
	return w == n ? 0 : (w < 0 ? w : -ENOSPC);
}

/* Runs path in a child: the errno its execve failed with, SIG(n) if it was
 * killed by signal n, EXITED_OK if it ran and exited 0, else 2000 + status. */
static long try_exec(const char *path)
{
	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		char *const argv[] = { (char *)path, "probe", NULL };
		char *const envp[] = { NULL };
		long r = syscall6(SYS_execve, (long)path, (long)argv, (long)envp, 0, 0, 0);
		sys_exit_group((int)-r);
	}
	if (pid < 0)
		return 3000;
	int st = 0;
	if (syscall6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0) != pid)
		return 3001;
	if ((st & 0x7f) != 0)
		return SIG(st & 0x7f);
	int code = (st >> 8) & 0xff;
	return code == 0 ? EXITED_OK : code;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint64_t rd64(const uint8_t *p) { uint64_t v = 0; for (int i = 7; i >= 0; i--) v = v << 8 | p[i]; return v; }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }

/* The program header of the index-th PT_LOAD in work, or NULL. */
static uint8_t *load_phdr(uint32_t index)
{
	uint64_t phoff = rd64(work + 32);
	uint16_t phnum = rd16(work + 56);
	for (uint32_t i = 0; i < phnum; i++) {
		uint8_t *ph = work + phoff + i * 56u;
		if (ph[0] == 1 && ph[1] == 0 && ph[2] == 0 && ph[3] == 0 && index-- == 0)
			return ph;
	}
	return NULL;
}

/* One case: work (n bytes, mode) exec'd, the outcome compared with what this
 * kernel must give (on Linux, want_linux or, where kernels differ, also_linux). */
static void check_case2(const char *name, long n, int mode, long want_faultline, long want_linux, long also_linux)
{
	char path[64];
	format(path, sizeof(path), "files/xelf_%s", name);
	long err = write_file(path, work, n, mode);
	long got = err ? 4000 : try_exec(path);
	long want = fl_on_faultline() ? want_faultline : want_linux;
	bool ok = got == want || (!fl_on_faultline() && got == also_linux);
	rt_check(name, ok, "outcome %ld, expected %ld (errno >= 0, -signal < 0, %d ran)", got, want, EXITED_OK);
	sys_unlink(path);
}

static void check_case(const char *name, long n, int mode, long want_faultline, long want_linux)
{
	check_case2(name, n, mode, want_faultline, want_linux, want_linux);
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc >= 2 && strcmp(argv[1], "probe") == 0)
		sys_exit_group(0);
	char self[256];
	long n = sys_readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = 0;
	long fd = sys_open(self, O_RDONLY, 0);
	image_size = fd < 0 ? fd : sys_read((int)fd, image, sizeof(image));
	if (fd >= 0)
		sys_close((int)fd);
	rt_check("read_self", image_size > 4096 && image_size < (long)sizeof(image), "read %ld bytes", image_size);
	if (image_size <= 4096 || image_size >= (long)sizeof(image))
		return 0;

	memcpy(work, image, (size_t)image_size);
	check_case("intact", image_size, 0755, EXITED_OK, EXITED_OK);
	check_case("short", 40, 0755, ENOEXEC, ENOEXEC);
	check_case("empty", 0, 0755, ENOEXEC, ENOEXEC);
	check_case("no_exec_bit", image_size, 0644, EACCES, EACCES);
	long e = syscall6(SYS_execve, (long)"files", (long)argv, 0, 0, 0, 0);
	rt_check("directory", e == -EACCES, "execve of a directory returned %ld", e);

	work[1] = 'X';
	check_case("bad_magic", image_size, 0755, ENOEXEC, ENOEXEC);

	/* The last PT_LOAD's file bytes run 1 MiB past the end of the file. */
	memcpy(work, image, (size_t)image_size);
	uint8_t *last = NULL;
	for (uint32_t i = 0; load_phdr(i); i++)
		last = load_phdr(i);
	wr64(last + 32, rd64(last + 32) + (1 << 20));
	wr64(last + 40, rd64(last + 40) + (1 << 20));
	/* Linux maps it; the tail of the last file page is zeroed (padzero): 6.1 on
	 * the reference's initramfs runs it, a later kernel on a disk kills it. */
	check_case2("filesz_past_eof", image_size, 0755, ENOEXEC, EXITED_OK, SIG(11));

	/* p_offset one byte off p_vaddr modulo the page size. */
	memcpy(work, image, (size_t)image_size);
	last = NULL;
	for (uint32_t i = 0; load_phdr(i); i++)
		last = load_phdr(i);
	wr64(last + 8, rd64(last + 8) + 1);
	check_case("offset_not_congruent", image_size, 0755, EINVAL, SIG(11));

	/* The second PT_LOAD moved onto the first one's pages. */
	memcpy(work, image, (size_t)image_size);
	uint8_t *first = load_phdr(0), *second = load_phdr(1);
	wr64(second + 16, rd64(first + 16) + (rd64(second + 8) & 4095));
	wr64(second + 24, rd64(second + 16));
	check_case("overlapping", image_size, 0755, EINVAL, SIG(11));

	/* A bss of 64 TiB: more than any machine's memory (overcommit heuristic). */
	memcpy(work, image, (size_t)image_size);
	last = NULL;
	for (uint32_t i = 0; load_phdr(i); i++)
		last = load_phdr(i);
	wr64(last + 40, rd64(last + 40) + (1ull << 46));
	check_case("huge_memsz", image_size, 0755, ENOMEM, SIG(11));

	/* e_phnum beyond what the loader takes (65535 entries: not in the file). */
	memcpy(work, image, (size_t)image_size);
	wr16(work + 56, 0xffff);
	check_case("too_many_phdrs", image_size, 0755, ENOEXEC, ENOEXEC);
	return 0;
}
