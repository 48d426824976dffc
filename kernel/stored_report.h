/* The compact end-of-run summary kept in NVRAM for PCs without a serial port. */
#ifndef FAULTLINE_STORED_REPORT_H
#define FAULTLINE_STORED_REPORT_H

#include "base/bootinfo.h"
#include "lib/config.h"

/* Builds the summary (docs/records.md, "stored_report") and, with
 * report_nvram = auto, stores it in the FaultlineReport UEFI variable when
 * the variable store keeps its safety margin (efi/nvram_guard.h). A refusal
 * or a failure to store is a `nvram` warning, not a failed run. */
void store_report(const struct boot_info *bi, enum config_report_nvram mode);

#endif
