/*
 * Physical <-> virtual for the kernel.
 *
 * Until paging/ builds the kernel's own tables, physical memory is reached
 * through the firmware's identity map (direct_map_base == 0). Afterwards all
 * RAM is mapped at direct_map_base (PAGE_OFFSET, upper half) as Linux does.
 */
#ifndef FAULTLINE_MEMORY_H
#define FAULTLINE_MEMORY_H

#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE  ((uint64_t)1 << PAGE_SHIFT)
#define PAGE_MASK  (~(PAGE_SIZE - 1))

extern uint64_t direct_map_base;

static inline void *phys_to_virt(uint64_t pa) { return (void *)(uintptr_t)(pa + direct_map_base); }
static inline uint64_t virt_to_phys_direct(const void *va) { return (uint64_t)(uintptr_t)va - direct_map_base; }
#define __va(pa) phys_to_virt(pa)
#define __pa(va) virt_to_phys_direct(va)

#endif
