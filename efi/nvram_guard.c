/* The variable-store margin (efi/nvram_guard.h). */
#include "efi/nvram_guard.h"

/* See efi/nvram_guard.h. */
uint64_t nvram_left_after(uint64_t remaining, uint64_t size)
{
	return size > remaining ? 0 : remaining - size;
}

/* See efi/nvram_guard.h. Linux computes remaining - size unsigned and so
 * would let a write larger than the free space through; here it cannot wrap. */
enum nvram_verdict nvram_check_space(uint64_t remaining, uint64_t max_variable, uint64_t size)
{
	if (max_variable && size > max_variable)
		return NVRAM_TOO_LARGE;
	if (size > remaining || remaining - size < NVRAM_MIN_RESERVE)
		return NVRAM_BELOW_RESERVE;
	return NVRAM_FITS;
}
