/* The compact end-of-run summary kept in NVRAM for PCs without a serial port. */
#ifndef FAULTLINE_STORED_REPORT_H
#define FAULTLINE_STORED_REPORT_H

#include "base/bootinfo.h"

/* Builds the summary (docs/records.md, "stored_report") and stores it in the
 * FaultlineReport UEFI variable. A failure to store is a warning, not a failed run. */
void store_report(const struct boot_info *bi);

#endif
