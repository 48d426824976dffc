/*
 * The vDSO in every process (Linux's arch_setup_additional_pages): the data
 * page the kernel fills ("[vvar]", read-only) and, right above it, the vDSO
 * image (user/vdso/, embedded by kernel/vdso_image.S; read + execute).
 */
#ifndef FAULTLINE_VDSO_H
#define FAULTLINE_VDSO_H

#include <stdint.h>
#include "paging/mm_types.h"

/*
 * Maps the data page and the vDSO into mm, top-down below mmap_base as an
 * mmap without a hint would be placed, each page a private copy (a program
 * may mprotect and write the vDSO's text, as on Linux, never the data
 * page: its VMA has no VM_MAYWRITE). Returns the address of the vDSO's ELF
 * header, for AT_SYSINFO_EHDR, or -ENOMEM (what was mapped stays for the
 * caller's mmput).
 */
int64_t vdso_map(struct mm_struct *mm);

#endif
