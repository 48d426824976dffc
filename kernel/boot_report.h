/* The boot record: what machine this is and what faultline made of it. */
#ifndef FAULTLINE_BOOT_REPORT_H
#define FAULTLINE_BOOT_REPORT_H

#include "base/bootinfo.h"
#include "paging/memmap.h"

/* Prints the machine summary for people and emits {"type":"boot",...} (docs/records.md). */
void boot_report(const struct boot_info *bi, const struct memmap *mm);

/* The records' name of an enum boot_secure_boot value: "on", "off",
 * "setup_mode" or "unknown" (anything else). */
const char *secure_boot_name(uint32_t state);

#endif
