/*
 * mremap_move: mremap keeps a mapping's data through every kind of resize.
 *   grow in place   free pages follow the mapping: same address, new pages zero
 *   grow blocked    without MREMAP_MAYMOVE: -ENOMEM, mapping untouched
 *   grow by moving  with MREMAP_MAYMOVE: new address, data moved, old range unmapped
 *   shrink          same address, the cut tail unmapped
 *   move to fixed   MREMAP_MAYMOVE|MREMAP_FIXED to a chosen address
 * and refuses a misaligned old address with -EINVAL.
 */
#include "user/rt/rt.h"

RT_PROGRAM(mremap_move);

#define SEED 13u
#define RW (PROT_READ | PROT_WRITE)
#define ANON_PRIVATE (MAP_PRIVATE | MAP_ANONYMOUS)

/* Counts pages [first, first+count) of base whose mapped state is not want. */
static uint32_t count_mapped_state_wrong(uintptr_t base, uint32_t first, uint32_t count, int want)
{
	uint32_t wrong = 0;

	for (uint32_t i = first; i < first + count; i++)
		if (rt_page_is_mapped((const void *)(base + i * PAGE_SIZE)) != want)
			wrong++;
	return wrong;
}

/* Grows a 4-page mapping into the free 4 pages after it. */
static void grow_in_place(void)
{
	long region = sys_mmap(0, 8 * PAGE_SIZE, RW, ANON_PRIVATE, -1, 0);
	if (region < 0) {
		rt_test("grow_in_place", RT_FAIL, "mmap of 8 pages failed: %ld", region);
		return;
	}
	uintptr_t base = (uintptr_t)region;
	sys_munmap((void *)(base + 4 * PAGE_SIZE), 4 * PAGE_SIZE);
	rt_fill_pages(base, 0, 4, SEED);

	long r = sys_mremap((void *)base, 4 * PAGE_SIZE, 8 * PAGE_SIZE, 0, 0);
	uint64_t damaged = rt_count_unpatterned(base, 0, 4, SEED);
	uint64_t tail_nonzero = r == (long)base ? rt_count_nonzero(base, 4, 4) : 4;
	rt_check("grow_in_place", r == (long)base && damaged == 0 && tail_nonzero == 0,
		 "mremap 4 -> 8 pages with free space after returned 0x%lx (expected 0x%lx); "
		 "%lu of 4 old pages damaged, %lu of 4 new pages not zero",
		 r, base, damaged, tail_nonzero);
	sys_munmap((void *)base, 8 * PAGE_SIZE);
}

