/* UEFI runtime services from the kernel (efi/runtime.h). */
#include <efi.h>
#include "efi/runtime.h"
#include "cpu/x86.h"
#include "paging/efi_map.h"

/* UEFI 2.0, the revision that added QueryVariableInfo (Linux's EFI_2_00_SYSTEM_TABLE_REVISION). */
#define EFI_2_00_REVISION ((2u << 16) | 0u)

static EFI_RUNTIME_SERVICES *runtime;

/* See efi/runtime.h. */
void efi_runtime_init(uint64_t runtime_services_phys)
{
	runtime = (EFI_RUNTIME_SERVICES *)(uintptr_t)runtime_services_phys;
}

/* Switches to efi_pgd for a runtime call; returns the CR3 to restore. */
static uint64_t efi_enter(void)
{
	uint64_t cr3 = read_cr3();
	write_cr3(efi_pgd_phys);
	return cr3;
}

static void efi_leave(uint64_t cr3)
{
	write_cr3(cr3);
}

/* See efi/runtime.h. */
int64_t efi_runtime_get_time(struct efi_rtc_time *out)
{
	if (!runtime || !efi_pgd)
		return -1;
	EFI_TIME t;
	uint64_t cr3 = efi_enter();
	EFI_STATUS s = runtime->GetTime(&t, NULL);
	efi_leave(cr3);
	if (EFI_ERROR(s))
		return (int64_t)(s & ~(1ull << 63));
	*out = (struct efi_rtc_time){ t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second };
	return 0;
}

/* See efi/runtime.h. */
int64_t efi_runtime_set_variable(void *name, void *guid, uint32_t attrs, const void *data, uint64_t size)
{
	if (!runtime || !efi_pgd)
		return -1;
	uint64_t cr3 = efi_enter();
	EFI_STATUS s = runtime->SetVariable((CHAR16 *)name, (EFI_GUID *)guid, attrs, size, (void *)data);
	efi_leave(cr3);
	return EFI_ERROR(s) ? (int64_t)(s & ~(1ull << 63)) : 0;
}

/* See efi/runtime.h. Older firmware's table ends before QueryVariableInfo
 * (UEFI 2.0 added it), so the revision is checked before the pointer is read. */
int64_t efi_runtime_query_variable_info(uint32_t attrs, struct efi_var_store_info *out)
{
	if (!runtime || !efi_pgd)
		return -1;
	uint64_t cr3 = efi_enter();
	EFI_STATUS s = EFI_UNSUPPORTED;
	UINT64 storage = 0, remaining = 0, max_variable = 0;
	if (runtime->Hdr.Revision >= EFI_2_00_REVISION && runtime->QueryVariableInfo)
		s = runtime->QueryVariableInfo(attrs, &storage, &remaining, &max_variable);
	efi_leave(cr3);
	if (EFI_ERROR(s))
		return (int64_t)(s & ~(1ull << 63));
	*out = (struct efi_var_store_info){ storage, remaining, max_variable };
	return 0;
}

/* See efi/runtime.h. A cold reset, as Linux's default reboot_mode (REBOOT_COLD). */
int64_t efi_runtime_reset_cold(void)
{
	if (!runtime || !efi_pgd)
		return -1;
	uint64_t cr3 = efi_enter();
	runtime->ResetSystem(EfiResetCold, EFI_SUCCESS, 0, NULL);
	efi_leave(cr3);
	return 0;
}
