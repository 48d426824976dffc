/*
 * The QR code of the run's summary (kernel/qr_summary.h).
 *
 * The text is compact lines, not compressed bytes: a phone that shows the
 * raw text shows something a person can read, and a typical run (a dozen
 * bench rows, no failures) is 300 to 700 bytes, one code of version 10 to
 * 20 at level M. The parts: every part starts with "FL1 i/n version"; lines
 * are never split between parts (one longer than a part holds is cut).
 *
 * Layout: the codes take a strip at the right of the screen, at most half
 * its width and the text grid's height, in a grid of 1 (one code), 1 x 2
 * or 2 x 2; modules of QR_MODULE_MAX_PX pixels where that fits, never
 * fewer than QR_MODULE_MIN_PX (smaller ones a phone camera does not
 * resolve off a laptop screen); dark on white with the 4-module quiet
 * zone; a caption below when there is a text row left.
 */
#include <stdarg.h>
#include "kernel/qr_summary.h"
#include "kernel/bench_screen.h"
#include "base/format.h"
#include "base/kernel.h"
#include "base/string.h"
#include "cpu/cpufeature.h"
#include "cpu/x86.h"
#include "lib/fbcon.h"
#include "lib/kprintf.h"
#include "lib/qr.h"
#include "lib/record.h"
#include "lib/tsc.h"

#define QR_MODULE_MIN_PX 3
#define QR_MODULE_MAX_PX 6
#define QR_LIGHT_RGB 0xffffff
#define QR_DARK_RGB  0x000000
#define QR_CAPTION_RGB 0xc0c0c0
#define QR_PART_HEADER_MAX 96

/* Ends a line at *len. Returns false when the '\n' and a NUL do not fit. */
static bool put_newline(char *buf, size_t size, size_t *len)
{
	if (size - *len < 2)
		return false;
	buf[(*len)++] = '\n';
	buf[*len] = 0;
	return true;
}

/* Appends s to buf at *len: control bytes become spaces, and spaces '_'
 * when no_spaces. Returns false (leaving *len) when it does not fit with its NUL. */
static bool put_str(char *buf, size_t size, size_t *len, const char *s, bool no_spaces)
{
	size_t n = s ? strlen(s) : 0;
	if (n >= size - *len)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if ((uint8_t)c < 0x20 || c == 0x7f)
			c = ' ';
		if (no_spaces && c == ' ')
			c = '_';
		buf[(*len)++] = c;
	}
	buf[*len] = 0;
	return true;
}

/* Appends one formatted line (fmt's text is trusted: no clean-up). */
static bool put_line(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	char line[128];
	va_list ap;
	va_start(ap, fmt);
	vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	return put_str(buf, size, len, line, false) && put_newline(buf, size, len);
}

/* Appends "key text\n" with text cleaned up (put_str). */
static bool put_text_line(char *buf, size_t size, size_t *len, const char *key, const char *text)
{
	return put_str(buf, size, len, key, false) && put_str(buf, size, len, " ", false) &&
	       put_str(buf, size, len, text, false) && put_newline(buf, size, len);
}

/* See kernel/qr_summary.h. */
int qr_summary_text(const struct qr_summary_facts *f, char *buf, size_t size)
{
	size_t len = 0;
	bool ok = size > 0;
	if (ok)
		buf[0] = 0;
	ok = ok && put_str(buf, size, &len, "C ", false) && put_str(buf, size, &len, f->cpu_vendor, true) &&
	     put_line(buf, size, &len, " %u %u %u", f->family, f->model, f->stepping);
	ok = ok && put_text_line(buf, size, &len, "N", f->cpu_name);
	if (ok && f->hypervisor && f->hypervisor[0])
		ok = put_text_line(buf, size, &len, "H", f->hypervisor);
	ok = ok && put_line(buf, size, &len, "P %u %u %u", f->paging_levels, f->maxphyaddr, f->virt_bits);
	ok = ok && put_line(buf, size, &len, "T %llu", f->tsc_hz);
	ok = ok && put_line(buf, size, &len, "R %u %u %u", f->passed, f->failed, f->skipped);
	for (uint32_t i = 0; ok && i < f->failed_named; i++)
		ok = put_text_line(buf, size, &len, "F", f->failed_names[i]);
	for (uint32_t i = 0; ok && i < f->bench_count; i++) {
		const struct bench_result *b = &f->bench[i];
		ok = put_str(buf, size, &len, "B ", false) && put_str(buf, size, &len, b->workload, true) &&
		     put_str(buf, size, &len, " ", false) && put_str(buf, size, &len, b->cls, true) &&
		     put_line(buf, size, &len, " %llu %llu %llu", b->count, b->p50, b->p99);
	}
	if (ok && f->bench_omitted)
		ok = put_line(buf, size, &len, "O %u", f->bench_omitted);
	if (ok && f->panic && f->panic[0])
		ok = put_text_line(buf, size, &len, "X", f->panic);
	return ok ? (int)len : -1;
}

