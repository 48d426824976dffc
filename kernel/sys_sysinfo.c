/*
 * sysinfo (Linux's kernel/sys.c do_sysinfo): uptime, memory, tasks. Memory
 * is reported in bytes (mem_unit 1, as Linux on 64-bit); swap is the zram
 * device's usable slots (paging/swap.h; 0 without `swap =`); there is no
 * high memory, no load average yet (zeros).
 */
#include "kernel/sched.h"
#include "fault/syscall.h"
#include "fault/uaccess.h"
#include "base/string.h"
#include "cpu/x86.h"
#include "lib/tsc.h"
#include "paging/buddy.h"
#include "paging/swap.h"

/* Linux's struct sysinfo on x86-64 (112 bytes). */
struct sysinfo {
	int64_t uptime;           /* seconds since boot, rounded up */
	uint64_t loads[3];        /* 1, 5, 15 minute load averages << 16 */
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs;           /* tasks in the system */
	uint16_t pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;        /* the unit of the memory fields, in bytes */
	char _f[4];
};
_Static_assert(sizeof(struct sysinfo) == 112, "struct sysinfo is Linux's 112 bytes");

/* See fault/syscall.h. */
int64_t sys_sysinfo(uint64_t info)
{
	struct sysinfo si;
	memset(&si, 0, sizeof(si));
	uint64_t ns = tsc_to_ns(rdtsc());                    /* boot time: the TSC since reset */
	si.uptime = (int64_t)(ns / 1000000000ull + (ns % 1000000000ull ? 1 : 0));
	si.totalram = totalram_pages() * PAGE_SIZE;
	si.freeram = nr_free_pages() * PAGE_SIZE;
	if (swap_enabled()) {
		si.totalswap = (swap_total_slots() - 1) * PAGE_SIZE;   /* slot 0 is never used */
		si.freeswap = si.totalswap - swap_slots_in_use() * PAGE_SIZE;
	}
	si.procs = (uint16_t)sched_nr_tasks();              /* the run's tasks, as Linux's nr_threads */
	si.mem_unit = 1;
	return copy_to_user(info, &si, sizeof(si)) ? -EFAULT : 0;
}
