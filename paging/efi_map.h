/*
 * The page tables for calling UEFI runtime services after the takeover
 * (Linux: efi_mm in arch/x86/platform/efi/efi_64.c). We never call
 * SetVirtualAddressMap, so the firmware's runtime code and data run at their
 * physical addresses: efi_pgd shares the kernel half of init_top_pgt and
 * identity-maps every region the firmware flagged EFI_MEMORY_RUNTIME in its
 * lower half. The kernel switches to it only for the duration of a call.
 */
#ifndef FAULTLINE_EFI_MAP_H
#define FAULTLINE_EFI_MAP_H

#include <stdint.h>
#include "base/bootinfo.h"
#include "paging/pgtable.h"

extern pgd_t *efi_pgd;          /* NULL when there are no runtime regions */
extern uint64_t efi_pgd_phys;

/* Builds efi_pgd. Returns the number of regions mapped, or -ENOMEM. */
int efi_setup_page_tables(const struct boot_info *bi);

/* The roots the verifier must walk for the kernel: init_top_pgt and, when it
 * exists, efi_pgd. Returns how many were written to roots[0..2). */
uint32_t kernel_page_table_roots(pgd_t **roots);

#endif
