/*
 * mremap_file: mremap of file mappings as Linux does it. A file of 8 pages
 * (page i filled with 'a' + i) is mapped 4 pages MAP_SHARED:
 *   - grown to 8 pages (moved: the page after it is taken), the new pages
 *     show the file's pages 4..7, a write through them is what read()
 *     returns, and the old address is unmapped;
 *   - grown in place into free pages: the same address, the file's next
 *     pages; past the end of the file the grown part is SIGBUS-only (not
 *     touched here: sigbus_* programs do that);
 *   - moved with MREMAP_FIXED: page offsets kept (each page still shows its
 *     own file page), a pwrite afterwards seen through the new address;
 *   - shrunk: the tail unmapped, the rest kept;
 *   - a MAP_PRIVATE mapping with a private (copied) page keeps that copy
 *     when moved, and the file keeps its own bytes;
 *   - MREMAP_DONTUNMAP of a private file mapping: the copy moves, the old
 *     range stays mapped and reads the file again;
 *   - errors: a range crossing the end of its VMA -EFAULT, growth blocked
 *     without MREMAP_MAYMOVE -ENOMEM, a private mapping with old_len 0
 *     -EINVAL.
 */
#include "user/rt/rt.h"

RT_PROGRAM(mremap_file);

#define PG 4096
#define FILE_PAGES 8
#define RW (PROT_READ | PROT_WRITE)
#define MREMAP_DONTUNMAP 4

static uint8_t page_buf[PG];

/* Pages [first, first+n) of the mapping at m that do not show file page off+i. */
static int wrong_pages(long m, int first, int n, int off)
{
	int bad = 0;
	for (int i = first; i < first + n; i++)
		bad += peek8((uintptr_t)m + (uintptr_t)i * PG + 100) != (uint8_t)('a' + off + i);
	return bad;
}

static void expect(const char *name, long got, long want)
{
	rt_check(name, got == want, "returned %ld, expected %ld", got, want);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	long fd = sys_open("files/mremap_tmp.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
	rt_check("open", fd >= 0, "open: %ld", fd);
	if (fd < 0)
		return 0;
	for (int i = 0; i < FILE_PAGES; i++) {
		memset(page_buf, 'a' + i, PG);
		sys_write((int)fd, page_buf, PG);
	}

	/* Grow by moving: a blocker right after the 4 pages. */
	long area = sys_mmap(0, 5 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long m = sys_mmap((void *)area, 4 * PG, RW, MAP_SHARED | MAP_FIXED, (int)fd, 0);
	expect("grow_blocked", sys_mremap((void *)m, 4 * PG, 8 * PG, 0, 0), -ENOMEM);
	expect("crosses_vma_end", sys_mremap((void *)m, 5 * PG, 6 * PG, MREMAP_MAYMOVE, 0), -EFAULT);
	peek8((uintptr_t)m);
	long g = sys_mremap((void *)m, 4 * PG, 8 * PG, MREMAP_MAYMOVE, 0);
	rt_check("grow_moved", g > 0 && g != m && wrong_pages(g, 0, 8, 0) == 0,
		 "mremap 4 -> 8 pages returned %lx (from %lx); %d of 8 pages do not show their file page", g, m,
		 g > 0 ? wrong_pages(g, 0, 8, 0) : 8);
	rt_check("old_range_unmapped", rt_page_is_mapped((void *)m) == 0, "the old address is %s",
		 rt_page_is_mapped((void *)m) ? "still mapped" : "free");
	if (g < 0)
		return 0;
	poke8((uintptr_t)g + 6 * PG + 1, 'W');
	uint8_t c = 0;
	sys_pread((int)fd, &c, 1, 6 * PG + 1);
	rt_check("write_after_grow_seen_by_read", c == 'W', "pread reads %c (expected W)", c);
	sys_munmap((void *)area, 5 * PG);

	/* Shrink, then grow in place again. */
	expect("shrink", sys_mremap((void *)g, 8 * PG, 3 * PG, 0, 0), g);
	rt_check("shrunk_tail_unmapped", rt_page_is_mapped((void *)(g + 3 * PG)) == 0 && wrong_pages(g, 0, 3, 0) == 0,
		 "page 3 is %s; %d of 3 pages wrong", rt_page_is_mapped((void *)(g + 3 * PG)) ? "mapped" : "free",
		 wrong_pages(g, 0, 3, 0));
	long gi = sys_mremap((void *)g, 3 * PG, 6 * PG, 0, 0);
	rt_check("grow_in_place", gi == g && wrong_pages(g, 0, 6, 0) == 0,
		 "mremap 3 -> 6 pages in place returned %lx (expected %lx); %d of 6 pages wrong", gi, g,
		 gi == g ? wrong_pages(g, 0, 6, 0) : 6);

	/* Move to a fixed address: offsets kept, coherent with pwrite. */
	long dst = sys_mmap(0, 6 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long f = sys_mremap((void *)(g + 2 * PG), 4 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)(dst + PG));
	rt_check("move_fixed_keeps_offsets", f == dst + PG && wrong_pages(f, 0, 4, 2) == 0 && wrong_pages(g, 0, 2, 0) == 0,
		 "mremap to %lx returned %lx; %d of 4 moved pages, %d of 2 kept pages wrong", dst + PG, f,
		 f > 0 ? wrong_pages(f, 0, 4, 2) : 4, wrong_pages(g, 0, 2, 0));
	sys_pwrite((int)fd, "V", 1, 5 * PG + 2);
	rt_check("pwrite_seen_after_move", peek8((uintptr_t)f + 3 * PG + 2) == 'V', "the moved mapping reads %c",
		 peek8((uintptr_t)f + 3 * PG + 2));
	sys_munmap((void *)g, 2 * PG);
	sys_munmap((void *)dst, 6 * PG);

	/* Private mappings: a copied page moves with the mapping. */
	long p = sys_mmap(0, 4 * PG, RW, MAP_PRIVATE, (int)fd, 0);
	poke8((uintptr_t)p + PG + 3, 'P');
	long pm = sys_mremap((void *)p, 4 * PG, 16 * PG, MREMAP_MAYMOVE, 0);
	sys_pread((int)fd, &c, 1, PG + 3);
	rt_check("private_copy_moves", pm > 0 && peek8((uintptr_t)pm + PG + 3) == 'P' && c == 'b' &&
					 wrong_pages(pm, 2, 2, 0) == 0,
		 "moved mapping %lx reads %c at the copied byte (expected P), the file %c (expected b)", pm,
		 pm > 0 ? peek8((uintptr_t)pm + PG + 3) : 0, c);
	expect("private_old_len_0", sys_mremap((void *)pm, 0, 4 * PG, MREMAP_MAYMOVE, 0), -EINVAL);
	long du = sys_mremap((void *)pm, 4 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	rt_check("dontunmap_file", du > 0 && peek8((uintptr_t)du + PG + 3) == 'P' && peek8((uintptr_t)pm + PG + 3) == 'b',
		 "MREMAP_DONTUNMAP returned %lx; new range reads %c (expected P), the old one %c (expected the file's b)",
		 du, du > 0 ? peek8((uintptr_t)du + PG + 3) : 0, peek8((uintptr_t)pm + PG + 3));
	sys_close((int)fd);
	sys_unlink("files/mremap_tmp.bin");
	return 0;
}
