/*
 * efault: a syscall handed a bad user pointer fails with -EFAULT instead of
 * faulting the kernel or touching memory it must not. Bad pointers: 0x1
 * (unmapped, the null page), 0xffff800000000000 (the kernel half),
 * 0xffffffff80000000 (kernel text), 0x0000800000000000 (just past the 47-bit
 * user half: non-canonical with 4-level paging, canonical but unmapped with
 * 5-level), an unmapped page, a PROT_NONE page, and a read-only page as the
 * destination of a result. Callers: write (fd 1) reads from the pointer;
 * getrusage, clock_gettime, uname and getrandom write to it.
 *
 * (Run with fd 1 on a pipe, file or terminal: a write to /dev/null never
 * looks at the buffer and returns the count on Linux.)
 */
#include "user/rt/rt.h"

RT_PROGRAM(efault);

#define KERNEL_HALF  0xffff800000000000ul
#define KERNEL_TEXT  0xffffffff80000000ul
#define PAST_47_BITS 0x0000800000000000ul

/* Records a check that result is -EFAULT. */
static void expect_efault(const char *check, const char *what, long result)
{
	rt_check(check, result == -EFAULT, "%s returned %ld (expected %d)", what, result, -EFAULT);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	/* Pages to point at: [0] read-only filled, [1] PROT_NONE, [2] unmapped. */
	long addr = sys_mmap(0, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (addr < 0) {
		rt_test("setup", RT_FAIL, "mmap of 3 pages failed: %ld", addr);
		return 0;
	}
	uintptr_t ro = (uintptr_t)addr, none = ro + PAGE_SIZE, unmapped = ro + 2 * PAGE_SIZE;
	rt_fill_pages(ro, 0, 1, 11);
	long setup = sys_mprotect((void *)ro, PAGE_SIZE, PROT_READ);
	setup = setup ? setup : sys_mprotect((void *)none, PAGE_SIZE, PROT_NONE);
	setup = setup ? setup : sys_munmap((void *)unmapped, PAGE_SIZE);
	if (!rt_check("setup", setup == 0, "mprotect/munmap of the target pages returned %ld", setup))
		return 0;

	/* write(1, bad, 1): the kernel reads from the pointer. */
	expect_efault("write_low", "write(1, 0x1, 1)", sys_write(1, (const void *)1, 1));
	expect_efault("write_kernel_half", "write(1, 0xffff800000000000, 1)",
		      sys_write(1, (const void *)KERNEL_HALF, 1));
	expect_efault("write_kernel_text", "write(1, 0xffffffff80000000, 1)",
		      sys_write(1, (const void *)KERNEL_TEXT, 1));
	expect_efault("write_past_user_half", "write(1, 0x0000800000000000, 1)",
		      sys_write(1, (const void *)PAST_47_BITS, 1));
	expect_efault("write_unmapped", "write(1, unmapped page, 1)",
		      sys_write(1, (const void *)unmapped, 1));
	expect_efault("write_prot_none", "write(1, PROT_NONE page, 1)",
		      sys_write(1, (const void *)none, 1));
	struct iovec bad_iov = { (const void *)KERNEL_HALF, 1 };
	expect_efault("writev_bad_buffer", "writev(1, {0xffff800000000000, 1}, 1)",
		      sys_writev(1, &bad_iov, 1));
	expect_efault("writev_bad_iovec", "writev(1, 0x1, 1)",
		      sys_writev(1, (const struct iovec *)1, 1));

	/* Results written to a bad pointer. */
	expect_efault("getrusage_low", "getrusage(RUSAGE_SELF, 0x1)",
		      sys_getrusage(RUSAGE_SELF, (struct rusage *)1));
	expect_efault("getrusage_kernel_half", "getrusage(RUSAGE_SELF, 0xffff800000000000)",
		      sys_getrusage(RUSAGE_SELF, (struct rusage *)KERNEL_HALF));
	expect_efault("getrusage_read_only", "getrusage(RUSAGE_SELF, read-only page)",
		      sys_getrusage(RUSAGE_SELF, (struct rusage *)ro));
	expect_efault("clock_gettime_low", "clock_gettime(CLOCK_MONOTONIC, 0x1)",
		      sys_clock_gettime(CLOCK_MONOTONIC, (struct timespec *)1));
	expect_efault("clock_gettime_kernel_half", "clock_gettime(CLOCK_MONOTONIC, 0xffff800000000000)",
		      sys_clock_gettime(CLOCK_MONOTONIC, (struct timespec *)KERNEL_HALF));
	expect_efault("clock_gettime_read_only", "clock_gettime(CLOCK_MONOTONIC, read-only page)",
		      sys_clock_gettime(CLOCK_MONOTONIC, (struct timespec *)ro));
	expect_efault("uname_kernel_text", "uname(0xffffffff80000000)",
		      sys_uname((struct utsname *)KERNEL_TEXT));
	expect_efault("getrandom_prot_none", "getrandom(PROT_NONE page, 16, 0)",
		      sys_getrandom((void *)none, 16, 0));

	/* The read-only page was not written by any of the refused calls. */
	uint64_t changed = rt_count_unpatterned(ro, 0, 1, 11);
	rt_check("read_only_untouched", changed == 0,
		 "the read-only target page %s its contents", changed ? "lost" : "kept");

	/* And the same calls still work with good pointers. */
	struct rusage ru;
	struct timespec ts;
	long good_rusage = sys_getrusage(RUSAGE_SELF, &ru);
	long good_clock = sys_clock_gettime(CLOCK_MONOTONIC, &ts);
	long good_write = sys_write(1, "", 0);
	rt_check("good_pointers", good_rusage == 0 && good_clock == 0 && good_write == 0,
		 "getrusage, clock_gettime and write(1, \"\", 0) with good pointers returned %ld %ld %ld",
		 good_rusage, good_clock, good_write);

	sys_munmap((void *)ro, 3 * PAGE_SIZE);
	return 0;
}
