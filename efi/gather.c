/*
 * efi_gather: the facts about the machine that only the firmware knows, copied
 * into boot_info: framebuffer, ACPI RSDP, SMBIOS, firmware vendor and
 * revision, Secure Boot's state, where our own image was loaded, the
 * runtime-services table.
 * Everything is optional: a missing item is left zero and reported later.
 */
#include "efi/efi.h"
#include "base/string.h"

static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;
static EFI_GUID smbios_guid = SMBIOS_TABLE_GUID;
static EFI_GUID smbios3_guid = SMBIOS3_TABLE_GUID;
static EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID global_variable_guid = EFI_GLOBAL_VARIABLE;

static int guid_equal(const EFI_GUID *a, const EFI_GUID *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Copies the configuration-table pointers we use. */
static void gather_config_tables(struct boot_info *bi)
{
	for (UINTN i = 0; i < efi_st->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &efi_st->ConfigurationTable[i];
		uint64_t addr = (uint64_t)(uintptr_t)t->VendorTable;
		if (guid_equal(&t->VendorGuid, &acpi20_guid))
			bi->acpi_rsdp = addr;
		else if (guid_equal(&t->VendorGuid, &smbios_guid))
			bi->smbios = addr;
		else if (guid_equal(&t->VendorGuid, &smbios3_guid))
			bi->smbios3 = addr;
	}
}

/* Describes the GOP framebuffer, if there is one with a linear framebuffer. */
static void gather_framebuffer(struct boot_info *bi)
{
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
	if (EFI_ERROR(efi_bs->LocateProtocol(&gop_guid, NULL, (void **)&gop)) || !gop || !gop->Mode)
		return;
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = gop->Mode->Info;
	struct boot_framebuffer *fb = &bi->fb;
	switch (info->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor: fb->format = FB_RGBX; break;
	case PixelBlueGreenRedReserved8BitPerColor: fb->format = FB_BGRX; break;
	case PixelBitMask:
		fb->format = FB_BITMASK;
		fb->red_mask = info->PixelInformation.RedMask;
		fb->green_mask = info->PixelInformation.GreenMask;
		fb->blue_mask = info->PixelInformation.BlueMask;
		break;
	default: fb->format = FB_NONE; return; /* PixelBltOnly: no linear framebuffer */
	}
	fb->base = gop->Mode->FrameBufferBase;
	fb->size = gop->Mode->FrameBufferSize;
	fb->width = info->HorizontalResolution;
	fb->height = info->VerticalResolution;
	fb->stride = info->PixelsPerScanLine;
}

/* Where the firmware put our PE image (it stays in use after the handoff). */
static void gather_image(struct boot_info *bi)
{
	EFI_LOADED_IMAGE *li = NULL;
	if (EFI_ERROR(efi_bs->HandleProtocol(efi_image, &loaded_image_guid, (void **)&li)) || !li)
		return;
	bi->image_base = (uint64_t)(uintptr_t)li->ImageBase;
	bi->image_size = li->ImageSize;
	bi->in_use[bi->in_use_count++] = (struct boot_range){ bi->image_base, bi->image_size, "kernel image" };
}

/* The one-byte global variable name (SecureBoot, SetupMode): 0 or 1, or -1
 * when the firmware has no such variable or it is not one byte. */
static int global_flag(CHAR16 *name)
{
	uint8_t value = 0;
	UINTN size = sizeof(value);
	UINT32 attrs = 0;
	if (EFI_ERROR(efi_st->RuntimeServices->GetVariable(name, &global_variable_guid, &attrs, &size, &value)) ||
	    size != 1)
		return -1;
	return value != 0;
}

/* Secure Boot's state from the UEFI spec's SecureBoot and SetupMode
 * variables (3.3, "Globally Defined Variables"). */
static void gather_secure_boot(struct boot_info *bi)
{
	int secure = global_flag(L"SecureBoot");
	if (secure < 0)
		bi->secure_boot = SECURE_BOOT_UNKNOWN;
	else if (global_flag(L"SetupMode") == 1)
		bi->secure_boot = SECURE_BOOT_SETUP;
	else
		bi->secure_boot = secure ? SECURE_BOOT_ON : SECURE_BOOT_OFF;
}

/* Fills the firmware facts of bi. Never fails; missing items stay zero. */
void efi_gather(struct boot_info *bi)
{
	const CHAR16 *vendor = efi_st->FirmwareVendor;
	size_t n = 0;
	for (; vendor && vendor[n] && n < sizeof(bi->firmware_vendor) - 1; n++)
		bi->firmware_vendor[n] = vendor[n] < 0x80 ? (char)vendor[n] : '?';
	bi->firmware_vendor[n] = 0;
	bi->firmware_revision = efi_st->FirmwareRevision;
	bi->uefi_revision = efi_st->Hdr.Revision;
	bi->runtime_services = (uint64_t)(uintptr_t)efi_st->RuntimeServices;

	gather_config_tables(bi);
	gather_secure_boot(bi);
	gather_framebuffer(bi);
	gather_image(bi);
}
