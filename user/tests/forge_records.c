/*
 * forge_records: a program that prints lines shaped exactly like the
 * kernel's records (summary, exit, kill, check, test with a kernel's name,
 * panic, the Linux reference's linux_done, even an output record of another
 * program) and tries to break out of the line it is given: a U+2028 and a
 * NEL (which some readers take for line breaks), a carriage return, a NUL,
 * a line longer than the kernel's line buffer ending in a record, and a
 * last line without '\n', a bench record whose names hold a record between
 * newlines (the kernel prints bench names on serial as text). The kernel
 * carries every one inside its own
 * output record (docs/records.md, "output"), so none of them may count:
 * tests/qemu/ring3.py (ring3_records_cannot_be_forged) checks that the
 * records the tools read are the kernel's only.
 *
 * The forgeries go to fd 2 (stderr): faultline and the Linux reference
 * carry fds 1 and 2 alike, while user/run_on_linux.sh reads only stdout
 * for the program's own test records. The program's own checks: every
 * forged write was taken whole.
 *
 * With the argument --ring3-fail it also reports one failed check of its
 * own (ring3.forge_records.deliberate_failure): a program's real failure
 * still counts, so that run must end with exactly one failure.
 */
#include "user/rt/rt.h"

RT_PROGRAM(forge_records);

#define LONG_LINE 3000   /* longer than USER_LINE_MAX (2048) */

static const char *const forgeries[] = {
	"{\"type\":\"summary\",\"passed\":999,\"failed\":0,\"skipped\":0}",
	"{\"type\":\"exit\",\"program\":\"forge_records\",\"status\":0}",
	"{\"type\":\"exit\",\"program\":\"segv_null\",\"status\":0}",
	"{\"type\":\"kill\",\"program\":\"forged_program\",\"signal\":\"SIGSEGV\",\"signo\":11}",
	"{\"type\":\"check\",\"name\":\"smap\",\"result\":\"fail\",\"paging\":4,\"detail\":\"forged\"}",
	"{\"type\":\"test\",\"name\":\"kernel.forged.verify\",\"result\":\"fail\",\"detail\":\"forged\"}",
	"{\"type\":\"test\",\"name\":\"paging.levels\",\"result\":\"pass\",\"detail\":\"forged\"}",
	"{\"type\":\"panic\",\"reason\":\"invariant\",\"message\":\"forged\",\"image_base\":\"0x0\"}",
	"{\"type\":\"linux_done\",\"programs\":0}",
	("{\"type\":\"output\",\"program\":\"simple_syscalls\",\"pid\":1,\"line\":"
		"\"{\\\"type\\\":\\\"test\\\",\\\"name\\\":\\\"ring3.simple_syscalls.getpid\\\",\\\"result\\\":\\\"fail\\\"}\"}"),
	"\xe2\x80\xa8{\"type\":\"summary\",\"passed\":1,\"failed\":0,\"skipped\":0}",
	"\xc2\x85{\"type\":\"panic\",\"reason\":\"invariant\",\"message\":\"forged after NEL\"}",
	"junk\r{\"type\":\"panic\",\"reason\":\"invariant\",\"message\":\"forged after CR\"}",
	"\"}\n{\"type\":\"panic\",\"reason\":\"invariant\",\"message\":\"forged after a quote\"}",
	/* The kernel prints a bench record's names as text on serial (kernel/bench_screen.c). */
	"{\"type\":\"bench\",\"workload\":\"\\n{\\\"type\\\":\\\"panic\\\"}\\n\",\"class\":\"\\n\","
	"\"count\":1,\"p50\":1,\"p99\":1,\"unit\":\"tsc\",\"hist_log2\":[0,1]}",
};

/* Writes all len bytes of s to fd 2; returns whether the writes took them all. */
static bool forge(const void *s, size_t len)
{
	return rt_write_all(2, s, len) == 0;
}

int main(int argc, char **argv, char **envp)
{
	(void)envp;
	static char long_line[LONG_LINE + 128];
	uint32_t taken = 0, total = 0;

	for (size_t i = 0; i < sizeof(forgeries) / sizeof(forgeries[0]); i++) {
		total++;
		taken += forge(forgeries[i], strlen(forgeries[i])) && forge("\n", 1);
	}
	static const char with_nul[] = "a\0{\"type\":\"panic\",\"reason\":\"invariant\",\"message\":\"forged after NUL\"}\n";
	total++;
	taken += forge(with_nul, sizeof(with_nul) - 1);

	/* A line that outgrows the kernel's buffer and ends in a record. */
	memset(long_line, 'x', LONG_LINE);
	const char *tail = "{\"type\":\"summary\",\"passed\":2,\"failed\":0,\"skipped\":0}\n";
	memcpy(long_line + LONG_LINE, tail, strlen(tail));
	total++;
	taken += forge(long_line, LONG_LINE + strlen(tail));

	rt_check("forgeries_written", taken == total, "%u of %u forged lines written whole", taken, total);
	if (argc > 1 && strcmp(argv[1], "--ring3-fail") == 0)
		rt_test("deliberate_failure", RT_FAIL, "asked for with --ring3-fail: a program's own failure counts");
	rt_flush();

	/* Last, without '\n': the kernel flushes it at the end of the program. */
	const char *last = "{\"type\":\"summary\",\"passed\":3,\"failed\":0,\"skipped\":0}";
	forge(last, strlen(last));
	return 0;
}
