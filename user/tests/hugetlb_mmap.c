/*
 * hugetlb_mmap: mmap(MAP_HUGETLB) as Linux answers it. A size flag naming
 * no huge page size is -EINVAL; more pages than the pool holds is -ENOMEM
 * (reserved at mmap time, nothing mapped); with a pool (faultline:
 * hugepages_2m = N; Linux: hugepages=N), a 2 MiB page is mapped at a 2 MiB
 * boundary, reads zero, keeps what is written, faults once, and a munmap
 * that cuts it is -EINVAL; a 1 GiB page likewise where the CPU has them and
 * the pool one. Without a pool the mapping itself is -ENOMEM (a 1 GiB one
 * -EINVAL without pdpe1gb), which passes, and the rest is not recorded.
 */
#include "user/rt/rt.h"

RT_PROGRAM(hugetlb_mmap);

#define MB (1ul << 20)

/* Maps, touches and checks one huge page of size bytes with flag sizeflag;
 * name prefixes the checks. */
static void one_page(const char *name, size_t size, int sizeflag)
{
	char check[64];
	long a = sys_mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | sizeflag, -1, 0);
	format(check, sizeof(check), "%s_map", name);
	if (a == -ENOMEM || (a == -EINVAL && size > 2 * MB)) {
		/* Linux's answer without a pool (or, for 1 GiB, without the CPU's pages). */
		rt_test(check, RT_PASS, "no %s pool here: mmap returned %ld (%s)", name, a,
			a == -ENOMEM ? "-ENOMEM: nothing to reserve" : "-EINVAL: no such page size");
		return;
	}
	if (!rt_check(check, a > 0 && (a & (size - 1)) == 0, "mmap(MAP_HUGETLB) of one %s page returned 0x%lx",
		      name, (unsigned long)a))
		return;
	int64_t before = rt_minflt();
	uint64_t z = peek64((uintptr_t)a + size / 2);
	poke64((uintptr_t)a + 8, 0x1234);
	poke64((uintptr_t)a + size - 8, 0x5678);
	int64_t faults = rt_minflt() - before;
	format(check, sizeof(check), "%s_fault", name);
	rt_check(check, z == 0 && peek64((uintptr_t)a + 8) == 0x1234 && peek64((uintptr_t)a + size - 8) == 0x5678 &&
		 faults <= 2, "a read then writes at both ends: read %lu, %ld minor faults (expected 1 or 2)",
		 (unsigned long)z, (long)faults);
	struct fl_pte_info info;
	format(check, sizeof(check), "%s_leaf", name);
	if (fl_describe_va((void *)(a + size / 2), &info) == 0)
		rt_check(check, (info.flags & FL_PTE_HUGE) && !!(info.flags & FL_PTE_HUGE_1G) == (size > 2 * MB),
			 "introspection flags 0x%lx", (unsigned long)info.flags);
	else
		rt_test(check, RT_SKIP, "no introspection off faultline");
	long cut = sys_munmap((void *)a, PAGE_SIZE);
	long whole = sys_munmap((void *)a, size);
	format(check, sizeof(check), "%s_munmap", name);
	rt_check(check, cut == -EINVAL && whole == 0, "munmap of its first 4 KiB %ld (expected -EINVAL), of all %ld",
		 cut, whole);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long bad = sys_mmap(0, 2 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (16 << MAP_HUGE_SHIFT),
			    -1, 0);
	rt_check("bad_size_flag_einval", bad == -EINVAL, "MAP_HUGETLB with a 64 KiB size flag returned %ld", bad);
	long many = sys_mmap(0, 4096 * 2 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	rt_check("more_than_the_pool_enomem", many == -ENOMEM, "MAP_HUGETLB of 4096 2 MiB pages returned %ld", many);
	one_page("2m", 2 * MB, MAP_HUGE_2MB);
	one_page("1g", 1024 * MB, MAP_HUGE_1GB);
	return 0;
}
