/*
 * Host tests for efi/memmap.c: translating the firmware's memory map into
 * boot_info regions, with descriptor strides larger than the C struct (as
 * the UEFI spec allows and real firmware uses), every memory type, empty and
 * truncated maps, and overflow of regions[].
 */
#include <stdlib.h>
#include "unit.h"
#include "../../efi/memmap.c"

static struct boot_info bi;

/* Builds a map of n descriptors at stride bytes each, filled with garbage
 * between descriptors so a wrong stride reads nonsense. */
static uint8_t *make_map(uint32_t n, uint32_t stride, const EFI_MEMORY_DESCRIPTOR *descs)
{
	uint8_t *map = malloc((size_t)n * stride + 1);
	memset(map, 0xcc, (size_t)n * stride + 1);
	for (uint32_t i = 0; i < n; i++)
		memcpy(map + (size_t)i * stride, &descs[i], sizeof(descs[i]));
	return map;
}

static const EFI_MEMORY_DESCRIPTOR sample[] = {
	{ EfiConventionalMemory, 0, 0x100000, 0, 256, EFI_MEMORY_WB },
	{ EfiBootServicesData, 0, 0x200000, 0, 16, EFI_MEMORY_WB },
	{ EfiRuntimeServicesCode, 0, 0x300000, 0, 4, EFI_MEMORY_WB | EFI_MEMORY_RUNTIME },
	{ EfiACPIMemoryNVS, 0, 0x400000, 0, 2, EFI_MEMORY_UC },
	{ EfiMemoryMappedIO, 0, 0xfe000000, 0, 1, EFI_MEMORY_UC | EFI_MEMORY_RUNTIME },
	{ EfiConventionalMemory, 0, 0x500000, 0, 0, EFI_MEMORY_WB },   /* empty: dropped */
	{ 0x70000000, 0, 0x600000, 0, 1, 0 },                           /* OEM type: reserved */
	{ 14, 0, 0x700000, 0, 8, EFI_MEMORY_WB },                       /* persistent */
};
#define NSAMPLE (sizeof(sample) / sizeof(sample[0]))

TEST(every_stride)
{
	uint32_t strides[] = { sizeof(EFI_MEMORY_DESCRIPTOR), 48, 56, 64, 80, 4096 };
	for (uint32_t s = 0; s < sizeof(strides) / sizeof(strides[0]); s++) {
		uint8_t *map = make_map(NSAMPLE, strides[s], sample);
		memset(&bi, 0, sizeof(bi));
		uint32_t n = efi_translate_memmap(&bi, map, (uint64_t)NSAMPLE * strides[s], strides[s]);
		CHECK_EQ_U64(n, NSAMPLE - 1);
		CHECK_EQ_U64(bi.region_count, NSAMPLE - 1);
		CHECK_EQ_U64(bi.regions[0].kind, MEM_USABLE);
		CHECK_EQ_U64(bi.regions[0].phys_start, 0x100000);
		CHECK_EQ_U64(bi.regions[0].pages, 256);
		CHECK_EQ_U64(bi.regions[0].flags, MEMF_WB);
		CHECK_EQ_U64(bi.regions[1].kind, MEM_RECLAIMABLE);
		CHECK_EQ_U64(bi.regions[2].kind, MEM_RUNTIME_CODE);
		CHECK_EQ_U64(bi.regions[2].flags, MEMF_WB | MEMF_RUNTIME);
		CHECK_EQ_U64(bi.regions[3].kind, MEM_ACPI_NVS);
		CHECK_EQ_U64(bi.regions[3].flags, 0);
		CHECK_EQ_U64(bi.regions[4].kind, MEM_MMIO);
		CHECK_EQ_U64(bi.regions[4].flags, MEMF_RUNTIME);
		CHECK_EQ_U64(bi.regions[5].kind, MEM_RESERVED);
		CHECK_EQ_U64(bi.regions[5].firmware_type, 0x70000000);
		CHECK_EQ_U64(bi.regions[6].kind, MEM_PERSISTENT);
		free(map);
	}
}

TEST(partial_trailing_descriptor_is_ignored)
{
	uint8_t *map = make_map(2, 48, sample);
	memset(&bi, 0, sizeof(bi));
	CHECK_EQ_U64(efi_translate_memmap(&bi, map, 48 + 47, 48), 1);
	free(map);
}

TEST(stride_smaller_than_a_descriptor_is_refused)
{
	uint8_t *map = make_map(2, 48, sample);
	memset(&bi, 0, sizeof(bi));
	bi.region_count = 7;
	CHECK_EQ_U64(efi_translate_memmap(&bi, map, 96, 16), 0);
	CHECK_EQ_U64(bi.region_count, 0);
	CHECK_EQ_U64(efi_translate_memmap(&bi, map, 0, 48), 0);
	free(map);
}

TEST(overflow_is_counted)
{
	uint32_t n = BOOT_MAX_REGIONS + 10;
	EFI_MEMORY_DESCRIPTOR *d = calloc(n, sizeof(*d));
	for (uint32_t i = 0; i < n; i++)
		d[i] = (EFI_MEMORY_DESCRIPTOR){ EfiConventionalMemory, 0, (uint64_t)i << 20, 0, 1, EFI_MEMORY_WB };
	uint8_t *map = make_map(n, 48, d);
	memset(&bi, 0, sizeof(bi));
	CHECK_EQ_U64(efi_translate_memmap(&bi, map, (uint64_t)n * 48, 48), BOOT_MAX_REGIONS);
	CHECK_EQ_U64(bi.memmap_truncated, 10);
	CHECK_EQ_U64(bi.regions[BOOT_MAX_REGIONS - 1].phys_start, (uint64_t)(BOOT_MAX_REGIONS - 1) << 20);
	free(map);
	free(d);
}

TEST(every_type_maps_to_a_kind)
{
	for (uint32_t t = 0; t < 20; t++)
		CHECK(efi_memory_kind(t) < MEM_KIND_COUNT);
	CHECK_EQ_U64(efi_memory_kind(EfiLoaderCode), MEM_RECLAIMABLE);
	CHECK_EQ_U64(efi_memory_kind(EfiLoaderData), MEM_RECLAIMABLE);
	CHECK_EQ_U64(efi_memory_kind(EfiBootServicesCode), MEM_RECLAIMABLE);
	CHECK_EQ_U64(efi_memory_kind(EfiACPIReclaimMemory), MEM_ACPI_RECLAIM);
	CHECK_EQ_U64(efi_memory_kind(EfiRuntimeServicesData), MEM_RUNTIME_DATA);
	CHECK_EQ_U64(efi_memory_kind(EfiUnusableMemory), MEM_UNUSABLE);
	CHECK_EQ_U64(efi_memory_kind(EfiMemoryMappedIOPortSpace), MEM_MMIO);
	CHECK_EQ_U64(efi_memory_kind(EfiReservedMemoryType), MEM_RESERVED);
}

UNIT_MAIN(UNIT(every_stride), UNIT(partial_trailing_descriptor_is_ignored),
	  UNIT(stride_smaller_than_a_descriptor_is_refused), UNIT(overflow_is_counted),
	  UNIT(every_type_maps_to_a_kind))
