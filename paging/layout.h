/*
 * The kernel's virtual address layout, as Linux x86-64 lays it out
 * (Documentation/x86/x86_64/mm.rst):
 *
 *   0 .. TASK_SIZE_MAX            ring 3 (each process its own); nothing of the
 *                                 kernel, except transiently during boot
 *   PAGE_OFFSET ..                the direct map of all RAM (page_offset_base)
 *                                 4-level: 0xffff888000000000, 5-level: 0xff11000000000000
 *                                 (5-level, mode-switchable kernel: 0xffff888000000000 too)
 *   __START_KERNEL_map ..         the kernel image, top 2 GiB: 0xffffffff80000000
 */
#ifndef FAULTLINE_LAYOUT_H
#define FAULTLINE_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#define __PAGE_OFFSET_BASE_L4 0xffff888000000000ull
#define __PAGE_OFFSET_BASE_L5 0xff11000000000000ull
#define __START_KERNEL_map    0xffffffff80000000ull

/*
 * PAGE_OFFSET for a kernel running `levels`-level paging. A kernel that
 * switches paging modes at run time (paging/mode_switch.h) keeps the direct
 * map at the 4-level base in 5-level mode as well: then every kernel address
 * lies under PML5 slot 511, whose table is a complete 4-level kernel half, and
 * pointers stay valid in both modes. (Linux's page_offset_base is a variable
 * too; KASLR moves it.)
 */
static inline uint64_t page_offset_base(uint32_t levels, bool mode_switchable)
{
	return levels == 5 && !mode_switchable ? __PAGE_OFFSET_BASE_L5 : __PAGE_OFFSET_BASE_L4;
}

#endif
