/*
 * The firmware phase: everything that touches UEFI lives in efi/ and only here.
 *
 *   efi_main (efi/main.c)
 *     efi_gather()          system facts: GOP, ACPI RSDP, SMBIOS, vendor, our image
 *     efi_load_files()      \faultline.cfg and the programs it names
 *     efi_exit_boot_services()  as Linux's EFI boot code (libstub) does, then translate the memory map
 *     kernel_enter()        switch to the kernel stack, call kernel_main (kernel/entry.S)
 */
#ifndef FAULTLINE_EFI_H
#define FAULTLINE_EFI_H

#include <efi.h>
#include "base/bootinfo.h"

extern EFI_SYSTEM_TABLE *efi_st;
extern EFI_BOOT_SERVICES *efi_bs;
extern EFI_HANDLE efi_image;

/* Prints an ASCII line on the firmware console (before ExitBootServices only). */
void efi_puts(const char *s);
void efi_printf(const char *fmt, ...);

/* Allocates pages of EfiLoaderData and records them in bi->in_use[] as `what`.
 * Returns the physical address, or 0 on failure. */
uint64_t efi_alloc_pages(struct boot_info *bi, uint64_t bytes, const char *what);

void efi_gather(struct boot_info *bi);
void efi_load_files(struct boot_info *bi);

/* Exits boot services. On success fills bi->regions[] and returns EFI_SUCCESS;
 * afterwards no UEFI boot service may be called. */
EFI_STATUS efi_exit_boot_services(struct boot_info *bi);

/*
 * Pure translation of a raw UEFI memory map (desc_size stride, which may be
 * larger than sizeof(EFI_MEMORY_DESCRIPTOR)) into bi->regions[]. Returns the
 * number of regions written; sets bi->memmap_truncated when they did not fit.
 */
uint32_t efi_translate_memmap(struct boot_info *bi, const void *map, uint64_t map_size, uint64_t desc_size);

/* Maps a UEFI memory type to enum memory_kind. */
uint32_t efi_memory_kind(uint32_t efi_type);

/* Switches to the kernel stack and calls kernel_main(bi); never returns. */
void kernel_enter(struct boot_info *bi, void *stack_top) __attribute__((noreturn));

#endif
