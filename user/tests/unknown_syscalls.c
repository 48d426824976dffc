/*
 * unknown_syscalls: syscall numbers nobody provides return -ENOSYS, every
 * time, and the number is the low 32 bits of rax read as an int, as on
 * Linux (arch/x86/entry/common.c, do_syscall_64(regs, int nr)):
 * 0x100000000 + 39 and 0xffffffff00000000 + 39 are getpid, while
 * 0x80000000 + 39 (a negative int) and -1 are -ENOSYS.
 *
 * It also calls UNKNOWN_LOW numbers below 1024, each REPEAT times, and
 * HIGH_CALLS different numbers >= 1024: on faultline that must cost exactly
 * UNKNOWN_LOW + 1 warning records (one per number below 1024, one for all
 * above; docs/records.md, "warning"), which tests/qemu/ring3.py counts.
 */
#include "user/rt/rt.h"

RT_PROGRAM(unknown_syscalls);

#define FIRST_LOW    600     /* above Linux's x86-64 table (and its x32 numbers 512..547) */
#define UNKNOWN_LOW  32
#define REPEAT       3
#define HIGH_CALLS   2000

int main(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)argv;
	(void)envp;
	long pid = sys_getpid();
	uint32_t low_enosys = 0, high_enosys = 0;

	for (int r = 0; r < REPEAT; r++)
		for (long nr = FIRST_LOW; nr < FIRST_LOW + UNKNOWN_LOW; nr++)
			low_enosys += syscall6(nr, 0, 0, 0, 0, 0, 0) == -ENOSYS;
	rt_check("low_numbers_enosys", low_enosys == REPEAT * UNKNOWN_LOW,
		 "%u of %u calls of numbers %d..%d returned -ENOSYS", low_enosys, REPEAT * UNKNOWN_LOW,
		 FIRST_LOW, FIRST_LOW + UNKNOWN_LOW - 1);

	for (long i = 0; i < HIGH_CALLS; i++)
		high_enosys += syscall6(1024 + i * 977, 0, 0, 0, 0, 0, 0) == -ENOSYS;
	rt_check("high_numbers_enosys", high_enosys == HIGH_CALLS,
		 "%u of %u calls of numbers >= 1024 returned -ENOSYS", high_enosys, HIGH_CALLS);

	long above_4g = syscall6(0x100000000L + 39, 0, 0, 0, 0, 0, 0);
	rt_check("bit32_ignored", above_4g == pid, "syscall 0x100000027 returned %ld (getpid is %ld)",
		 above_4g, pid);
	long upper = syscall6((long)0xffffffff00000027UL, 0, 0, 0, 0, 0, 0);
	rt_check("upper_half_ignored", upper == pid, "syscall 0xffffffff00000027 returned %ld (getpid is %ld)",
		 upper, pid);
	long negative = syscall6(0x80000000L + 39, 0, 0, 0, 0, 0, 0);
	rt_check("negative_int_enosys", negative == -ENOSYS, "syscall 0x80000027 returned %ld (want %d)",
		 negative, -ENOSYS);
	long minus_one = syscall6(-1, 0, 0, 0, 0, 0, 0);
	rt_check("minus_one_enosys", minus_one == -ENOSYS, "syscall -1 returned %ld (want %d)",
		 minus_one, -ENOSYS);
	return 0;
}
