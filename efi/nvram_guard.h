/*
 * Whether a UEFI variable may be written without filling the variable store.
 *
 * Some firmware does not boot any more once its non-volatile variable store
 * is full. Linux's answer (efi_query_variable_store, arch/x86/platform/efi/
 * quirks.c, used by efi-pstore) is to ask QueryVariableInfo first and refuse
 * a write that would leave less than EFI_MIN_RESERVE (5 KiB) free; faultline
 * gives the same answer for its report variable. Pure logic (host-tested);
 * efi/report_var.c asks the firmware and acts on the verdict.
 */
#ifndef FAULTLINE_NVRAM_GUARD_H
#define FAULTLINE_NVRAM_GUARD_H

#include <stdint.h>

/* What must stay free after a write: Linux's EFI_MIN_RESERVE. */
#define NVRAM_MIN_RESERVE 5120u

enum nvram_verdict {
	NVRAM_FITS = 0,          /* the store keeps at least NVRAM_MIN_RESERVE free afterwards */
	NVRAM_BELOW_RESERVE,     /* it would keep less (or the write does not fit at all) */
	NVRAM_TOO_LARGE,         /* larger than the firmware's largest variable */
};

/*
 * The verdict for writing size bytes (data and UTF-16 name, as Linux counts
 * them) into a store with remaining bytes free whose variables may be at most
 * max_variable bytes (0: the firmware gave no limit). Never wraps: a size
 * above remaining is NVRAM_BELOW_RESERVE.
 */
enum nvram_verdict nvram_check_space(uint64_t remaining, uint64_t max_variable, uint64_t size);

/* What the store would keep free after writing size bytes; 0 if it does not fit. */
uint64_t nvram_left_after(uint64_t remaining, uint64_t size);

#endif