/* Splits text[0..len) at line ends into parts of at most cap bytes: start[i]
 * and end[i] of each; a line longer than cap is cut to cap. Returns the
 * number of parts (0 for no text), or max + 1 if more than max are needed. */
static uint32_t split_parts(const char *text, size_t len, size_t cap, size_t *start, size_t *end, uint32_t max)
{
	uint32_t n = 0;
	size_t at = 0;
	while (at < len) {
		if (n == max)
			return max + 1;
		size_t stop = at;   /* the end of the last whole line that fits */
		for (size_t i = at; i < len && i - at < cap; i++)
			if (text[i] == '\n')
				stop = i + 1;
		if (stop == at)     /* one line longer than a part: cut it */
			stop = at + cap < len ? at + cap : len;
		start[n] = at;
		end[n++] = stop;
		at = stop;
	}
	return n;
}

/* The facts of this run. */
static void gather(struct qr_summary_facts *f, const char *panic, const char **names, uint32_t max_names)
{
	const struct cpuinfo_x86 *c = &boot_cpu_data;
	struct record_totals t = record_totals();
	memset(f, 0, sizeof(*f));
	f->version = faultline_version;
	f->cpu_vendor = c->x86_vendor_id;
	f->cpu_name = c->x86_model_id;
	f->hypervisor = cpu_has(c, X86_FEATURE_HYPERVISOR) ? c->hypervisor_id : NULL;
	f->family = c->x86;
	f->model = c->x86_model;
	f->stepping = c->x86_stepping;
	f->paging_levels = (read_cr4() & X86_CR4_LA57) ? 5 : 4;
	f->maxphyaddr = c->x86_phys_bits;
	f->virt_bits = c->x86_virt_bits;
	f->tsc_hz = tsc_hz;
	f->passed = t.passed;
	f->failed = t.failed;
	f->skipped = t.skipped;
	f->failed_names = names;
	f->failed_named = record_failed_names(names, max_names);
	f->bench_count = bench_screen_results(&f->bench);
	f->panic = panic;
}

/* Where the codes go: grid columns and rows, and each cell's side in pixels. */
struct qr_layout {
	uint32_t parts, cols, rows, cell;
	uint32_t max_version;        /* the largest version a cell shows at QR_MODULE_MIN_PX */
};

/* The grid for n parts in a strip of at most width x height pixels. */
static void layout_for(uint32_t n, uint32_t width, uint32_t height, struct qr_layout *l)
{
	l->parts = n;
	l->cols = n > 2 ? 2 : 1;
	l->rows = (n + l->cols - 1) / l->cols;
	uint32_t w = width / l->cols, h = height / l->rows;
	l->cell = w < h ? w : h;
	uint32_t modules = l->cell / QR_MODULE_MIN_PX;
	uint32_t v = modules >= QR_SIZE(1) + 2 * QR_QUIET_ZONE ? (modules - 2 * QR_QUIET_ZONE - 17) / 4 : 0;
	l->max_version = v > QR_VERSION_MAX ? QR_VERSION_MAX : v;
}

static struct qr_code code;
static char text[QR_SUMMARY_MAX_TEXT];
static char part[QR_PART_HEADER_MAX + QR_SUMMARY_MAX_TEXT];

/* Encodes part i of n (header, then text[start..end)) into code; returns its length or -1. */
static int encode_part(const char *version, uint32_t i, uint32_t n, size_t start, size_t end, uint32_t max_version)
{
	int h = format(part, QR_PART_HEADER_MAX, "FL%u %u/%u %s\n", QR_SUMMARY_FORMAT, i + 1, n, version);
	if (h < 0 || h >= QR_PART_HEADER_MAX)
		return -1;
	memcpy(part + h, text + start, end - start);
	size_t len = (size_t)h + (end - start);
	return qr_encode(&code, (const uint8_t *)part, len, QR_ECC_M, 1, max_version, QR_MASK_AUTO) == 0 ? (int)len : -1;
}

/* Draws code with its quiet zone at (x, y), px pixels a module. */
static void draw_code(uint32_t x, uint32_t y, uint32_t px)
{
	uint32_t side = (code.size + 2 * QR_QUIET_ZONE) * px;
	fbcon_fill_rect(x, y, side, side, QR_LIGHT_RGB);
	for (uint32_t my = 0; my < code.size; my++)
		for (uint32_t mx = 0; mx < code.size; mx++)
			if (qr_module(&code, mx, my))
				fbcon_fill_rect(x + (mx + QR_QUIET_ZONE) * px, y + (my + QR_QUIET_ZONE) * px, px, px,
						QR_DARK_RGB);
}

