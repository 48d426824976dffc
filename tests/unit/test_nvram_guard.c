/* Host tests for efi/nvram_guard.c: the 5 KiB margin of the variable store. */
#include <stdint.h>
#include "tests/unit/unit.h"
#include "../../efi/nvram_guard.c"

TEST(margin_boundary)
{
	/* Exactly the margin left is allowed; one byte less is not. */
	CHECK_EQ_U64(nvram_check_space(5120 + 300, 0, 300), NVRAM_FITS);
	CHECK_EQ_U64(nvram_check_space(5120 + 299, 0, 300), NVRAM_BELOW_RESERVE);
	CHECK_EQ_U64(nvram_check_space(262144, 33792, 8192), NVRAM_FITS);
	CHECK_EQ_U64(nvram_check_space(5120, 0, 0), NVRAM_FITS);
	CHECK_EQ_U64(nvram_check_space(5119, 0, 0), NVRAM_BELOW_RESERVE);
}

TEST(no_wrap_when_larger_than_free)
{
	/* remaining - size would wrap to a huge number: must still refuse. */
	CHECK_EQ_U64(nvram_check_space(100, 0, 300), NVRAM_BELOW_RESERVE);
	CHECK_EQ_U64(nvram_check_space(0, 0, 1), NVRAM_BELOW_RESERVE);
	CHECK_EQ_U64(nvram_check_space(0, 0, UINT64_MAX), NVRAM_BELOW_RESERVE);
	CHECK_EQ_U64(nvram_left_after(100, 300), 0);
	CHECK_EQ_U64(nvram_left_after(9000, 300), 8700);
}

TEST(largest_variable)
{
	CHECK_EQ_U64(nvram_check_space(1 << 20, 1024, 1025), NVRAM_TOO_LARGE);
	CHECK_EQ_U64(nvram_check_space(1 << 20, 1024, 1024), NVRAM_FITS);
	CHECK_EQ_U64(nvram_check_space(1 << 20, 0, 60000), NVRAM_FITS);   /* 0: no limit given */
}

UNIT_MAIN(
	UNIT(margin_boundary),
	UNIT(no_wrap_when_larger_than_free),
	UNIT(largest_variable),
)
