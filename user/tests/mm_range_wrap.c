/*
 * mm_range_wrap: every call that takes an address and a length, given
 * ranges that wrap past 2^64, kernel addresses (0xffff800000000000 and up),
 * non-canonical ones (beyond user space in both paging modes), page 0 and
 * huge lengths, must give Linux's answer. The expected values are what
 * Linux 6.x returns (checked on the host; the differential test runs this
 * program there too): mmap -ENOMEM for every length or fixed range that
 * does not fit; munmap -EINVAL for any range outside user space; mprotect
 * -ENOMEM (a wrapping range or no VMA there); madvise -EINVAL only for a
 * wrapping range, else -ENOMEM (Linux does not test user space there);
 * mremap -EFAULT where no VMA is, -ENOMEM for a new length no space can
 * hold (Linux 6.1; 6.17+ says -EINVAL, accepted off faultline); brk the unchanged break; the user copies
 * (write, writev, getrandom, clock_gettime, uname) -EFAULT, writev -EINVAL
 * for a length of 2^63 or more. Nothing may be written to the calls'
 * targets and page 0 stays unmapped.
 */
#include "user/rt/rt.h"

RT_PROGRAM(mm_range_wrap);

#define PG 4096ul
#define KERNEL  0xffff800000000000ul
#define KERNEL2 0xffffffff80000000ul
#define NONCANON 0x0100000000000000ul   /* non-canonical with 4- and 5-level paging */
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

struct expect {
	const char *name;
	long got, want;
};

static struct expect results[96];
static uint32_t nresults;

static void expect(const char *name, long got, long want)
{
	if (nresults < sizeof(results) / sizeof(results[0]))
		results[nresults++] = (struct expect){ name, got, want };
}

