/*
 * The kernel's virtual address layout, as Linux x86-64 lays it out
 * (Documentation/x86/x86_64/mm.rst):
 *
 *   0 .. TASK_SIZE_MAX            ring 3 (each process its own); nothing of the
 *                                 kernel, except transiently during boot
 *   PAGE_OFFSET ..                the direct map of all RAM (page_offset_base)
 *                                 4-level: 0xffff888000000000, 5-level: 0xff11000000000000
 *   __START_KERNEL_map ..         the kernel image, top 2 GiB: 0xffffffff80000000
 */
#ifndef FAULTLINE_LAYOUT_H
#define FAULTLINE_LAYOUT_H

#include <stdint.h>

#define __PAGE_OFFSET_BASE_L4 0xffff888000000000ull
#define __PAGE_OFFSET_BASE_L5 0xff11000000000000ull
#define __START_KERNEL_map    0xffffffff80000000ull

#endif
