/*
 * mprotect_split: mprotect on part of a mapping changes exactly those pages.
 * Of 8 filled pages, 3..4 become read-only: the kernel then refuses to
 * store a getrusage result in them (-EFAULT) but still does in pages 2 and 5;
 * all data survives. Pages 3..4 become writable again; PROT_NONE and back to
 * read-write keeps the data too;
 * mprotect over a hole is -ENOMEM and a misaligned start -EINVAL.
 */
#include "user/rt/rt.h"

RT_PROGRAM(mprotect_split);

#define SEED 29u
#define RW (PROT_READ | PROT_WRITE)

/* Whether the kernel may write a struct rusage at addr: 0 yes, -EFAULT no. */
static long kernel_can_write(uintptr_t addr)
{
	return sys_getrusage(RUSAGE_SELF, (struct rusage *)addr);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	long addr = sys_mmap(0, 8 * PAGE_SIZE, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (addr < 0) {
		rt_test("setup", RT_FAIL, "mmap of 8 pages failed: %ld", addr);
		return 0;
	}
	uintptr_t base = (uintptr_t)addr;
	rt_fill_pages(base, 0, 8, SEED);

	long r = sys_mprotect((void *)(base + 3 * PAGE_SIZE), 2 * PAGE_SIZE, PROT_READ);
	long in3 = kernel_can_write(base + 3 * PAGE_SIZE + 64);
	long in4 = kernel_can_write(base + 4 * PAGE_SIZE + 64);
	uint64_t damaged = rt_count_unpatterned(base, 0, 8, SEED);  /* before the writes below */
	long in2 = kernel_can_write(base + 2 * PAGE_SIZE + 64);
	long in5 = kernel_can_write(base + 5 * PAGE_SIZE + 64);
	rt_check("read_only_middle", r == 0 && in3 == -EFAULT && in4 == -EFAULT,
		 "mprotect(pages 3-4, PROT_READ) returned %ld; getrusage into pages 3, 4 returned %ld %ld "
		 "(expected %d)", r, in3, in4, -EFAULT);
	rt_check("neighbours_writable", in2 == 0 && in5 == 0,
		 "getrusage into pages 2 and 5 returned %ld %ld (expected 0)", in2, in5);
	rt_check("data_kept", damaged == 0, "%lu of 8 pages changed by the mprotect", damaged);

	long rw_again = sys_mprotect((void *)(base + 3 * PAGE_SIZE), 2 * PAGE_SIZE, RW);
	rt_fill_pages(base, 0, 8, SEED + 1);  /* a kernel that kept 3-4 read-only kills us here */
	long none = sys_mprotect((void *)base, 8 * PAGE_SIZE, PROT_NONE);
	long back = sys_mprotect((void *)base, 8 * PAGE_SIZE, RW);
	uint64_t lost = rt_count_unpatterned(base, 0, 8, SEED + 1);
	rt_check("none_and_back", rw_again == 0 && none == 0 && back == 0 && lost == 0,
		 "pages 3-4 back to read-write: %ld; whole mapping PROT_NONE then read-write: %ld %ld; "
		 "%lu of 8 pages lost their data",
		 rw_again, none, back, lost);

	sys_munmap((void *)(base + 6 * PAGE_SIZE), PAGE_SIZE);
	long hole = sys_mprotect((void *)base, 8 * PAGE_SIZE, PROT_READ);
	long misaligned = sys_mprotect((void *)(base + 100), PAGE_SIZE, PROT_READ);
	rt_check("bad_ranges", hole == -ENOMEM && misaligned == -EINVAL,
		 "mprotect over a hole returned %ld (expected %d), at a misaligned start %ld (expected %d)",
		 hole, -ENOMEM, misaligned, -EINVAL);

	sys_munmap((void *)base, 8 * PAGE_SIZE);
	return 0;
}
