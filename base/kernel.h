/* Facts about the running kernel image, set once at boot (kernel/main.c). */
#ifndef FAULTLINE_KERNEL_H
#define FAULTLINE_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

extern uint64_t kernel_image_base;
extern uint64_t kernel_image_size;

/* The tree this image was built from: `git describe --always --dirty` (build/version.c). */
extern const char faultline_version[];

/* Returns true if [addr, addr+len) lies in the kernel image (code, data, stacks). */
bool kernel_address_readable(uint64_t addr, uint64_t len);

#endif
