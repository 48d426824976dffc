/*
 * sysinfo_basic: sysinfo reports the uptime as CLOCK_BOOTTIME's seconds
 * rounded up (Linux's do_sysinfo), memory in mem_unit units with free at
 * most total, at least this process, and -EFAULT for a bad pointer.
 */
#include "user/rt/rt.h"

RT_PROGRAM(sysinfo_basic);

#define NR_sysinfo     99
#define CLOCK_BOOTTIME 7

struct sysinfo {
	long uptime;
	unsigned long loads[3];
	unsigned long totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	unsigned short procs, pad;
	unsigned long totalhigh, freehigh;
	unsigned int mem_unit;
	char f[4];
};

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	struct sysinfo si;
	struct timespec before, after;
	memset(&si, 0xa5, sizeof(si));
	sys_clock_gettime(CLOCK_BOOTTIME, &before);
	long r = syscall6(NR_sysinfo, (long)&si, 0, 0, 0, 0, 0);
	sys_clock_gettime(CLOCK_BOOTTIME, &after);
	rt_check("returns", r == 0, "sysinfo returned %ld", r);
	long lo = before.tv_sec, hi = after.tv_sec + 1;
	rt_check("uptime", si.uptime >= lo && si.uptime <= hi,
		 "uptime %ld s, CLOCK_BOOTTIME %ld.%09ld .. %ld.%09ld", si.uptime, before.tv_sec, before.tv_nsec,
		 after.tv_sec, after.tv_nsec);
	rt_check("memory", si.mem_unit >= 1 && si.totalram > 0 && si.freeram <= si.totalram &&
		 si.freeswap <= si.totalswap,
		 "mem_unit %u, totalram %lu, freeram %lu, totalswap %lu, freeswap %lu", si.mem_unit, si.totalram,
		 si.freeram, si.totalswap, si.freeswap);
	rt_check("procs", si.procs >= 1, "procs %u", si.procs);
	long bad = syscall6(NR_sysinfo, 8, 0, 0, 0, 0, 0);
	rt_check("efault", bad == -EFAULT, "sysinfo(8) returned %ld", bad);
	return 0;
}
