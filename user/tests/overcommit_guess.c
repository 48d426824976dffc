/*
 * overcommit_guess: Linux's default overcommit heuristic (vm.overcommit_memory
 * = 0, OVERCOMMIT_GUESS: __vm_enough_memory in Linux 6.1) refuses, with
 * -ENOMEM, a single commitment larger than RAM + swap (sysinfo's totalram +
 * totalswap): a private writable mapping, a shared anonymous one, a brk
 * (the break stays) and an mremap grow; it allows the same size with
 * MAP_NORESERVE, or read-only (private read-only memory is not committed).
 * On Linux it runs only where vm.overcommit_memory is 0 (a host may set 1,
 * "always"); faultline has the default.
 */
#include "user/rt/rt.h"

RT_PROGRAM(overcommit_guess);

#define NR_open    2
#define NR_close   3
#define NR_sysinfo 99

struct sysinfo {
	long uptime;
	unsigned long loads[3];
	unsigned long totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	unsigned short procs, pad;
	unsigned long totalhigh, freehigh;
	unsigned int mem_unit;
	char f[4];
};

/* vm.overcommit_memory on Linux ('0', '1', '2'), or '0' on faultline; 0 if unknown. */
static char overcommit_mode(void)
{
	if (fl_on_faultline())
		return '0';
	long fd = syscall6(NR_open, (long)"/proc/sys/vm/overcommit_memory", 0, 0, 0, 0, 0);
	char c = 0;
	if (fd >= 0) {
		if (sys_read((int)fd, &c, 1) != 1)
			c = 0;
		syscall6(NR_close, fd, 0, 0, 0, 0, 0);
	}
	return c;
}

static long map(unsigned long len, int prot, int flags)
{
	long a = sys_mmap(0, len, prot, flags | MAP_ANONYMOUS, -1, 0);
	if (a >= 0)
		sys_munmap((void *)a, len);
	return a < 0 ? a : 0;
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	char mode = overcommit_mode();
	if (mode != '0') {
		rt_test("refused", RT_SKIP, "vm.overcommit_memory is '%c' here, not 0 (the heuristic)", mode ? mode : '?');
		return 0;
	}
	struct sysinfo si;
	long s = syscall6(NR_sysinfo, (long)&si, 0, 0, 0, 0, 0);
	if (!rt_check("sysinfo", s == 0 && si.totalram > 0, "sysinfo returned %ld, totalram %lu", s, si.totalram))
		return 0;
	unsigned long unit = si.mem_unit ? si.mem_unit : 1;
	unsigned long limit = (si.totalram + si.totalswap) * unit;
	unsigned long too_big = (limit + (64ul << 20)) & ~(PAGE_SIZE - 1);
	long priv = map(too_big, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	long shared = map(too_big, PROT_READ | PROT_WRITE, MAP_SHARED);
	rt_check("refused", priv == -ENOMEM && shared == -ENOMEM,
		 "%lu MiB (RAM + swap %lu MiB, + 64): private writable %ld, shared %ld (want -ENOMEM)",
		 too_big >> 20, limit >> 20, priv, shared);
	long nores = map(too_big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE);
	long ro = map(too_big, PROT_READ, MAP_PRIVATE);
	rt_check("allowed", nores == 0 && ro == 0, "%lu MiB with MAP_NORESERVE %ld, read-only %ld (want 0)",
		 too_big >> 20, nores, ro);
	long cur = sys_brk(0);
	long moved = sys_brk((void *)(cur + too_big)) - cur;
	rt_check("brk", moved == 0, "brk by %lu MiB moved the break %ld bytes (want 0)", too_big >> 20, moved);
	long small = sys_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long grow = sys_mremap((void *)small, PAGE_SIZE, too_big, MREMAP_MAYMOVE, 0);
	rt_check("mremap", grow == -ENOMEM, "mremap of one page to %lu MiB returned %ld (want -ENOMEM)",
		 too_big >> 20, grow);
	sys_munmap((void *)small, PAGE_SIZE);
	return 0;
}
