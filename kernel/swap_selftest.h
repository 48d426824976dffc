/*
 * The swap device from the config (`swap = SIZE`) and its boot-time
 * self-check: pages of a test address space swapped out by hand, as reclaim
 * does, and faulted back (major faults, data intact, slots freed).
 */
#ifndef FAULTLINE_SWAP_SELFTEST_H
#define FAULTLINE_SWAP_SELFTEST_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Sets up the swap device of bytes (nothing when 0); a device that cannot
 * be had is a `swap` warning. With check, the record swap.round_trip says
 * whether pages swapped out and faulted back came back intact, each one
 * major fault, with every slot, cached page and frame given back.
 */
void swap_init(uint64_t bytes, bool check);

#endif
