/*
 * Leaving boot services, the way Linux's libstub does it (efi_exit_boot_services
 * in drivers/firmware/efi/libstub): get the memory map into a buffer with
 * slack, call ExitBootServices with its key; if the map changed meanwhile
 * (EFI_INVALID_PARAMETER), fetch it again into the same buffer — no allocation
 * and no printing in between, since either would change the map again — and
 * retry. After success, translate the map into boot_info.regions[].
 */
#include "efi/efi.h"

#define MEMMAP_SLACK_DESCRIPTORS 32
#define EXIT_BOOT_SERVICES_TRIES 8

/* See efi/efi.h. */
EFI_STATUS efi_exit_boot_services(struct boot_info *bi)
{
	UINTN map_size = 0, key = 0, desc_size = 0;
	UINT32 desc_version = 0;
	EFI_STATUS s = efi_bs->GetMemoryMap(&map_size, NULL, &key, &desc_size, &desc_version);
	if (s != EFI_BUFFER_TOO_SMALL || desc_size == 0)
		return EFI_ERROR(s) ? s : EFI_LOAD_ERROR;

	/* Slack for the descriptors our own allocation (and the firmware's events) may add. */
	UINTN buf_size = map_size + MEMMAP_SLACK_DESCRIPTORS * desc_size;
	void *map = NULL;
	s = efi_bs->AllocatePool(EfiLoaderData, buf_size, &map);
	if (EFI_ERROR(s))
		return s;

	for (uint32_t tries = 1; tries <= EXIT_BOOT_SERVICES_TRIES; tries++) {
		map_size = buf_size;
		s = efi_bs->GetMemoryMap(&map_size, map, &key, &desc_size, &desc_version);
		if (EFI_ERROR(s))
			return s;
		s = efi_bs->ExitBootServices(efi_image, key);
		if (s == EFI_SUCCESS) {
			__asm__ volatile("cli");
			bi->exit_boot_services_tries = tries;
			bi->memmap_desc_size = (uint32_t)desc_size;
			efi_bs = NULL; /* no boot service from here on */
			efi_translate_memmap(bi, map, map_size, desc_size);
			return EFI_SUCCESS;
		}
		if (s != EFI_INVALID_PARAMETER)
			return s;
		/* The map changed under us: loop, with no allocation or printing. */
	}
	return s;
}
