/*
 * UEFI runtime services after ExitBootServices, for the kernel. Each call
 * runs on efi_pgd (paging/efi_map.h) with interrupts off and returns to the
 * kernel's tables. The types here are neutral: only efi/ sees UEFI's.
 */
#ifndef FAULTLINE_EFI_RUNTIME_H
#define FAULTLINE_EFI_RUNTIME_H

#include <stdint.h>

struct efi_rtc_time {
	uint16_t year;
	uint8_t month, day, hour, minute, second;
};

/* Remembers the runtime-services table (physical address from boot_info). */
void efi_runtime_init(uint64_t runtime_services_phys);

/* GetTime. Returns 0 on success, -1 without runtime services, else the
 * firmware's status with the top bit cleared. */
int64_t efi_runtime_get_time(struct efi_rtc_time *out);

/* SetVariable with a UTF-16 name and vendor GUID (both opaque here). Returns
 * 0, -1 without runtime services, else the firmware's status, top bit cleared. */
int64_t efi_runtime_set_variable(void *name, void *guid, uint32_t attrs, const void *data, uint64_t size);

/* QueryVariableInfo's answer for one set of attributes, in bytes. */
struct efi_var_store_info {
	uint64_t storage;          /* MaximumVariableStorageSize: the whole store */
	uint64_t remaining;        /* RemainingVariableStorageSize: what is still free */
	uint64_t max_variable;     /* MaximumVariableSize: the largest one variable may be */
};

/* EFI_UNSUPPORTED with the top bit cleared, as the calls here return it. */
#define EFI_RUNTIME_UNSUPPORTED 3

/* QueryVariableInfo for variables with attrs (UEFI attribute bits). Returns 0,
 * -1 without runtime services, EFI_RUNTIME_UNSUPPORTED when the firmware is
 * older than UEFI 2.0 (no such service) or says so, else its status, top bit
 * cleared. */
int64_t efi_runtime_query_variable_info(uint32_t attrs, struct efi_var_store_info *out);

/* ResetSystem(EfiResetCold). Returns only if the firmware did not reset the
 * machine: -1 without runtime services, else 0 (the call came back). */
int64_t efi_runtime_reset_cold(void);

#endif