/* Grows a 4-page mapping whose next page is taken: refused, then moved. */
static void grow_blocked_then_moved(void)
{
	long region = sys_mmap(0, 5 * PAGE_SIZE, RW, ANON_PRIVATE, -1, 0);
	if (region < 0) {
		rt_test("grow_blocked", RT_FAIL, "mmap of 5 pages failed: %ld", region);
		return;
	}
	uintptr_t base = (uintptr_t)region;
	/* Page 4 becomes a separate read-only mapping: the blocker. */
	sys_mprotect((void *)(base + 4 * PAGE_SIZE), PAGE_SIZE, PROT_READ);
	rt_fill_pages(base, 0, 4, SEED);

	long blocked = sys_mremap((void *)base, 4 * PAGE_SIZE, 16 * PAGE_SIZE, 0, 0);
	uint64_t damaged = rt_count_unpatterned(base, 0, 4, SEED);
	rt_check("grow_blocked", blocked == -ENOMEM && damaged == 0,
		 "mremap 4 -> 16 pages against a neighbour without MAYMOVE returned %ld (expected %d); "
		 "%lu of 4 pages damaged",
		 blocked, -ENOMEM, damaged);

	long moved = sys_mremap((void *)base, 4 * PAGE_SIZE, 16 * PAGE_SIZE, MREMAP_MAYMOVE, 0);
	if (!rt_check("grow_moved", moved >= 0 && moved != (long)base,
		      "mremap 4 -> 16 pages with MREMAP_MAYMOVE returned 0x%lx (old 0x%lx)", moved, base)) {
		sys_munmap((void *)base, 5 * PAGE_SIZE);
		return;
	}
	uintptr_t to = (uintptr_t)moved;
	damaged = rt_count_unpatterned(to, 0, 4, SEED);
	uint64_t tail_nonzero = rt_count_nonzero(to, 4, 12);
	uint32_t old_mapped = count_mapped_state_wrong(base, 0, 4, 0);
	uint32_t blocker_gone = count_mapped_state_wrong(base, 4, 1, 1);
	rt_check("moved_data", damaged == 0 && tail_nonzero == 0 && old_mapped == 0 && blocker_gone == 0,
		 "after the move: %lu of 4 pages lost their data, %lu of 12 new pages not zero, "
		 "%u of 4 old pages still mapped, blocker %s",
		 damaged, tail_nonzero, old_mapped, blocker_gone ? "gone" : "kept");

	/* Shrink the moved mapping to 2 pages. */
	long shrunk = sys_mremap((void *)to, 16 * PAGE_SIZE, 2 * PAGE_SIZE, 0, 0);
	damaged = rt_count_unpatterned(to, 0, 2, SEED);
	uint32_t tail_mapped = count_mapped_state_wrong(to, 2, 14, 0);
	rt_check("shrink", shrunk == (long)to && damaged == 0 && tail_mapped == 0,
		 "mremap 16 -> 2 pages returned 0x%lx (expected 0x%lx); %lu of 2 pages damaged, "
		 "%u of 14 cut pages still mapped",
		 shrunk, to, damaged, tail_mapped);

	sys_munmap((void *)to, 2 * PAGE_SIZE);
	sys_munmap((void *)base, 5 * PAGE_SIZE);
}

/* Moves a 3-page mapping to a chosen free address. */
static void move_fixed(void)
{
	long src = sys_mmap(0, 3 * PAGE_SIZE, RW, ANON_PRIVATE, -1, 0);
	long dst_region = sys_mmap(0, 8 * PAGE_SIZE, PROT_NONE, ANON_PRIVATE, -1, 0);
	if (src < 0 || dst_region < 0) {
		rt_test("move_fixed", RT_FAIL, "mmaps failed: %ld %ld", src, dst_region);
		return;
	}
	uintptr_t from = (uintptr_t)src, to = (uintptr_t)dst_region + 2 * PAGE_SIZE;
	rt_fill_pages(from, 0, 3, SEED + 1);

	long r = sys_mremap((void *)from, 3 * PAGE_SIZE, 3 * PAGE_SIZE,
			    MREMAP_MAYMOVE | MREMAP_FIXED, (void *)to);
	uint64_t damaged = r == (long)to ? rt_count_unpatterned(to, 0, 3, SEED + 1) : 3;
	uint32_t old_mapped = count_mapped_state_wrong(from, 0, 3, 0);
	rt_check("move_fixed", r == (long)to && damaged == 0 && old_mapped == 0,
		 "mremap MAYMOVE|FIXED to 0x%lx returned 0x%lx; %lu of 3 pages lost their data, "
		 "%u of 3 old pages still mapped",
		 to, r, damaged, old_mapped);

	long misaligned = sys_mremap((void *)(to + 8), PAGE_SIZE, 2 * PAGE_SIZE, MREMAP_MAYMOVE, 0);
	rt_check("misaligned", misaligned == -EINVAL,
		 "mremap of a misaligned address returned %ld (expected %d)", misaligned, -EINVAL);

	sys_munmap((void *)dst_region, 8 * PAGE_SIZE);
	sys_munmap((void *)from, 3 * PAGE_SIZE);
}

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;

	grow_in_place();
	grow_blocked_then_moved();
	move_fixed();
	return 0;
}