/* A page-aligned user address at or above mmap_min_addr (either paging mode). */
static bool user_page(long r)
{
	return r >= 0x10000 && (uint64_t)r < (1ul << 56) && !(r & (long)(PG - 1));
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	/* p: 3 mapped pages with 16 free pages above them. */
	long p = sys_mmap(0, 19 * PG, PROT_READ | PROT_WRITE, ANON, -1, 0);
	long u = p > 0 ? sys_munmap((void *)(p + 3 * PG), 16 * PG) : -1;
	if (!rt_check("setup", p > 0 && u == 0, "mmap of 19 pages returned %ld, munmap of the top 16 %ld", p, u))
		return 0;
	uintptr_t a = (uintptr_t)p;
	uint64_t wrap = (uint64_t)0 - a;           /* a + wrap == 2^64 */
	poke64(a, 0x5a5a);

	/* mmap */
	expect("mmap_len_minus_one", sys_mmap(0, ~0ul, PROT_READ, ANON, -1, 0), -ENOMEM);
	expect("mmap_len_rounds_to_wrap", sys_mmap(0, ~0ul - 100, PROT_READ, ANON, -1, 0), -ENOMEM);
	expect("mmap_len_2_pow_62", sys_mmap(0, 1ul << 62, PROT_READ, ANON, -1, 0), -ENOMEM);
	expect("mmap_fixed_wrapping", sys_mmap((void *)a, wrap, PROT_READ, ANON | MAP_FIXED, -1, 0), -ENOMEM);
	expect("mmap_fixed_wrapping_to_page1", sys_mmap((void *)a, wrap + PG, PROT_READ, ANON | MAP_FIXED, -1, 0),
	       -ENOMEM);
	expect("mmap_fixed_kernel", sys_mmap((void *)KERNEL, PG, PROT_READ, ANON | MAP_FIXED, -1, 0), -ENOMEM);
	expect("mmap_fixed_noncanonical", sys_mmap((void *)NONCANON, PG, PROT_READ, ANON | MAP_FIXED, -1, 0), -ENOMEM);
	expect("mmap_noreplace_last_page", sys_mmap((void *)(0ul - PG), PG, PROT_READ, ANON | MAP_FIXED_NOREPLACE,
						      -1, 0), -ENOMEM);
	/* An unusable hint is ignored: some user address (with 5-level paging Linux
	 * then searches the whole 56-bit space, as a hint above 2^47 asks). */
	long hinted = sys_mmap((void *)KERNEL, PG, PROT_READ, ANON, -1, 0);
	expect("mmap_kernel_hint_ignored", user_page(hinted) ? 0 : hinted, 0);
	if (hinted > 0)
		sys_munmap((void *)hinted, PG);
	long hinted_wrap = sys_mmap((void *)(0ul - PG), 2 * PG, PROT_READ, ANON, -1, 0);
	expect("mmap_wrapping_hint_ignored", user_page(hinted_wrap) ? 0 : hinted_wrap, 0);
	if (hinted_wrap > 0)
		sys_munmap((void *)hinted_wrap, 2 * PG);

	/* munmap */
	expect("munmap_wrapping", sys_munmap((void *)a, wrap), -EINVAL);
	expect("munmap_len_minus_one", sys_munmap((void *)a, ~0ul), -EINVAL);
	expect("munmap_kernel", sys_munmap((void *)KERNEL, PG), -EINVAL);
	expect("munmap_kernel_top", sys_munmap((void *)(0ul - PG), PG), -EINVAL);
	expect("munmap_noncanonical", sys_munmap((void *)NONCANON, PG), -EINVAL);
	expect("munmap_page0", sys_munmap((void *)0, PG), 0);
	expect("munmap_len_0", sys_munmap((void *)a, 0), -EINVAL);

	/* mprotect */
	expect("mprotect_wrapping", sys_mprotect((void *)a, wrap, PROT_READ), -ENOMEM);
	expect("mprotect_len_minus_one", sys_mprotect((void *)a, ~0ul, PROT_READ), -ENOMEM);
	expect("mprotect_kernel", sys_mprotect((void *)KERNEL, PG, PROT_READ), -ENOMEM);
	expect("mprotect_noncanonical", sys_mprotect((void *)NONCANON, PG, PROT_READ), -ENOMEM);
	expect("mprotect_page0", sys_mprotect((void *)0, PG, PROT_READ), -ENOMEM);
	expect("mprotect_kernel_len_0", sys_mprotect((void *)KERNEL, 0, PROT_READ), 0);
	expect("mprotect_hole_above", sys_mprotect((void *)(a + 3 * PG), PG, PROT_READ), -ENOMEM);

	/* madvise */
	expect("madvise_wrapping", sys_madvise((void *)a, wrap, MADV_DONTNEED), -EINVAL);
	expect("madvise_len_minus_one", sys_madvise((void *)a, ~0ul, MADV_DONTNEED), -EINVAL);
	expect("madvise_wrapping_hugepage", sys_madvise((void *)a, wrap, MADV_HUGEPAGE), -EINVAL);
	expect("madvise_kernel", sys_madvise((void *)KERNEL, PG, MADV_DONTNEED), -ENOMEM);
	expect("madvise_kernel_hugepage", sys_madvise((void *)KERNEL, PG, MADV_HUGEPAGE), -ENOMEM);
	expect("madvise_noncanonical", sys_madvise((void *)NONCANON, PG, MADV_DONTNEED), -ENOMEM);
	expect("madvise_page0", sys_madvise((void *)0, PG, MADV_DONTNEED), -ENOMEM);
	expect("madvise_kernel_len_0", sys_madvise((void *)KERNEL, 0, MADV_DONTNEED), 0);
	expect("madvise_top_page_to_2_pow_64", sys_madvise((void *)(0ul - PG), PG, MADV_DONTNEED), -EINVAL);

	/* mremap: no VMA at the old address */
	expect("mremap_kernel", sys_mremap((void *)KERNEL, PG, 2 * PG, 0, 0), -EFAULT);
	expect("mremap_noncanonical", sys_mremap((void *)NONCANON, PG, 2 * PG, 0, 0), -EFAULT);
	expect("mremap_page0", sys_mremap((void *)0, PG, 2 * PG, MREMAP_MAYMOVE, 0), -EFAULT);
	/* Linux 6.1 (and faultline): no room anywhere, -ENOMEM; 6.17+ refuses the length first, -EINVAL. */
	long huge = sys_mremap((void *)a, PG, 1ul << 62, MREMAP_MAYMOVE, 0);
	expect("mremap_new_len_huge", huge == -EINVAL && !fl_on_faultline() ? -ENOMEM : huge, -ENOMEM);
	expect("mremap_fixed_kernel", sys_mremap((void *)a, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)KERNEL),
	       -EINVAL);

	/* brk */
	long brk0 = sys_brk(0);
	expect("brk_minus_one", sys_brk((void *)~0ul) - brk0, 0);
	expect("brk_kernel", sys_brk((void *)KERNEL) - brk0, 0);
	expect("brk_noncanonical", sys_brk((void *)NONCANON) - brk0, 0);

	/* User copies. */
	struct iovec bad_base[2] = { { (void *)a, 0 }, { (void *)KERNEL, 8 } };
	struct iovec huge_len[1] = { { (void *)a, 1ul << 63 } };
	struct iovec wrap_len[1] = { { (void *)a, wrap } };
	expect("write_kernel", sys_write(1, (const void *)KERNEL, 8), -EFAULT);
	expect("write_kernel_top", sys_write(1, (const void *)KERNEL2, 8), -EFAULT);
	expect("write_noncanonical", sys_write(1, (const void *)NONCANON, 8), -EFAULT);
	expect("write_wrapping", sys_write(1, (const void *)a, wrap), -EFAULT);
	expect("write_page0", sys_write(1, (const void *)0, 8), -EFAULT);
	expect("write_2_pow_63", sys_write(1, (const void *)a, 1ul << 63), -EFAULT);
	expect("writev_kernel_base", sys_writev(1, bad_base, 2), -EFAULT);
	expect("writev_len_2_pow_63", sys_writev(1, huge_len, 1), -EINVAL);
	expect("writev_wrapping_len", sys_writev(1, wrap_len, 1), -EINVAL);
	expect("writev_iov_kernel", sys_writev(1, (const struct iovec *)KERNEL, 1), -EFAULT);
	expect("writev_iov_wrapping", sys_writev(1, (const struct iovec *)(0ul - 16), 2), -EFAULT);
	expect("getrandom_kernel", sys_getrandom((void *)KERNEL, 16, 0), -EFAULT);
	expect("getrandom_wrapping", sys_getrandom((void *)(0ul - 8), 16, 0), -EFAULT);
	expect("getrandom_page0", sys_getrandom((void *)0, 16, 0), -EFAULT);
	/* A huge count into 3 mapped pages with a hole above: the 3 pages are filled, then -EFAULT ends it. */
	expect("getrandom_huge_count", sys_getrandom((void *)a, wrap, 0), (long)(3 * PG));
	expect("clock_gettime_kernel", sys_clock_gettime(0, (struct timespec *)KERNEL), -EFAULT);
	expect("clock_gettime_straddles_top", sys_clock_gettime(0, (struct timespec *)0x7ffffffffff8ul), -EFAULT);
	expect("clock_gettime_noncanonical", sys_clock_gettime(0, (struct timespec *)NONCANON), -EFAULT);
	expect("uname_kernel", sys_uname((struct utsname *)KERNEL), -EFAULT);
	expect("uname_wrapping", sys_uname((struct utsname *)(0ul - 64)), -EFAULT);

	long page0 = sys_madvise((void *)0, PG, MADV_NORMAL);
	for (uint32_t i = 0; i < nresults; i++)
		rt_check(results[i].name, results[i].got == results[i].want, "returned %ld (Linux: %ld)",
			 results[i].got, results[i].want);
	rt_check("page0_unmapped", page0 == -ENOMEM, "madvise(0, 4096) afterwards returned %ld (-ENOMEM: unmapped)",
		 page0);
	/* getrandom filled the 3 pages: still mapped and writable. */
	poke64(a + 2 * PG, 0x5a5a);
	uint64_t back = peek64(a + 2 * PG);
	long unmap = sys_munmap((void *)a, 3 * PG);
	rt_check("mapping_intact", back == 0x5a5a && unmap == 0, "the 3 test pages read back 0x%lx, munmap %ld",
		 back, unmap);
	return 0;
}
