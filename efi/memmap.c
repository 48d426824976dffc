/*
 * Translation of the UEFI memory map into neutral struct boot_memory_region
 * entries (base/bootinfo.h). Pure: host-tested with hand-made maps whose
 * descriptor stride is larger than the C struct, as the spec allows.
 */
#include "efi/efi.h"

/* See efi/efi.h. Unknown or OEM types are treated as reserved. */
uint32_t efi_memory_kind(uint32_t efi_type)
{
	switch (efi_type) {
	case EfiConventionalMemory:   return MEM_USABLE;
	case EfiLoaderCode:
	case EfiLoaderData:
	case EfiBootServicesCode:
	case EfiBootServicesData:     return MEM_RECLAIMABLE;
	case EfiACPIReclaimMemory:    return MEM_ACPI_RECLAIM;
	case EfiACPIMemoryNVS:        return MEM_ACPI_NVS;
	case EfiRuntimeServicesCode:  return MEM_RUNTIME_CODE;
	case EfiRuntimeServicesData:  return MEM_RUNTIME_DATA;
	case EfiMemoryMappedIO:
	case EfiMemoryMappedIOPortSpace: return MEM_MMIO;
	case EfiUnusableMemory:       return MEM_UNUSABLE;
	case 14: /* EfiPersistentMemory */ return MEM_PERSISTENT;
	default:                      return MEM_RESERVED;
	}
}

/* See efi/efi.h. */
uint32_t efi_translate_memmap(struct boot_info *bi, const void *map, uint64_t map_size, uint64_t desc_size)
{
	uint32_t count = 0;
	bi->memmap_truncated = 0;
	if (desc_size < sizeof(EFI_MEMORY_DESCRIPTOR)) {
		bi->region_count = 0;
		return 0;
	}
	for (uint64_t off = 0; off + desc_size <= map_size; off += desc_size) {
		const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *)((const uint8_t *)map + off);
		if (d->NumberOfPages == 0)
			continue;
		if (count == BOOT_MAX_REGIONS) {
			bi->memmap_truncated++;
			continue;
		}
		struct boot_memory_region *r = &bi->regions[count++];
		r->phys_start = d->PhysicalStart;
		r->pages = d->NumberOfPages;
		r->kind = efi_memory_kind(d->Type);
		r->firmware_type = d->Type;
		r->flags = 0;
		if (d->Attribute & EFI_MEMORY_WB)
			r->flags |= MEMF_WB;
		if (d->Attribute & EFI_MEMORY_RUNTIME)
			r->flags |= MEMF_RUNTIME;
		r->reserved = 0;
	}
	bi->region_count = count;
	return count;
}
