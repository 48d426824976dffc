/*
 * The vDSO: a small ELF shared object the kernel maps into every process
 * (kernel/vdso.c) and names in the aux vector (AT_SYSINFO_EHDR), so that
 * programs read the time without a syscall, as on Linux. Exported with
 * version LINUX_2.6 under Linux's names (user/vdso/vdso.lds):
 * __vdso_clock_gettime, __vdso_gettimeofday, __vdso_time, __vdso_getcpu,
 * __vdso_clock_getres, and the same without the prefix.
 *
 * Time is the kernel's: nanoseconds since boot from the TSC, converted with
 * the kernel's own cycles_to_ns (base/math64.c) and the frequency in the
 * data page the kernel fills (base/vdso_data.h), which lies just below this
 * object's ELF header. Clocks the kernel keeps per process (the CPU-time
 * clocks), the alarm clocks and unknown clocks go to the syscall, as Linux's
 * vDSO does for the clocks it does not handle.
 */
#include <stddef.h>
#include <stdint.h>
#include "base/math64.h"
#include "base/vdso_data.h"

#define EXPORT __attribute__((visibility("default")))

#define NR_gettimeofday  96
#define NR_time          201
#define NR_clock_gettime 228
#define NR_clock_getres  229
#define NSEC_PER_SEC     1000000000ull
#define TICK_NSEC        4000000ull     /* the coarse clocks' resolution, as the kernel says */

struct timespec { int64_t tv_sec, tv_nsec; };
struct timeval { int64_t tv_sec, tv_usec; };
struct timezone { int32_t tz_minuteswest, tz_dsttime; };

/* The start of this object, where the kernel mapped it (the linker's symbol). */
extern const char __ehdr_start[] __attribute__((visibility("hidden")));

/* The kernel's data page, just below the ELF header. */
static const volatile struct vdso_data *vvar(void)
{
	return (const volatile struct vdso_data *)(__ehdr_start - VDSO_VVAR_SIZE);
}

/* Nanoseconds since boot, as the kernel's clock_gettime computes them. */
static uint64_t boot_ns(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	const volatile struct vdso_data *d = vvar();
	return cycles_to_ns((((uint64_t)hi << 32) | lo) - d->boot_tsc, d->tsc_hz);
}

/* The fallback: a real syscall with two arguments. */
static long syscall2(long nr, long a, long b)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return ret;
}

/* Clocks that read the boot time here: REALTIME, MONOTONIC, MONOTONIC_RAW,
 * the two COARSE clocks, BOOTTIME and TAI. */
static int is_boot_clock(int clk)
{
	return clk == 0 || clk == 1 || clk == 4 || clk == 5 || clk == 6 || clk == 7 || clk == 11;
}

EXPORT int __vdso_clock_gettime(int clk, struct timespec *ts)
{
	if (!is_boot_clock(clk))
		return (int)syscall2(NR_clock_gettime, clk, (long)ts);
	uint64_t ns = boot_ns();
	ts->tv_sec = (int64_t)(ns / NSEC_PER_SEC);
	ts->tv_nsec = (int64_t)(ns % NSEC_PER_SEC);
	return 0;
}

EXPORT int __vdso_gettimeofday(struct timeval *tv, struct timezone *tz)
{
	if (tv) {
		uint64_t ns = boot_ns();
		tv->tv_sec = (int64_t)(ns / NSEC_PER_SEC);
		tv->tv_usec = (int64_t)(ns / 1000 % 1000000);
	}
	if (tz) {
		tz->tz_minuteswest = 0;
		tz->tz_dsttime = 0;
	}
	return 0;
}

EXPORT int64_t __vdso_time(int64_t *t)
{
	int64_t s = (int64_t)(boot_ns() / NSEC_PER_SEC);
	if (t)
		*t = s;
	return s;
}

EXPORT long __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused)
{
	(void)unused;
	const volatile struct vdso_data *d = vvar();
	if (d->getcpu_rdtscp) {
		/* Each CPU's MSR_TSC_AUX holds its number (kernel/run.c), as
		 * Linux's vdso_read_cpunode reads it. */
		uint32_t lo, hi, aux;
		__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
		(void)lo, (void)hi;
		if (cpu)
			*cpu = aux & 0xfff;
		if (node)
			*node = aux >> 12;
		return 0;
	}
	/* Without RDTSCP: the limit of this CPU's CPUNODE segment (cpu/gdt.c),
	 * Linux's vdso_read_cpunode without RDPID. */
	uint32_t p;
	__asm__ volatile("lsl %1, %0" : "=r"(p) : "r"((uint32_t)VDSO_CPUNODE_SEG));
	if (cpu)
		*cpu = p & 0xfff;
	if (node)
		*node = p >> 12;
	return 0;
}

EXPORT int __vdso_clock_getres(int clk, struct timespec *res)
{
	if (!is_boot_clock(clk))
		return (int)syscall2(NR_clock_getres, clk, (long)res);
	if (res) {
		res->tv_sec = 0;
		res->tv_nsec = clk == 5 || clk == 6 ? (int64_t)TICK_NSEC : 1;
	}
	return 0;
}

/* The names without the prefix, as Linux's vDSO exports them too. */
int clock_gettime(int, struct timespec *) EXPORT __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct timeval *, struct timezone *) EXPORT __attribute__((weak, alias("__vdso_gettimeofday")));
int64_t time(int64_t *) EXPORT __attribute__((weak, alias("__vdso_time")));
long getcpu(unsigned *, unsigned *, void *) EXPORT __attribute__((weak, alias("__vdso_getcpu")));
int clock_getres(int, struct timespec *) EXPORT __attribute__((weak, alias("__vdso_clock_getres")));
