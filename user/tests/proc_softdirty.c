/*
 * proc_softdirty: /proc/self/pagemap and clear_refs as Linux 6.1 (with
 * CONFIG_MEM_SOFT_DIRTY) report them. A written anonymous page is present,
 * mapped once and soft-dirty, an untouched page of a new mapping is not
 * present but soft-dirty (its VMA is); after `echo 4 > clear_refs` neither
 * is, a read of the hole maps the zero page clean, and a new write makes the
 * page soft-dirty again. A MAP_SHARED memfd page is a file page: soft-dirty
 * after the write, clean after clear_refs, dirty again after another, and
 * read() sees both writes. pagemap reads must be whole 8-byte entries.
 */
#include "user/rt/rt.h"

RT_PROGRAM(proc_softdirty);

#define NR_memfd_create 319
#define PM_SOFT_DIRTY (1ULL << 55)
#define PM_EXCLUSIVE  (1ULL << 56)
#define PM_FILE       (1ULL << 61)
#define PM_PRESENT    (1ULL << 63)
#define BITS (PM_SOFT_DIRTY | PM_EXCLUSIVE | PM_FILE | PM_PRESENT)

static int pm_fd;

static unsigned long long entry(const volatile char *p)
{
	unsigned long long e = 0;
	long r = syscall6(SYS_pread64, pm_fd, (long)&e, 8, ((unsigned long)p / 4096) * 8, 0, 0);
	return r == 8 ? (e & BITS) : 0xdeadULL;
}

static long clear_refs(void)
{
	long fd = sys_open("/proc/self/clear_refs", O_WRONLY, 0);
	long w = fd >= 0 ? sys_write((int)fd, "4", 1) : fd;
	if (fd >= 0)
		sys_close((int)fd);
	return w;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	pm_fd = (int)sys_open("/proc/self/pagemap", O_RDONLY, 0);
	volatile char *a = (volatile char *)sys_mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pm_fd < 0 || (long)a < 0) {
		rt_test("open", RT_FAIL, "pagemap %d, mmap %ld", pm_fd, (long)a);
		return 1;
	}
	unsigned long long e;
	long odd = syscall6(SYS_pread64, pm_fd, (long)&e, 7, 0, 0, 0);
	long off = syscall6(SYS_pread64, pm_fd, (long)&e, 8, 3, 0, 0);
	rt_check("whole_entries", odd == -EINVAL && off == -EINVAL,
		 "pread of 7 bytes %ld, at offset 3 %ld (want -EINVAL both)", odd, off);
	if (!(entry(a + 4096) & PM_SOFT_DIRTY)) {
		/* A kernel without CONFIG_MEM_SOFT_DIRTY (as madv_populate's softdirty_supported asks). */
		rt_test("soft_dirty", RT_SKIP, "new mappings are not soft-dirty: no soft-dirty tracking");
		return 0;
	}
	a[0] = 1;
	unsigned long long w0 = entry(a), h0 = entry(a + 4096);
	rt_check("new_mapping", w0 == (PM_PRESENT | PM_EXCLUSIVE | PM_SOFT_DIRTY) && h0 == PM_SOFT_DIRTY,
		 "written page %#llx, untouched page %#llx", w0, h0);
	long c = clear_refs();
	unsigned long long w1 = entry(a), h1 = entry(a + 4096);
	char sink = a[4096];
	(void)sink;
	unsigned long long z1 = entry(a + 4096);
	a[1] = 2;
	unsigned long long w2 = entry(a);
	rt_check("cleared", c == 1 && w1 == (PM_PRESENT | PM_EXCLUSIVE) && h1 == 0 && z1 == PM_PRESENT &&
		 w2 == (PM_PRESENT | PM_EXCLUSIVE | PM_SOFT_DIRTY),
		 "clear_refs write %ld; then written page %#llx, hole %#llx, zero page read %#llx, rewritten %#llx",
		 c, w1, h1, z1, w2);

	long fd = syscall6(NR_memfd_create, (long)"sd", 0, 0, 0, 0, 0);
	long t = syscall6(SYS_ftruncate, fd, 4096, 0, 0, 0, 0);
	volatile char *m = (volatile char *)sys_mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, (int)fd, 0);
	if (fd < 0 || t || (long)m < 0) {
		rt_test("memfd", RT_FAIL, "memfd %ld ftruncate %ld mmap %ld", fd, t, (long)m);
		return 1;
	}
	m[0] = 'a';
	unsigned long long f0 = entry(m);
	clear_refs();
	unsigned long long f1 = entry(m);
	m[1] = 'b';
	unsigned long long f2 = entry(m);
	char buf[2] = {0, 0};
	long r = syscall6(SYS_pread64, fd, (long)buf, 2, 0, 0, 0);
	rt_check("file_page", (f0 & ~PM_EXCLUSIVE) == (PM_PRESENT | PM_FILE | PM_SOFT_DIRTY) &&
		 (f1 & ~PM_EXCLUSIVE) == (PM_PRESENT | PM_FILE) &&
		 (f2 & ~PM_EXCLUSIVE) == (PM_PRESENT | PM_FILE | PM_SOFT_DIRTY) && r == 2 && buf[0] == 'a' && buf[1] == 'b',
		 "shared file page %#llx, after clear_refs %#llx, rewritten %#llx; pread %ld '%c%c'",
		 f0, f1, f2, r, buf[0], buf[1]);
	return 0;
}
