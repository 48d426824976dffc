/*
 * exec_bss_span: a program whose data segment has initialised data and a
 * bss of several pages after it (the bss starts inside the last file page,
 * where exec zeroes the rest of the page - Linux's padzero - and goes on in
 * anonymous pages). Every bss byte reads zero, the data reads as linked;
 * after the program wrote both, a fresh run of it (fork + execve of
 * /proc/self/exe with "probe") sees the pristine values again: the writes
 * went to private copies, not to the file or its cached pages.
 */
#include "user/rt/rt.h"

RT_PROGRAM(exec_bss_span);

#define DATA_BYTES 5000
#define BSS_BYTES (3 * 4096 + 777)

/* Initialised data: the first 512 bytes are B1(i) = (i * 7 + 1) & 0xff, the rest zero. */
#define B1(i) (uint8_t)((i) * 7 + 1)
#define B8(i) B1(i), B1(i + 1), B1(i + 2), B1(i + 3), B1(i + 4), B1(i + 5), B1(i + 6), B1(i + 7)
#define B64(i) B8(i), B8(i + 8), B8(i + 16), B8(i + 24), B8(i + 32), B8(i + 40), B8(i + 48), B8(i + 56)
#define INIT_BYTES 512
static volatile uint8_t data_blob[DATA_BYTES] = {
	B64(0), B64(64), B64(128), B64(192), B64(256), B64(320), B64(384), B64(448),
};
static volatile uint8_t bss_blob[BSS_BYTES];

/* The first bad offset of bss_blob (not zero), or -1. */
static long bss_bad(void)
{
	for (long i = 0; i < BSS_BYTES; i++)
		if (bss_blob[i])
			return i;
	return -1;
}

/* The first bad offset of data_blob's initialised bytes, or -1. */
static long data_bad(void)
{
	for (long i = 0; i < INIT_BYTES; i++)
		if (data_blob[i] != B1(i))
			return i;
	for (long i = INIT_BYTES; i < DATA_BYTES; i++)
		if (data_blob[i])
			return i;
	return -1;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	if (argc >= 2 && strcmp(argv[1], "probe") == 0)
		sys_exit_group(bss_bad() < 0 && data_bad() < 0 ? 0 : 9);

	long b = bss_bad(), d = data_bad();
	rt_check("bss_zero", b < 0, "bss byte %ld of %d is 0x%x", b, BSS_BYTES, b < 0 ? 0 : bss_blob[b]);
	rt_check("data_as_linked", d < 0, "data byte %ld is 0x%x", d, d < 0 ? 0 : data_blob[d]);
	uintptr_t bss = (uintptr_t)bss_blob, end = bss + BSS_BYTES;
	rt_check("bss_spans_pages", (end >> 12) - (bss >> 12) >= 3, "bss at %lx..%lx", (long)bss, (long)end);

	for (long i = 0; i < BSS_BYTES; i++)
		bss_blob[i] = (uint8_t)(i | 1);
	for (long i = 0; i < DATA_BYTES; i++)
		data_blob[i] = (uint8_t)~data_blob[i];

	long pid = syscall6(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		char *const cargv[] = { argv[0], "probe", NULL };
		char *const cenvp[] = { NULL };
		syscall6(SYS_execve, (long)"/proc/self/exe", (long)cargv, (long)cenvp, 0, 0, 0);
		sys_exit_group(127);
	}
	int st = -1;
	long w = syscall6(SYS_wait4, pid, (long)&st, 0, 0, 0, 0);
	rt_check("fresh_run_pristine", pid > 0 && w == pid && st == 0,
		 "the re-run's status 0x%x (0: its data and bss were pristine, 9: not)", st);
	rt_check("own_writes_kept", bss_blob[BSS_BYTES - 1] == (uint8_t)((BSS_BYTES - 1) | 1) &&
		 data_blob[0] == (uint8_t)~B1(0), "bss end 0x%x, data 0x%x", bss_blob[BSS_BYTES - 1], data_blob[0]);
	return 0;
}
