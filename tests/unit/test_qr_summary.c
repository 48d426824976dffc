/*
 * Host tests for kernel/qr_summary.c: the summary's lines, and the codes
 * drawn on a 1280 x 800 fake framebuffer (fake_fb.h) read back by zbarimg
 * as a phone would read the screen: one code for a typical run, a numbered
 * sequence of four for a long one, bench rows left out (and counted) when
 * even four do not hold it. The kernel's sources of the facts (CPU, records,
 * bench results) are stand-ins here; the test hands qr_summary_draw its facts.
 */
#define _POSIX_C_SOURCE 200809L
#define FB_W 1280
#define FB_H 800
#define FB_STRIDE 1300
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "unit.h"
#include "../../lib/fbcon.c"
#include "../../build/font.c"
#include "fake_fb.h"
#include "host_strlcpy.h"
#include "../../base/format.c"
#include "../../lib/qr.c"
#include "../../lib/record.h"
#include "../../lib/tsc.h"
#include "../../cpu/cpufeature.h"
#include "../../kernel/bench_screen.h"

/* Stand-ins for what gather() reads in the kernel (not called here). */
struct cpuinfo_x86 boot_cpu_data;
const char faultline_version[] = "0123abc";
uint64_t tsc_hz;
struct record_totals record_totals(void) { return (struct record_totals){ 0, 0, 0 }; }
uint32_t record_failed_names(const char **names, uint32_t max) { (void)names; (void)max; return 0; }
uint32_t bench_screen_results(const struct bench_result **out) { *out = NULL; return 0; }
static uint64_t read_cr4(void) { return 0; }   /* cpu/x86.h leaves these out of host builds */
static uint64_t rdtsc(void) { return 0; }
uint64_t tsc_to_ns(uint64_t cycles) { return cycles; }

/* The console's text (qr_summary says how many codes it drew). */
static char console[4096];
int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vformat(console, sizeof(console), fmt, ap);
	va_end(ap);
	return n;
}

#include "../../kernel/qr_summary.c"

static struct bench_result bench[64];
static const char *failures[] = { "smap", "ring3.wrong\tname" };

/* A run with nbench bench rows (long names when wide). */
static struct qr_summary_facts facts(uint32_t nbench, bool wide)
{
	for (uint32_t i = 0; i < nbench; i++) {
		memset(&bench[i], 0, sizeof(bench[i]));
		format(bench[i].workload, sizeof(bench[i].workload), wide ? "workload_with_a_long_name_%02u" : "w%u", i);
		strlcpy(bench[i].cls, wide ? "class with spaces here" : "first-write", sizeof(bench[i].cls));
		bench[i].count = 4096 + i;
		bench[i].p50 = 789 + i;
		bench[i].p99 = 1701 + 10 * i;
	}
	return (struct qr_summary_facts){
		.version = faultline_version, .cpu_vendor = "GenuineIntel", .cpu_name = "Intel(R) Xeon(R) Gold",
		.hypervisor = "KVMKVMKVM", .family = 6, .model = 85, .stepping = 7, .paging_levels = 5,
		.maxphyaddr = 46, .virt_bits = 57, .tsc_hz = 2100000000, .passed = 120, .failed = 2, .skipped = 3,
		.failed_names = failures, .failed_named = 2, .bench = bench, .bench_count = nbench,
		.panic = NULL,
	};
}

TEST(text_lines)
{
	static char buf[1024];
	struct qr_summary_facts f = facts(1, false);
	f.panic = "exception 6 (#UD)\nat rip 0x1";
	f.bench_omitted = 3;
	int n = qr_summary_text(&f, buf, sizeof(buf));
	const char *want = "C GenuineIntel 6 85 7\nN Intel(R) Xeon(R) Gold\nH KVMKVMKVM\nP 5 46 57\nT 2100000000\n"
			   "R 120 2 3\nF smap\nF ring3.wrong name\nB w0 first-write 4096 789 1701\nO 3\n"
			   "X exception 6 (#UD) at rip 0x1\n";
	CHECK_STR(buf, want);
	CHECK_EQ_U64(n, strlen(want));
	f = facts(1, true);
	f.hypervisor = NULL;
	f.failed_named = 0;
	qr_summary_text(&f, buf, sizeof(buf));
	CHECK(strstr(buf, "\nH ") == NULL);
	CHECK(strstr(buf, "\nF ") == NULL);
	CHECK(strstr(buf, "B workload_with_a_long_name_00 class_with_spaces_here 4096 789 1701\n") != NULL);
	CHECK(qr_summary_text(&f, buf, 40) == -1);
	CHECK(strlen(buf) < 40);
}

/* Writes the fake screen as a PGM (grey levels) and decodes it with zbarimg;
 * returns the bytes of all codes found, concatenated, or -1. */
