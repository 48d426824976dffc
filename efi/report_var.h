/*
 * The stored report: a compact JSON summary of a run (at most
 * REPORT_VAR_MAX bytes) kept in a UEFI non-volatile variable, so that a PC
 * without a serial port still hands its results over. The kernel stores it at
 * the end of a run through the runtime services; the next boot of the stick
 * writes it to \faultline\reports\<timestamp>.json before doing anything
 * else, and deletes the variable.
 */
#ifndef FAULTLINE_REPORT_VAR_H
#define FAULTLINE_REPORT_VAR_H

#include <stdbool.h>
#include <stdint.h>
#include "efi/nvram_guard.h"

#define REPORT_VAR_MAX  8192
#define REPORT_VAR_NAME "FaultlineReport"
/* faultline's own vendor GUID for the variable: 5c1b7d3e-8a44-4f0e-9b1d-66a1f1a7e5c2 */
#define FAULTLINE_VENDOR_GUID \
	{ 0x5c1b7d3e, 0x8a44, 0x4f0e, { 0x9b, 0x1d, 0x66, 0xa1, 0xf1, 0xa7, 0xe5, 0xc2 } }

/* Firmware phase: moves a stored report to the ESP. Returns 1 if one was
 * written, 0 if there was none, -1 if it could not be written (the variable
 * is then kept for the next try). */
int efi_save_stored_report(void);

/* What efi_store_report did. */
enum report_store_outcome {
	REPORT_STORED = 0,
	REPORT_NO_RUNTIME,          /* no runtime services: nothing tried */
	REPORT_NO_ROOM,             /* the guard refused (verdict, the numbers below) */
	REPORT_QUERY_FAILED,        /* QueryVariableInfo failed (status): not written, as Linux */
	REPORT_SET_FAILED,          /* SetVariable failed (status) */
};

struct report_store_result {
	enum report_store_outcome outcome;
	int64_t status;             /* the failing call's status, top bit cleared */
	bool space_known;           /* QueryVariableInfo answered (UEFI 2.0 and later) */
	uint64_t storage, remaining, max_variable;   /* its answer, in bytes */
	uint64_t counted;           /* what the check counted: data and UTF-16 name */
	enum nvram_verdict verdict;
};

/*
 * Kernel: stores bytes (at most REPORT_VAR_MAX) as the report variable
 * (runtime services, on efi_pgd), but only when QueryVariableInfo says the
 * store keeps NVRAM_MIN_RESERVE free afterwards (efi/nvram_guard.h). A
 * firmware without QueryVariableInfo (before UEFI 2.0) gets the write, as
 * Linux allows writes up to 64 KiB there. Fills *r; returns r->outcome.
 */
enum report_store_outcome efi_store_report(const void *bytes, uint64_t size, struct report_store_result *r);

#endif
