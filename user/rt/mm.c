/* Memory-management helpers for ring-3 tests (see user/rt/mm.h). */
#include "user/rt/mm.h"
#include "user/rt/syscall.h"

/* See user/rt/mm.h. */
int64_t rt_minflt(void)
{
	struct rusage ru;
	long r = sys_getrusage(RUSAGE_SELF, &ru);

	return r < 0 ? r : ru.ru_minflt;
}

/* See user/rt/mm.h. */
int64_t rt_majflt(void)
{
	struct rusage ru;
	long r = sys_getrusage(RUSAGE_SELF, &ru);

	return r < 0 ? r : ru.ru_majflt;
}

/* See user/rt/mm.h. */
long rt_map_small_pages(size_t len, int prot)
{
	long addr = sys_mmap(0, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long r;

	if (addr < 0)
		return addr;
	r = sys_madvise((void *)addr, len, MADV_NOHUGEPAGE);
	if (r < 0) {
		sys_munmap((void *)addr, len);
		return r;
	}
	return addr;
}

/* See user/rt/mm.h. */
int rt_page_is_mapped(const void *addr)
{
	void *page = (void *)((uintptr_t)addr & ~(PAGE_SIZE - 1));
	long r = sys_mmap(page, PAGE_SIZE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (r == -EEXIST)
		return 1;
	if (r < 0)
		return (int)r;
	sys_munmap((void *)r, PAGE_SIZE);
	if ((void *)r != page)  /* a kernel that ignores NOREPLACE put it elsewhere */
		return -EOPNOTSUPP;
	return 0;
}

/* See user/rt/mm.h. */
uint32_t rt_user_va_bits(void)
{
	long r = sys_mmap((void *)(1ul << 52), PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (r < 0)
		return 47;
	sys_munmap((void *)r, PAGE_SIZE);
	return (uint64_t)r >= (1ul << 47) ? 57 : 47;
}