static long decode_screen(char *out, size_t size)
{
	char path[64], cmd[128];
	snprintf(path, sizeof(path), "/tmp/faultline-test-qr-summary-%d.pgm", (int)getpid());
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	fprintf(f, "P5\n%u %u\n255\n", FB_W, FB_H);
	for (uint32_t y = 0; y < FB_H; y++)
		for (uint32_t x = 0; x < FB_W; x++) {
			uint32_t p = pixel(x, y);
			fputc((int)(((p >> 16 & 0xff) + (p >> 8 & 0xff) + (p & 0xff)) / 3), f);
		}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "zbarimg --raw -q -Sbinary %s 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	size_t n = p ? fread(out, 1, size - 1, p) : 0;
	int status = p ? pclose(p) : -1;
	unlink(path);
	out[n] = 0;
	return status == 0 ? (long)n : -1;
}

/* The codes' text put back together: the parts ("FL1 i/n version\n" then
 * lines) sorted by i, headers removed. Returns the number of parts found
 * (all must say the same n) or -1. */
static int join_parts(const char *decoded, char *out, size_t size)
{
	const char *at[QR_SUMMARY_MAX_PARTS + 1] = { 0 };
	int count = -1;
	for (const char *p = decoded; (p = strstr(p, "FL1 ")) != NULL; p++) {
		int i, n;
		if (sscanf(p, "FL1 %d/%d ", &i, &n) != 2 || i < 1 || i > n || n > QR_SUMMARY_MAX_PARTS ||
		    (count >= 0 && n != count) || at[i])
			return -1;
		count = n;
		at[i] = p;
	}
	out[0] = 0;
	for (int i = 1; i <= count; i++) {
		if (!at[i])
			return -1;
		const char *body = strchr(at[i], '\n') + 1, *stop = strstr(body, "FL1 ");
		size_t len = stop ? (size_t)(stop - body) : strlen(body), have = strlen(out);
		if (have + len >= size)
			return -1;
		memcpy(out + have, body, len);
		out[have + len] = 0;
	}
	return count;
}

/* Draws f on a fresh screen with some text on it, reads the codes back,
 * and checks they are want_parts parts that hold expected (the lines
 * qr_summary_text gives for what was kept; NULL: not checked). */
static void draw_and_read(const struct qr_summary_facts *f, int want_parts, const char *expected)
{
	static char decoded[16384], joined[16384];
	struct boot_framebuffer fb = fake_fb(FB_BGRX);
	CHECK(fbcon_init(&fb, fb_mem));
	for (int i = 0; i < 60; i++)
		fbcon_write("some text the run printed, long enough to reach the right edge of the screen "
			    "and wrap around once or twice to fill it ...\n", 122);
	console[0] = 0;
	qr_summary_draw(f);
	CHECK_EQ_U64(outside_damage(), 0);
	long n = decode_screen(decoded, sizeof(decoded));
	CHECK(n > 0);
	int parts = join_parts(decoded, joined, sizeof(joined));
	CHECK_EQ_U64(parts, want_parts);
	if (expected)
		CHECK_STR(joined, expected);
	if (parts != want_parts)
		printf("  console: %s", console);
	/* the text grid lost the strip: a full line wraps before it */
	struct fbcon_geometry g;
	CHECK(fbcon_geometry(&g) && g.cols < FB_W / g.cell_width && g.cols >= FB_W / 2 / g.cell_width);
}

TEST(one_code_for_a_typical_run)
{
	static char want[8192];
	struct qr_summary_facts f = facts(12, false);
	qr_summary_text(&f, want, sizeof(want));
	draw_and_read(&f, 1, want);
	CHECK(strstr(console, "in 1 QR code,") != NULL);
}

TEST(four_codes_for_a_long_run)
{
	static char want[8192];
	struct qr_summary_facts f = facts(34, true);   /* about 2400 bytes: more than one code holds */
	int len = qr_summary_text(&f, want, sizeof(want));
	CHECK(len > (int)qr_byte_capacity(40, QR_ECC_M));
	draw_and_read(&f, 4, want);
	CHECK(strstr(console, "in 4 QR codes") != NULL);
}

TEST(rows_left_out_when_even_four_do_not_hold_it)
{
	static char want[8192];
	struct qr_summary_facts f = facts(64, true);
	f.panic = "test hook: deliberate panic";
	draw_and_read(&f, 4, NULL);   /* the text is checked below */
	const char *o = strstr(console, "bench rows left out");
	CHECK(o != NULL);
	/* what was drawn: the same facts with the last rows gone and an O line counting them */
	static char decoded[16384], joined[16384];
	CHECK(decode_screen(decoded, sizeof(decoded)) > 0);
	CHECK_EQ_U64(join_parts(decoded, joined, sizeof(joined)), 4);
	const char *line = strstr(joined, "\nO ");
	CHECK(line != NULL);
	unsigned omitted = line ? (unsigned)atoi(line + 3) : 0;
	CHECK(omitted > 0 && omitted < 64);
	f.bench_count = 64 - omitted;
	f.bench_omitted = omitted;
	qr_summary_text(&f, want, sizeof(want));
	CHECK_STR(joined, want);
	CHECK(strstr(joined, "X test hook: deliberate panic\n") != NULL);
}

UNIT_MAIN(UNIT(text_lines), UNIT(one_code_for_a_typical_run), UNIT(four_codes_for_a_long_run),
	  UNIT(rows_left_out_when_even_four_do_not_hold_it))
