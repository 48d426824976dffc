/* Huge pages from ring 3 (user/rt/huge.h). */
#include "user/rt/huge.h"
#include "user/rt/faultline.h"
#include "user/rt/linux.h"
#include "user/rt/syscall.h"

/* See user/rt/huge.h. */
long rt_map_thp_region(size_t len)
{
	long raw = sys_mmap(0, len + HPAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw < 0)
		return raw;
	uintptr_t a = ((uintptr_t)raw + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1);
	if (a > (uintptr_t)raw)
		sys_munmap((void *)raw, a - (uintptr_t)raw);
	if ((uintptr_t)raw + HPAGE_SIZE > a)
		sys_munmap((void *)(a + len), (uintptr_t)raw + HPAGE_SIZE - a);
	long r = sys_madvise((void *)a, len, MADV_HUGEPAGE);
	if (r < 0) {
		sys_munmap((void *)a, len);
		return r;
	}
	return (long)a;
}

/* See user/rt/huge.h. */
int rt_thp_enabled(void)
{
	if (fl_on_faultline()) {
		struct fl_thp_events ev;
		long n = fl_introspect(FL_INTROSPECT_THP_EVENTS, 0, &ev, sizeof(ev));
		if (n < (long)sizeof(ev))
			return n < 0 ? (int)n : -EINVAL;
		return ev.thp_mode != 0;
	}
	long fd = syscall6(SYS_open, (long)"/sys/kernel/mm/transparent_hugepage/enabled", 0, 0, 0, 0, 0);
	if (fd < 0)
		return (int)fd;
	char buf[128];
	long n = sys_read((int)fd, buf, sizeof(buf) - 1);
	syscall6(SYS_close, fd, 0, 0, 0, 0, 0);
	if (n <= 0)
		return n < 0 ? (int)n : -EINVAL;
	buf[n] = 0;
	for (long i = 0; i + 7 <= n; i++)
		if (buf[i] == '[')
			return !(buf[i + 1] == 'n' && buf[i + 2] == 'e');   /* "[never]" */
	return -EINVAL;
}

/* See user/rt/huge.h. */
long rt_prctl(long option, long arg2)
{
	return syscall6(SYS_prctl, option, arg2, 0, 0, 0, 0);
}