/* The fewest parts (1..QR_SUMMARY_MAX_PARTS) that hold text[0..len) in a
 * strip_w x strip_h strip: *l gets their layout, start/end the parts' text.
 * Returns the number of parts, 0 if even the most do not hold it. */
static uint32_t fit_parts(const char *version, size_t len, uint32_t strip_w, uint32_t strip_h, struct qr_layout *l, size_t *start,
			  size_t *end)
{
	for (uint32_t parts = 1; parts <= QR_SUMMARY_MAX_PARTS; parts++) {
		layout_for(parts, strip_w, strip_h, l);
		size_t cap = qr_byte_capacity(l->max_version, QR_ECC_M);
		size_t header = (size_t)format(part, QR_PART_HEADER_MAX, "FL%u %u/%u %s\n", QR_SUMMARY_FORMAT, parts,
					       parts, version);
		if (l->max_version == 0 || cap <= header)
			continue;
		uint32_t n = split_parts(text, len, cap - header, start, end, parts);
		if (n <= parts) {
			if (n < parts)
				layout_for(n, strip_w, strip_h, l);
			return n;
		}
	}
	return 0;
}

/* See kernel/qr_summary.h. */
void qr_summary_show(const char *panic)
{
	struct qr_summary_facts f;
	const char *names[16];
	if (!fbcon_active())
		return;
	uint64_t t0 = rdtsc();
	gather(&f, panic, names, 16);
	qr_summary_draw(&f);
	if (tsc_hz)
		kprintf("qr: encoded and drawn in %llu ms\n", tsc_to_ns(rdtsc() - t0) / 1000000);
}

/* See kernel/qr_summary.h. */
void qr_summary_draw(const struct qr_summary_facts *fp)
{
	struct fbcon_geometry g;
	struct qr_summary_facts f = *fp;
	if (!fbcon_geometry(&g))
		return;

	/* the fewest parts that fit; when none do, fewer bench rows, then fewer names */
	uint32_t strip_w = g.width / 2, strip_h = g.rows * g.cell_height, bench_all = f.bench_count, n = 0;
	size_t start[QR_SUMMARY_MAX_PARTS], end[QR_SUMMARY_MAX_PARTS];
	struct qr_layout l = { 0 };
	int len;
	for (;;) {
		f.bench_omitted = bench_all - f.bench_count;
		len = qr_summary_text(&f, text, sizeof(text));
		if (len >= 0 && (n = fit_parts(f.version, (size_t)len, strip_w, strip_h, &l, start, end)) != 0)
			break;
		if (f.bench_count)
			f.bench_count--;
		else if (f.failed_named)
			f.failed_named--;
		else
			break;
	}
	if (!n) {
		kprintf("qr: the screen (%ux%u) is too small for the summary's QR code\n", g.width, g.height);
		return;
	}

	/* one module size for all: the largest that fits the largest code */
	uint32_t largest = 0;
	for (uint32_t i = 0; i < n; i++)
		if (encode_part(f.version, i, n, start[i], end[i], l.max_version) >= 0 && code.size > largest)
			largest = code.size;
	uint32_t px = largest ? l.cell / (largest + 2 * QR_QUIET_ZONE) : 0;
	if (px > QR_MODULE_MAX_PX)
		px = QR_MODULE_MAX_PX;
	uint32_t cell = (largest + 2 * QR_QUIET_ZONE) * px, x0;
	if (!largest || !fbcon_reserve_right(l.cols * cell, &x0)) {
		kprintf("qr: no room on the screen for the summary's QR code\n");
		return;
	}
	x0 = g.width - l.cols * cell;   /* flush right (the reserved strip is whole text columns) */
	for (uint32_t i = 0; i < n; i++)
		if (encode_part(f.version, i, n, start[i], end[i], l.max_version) >= 0)
			draw_code(x0 + (i % l.cols) * cell, (i / l.cols) * cell, px);
	char caption[64];
	format(caption, sizeof(caption), n == 1 ? "run summary: scan with a phone" : "run summary: scan all %u codes", n);
	if (l.rows * cell + g.cell_height <= strip_h)
		fbcon_draw_text(x0, l.rows * cell, caption, QR_CAPTION_RGB, 0x000000);
	kprintf("qr: the run's summary (%u bytes) in %u QR code%s, version %u at most, %u px modules%s (docs/records.md)\n",
		(uint32_t)len, n, n == 1 ? "" : "s", (largest - 17) / 4, px,
		f.bench_omitted ? "; bench rows left out" : "");
}
