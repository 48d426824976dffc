/* UEFI runtime services from the kernel (efi/runtime.h). */
#include <efi.h>
#include "efi/runtime.h"
#include "cpu/x86.h"
#include "paging/efi_map.h"

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
