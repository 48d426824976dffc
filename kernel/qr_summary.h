/*
 * The run's summary as a QR code on the screen, for a phone: who (CPU,
 * paging mode), how it went (totals, the failed checks by name, a panic),
 * the fault latency per benchmark workload and class (p50, p99), and the
 * faultline version, as compact lines of text (docs/records.md, "The QR
 * code"; bench/qr_summary.py turns them back into JSON and HTML). One code
 * when it fits at a readable module size, else a numbered sequence of up
 * to QR_SUMMARY_MAX_PARTS codes side by side; when even those do not hold
 * it, the last bench rows and then the last failure names are left out
 * (an "O" line counts the rows; the R line still counts every failure).
 */
#ifndef FAULTLINE_QR_SUMMARY_H
#define FAULTLINE_QR_SUMMARY_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/bench_result.h"

#define QR_SUMMARY_MAX_PARTS 4
#define QR_SUMMARY_FORMAT 1          /* the "FL1" of the first line */
#define QR_SUMMARY_MAX_TEXT 6144

/* What the summary says; strings are NUL-terminated, NULL or "" for none. */
struct qr_summary_facts {
	const char *version;             /* faultline_version */
	const char *cpu_vendor, *cpu_name, *hypervisor;
	uint32_t family, model, stepping;
	uint32_t paging_levels, maxphyaddr, virt_bits;
	uint64_t tsc_hz;
	uint32_t passed, failed, skipped;
	const char *const *failed_names;
	uint32_t failed_named;
	const struct bench_result *bench;
	uint32_t bench_count;
	uint32_t bench_omitted;          /* bench results left out to fit the screen */
	const char *panic;
};

/*
 * The summary's lines without the part header, into buf (NUL-terminated):
 * "C vendor family model stepping", "N cpu name", "H hypervisor", "P levels
 * maxphyaddr virt_bits", "T tsc_hz", "R passed failed skipped", "F name" per
 * named failure, "B workload class count p50 p99" per bench result, "O n"
 * when n bench results were left out, "X panic". Control bytes become spaces (and spaces in the B line's names
 * '_'), so every line stays one line. Returns the length, or -1 if buf is
 * too small (buf then holds the lines that fit).
 */
int qr_summary_text(const struct qr_summary_facts *f, char *buf, size_t size);

/*
 * Draws the summary of this run at the right of the screen (fbcon_reserve_right)
 * and says on the console how many codes it took. panic: the panic's
 * message, NULL at a normal end. Does nothing without a framebuffer.
 */
void qr_summary_show(const char *panic);

/* The screen half of qr_summary_show: draws what f says (f->bench_count and
 * f->failed_named may be cut to fit; f itself is not changed). */
void qr_summary_draw(const struct qr_summary_facts *f);

#endif
