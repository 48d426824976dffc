/*
 * Host tests of paging/vma.c: the VMA tree and mmap/munmap/mprotect on it,
 * with VMAs coming from paging/slab.c over the buddy allocator in a
 * simulated physical memory (as tests/unit/test_buddy.c does it).
 *
 * Hand-built layouts check every overlap shape with the exact callback
 * ranges worked out by hand; large and randomized runs check find_vma()
 * against a linear scan, get_unmapped_area() against a linear gap scan,
 * and 20 000 random operations against a page-granular shadow model.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "tests/unit/unit.h"
#include "../../base/format.c"
#include "../../lib/check_result.c"
#include "../../paging/memmap.c"
#include "../../paging/buddy.c"
#include "../../paging/slab.c"
#include "../../paging/vma.c"
#include "../../paging/mm_account.c"

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define PG  PAGE_SIZE

uint64_t direct_map_base;
bool pgtable_l5_enabled_flag;   /* 4-level: user space is [0, 0x7ffffffff000) */

#define MAYS    (VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define F_RW    (VM_READ | VM_WRITE | MAYS)
#define F_R     (VM_READ | MAYS)
#define F_RX    (VM_READ | VM_EXEC | MAYS)
#define F_NONE  (MAYS)
#define F_SHRW  (VM_READ | VM_WRITE | VM_SHARED | VM_MAYSHARE | MAYS)
#define F_RONLY (VM_READ | VM_MAYREAD)   /* may never be made writable or executable */
#define F_STACK VM_STACK_FLAGS

/* ---- Simulated memory (64 MiB at 4 MiB), set up once ------------------------ */

static uint8_t *sim_buf;
static struct memmap sim_mm;

static void memory_ready(void)
{
	uint64_t start = 4 * MiB, bytes = 64 * MiB;

	if (sim_buf)
		return;
	sim_buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sim_buf == MAP_FAILED) {
		printf("mmap failed\n");
		exit(2);
	}
	direct_map_base = (uint64_t)(uintptr_t)sim_buf - start;
	sim_mm.count = 1;
	sim_mm.ranges[0].start = start;
	sim_mm.ranges[0].end = start + bytes;
	sim_mm.usable_bytes = bytes;
	sim_mm.max_pfn = (start + bytes) / PAGE_SIZE;
	if (buddy_init(&sim_mm) != 0)
		printf("buddy_init failed\n");
}

/* A fresh, empty mm. */
static void new_mm(struct mm_struct *mm)
{
	memory_ready();
	if (mm_init(mm) != 0)
		printf("mm_init failed\n");
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ---- Recording callbacks and comparing layouts -------------------------------- */

#define MAX_CALLS 512
struct calls {
	uint32_t n;
	uint64_t s[MAX_CALLS], e[MAX_CALLS];
};

static void record(void *ctx, uint64_t start, uint64_t end)
{
	struct calls *c = ctx;

	if (c->n < MAX_CALLS) {
		c->s[c->n] = start;
		c->e[c->n] = end;
	}
	c->n++;
}

/* Returns 1 if c holds exactly the n ranges want[i] = {start, end}, in order. */
static int calls_are(const struct calls *c, uint32_t n, const uint64_t (*want)[2])
{
	if (c->n != n) {
		printf("  %u calls, want %u\n", c->n, n);
		return 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (c->s[i] != want[i][0] || c->e[i] != want[i][1]) {
			printf("  call %u: [%llx, %llx), want [%llx, %llx)\n", i,
			       (unsigned long long)c->s[i], (unsigned long long)c->e[i],
			       (unsigned long long)want[i][0], (unsigned long long)want[i][1]);
			return 0;
		}
	}
	return 1;
}

/* Returns 1 if mm's VMAs are exactly want[i] = {start, end, flags}, in order. */
static int layout_is(struct mm_struct *mm, uint32_t n, const uint64_t (*want)[3])
{
	struct vm_area_struct *vma;
	uint32_t i = 0;

	for_each_vma(mm, vma) {
		if (i >= n || vma->vm_start != want[i][0] || vma->vm_end != want[i][1] ||
		    vma->vm_flags != want[i][2]) {
			printf("  VMA %u: [%llx, %llx) flags %llx", i, (unsigned long long)vma->vm_start,
			       (unsigned long long)vma->vm_end, (unsigned long long)vma->vm_flags);
			if (i < n)
				printf(", want [%llx, %llx) flags %llx", (unsigned long long)want[i][0],
				       (unsigned long long)want[i][1], (unsigned long long)want[i][2]);
			printf("\n");
			return 0;
		}
		i++;
	}
	if (i != n || mm->map_count != n) {
		printf("  %u VMAs (map_count %u), want %u\n", i, mm->map_count, n);
		return 0;
	}
	return 1;
}

/* A copy of everything the VMA operations may change, to prove "nothing changed". */
struct snapshot {
	uint32_t n;
	uint64_t s[64], e[64], f[64];
	uint64_t total_vm, data_vm, exec_vm, stack_vm;
};

static void take_snapshot(struct mm_struct *mm, struct snapshot *sn)
{
	struct vm_area_struct *vma;

	memset(sn, 0, sizeof(*sn));
	for_each_vma(mm, vma) {
		if (sn->n < 64) {
			sn->s[sn->n] = vma->vm_start;
			sn->e[sn->n] = vma->vm_end;
			sn->f[sn->n] = vma->vm_flags;
		}
		sn->n++;
	}
	sn->total_vm = mm->total_vm;
	sn->data_vm = mm->data_vm;
	sn->exec_vm = mm->exec_vm;
	sn->stack_vm = mm->stack_vm;
}

static int unchanged(struct mm_struct *mm, const struct snapshot *before)
{
	struct snapshot now;

	take_snapshot(mm, &now);
	return memcmp(&now, before, sizeof(now)) == 0 && vma_check(mm, NULL) == 0;
}

/* ---- Protections ------------------------------------------------------------------ */

TEST(protection_map_matches_linux_x86)
{
	static const struct { uint64_t flags; pgprotval_t prot; } table[] = {
		{ VM_NONE, _PAGE_PROTNONE | _PAGE_ACCESSED },
		{ VM_READ, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX },
		{ VM_WRITE, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX },
		{ VM_READ | VM_WRITE, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX },
		{ VM_EXEC, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED },
		{ VM_READ | VM_EXEC, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED },
		{ VM_WRITE | VM_EXEC, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED },
		{ VM_READ | VM_WRITE | VM_EXEC, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED },
		{ VM_SHARED, _PAGE_PROTNONE | _PAGE_ACCESSED },
		{ VM_SHARED | VM_READ, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX },
		{ VM_SHARED | VM_WRITE, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX },
		{ VM_SHARED | VM_READ | VM_WRITE, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX },
		{ VM_SHARED | VM_EXEC, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED },
		{ VM_SHARED | VM_READ | VM_EXEC, _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED },
		{ VM_SHARED | VM_WRITE | VM_EXEC, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED },
		{ VM_SHARED | VM_READ | VM_WRITE | VM_EXEC, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED },
	};

	for (uint32_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		CHECK_EQ_U64(pgprot_val(vm_get_page_prot(table[i].flags)), table[i].prot);
		/* Bits other than read/write/exec/shared do not matter. */
		CHECK_EQ_U64(pgprot_val(vm_get_page_prot(table[i].flags | MAYS | VM_GROWSDOWN | VM_LOCKED)),
			     table[i].prot);
	}
	/* The names, for the cases the fault handler cares about. */
	CHECK_EQ_U64(pgprot_val(vm_get_page_prot(F_RW)), pgprot_val(PAGE_COPY));
	CHECK_EQ_U64(pgprot_val(vm_get_page_prot(F_SHRW)), pgprot_val(PAGE_SHARED));
	CHECK_EQ_U64(pgprot_val(vm_get_page_prot(F_NONE)), pgprot_val(PAGE_NONE));
	CHECK_EQ_U64(pgprot_val(vm_get_page_prot(F_RX)), pgprot_val(PAGE_READONLY_EXEC));
}

/* ---- Lookup ------------------------------------------------------------------------- */

TEST(mm_init_defaults)
{
	struct mm_struct mm;

	memset(&mm, 0xa5, sizeof(mm));
	new_mm(&mm);
	CHECK_EQ_U64(mm.task_size, 0x7ffffffff000ull);
	CHECK_EQ_U64(mm.mmap_base, 0x7ffffffff000ull - 128 * MiB);
	CHECK_EQ_U64(mm.stack_guard_gap, 256 * PG);
	CHECK(mm.pgd == NULL && mm.mm_rb == NULL && mm.mmap == NULL && mm.mmap_cache == NULL);
	CHECK_EQ_U64(mm.map_count + mm.total_vm + mm.brk + get_mm_rss(&mm), 0);
	CHECK(find_vma(&mm, 0) == NULL);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
}

TEST(find_vma_on_a_hand_built_layout)
{
	struct mm_struct mm;
	struct vm_area_struct *a, *b, *c, *d, *prev;

	new_mm(&mm);
	/* A [10000,20000) RW   B [30000,40000) R   C [40000,50000) RW   D [80000,90000) RX */
	CHECK_EQ_U64(vma_map_range(&mm, 0x80000, 0x10000, F_RX), 0);
	CHECK_EQ_U64(vma_map_range(&mm, 0x10000, 0x10000, F_RW), 0);
	CHECK_EQ_U64(vma_map_range(&mm, 0x40000, 0x10000, F_RW), 0);
	CHECK_EQ_U64(vma_map_range(&mm, 0x30000, 0x10000, F_R), 0);
	CHECK(layout_is(&mm, 4, (const uint64_t[][3]){ { 0x10000, 0x20000, F_RW }, { 0x30000, 0x40000, F_R },
						      { 0x40000, 0x50000, F_RW }, { 0x80000, 0x90000, F_RX } }));
	a = vma_first(&mm);
	b = vma_next(a);
	c = vma_next(b);
	d = vma_next(c);
	CHECK(vma_next(d) == NULL && vma_prev(a) == NULL && vma_prev(d) == c);

	CHECK(find_vma(&mm, 0) == a);              /* below the first */
	CHECK(find_vma(&mm, 0x10000) == a);        /* first byte */
	CHECK(find_vma(&mm, 0x1ffff) == a);        /* last byte */
	CHECK(find_vma(&mm, 0x20000) == b);        /* in a gap: the VMA above */
	CHECK(find_vma(&mm, 0x2ffff) == b);
	CHECK(find_vma(&mm, 0x3ffff) == b);
	CHECK(find_vma(&mm, 0x40000) == c);        /* where two VMAs touch */
	CHECK(find_vma(&mm, 0x50000) == d);
	CHECK(find_vma(&mm, 0x8ffff) == d);
	CHECK(find_vma(&mm, 0x90000) == NULL);     /* above the last */
	CHECK(find_vma(&mm, ~0ull) == NULL);
	CHECK(mm.mmap_cache == d);                 /* the last hit */
	CHECK(find_vma(&mm, 0x45000) == c);
	CHECK(mm.mmap_cache == c);
	CHECK(find_vma(&mm, 0x11000) == a);        /* a miss of the cache still finds the right one */

	CHECK(find_vma_prev(&mm, 0x25000, &prev) == b && prev == a);
	CHECK(find_vma_prev(&mm, 0x90000, &prev) == NULL && prev == d);
	CHECK(find_vma_prev(&mm, 0, &prev) == a && prev == NULL);
	CHECK(find_vma_prev(&mm, 0x40000, &prev) == c && prev == b);

	CHECK(find_vma_intersection(&mm, 0x20000, 0x30000) == NULL);
	CHECK(find_vma_intersection(&mm, 0x20000, 0x30001) == b);
	CHECK(find_vma_intersection(&mm, 0x1f000, 0x20000) == a);
	CHECK(find_vma_intersection(&mm, 0x50000, 0x80000) == NULL);
	CHECK(find_vma_intersection(&mm, 0x0, 0x100000) == a);
	CHECK(vma_lookup(&mm, 0x25000) == NULL);
	CHECK(vma_lookup(&mm, 0x35000) == b);
	CHECK_EQ_U64(vma_pages(d), 16);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	mm_release_vmas(&mm, NULL, NULL);
}

TEST(find_vma_cache_is_right_after_removal)
{
	struct mm_struct mm;
	struct vm_area_struct *c;

	new_mm(&mm);
	vma_map_range(&mm, 0x10000, 0x10000, F_RW);
	vma_map_range(&mm, 0x40000, 0x10000, F_R);
	vma_map_range(&mm, 0x80000, 0x10000, F_RX);
	c = find_vma(&mm, 0x45000);
	CHECK(mm.mmap_cache == c);
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x40000, 0x10000, NULL, NULL), 0);
	CHECK(mm.mmap_cache != c);
	CHECK(find_vma(&mm, 0x45000) != NULL && find_vma(&mm, 0x45000)->vm_start == 0x80000);
	/* Part of a cached VMA goes: the cache must not answer for the hole. */
	CHECK(find_vma(&mm, 0x85000)->vm_start == 0x80000);
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x84000, 0x4000, NULL, NULL), 0);
	CHECK_EQ_U64(find_vma(&mm, 0x85000)->vm_start, 0x88000);
	CHECK_EQ_U64(find_vma(&mm, 0x83000)->vm_start, 0x80000);
	/* A new mapping where the removed one was is found. */
	CHECK_EQ_U64(vma_map_range(&mm, 0x40000, 0x1000, F_RX), 0);
	CHECK_EQ_U64(find_vma(&mm, 0x40000)->vm_end, 0x41000);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	mm_release_vmas(&mm, NULL, NULL);
	CHECK(mm.mmap_cache == NULL && find_vma(&mm, 0) == NULL);
}

/* ---- mmap ------------------------------------------------------------------------ */

TEST(map_merges_compatible_neighbours)
{
	struct mm_struct mm;
	struct vm_area_struct *first;

	new_mm(&mm);
	CHECK_EQ_U64(vma_map_range(&mm, 0x100000, 0x4000, F_RW), 0);
	first = vma_first(&mm);
	CHECK_EQ_U64(vma_map_range(&mm, 0x104000, 0x4000, F_RW), 0);   /* adjacent above */
	CHECK(layout_is(&mm, 1, (const uint64_t[][3]){ { 0x100000, 0x108000, F_RW } }));
	CHECK(vma_first(&mm) == first);                                 /* extended, not replaced */
	CHECK_EQ_U64(vma_map_range(&mm, 0x0fc000, 0x4000, F_RW), 0);   /* adjacent below */
	CHECK(layout_is(&mm, 1, (const uint64_t[][3]){ { 0x0fc000, 0x108000, F_RW } }));
	CHECK_EQ_U64(vma_map_range(&mm, 0x10c000, 0x4000, F_RW), 0);   /* a page gap: separate */
	CHECK_EQ_U64(mm.map_count, 2);
	CHECK_EQ_U64(vma_map_range(&mm, 0x108000, 0x4000, F_RW), 0);   /* fills the hole: all one */
	CHECK(layout_is(&mm, 1, (const uint64_t[][3]){ { 0x0fc000, 0x110000, F_RW } }));
	CHECK_EQ_U64(vma_map_range(&mm, 0x110000, 0x4000, F_R), 0);    /* different flags */
	CHECK_EQ_U64(vma_map_range(&mm, 0x0f8000, 0x4000, F_SHRW), 0); /* shared is different too */
	CHECK(layout_is(&mm, 3, (const uint64_t[][3]){ { 0x0f8000, 0x0fc000, F_SHRW },
						      { 0x0fc000, 0x110000, F_RW },
						      { 0x110000, 0x114000, F_R } }));
	/* 4 + 20 + 4 pages; data_vm counts private writable pages only. */
	CHECK_EQ_U64(mm.total_vm, 28);
	CHECK_EQ_U64(mm.data_vm, 20);
	CHECK_EQ_U64(mm.exec_vm, 0);
	CHECK_EQ_U64(pgprot_val(vma_first(&mm)->vm_page_prot), pgprot_val(PAGE_SHARED));
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	mm_release_vmas(&mm, NULL, NULL);
}

TEST(map_refuses_overlaps_and_bad_ranges)
{
	struct mm_struct mm;
	struct snapshot before;

	new_mm(&mm);
	vma_map_range(&mm, 0x100000, 0x10000, F_RW);
	take_snapshot(&mm, &before);
	CHECK_EQ_U64(vma_map_range(&mm, 0x100000, 0x10000, F_RW), (uint64_t)-EEXIST);   /* exact */
	CHECK_EQ_U64(vma_map_range(&mm, 0x0ff000, 0x2000, F_R), (uint64_t)-EEXIST);      /* over the start */
	CHECK_EQ_U64(vma_map_range(&mm, 0x10f000, 0x2000, F_R), (uint64_t)-EEXIST);      /* over the end */
	CHECK_EQ_U64(vma_map_range(&mm, 0x0f0000, 0x40000, F_R), (uint64_t)-EEXIST);     /* around it */
	CHECK_EQ_U64(vma_map_range(&mm, 0x104000, 0x1000, F_R), (uint64_t)-EEXIST);      /* inside */
	CHECK_EQ_U64(vma_map_range(&mm, 0x200800, 0x1000, F_R), (uint64_t)-EINVAL);      /* unaligned */
	CHECK_EQ_U64(vma_map_range(&mm, 0x200000, 0, F_R), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vma_map_range(&mm, 0x7ffffffff000ull, 0x1000, F_R), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(vma_map_range(&mm, 0x7fffffffe000ull, 0x2000, F_R), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(vma_map_range(&mm, 0x200000, ~0ull, F_R), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(vma_map_range(&mm, 0xfffffffffffff000ull, 0x2000, F_R), (uint64_t)-ENOMEM);
	CHECK(unchanged(&mm, &before));
	/* The last page of user space, and a length rounded up to pages. */
	CHECK_EQ_U64(vma_map_range(&mm, 0x7fffffffe000ull, 0x1000, F_R), 0);
	CHECK_EQ_U64(vma_map_range(&mm, 0x200000, 0x1001, F_R), 0);
	CHECK_EQ_U64(find_vma(&mm, 0x200000)->vm_end, 0x202000);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	mm_release_vmas(&mm, NULL, NULL);
}

TEST(insert_vm_struct_does_not_merge)
{
	struct mm_struct mm;
	struct vm_area_struct *v, *w;

	new_mm(&mm);
	vma_map_range(&mm, 0x110000, 0x4000, F_R);
	v = vm_area_alloc(&mm);
	v->vm_start = 0x114000;
	v->vm_end = 0x118000;
	v->vm_flags = F_R;
	CHECK_EQ_U64(insert_vm_struct(&mm, v), 0);
	CHECK_EQ_U64(mm.map_count, 2);
	CHECK_EQ_U64(pgprot_val(v->vm_page_prot), pgprot_val(PAGE_READONLY));
	CHECK_EQ_U64(vma_check(&mm, NULL), 1);   /* exactly the unmerged neighbours */
	w = vm_area_alloc(&mm);
	w->vm_start = 0x116000;
	w->vm_end = 0x11a000;
	w->vm_flags = F_RW;
	CHECK_EQ_U64(insert_vm_struct(&mm, w), (uint64_t)-EEXIST);
	w->vm_start = 0x11a000;
	w->vm_end = 0x11a000;
	CHECK_EQ_U64(insert_vm_struct(&mm, w), (uint64_t)-EINVAL);
	w->vm_end = 0x11a800;
	CHECK_EQ_U64(insert_vm_struct(&mm, w), (uint64_t)-EINVAL);
	vm_area_free(w);
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x114000, 0x4000, NULL, NULL), 0);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	/* vma_merge() refuses a range that is not a hole after prev. */
	CHECK(vma_merge(&mm, NULL, 0x112000, 0x114000, F_R) == NULL);
	CHECK(vma_merge(&mm, vma_first(&mm), 0x118000, 0x11a000, F_R) == NULL);   /* not touching */
	CHECK(vma_merge(&mm, vma_first(&mm), 0x114000, 0x116000, F_RW) == NULL);  /* other flags */
	CHECK(vma_merge(&mm, vma_first(&mm), 0x114000, 0x116000, F_R) == vma_first(&mm));
	CHECK(layout_is(&mm, 1, (const uint64_t[][3]){ { 0x110000, 0x116000, F_R } }));
	CHECK_EQ_U64(mm.total_vm, 6);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	mm_release_vmas(&mm, NULL, NULL);
}

/* ---- munmap ------------------------------------------------------------------------ */

TEST(unmap_handles_every_overlap_shape)
{
	struct mm_struct mm;
	struct calls c;

	new_mm(&mm);
	/* X [100000,110000) RW   Y [110000,118000) R   Z [120000,130000) RW */
	vma_map_range(&mm, 0x100000, 0x10000, F_RW);
	vma_map_range(&mm, 0x110000, 0x8000, F_R);
	vma_map_range(&mm, 0x120000, 0x10000, F_RW);
	CHECK_EQ_U64(mm.total_vm, 40);

	/* Inside one VMA: it is split in two. */
	memset(&c, 0, sizeof(c));
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x104000, 0x2000, record, &c), 0);
	CHECK(calls_are(&c, 1, (const uint64_t[][2]){ { 0x104000, 0x106000 } }));
	CHECK(layout_is(&mm, 4, (const uint64_t[][3]){ { 0x100000, 0x104000, F_RW }, { 0x106000, 0x110000, F_RW },
						      { 0x110000, 0x118000, F_R }, { 0x120000, 0x130000, F_RW } }));
	CHECK_EQ_U64(mm.total_vm, 38);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);

	/* Over several: the end of one, a whole one, a gap, the start of another. */
	memset(&c, 0, sizeof(c));
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x10c000, 0x18000, record, &c), 0);
	CHECK(calls_are(&c, 3, (const uint64_t[][2]){ { 0x10c000, 0x110000 }, { 0x110000, 0x118000 },
						     { 0x120000, 0x124000 } }));
	CHECK(layout_is(&mm, 3, (const uint64_t[][3]){ { 0x100000, 0x104000, F_RW }, { 0x106000, 0x10c000, F_RW },
						      { 0x124000, 0x130000, F_RW } }));
	CHECK_EQ_U64(mm.total_vm, 4 + 6 + 12);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);

	/* Exactly one VMA. */
	memset(&c, 0, sizeof(c));
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x124000, 0xc000, record, &c), 0);
	CHECK(calls_are(&c, 1, (const uint64_t[][2]){ { 0x124000, 0x130000 } }));
	CHECK_EQ_U64(mm.map_count, 2);

	/* Touching nothing: above everything, and in the gap between two VMAs. */
	memset(&c, 0, sizeof(c));
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x200000, 0x10000, record, &c), 0);
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x104000, 0x2000, record, &c), 0);
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x0, 0x100000, record, &c), 0);
	CHECK_EQ_U64(c.n, 0);
	CHECK_EQ_U64(mm.map_count, 2);

	/* From a gap into the start of the first VMA. */
	memset(&c, 0, sizeof(c));
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x0ff000, 0x3000, record, &c), 0);
	CHECK(calls_are(&c, 1, (const uint64_t[][2]){ { 0x100000, 0x102000 } }));
	/* From inside the last VMA past its end. */
	memset(&c, 0, sizeof(c));
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x10a000, 0x36000, record, &c), 0);
	CHECK(calls_are(&c, 1, (const uint64_t[][2]){ { 0x10a000, 0x10c000 } }));
	CHECK(layout_is(&mm, 2, (const uint64_t[][3]){ { 0x102000, 0x104000, F_RW }, { 0x106000, 0x10a000, F_RW } }));
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);

	/* Bad arguments change nothing; a length is rounded up to a page. */
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x102800, 0x1000, record, &c), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x102000, 0, record, &c), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x102000, ~0ull, record, &c), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x7ffffffff000ull, 0x2000, record, &c), (uint64_t)-EINVAL);
	CHECK_EQ_U64(mm.map_count, 2);
	memset(&c, 0, sizeof(c));
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x102000, 1, record, &c), 0);
	CHECK(calls_are(&c, 1, (const uint64_t[][2]){ { 0x102000, 0x103000 } }));

	/* Everything at once. */
	memset(&c, 0, sizeof(c));
	CHECK_EQ_U64(vma_unmap_range(&mm, 0, 0x200000, record, &c), 0);
	CHECK(calls_are(&c, 2, (const uint64_t[][2]){ { 0x103000, 0x104000 }, { 0x106000, 0x10a000 } }));
	CHECK_EQ_U64(mm.map_count, 0);
	CHECK_EQ_U64(mm.total_vm + mm.data_vm, 0);
	CHECK(mm.mm_rb == NULL && mm.mmap == NULL);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
}

/* ---- mprotect ---------------------------------------------------------------------- */

TEST(protect_splits_and_merges_back)
{
	struct mm_struct mm;
	struct calls c;
	struct vm_area_struct *mid;

	new_mm(&mm);
	vma_map_range(&mm, 0x100000, 0x10000, F_RW);

	memset(&c, 0, sizeof(c));
	CHECK_EQ_U64(vma_protect_range(&mm, 0x104000, 0x4000, VM_READ, record, &c), 0);
	CHECK(calls_are(&c, 1, (const uint64_t[][2]){ { 0x104000, 0x108000 } }));
	CHECK(layout_is(&mm, 3, (const uint64_t[][3]){ { 0x100000, 0x104000, F_RW }, { 0x104000, 0x108000, F_R },
						      { 0x108000, 0x110000, F_RW } }));
	mid = find_vma(&mm, 0x104000);
	CHECK_EQ_U64(pgprot_val(mid->vm_page_prot), pgprot_val(PAGE_READONLY));
	CHECK_EQ_U64(mm.total_vm, 16);
	CHECK_EQ_U64(mm.data_vm, 12);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);

	memset(&c, 0, sizeof(c));
	CHECK_EQ_U64(vma_protect_range(&mm, 0x104000, 0x4000, VM_READ | VM_WRITE, record, &c), 0);
	CHECK(calls_are(&c, 1, (const uint64_t[][2]){ { 0x104000, 0x108000 } }));
	CHECK(layout_is(&mm, 1, (const uint64_t[][3]){ { 0x100000, 0x110000, F_RW } }));
	CHECK_EQ_U64(mm.data_vm, 16);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);

	/* Nothing to change: no split, no call. */
	memset(&c, 0, sizeof(c));
	CHECK_EQ_U64(vma_protect_range(&mm, 0x104000, 0x4000, VM_READ | VM_WRITE, record, &c), 0);
	CHECK_EQ_U64(c.n, 0);
	CHECK_EQ_U64(mm.map_count, 1);

	/* Over three VMAs: ends of two change, the middle one already has the rights. */
	vma_map_range(&mm, 0x110000, 0x4000, F_R);
	vma_map_range(&mm, 0x114000, 0x4000, F_RX);
	memset(&c, 0, sizeof(c));
	CHECK_EQ_U64(vma_protect_range(&mm, 0x10c000, 0xa000, VM_READ, record, &c), 0);
	CHECK(calls_are(&c, 2, (const uint64_t[][2]){ { 0x10c000, 0x110000 }, { 0x114000, 0x116000 } }));
	CHECK(layout_is(&mm, 3, (const uint64_t[][3]){ { 0x100000, 0x10c000, F_RW }, { 0x10c000, 0x116000, F_R },
						      { 0x116000, 0x118000, F_RX } }));
	CHECK_EQ_U64(mm.exec_vm, 2);
	CHECK_EQ_U64(mm.data_vm, 12);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);

	/* Everything to no access: one VMA, PAGE_NONE; the length is rounded up. */
	memset(&c, 0, sizeof(c));
	CHECK_EQ_U64(vma_protect_range(&mm, 0x100000, 0x17001, 0, record, &c), 0);
	CHECK(calls_are(&c, 3, (const uint64_t[][2]){ { 0x100000, 0x10c000 }, { 0x10c000, 0x116000 },
						     { 0x116000, 0x118000 } }));
	CHECK(layout_is(&mm, 1, (const uint64_t[][3]){ { 0x100000, 0x118000, F_NONE } }));
	CHECK_EQ_U64(pgprot_val(vma_first(&mm)->vm_page_prot), pgprot_val(PAGE_NONE));
	CHECK_EQ_U64(mm.total_vm, 24);
	CHECK_EQ_U64(mm.data_vm + mm.exec_vm, 0);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	mm_release_vmas(&mm, NULL, NULL);
}

TEST(protect_failures_change_nothing)
{
	struct mm_struct mm;
	struct snapshot before;
	struct calls c;

	new_mm(&mm);
	/* [100000,104000) RW   hole   [108000,10c000) RW   [10c000,110000) read-only for good */
	vma_map_range(&mm, 0x100000, 0x4000, F_RW);
	vma_map_range(&mm, 0x108000, 0x4000, F_RW);
	vma_map_range(&mm, 0x10c000, 0x4000, F_RONLY);
	take_snapshot(&mm, &before);
	memset(&c, 0, sizeof(c));
	CHECK_EQ_U64(vma_protect_range(&mm, 0x102000, 0x8000, VM_READ, record, &c), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(vma_protect_range(&mm, 0x0fe000, 0x4000, VM_READ, record, &c), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(vma_protect_range(&mm, 0x10e000, 0x4000, VM_READ, record, &c), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(vma_protect_range(&mm, 0x104000, 0x1000, VM_READ, record, &c), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(vma_protect_range(&mm, 0x200000, 0x1000, VM_READ, record, &c), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(vma_protect_range(&mm, 0x100000, ~0ull, VM_READ, record, &c), (uint64_t)-ENOMEM);
	/* A right the last VMA may never have: refused before the first is touched. */
	CHECK_EQ_U64(vma_protect_range(&mm, 0x108000, 0x8000, VM_READ | VM_EXEC, record, &c), (uint64_t)-EACCES);
	CHECK_EQ_U64(vma_protect_range(&mm, 0x10a000, 0x4000, VM_READ | VM_WRITE, record, &c), (uint64_t)-EACCES);
	CHECK_EQ_U64(vma_protect_range(&mm, 0x100800, 0x1000, VM_READ, record, &c), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vma_protect_range(&mm, 0x100000, 0x1000, VM_SHARED, record, &c), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vma_protect_range(&mm, 0x100000, 0x1000, VM_READ | VM_MAYWRITE, record, &c), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vma_protect_range(&mm, 0x104000, 0, VM_READ, record, &c), 0);   /* len 0: nothing */
	CHECK(unchanged(&mm, &before));
	CHECK_EQ_U64(c.n, 0);
	/* Dropping rights is always allowed. */
	CHECK_EQ_U64(vma_protect_range(&mm, 0x10c000, 0x4000, 0, NULL, NULL), 0);
	CHECK_EQ_U64(find_vma(&mm, 0x10c000)->vm_flags, VM_MAYREAD);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	mm_release_vmas(&mm, NULL, NULL);
}

/* ---- split_vma and vma_check --------------------------------------------------------- */

TEST(split_vma_and_check_catch_problems)
{
	struct mm_struct mm;
	struct vm_area_struct *v, fake;

	new_mm(&mm);
	vma_map_range(&mm, 0x100000, 0x10000, F_RW);
	v = vma_first(&mm);
	CHECK_EQ_U64(split_vma(&mm, v, 0x104000, 0), 0);
	CHECK(layout_is(&mm, 2, (const uint64_t[][3]){ { 0x100000, 0x104000, F_RW }, { 0x104000, 0x110000, F_RW } }));
	CHECK(vma_first(&mm) == v);
	CHECK_EQ_U64(vma_check(&mm, NULL), 1);   /* two mergeable neighbours, nothing else */
	CHECK_EQ_U64(split_vma(&mm, v, 0x102000, 1), 0);
	CHECK(layout_is(&mm, 3, (const uint64_t[][3]){ { 0x100000, 0x102000, F_RW }, { 0x102000, 0x104000, F_RW },
						      { 0x104000, 0x110000, F_RW } }));
	CHECK(vma_next(vma_first(&mm)) == v);
	CHECK_EQ_U64(vma_check(&mm, NULL), 2);
	CHECK_EQ_U64(mm.total_vm, 16);
	CHECK_EQ_U64(split_vma(&mm, v, 0x102000, 0), (uint64_t)-EINVAL);
	CHECK_EQ_U64(split_vma(&mm, v, 0x104000, 0), (uint64_t)-EINVAL);
	CHECK_EQ_U64(split_vma(&mm, v, 0x102800, 0), (uint64_t)-EINVAL);
	CHECK_EQ_U64(split_vma(&mm, v, 0x200000, 1), (uint64_t)-EINVAL);
	/* mprotect there and back merges all three again. */
	CHECK_EQ_U64(vma_protect_range(&mm, 0x102000, 0x2000, VM_READ, NULL, NULL), 0);
	CHECK_EQ_U64(vma_protect_range(&mm, 0x102000, 0x2000, VM_READ | VM_WRITE, NULL, NULL), 0);
	CHECK(layout_is(&mm, 1, (const uint64_t[][3]){ { 0x100000, 0x110000, F_RW } }));
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);

	/* Damage of each kind is noticed. */
	vma_map_range(&mm, 0x200000, 0x1000, F_R);
	vma_map_range(&mm, 0x300000, 0x1000, F_RX);
	v = find_vma(&mm, 0x200000);
	v->vm_rb_height += 2;
	CHECK(vma_check(&mm, NULL) > 0);
	v->vm_rb_height -= 2;
	struct check_result cr;
	mm.map_count++;
	CHECK_EQ_U64(vma_check(&mm, &cr), 1);
	CHECK_EQ_U64(cr.problems, 1);
	CHECK_STR(cr.first, "map_count is 4 but the tree holds 3 vmas");
	mm.map_count--;
	mm.exec_vm++;
	CHECK(vma_check(&mm, &cr) > 0);
	CHECK_STR(cr.first, "page counts: total_vm 18 recorded, 18 in the vmas (or exec/stack/data differ)");
	mm.exec_vm--;
	v->vm_page_prot = PAGE_SHARED;
	mm.map_count++;                                     /* a second problem: the first is kept */
	CHECK_EQ_U64(vma_check(&mm, &cr), 2);
	CHECK(strstr(cr.first, "vma at 0x200000: vm_page_prot") && strstr(cr.first, "does not follow vm_flags"));
	mm.map_count--;
	v->vm_page_prot = PAGE_READONLY;
	CHECK_EQ_U64(vma_check(&mm, &cr), 0);
	CHECK_STR(cr.first, "");
	v->vm_end = 0x300800;
	CHECK(vma_check(&mm, NULL) > 0);
	v->vm_end = 0x301000;   /* overlaps the next one */
	CHECK(vma_check(&mm, NULL) > 0);
	v->vm_end = 0x201000;
	v->vm_rb_subtree_gap++;
	CHECK(vma_check(&mm, NULL) > 0);
	v->vm_rb_subtree_gap--;
	memset(&fake, 0, sizeof(fake));
	mm.mmap_cache = &fake;
	CHECK(vma_check(&mm, &cr) > 0);
	CHECK_STR(cr.first, "mmap_cache (0x0) is not a vma of the tree");
	mm.mmap_cache = NULL;
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	mm_release_vmas(&mm, NULL, NULL);
}

/* ---- get_unmapped_area ------------------------------------------------------------------ */

#define BASE 0x7f0000000000ull
#define TOP  0x7ffffffff000ull

TEST(unmapped_area_top_down_and_hints)
{
	struct mm_struct mm;

	new_mm(&mm);
	mm.mmap_base = BASE;
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x3000, 0, 0x10000, TOP), BASE - 0x3000);
	vma_map_range(&mm, BASE - 0x3000, 0x3000, F_RW);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x1000, 0, 0x10000, TOP), BASE - 0x4000);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x1800, 0, 0x10000, TOP), BASE - 0x5000);   /* 2 pages */
	/* Hints: taken when free, rounded up to a page; otherwise ignored. */
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x2000, 0x500000, 0x10000, TOP), 0x500000);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x2000, 0x500001, 0x10000, TOP), 0x501000);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x2000, BASE - 0x4000, 0x10000, TOP), BASE - 0x5000);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x2000, 0x1000, 0x10000, TOP), BASE - 0x5000);  /* below low */
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x2000, TOP - 0x1000, 0x10000, TOP), BASE - 0x5000);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x2000, BASE - 0x5000, 0x10000, TOP), BASE - 0x5000);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x3000, BASE, 0x10000, TOP), BASE);          /* above mmap_base */

	/* A hole between two VMAs: [B-0x20000, B-0x10000) is 16 pages. */
	vma_unmap_range(&mm, BASE - 0x3000, 0x3000, NULL, NULL);
	vma_map_range(&mm, BASE - 0x10000, 0x10000, F_RW);
	vma_map_range(&mm, BASE - 0x30000, 0x10000, F_R);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x10000, 0, 0x10000, TOP), BASE - 0x20000);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x8000, 0, 0x10000, TOP), BASE - 0x18000);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x11000, 0, 0x10000, TOP), BASE - 0x41000);
	/* A window below everything, and one between the two VMAs. */
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x1000, 0, 0x10000, 0x20000), 0x1f000);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x4000, 0, BASE - 0x1c000, BASE - 0x12000), BASE - 0x16000);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x4000, 0, BASE - 0x1c000, BASE - 0x19000), (uint64_t)-ENOMEM);

	/* Nothing free below mmap_base in the window: the highest fit above it. */
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x2000, 0, BASE - 0x10000, TOP), TOP - 0x2000);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x2000, 0, BASE - 0x10000, ~0ull), TOP - 0x2000);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x2000, 0, BASE - 0x10000, BASE), (uint64_t)-ENOMEM);

	CHECK_EQ_U64(get_unmapped_area(&mm, 0x3000, 0, 0x10000, 0x12000), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x1000, 0, 0x20000, 0x10000), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0, 0, 0x10000, TOP), (uint64_t)-EINVAL);
	CHECK_EQ_U64(get_unmapped_area(&mm, ~0ull, 0, 0x10000, TOP), (uint64_t)-ENOMEM);
	CHECK(IS_ERR_VALUE(get_unmapped_area(&mm, 0x3000, 0, 0x10000, 0x12000)));
	CHECK(!IS_ERR_VALUE(get_unmapped_area(&mm, 0x3000, 0, 0x10000, TOP)));
	mm_release_vmas(&mm, NULL, NULL);

	/* The only fit is the last page below low's edge, under the root's left child:
	 * v [102000,10a000) is inserted first (the root), u [101000,102000) below it. */
	vma_map_range(&mm, 0x102000, 0x8000, F_RW);
	vma_map_range(&mm, 0x101000, 0x1000, F_R);
	CHECK(mm.mm_rb == find_vma(&mm, 0x102000));
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x1000, 0, 0x100000, 0x10a000), 0x100000);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x2000, 0, 0x100000, 0x10a000), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x2000, 0, 0x0ff000, 0x10a000), 0x0ff000);
	mm_release_vmas(&mm, NULL, NULL);
}

TEST(unmapped_area_keeps_the_stack_guard_gap)
{
	struct mm_struct mm;

	new_mm(&mm);
	mm.mmap_base = TOP;
	vma_map_range(&mm, BASE - 0x10000, 0x10000, F_STACK);
	/* 256 guard pages below the stack's start stay free. */
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x1000, 0, 0x10000, BASE), BASE - 0x110000 - 0x1000);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x1000, BASE - 0x20000, 0x10000, BASE), BASE - 0x111000);
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x1000, BASE - 0x111000, 0x10000, BASE), BASE - 0x111000);
	mm.stack_guard_gap = 0;
	CHECK_EQ_U64(get_unmapped_area(&mm, 0x1000, 0, 0x10000, BASE), BASE - 0x11000);
	mm_release_vmas(&mm, NULL, NULL);
}

/* The answer get_unmapped_area() should give, by a linear walk over the gaps. */
static uint64_t brute_unmapped_area(struct mm_struct *mm, uint64_t len, uint64_t hint,
				    uint64_t low, uint64_t high)
{
	uint64_t top = (mm->mmap_base && mm->mmap_base < high) ? mm->mmap_base : high;
	uint64_t best = (uint64_t)-ENOMEM;

	if (hint && hint >= low && hint + len <= high) {
		/* Free if it fits in one gap, the one below the next VMA. */
		uint64_t gap_start = 0;
		struct vm_area_struct *v = vma_first(mm);

		for (;; v = vma_next(v)) {
			uint64_t gap_end = v ? vm_start_gap(mm, v) : ~0ull;
			if (gap_start <= hint && hint + len <= gap_end)
				return hint;
			if (!v)
				break;
			gap_start = v->vm_end;
		}
	}
	for (int pass = 0; pass < 2 && IS_ERR_VALUE(best); pass++) {
		uint64_t lim = pass ? high : top, gap_start = 0;
		struct vm_area_struct *v = vma_first(mm);

		for (;;) {
			uint64_t gap_end = v ? vm_start_gap(mm, v) : ~0ull;
			uint64_t s = gap_start > low ? gap_start : low;
			uint64_t e = gap_end < lim ? gap_end : lim;

			if (e > s && e - s >= len)
				best = e - len;   /* later gaps are higher: keep the last */
			if (!v)
				break;
			gap_start = v->vm_end;
			v = vma_next(v);
		}
	}
	return best;
}

TEST(unmapped_area_matches_a_linear_scan)
{
	struct mm_struct mm;
	const uint64_t W = 0x10000000, NP = 4096;
	int bad = 0;

	new_mm(&mm);
	mm.stack_guard_gap = 8 * PG;
	for (int i = 0; i < 600; i++) {
		uint64_t p = rnd() % NP, n = 1 + rnd() % 12, f;

		f = (rnd() % 8 == 0) ? F_STACK : (rnd() & 1) ? F_RW : F_R;
		if (p + n <= NP)
			vma_map_range(&mm, W + p * PG, n * PG, f);
	}
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	for (int q = 0; q < 20000; q++) {
		uint64_t len = (1 + rnd() % 24) * PG;
		uint64_t low = W + (rnd() % NP) * PG, high = low + (rnd() % NP) * PG;
		uint64_t hint = (rnd() & 1) ? W + (rnd() % NP) * PG : 0;
		uint64_t got, want;

		mm.mmap_base = W + (rnd() % (NP + 64)) * PG;
		want = brute_unmapped_area(&mm, len, hint, low, high);
		got = get_unmapped_area(&mm, len, hint, low, high);
		if (got != want) {
			if (bad < 5)
				printf("  len %llx hint %llx [%llx, %llx) base %llx: got %llx want %llx\n",
				       (unsigned long long)len, (unsigned long long)hint,
				       (unsigned long long)low, (unsigned long long)high,
				       (unsigned long long)mm.mmap_base, (unsigned long long)got,
				       (unsigned long long)want);
			bad++;
		}
	}
	CHECK_EQ_U64(bad, 0);
	mm_release_vmas(&mm, NULL, NULL);
}

/* ---- expand_stack ------------------------------------------------------------------------- */

#define STK 0x700000000000ull

TEST(expand_stack_limits_and_guard_gap)
{
	struct mm_struct mm;
	struct vm_area_struct *s, *p;

	new_mm(&mm);
	vma_map_range(&mm, STK - 0x100000, 0x80000, F_RW);    /* P [T-100000, T-80000) */
	vma_map_range(&mm, STK - 0x10000, 0x10000, F_STACK);  /* S [T-10000, T) */
	p = vma_first(&mm);
	s = vma_next(p);
	CHECK_EQ_U64(mm.stack_vm, 16);

	CHECK_EQ_U64(expand_stack(&mm, s, STK - 0x8000, 0x40000, 0x10000), 0);   /* already inside */
	CHECK_EQ_U64(s->vm_start, STK - 0x10000);
	CHECK_EQ_U64(expand_stack(&mm, s, STK - 0x20000 + 0x123, 0x40000, 0x10000), 0);
	CHECK_EQ_U64(s->vm_start, STK - 0x20000);
	CHECK_EQ_U64(mm.stack_vm, 32);
	CHECK_EQ_U64(mm.total_vm, 128 + 32);
	CHECK_EQ_U64(expand_stack(&mm, s, STK - 0x41000, 0x40000, 0x10000), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(s->vm_start, STK - 0x20000);
	CHECK_EQ_U64(expand_stack(&mm, s, STK - 0x40000, 0x40000, 0x10000), 0);   /* exactly the limit */
	CHECK_EQ_U64(s->vm_start, STK - 0x40000);

	/* P ends at T-80000: the last 16 pages above it are the guard gap. */
	CHECK_EQ_U64(expand_stack(&mm, s, STK - 0x71000, ~0ull, 0x10000), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(s->vm_start, STK - 0x40000);
	CHECK_EQ_U64(expand_stack(&mm, s, STK - 0x70000, ~0ull, 0x10000), 0);
	CHECK_EQ_U64(s->vm_start, STK - 0x70000);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);

	/* A VMA without access rights below needs no gap, but is never overlapped. */
	CHECK_EQ_U64(vma_protect_range(&mm, STK - 0x100000, 0x80000, 0, NULL, NULL), 0);
	p = vma_first(&mm);
	CHECK_EQ_U64(expand_stack(&mm, s, STK - 0x80000, ~0ull, 0x10000), 0);
	CHECK_EQ_U64(s->vm_start, STK - 0x80000);
	CHECK_EQ_U64(mm.map_count, 2);
	CHECK_EQ_U64(expand_stack(&mm, s, STK - 0x81000, ~0ull, 0), (uint64_t)-ENOMEM);
	CHECK(layout_is(&mm, 2, (const uint64_t[][3]){ { STK - 0x100000, STK - 0x80000, F_NONE },
						      { STK - 0x80000, STK, F_STACK } }));
	CHECK_EQ_U64(mm.stack_vm, 128);

	/* Only stacks grow. */
	CHECK_EQ_U64(expand_stack(&mm, p, STK - 0x200000, ~0ull, 0), (uint64_t)-EFAULT);
	CHECK_EQ_U64(expand_stack(&mm, NULL, STK - 0x200000, ~0ull, 0), (uint64_t)-EFAULT);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	mm_release_vmas(&mm, NULL, NULL);
}

TEST(expand_stack_absorbs_an_equal_vma_below)
{
	struct mm_struct mm;
	struct vm_area_struct *upper;
	const uint64_t U = 0x600000000000ull;

	new_mm(&mm);
	vma_map_range(&mm, U - 0x10000, 0x8000, F_STACK);   /* [U-10000, U-8000) */
	vma_map_range(&mm, U - 0x4000, 0x4000, F_STACK);    /* [U-4000, U) */
	upper = find_vma(&mm, U - 0x1000);
	/* The stack below is itself a stack: no guard gap is needed to touch it. */
	CHECK_EQ_U64(expand_stack(&mm, upper, U - 0x8000, ~0ull, 0x100000), 0);
	CHECK(layout_is(&mm, 1, (const uint64_t[][3]){ { U - 0x10000, U, F_STACK } }));
	CHECK(vma_first(&mm) == upper);
	CHECK_EQ_U64(mm.stack_vm, 16);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	mm_release_vmas(&mm, NULL, NULL);
}

TEST(expand_stack_stops_at_mmap_min_addr)
{
	struct mm_struct mm;
	struct vm_area_struct *s;

	new_mm(&mm);
	/* A MAP_GROWSDOWN mapping at 0x10000, the lowest page a program may map. */
	CHECK_EQ_U64(vma_map_range(&mm, 0x10000, 0x1000, F_STACK), 0);
	s = vma_first(&mm);
	CHECK_EQ_U64(expand_stack(&mm, s, 8, ~0ull, 0x100000), (uint64_t)-EPERM);            /* page 0 */
	CHECK_EQ_U64(expand_stack(&mm, s, MMAP_MIN_ADDR - 1, ~0ull, 0), (uint64_t)-EPERM);  /* the page below */
	CHECK(layout_is(&mm, 1, (const uint64_t[][3]){ { 0x10000, 0x11000, F_STACK } }));
	/* Nothing was grown or accounted. */
	CHECK_EQ_U64(mm.stack_vm, 1);

	/* Down to mmap_min_addr exactly is fine. */
	vma_unmap_range(&mm, 0x10000, 0x1000, NULL, NULL);
	CHECK_EQ_U64(vma_map_range(&mm, 0x20000, 0x1000, F_STACK), 0);
	s = vma_first(&mm);
	CHECK_EQ_U64(expand_stack(&mm, s, MMAP_MIN_ADDR + 0x10, ~0ull, 0), 0);
	CHECK(layout_is(&mm, 1, (const uint64_t[][3]){ { MMAP_MIN_ADDR, 0x21000, F_STACK } }));
	CHECK_EQ_U64(expand_stack(&mm, s, MMAP_MIN_ADDR - 0x1000, ~0ull, 0), (uint64_t)-EPERM);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	mm_release_vmas(&mm, NULL, NULL);
}

/* ---- vma_modify_flags (madvise) ------------------------------------------------------------ */

TEST(modify_flags_splits_the_middle_and_merges_back)
{
	struct mm_struct mm;
	int holes = -1;
	const uint64_t A = 0x40000000ull;

	new_mm(&mm);
	CHECK_EQ_U64(vma_map_range(&mm, A, 3 * PG, F_RW), 0);
	/* MADV_HUGEPAGE on the middle page: three VMAs, only the middle one changed. */
	CHECK_EQ_U64(vma_modify_flags(&mm, A + PG, PG, VM_HUGEPAGE, VM_NOHUGEPAGE, &holes), 0);
	CHECK_EQ_U64(holes, 0);
	CHECK(layout_is(&mm, 3, (const uint64_t[][3]){ { A, A + PG, F_RW },
						      { A + PG, A + 2 * PG, F_RW | VM_HUGEPAGE },
						      { A + 2 * PG, A + 3 * PG, F_RW } }));
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	/* The same advice again changes nothing and needs no split. */
	CHECK_EQ_U64(vma_modify_flags(&mm, A, 2 * PG, VM_NOHUGEPAGE, VM_HUGEPAGE, NULL), 0);
	CHECK(layout_is(&mm, 2, (const uint64_t[][3]){ { A, A + 2 * PG, F_RW | VM_NOHUGEPAGE },
						      { A + 2 * PG, A + 3 * PG, F_RW } }));
	/* Clearing it again re-merges with both neighbours. */
	CHECK_EQ_U64(vma_modify_flags(&mm, A, 2 * PG, 0, VM_NOHUGEPAGE, NULL), 0);
	CHECK(layout_is(&mm, 1, (const uint64_t[][3]){ { A, A + 3 * PG, F_RW } }));
	/* A flag the whole VMA already has: no split. */
	CHECK_EQ_U64(vma_modify_flags(&mm, A, 3 * PG, VM_RAND_READ, VM_SEQ_READ, NULL), 0);
	CHECK_EQ_U64(vma_modify_flags(&mm, A + PG, PG, VM_RAND_READ, VM_SEQ_READ, NULL), 0);
	CHECK_EQ_U64(mm.map_count, 1);
	CHECK_EQ_U64(mm.total_vm, 3);
	CHECK_EQ_U64(mm.data_vm, 3);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	mm_release_vmas(&mm, NULL, NULL);
}

TEST(modify_flags_skips_holes_and_refuses_bad_ranges)
{
	struct mm_struct mm;
	struct snapshot before;
	int holes = 0;
	const uint64_t A = 0x40000000ull;

	new_mm(&mm);
	/* [A, A+2) RW, hole, [A+3, A+5) R */
	vma_map_range(&mm, A, 2 * PG, F_RW);
	vma_map_range(&mm, A + 3 * PG, 2 * PG, F_R);
	CHECK_EQ_U64(vma_modify_flags(&mm, A + PG, 3 * PG, VM_HUGEPAGE, 0, &holes), 0);
	CHECK_EQ_U64(holes, 1);
	CHECK(layout_is(&mm, 4, (const uint64_t[][3]){ { A, A + PG, F_RW }, { A + PG, A + 2 * PG, F_RW | VM_HUGEPAGE },
						      { A + 3 * PG, A + 4 * PG, F_R | VM_HUGEPAGE },
						      { A + 4 * PG, A + 5 * PG, F_R } }));
	/* Nothing mapped at all. */
	CHECK_EQ_U64(vma_modify_flags(&mm, 0x7000000000ull, PG, VM_HUGEPAGE, 0, &holes), 0);
	CHECK_EQ_U64(holes, 1);

	take_snapshot(&mm, &before);
	/* Wrapping, unaligned, empty, forbidden bits: -EINVAL, nothing changed. */
	CHECK_EQ_U64(vma_modify_flags(&mm, A, (uint64_t)0 - A, VM_HUGEPAGE, 0, NULL), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vma_modify_flags(&mm, A, (uint64_t)0 - A + PG, VM_HUGEPAGE, 0, NULL), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vma_modify_flags(&mm, A + 1, PG, VM_HUGEPAGE, 0, NULL), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vma_modify_flags(&mm, A, PG + 1, VM_HUGEPAGE, 0, NULL), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vma_modify_flags(&mm, A, 0, VM_HUGEPAGE, 0, NULL), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vma_modify_flags(&mm, A, PG, VM_WRITE, 0, NULL), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vma_modify_flags(&mm, A, PG, 0, VM_GROWSDOWN, NULL), (uint64_t)-EINVAL);
	CHECK(unchanged(&mm, &before));
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	mm_release_vmas(&mm, NULL, NULL);
}

/* ---- Wrapping ranges ------------------------------------------------------------------------ */

TEST(wrapping_ranges_are_refused)
{
	struct mm_struct mm;
	struct snapshot before;
	const uint64_t A = 0x40000000ull;

	new_mm(&mm);
	vma_map_range(&mm, A, 4 * PG, F_RW);
	take_snapshot(&mm, &before);
	/* A + len wraps to 0 or to a low page: every operation refuses. */
	CHECK_EQ_U64(vma_map_range(&mm, A, (uint64_t)0 - A, F_RW), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(vma_map_range(&mm, A, (uint64_t)0 - A + PG, F_RW), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(vma_unmap_range(&mm, A, (uint64_t)0 - A + PG, NULL, NULL), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vma_unmap_range(&mm, A, ~0ull, NULL, NULL), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vma_protect_range(&mm, A, (uint64_t)0 - A + PG, VM_READ, NULL, NULL), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(vma_protect_range(&mm, A, ~0ull, VM_READ, NULL, NULL), (uint64_t)-ENOMEM);
	CHECK(IS_ERR_VALUE(get_unmapped_area(&mm, ~0ull, 0, MMAP_MIN_ADDR, ~0ull)));
	CHECK(IS_ERR_VALUE(get_unmapped_area(&mm, (uint64_t)0 - PG, 0, MMAP_MIN_ADDR, ~0ull)));
	CHECK(unchanged(&mm, &before));
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	mm_release_vmas(&mm, NULL, NULL);
}

/* ---- Out of memory ---------------------------------------------------------------------- */

TEST(out_of_memory_leaves_the_tree_unchanged)
{
	struct mm_struct mm;
	struct snapshot before;
	struct page **pages;
	void *objs[256];
	uint64_t npages = 0, nobjs = 0, free0;
	struct page *pg;
	void *o;

	new_mm(&mm);
	/* X [100000,110000) RW   Y [120000,130000) R */
	vma_map_range(&mm, 0x100000, 0x10000, F_RW);
	vma_map_range(&mm, 0x120000, 0x10000, F_R);
	free0 = nr_free_pages();
	pages = malloc(sizeof(*pages) * (free0 + 1));
	while ((pg = alloc_page()) != NULL)
		pages[npages++] = pg;
	while (nobjs < 256 && (o = kmem_cache_alloc(vm_area_cachep)) != NULL)
		objs[nobjs++] = o;
	CHECK(nobjs < 256);

	take_snapshot(&mm, &before);
	CHECK_EQ_U64(vma_map_range(&mm, 0x200000, 0x1000, F_RW), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x104000, 0x2000, NULL, NULL), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(vma_protect_range(&mm, 0x124000, 0x4000, VM_READ | VM_WRITE, NULL, NULL), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(vma_protect_range(&mm, 0x120000, 0x4000, VM_READ | VM_WRITE, NULL, NULL), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(split_vma(&mm, vma_first(&mm), 0x108000, 0), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(vma_modify_flags(&mm, 0x104000, 0x2000, VM_HUGEPAGE, 0, NULL), (uint64_t)-ENOMEM);
	CHECK_EQ_U64(vma_modify_flags(&mm, 0x100000, 0x2000, VM_HUGEPAGE, 0, NULL), (uint64_t)-ENOMEM);
	CHECK(unchanged(&mm, &before));

	/* What needs no new VMA still works. */
	CHECK_EQ_U64(vma_map_range(&mm, 0x110000, 0x4000, F_RW), 0);          /* merges */
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x100000, 0x2000, NULL, NULL), 0);  /* trims */
	CHECK_EQ_U64(vma_protect_range(&mm, 0x120000, 0x10000, VM_READ | VM_EXEC, NULL, NULL), 0);
	CHECK(layout_is(&mm, 2, (const uint64_t[][3]){ { 0x102000, 0x114000, F_RW }, { 0x120000, 0x130000, F_RX } }));

	/* One VMA's worth of memory back: one split succeeds, a second does not. */
	kmem_cache_free(vm_area_cachep, objs[--nobjs]);
	CHECK_EQ_U64(vma_protect_range(&mm, 0x120000, 0x4000, VM_READ, NULL, NULL), 0);
	take_snapshot(&mm, &before);
	CHECK_EQ_U64(vma_protect_range(&mm, 0x128000, 0x4000, VM_READ, NULL, NULL), (uint64_t)-ENOMEM);
	CHECK(unchanged(&mm, &before));
	CHECK(layout_is(&mm, 3, (const uint64_t[][3]){ { 0x102000, 0x114000, F_RW }, { 0x120000, 0x124000, F_R },
						      { 0x124000, 0x130000, F_RX } }));

	while (nobjs)
		kmem_cache_free(vm_area_cachep, objs[--nobjs]);
	while (npages)
		__free_page(pages[--npages]);
	free(pages);
	CHECK_EQ_U64(vma_protect_range(&mm, 0x128000, 0x4000, VM_READ, NULL, NULL), 0);
	CHECK_EQ_U64(mm.map_count, 5);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	mm_release_vmas(&mm, NULL, NULL);
	CHECK_EQ_U64(buddy_check(NULL), 0);
}

/* The operations of the injection test, on the layout it builds. */
static int inj_op(struct mm_struct *mm, int op)
{
	switch (op) {
	case 0: return vma_map_range(mm, 0x200000, 0x4000, F_RW);                       /* new VMA */
	case 1: return vma_unmap_range(mm, 0x104000, 0x2000, NULL, NULL);                /* split */
	case 2: return vma_protect_range(mm, 0x124000, 0x4000, VM_READ | VM_WRITE, NULL, NULL); /* two splits */
	case 3: return split_vma(mm, vma_first(mm), 0x108000, 1);
	case 4: return vma_reserve(mm, VMA_RESERVE_MAX);
	default: {   /* MAP_FIXED's pattern: reserve, unmap (split), map; cannot fail after the reserve */
		int err = vma_reserve(mm, 2);
		if (err)
			return err;
		if (vma_unmap_range(mm, 0x104000, 0x4000, NULL, NULL) || vma_map_range(mm, 0x104000, 0x4000, F_R))
			return -EINVAL;   /* would break all-or-nothing */
		vma_unreserve(mm);
		return 0;
	}
	}
}

/* Every VMA operation, with each of its allocations failed in turn (fault
 * injection, paging/buddy.h), either succeeds or leaves the VMAs, the
 * counters and the free frames exactly as they were. */
TEST(injected_failures_change_nothing)
{
	for (int op = 0; op <= 5; op++) {
		uint64_t nth, failures = 0;
		for (nth = 1; nth < 64; nth++) {
			struct mm_struct mm;
			struct snapshot before;

			new_mm(&mm);
			vma_map_range(&mm, 0x100000, 0x10000, F_RW);
			vma_map_range(&mm, 0x120000, 0x10000, F_R);
			kmem_cache_shrink_all();
			take_snapshot(&mm, &before);
			uint64_t free0 = nr_free_pages();
			fail_alloc_arm(nth);
			int err = inj_op(&mm, op);
			bool hit = fail_alloc_disarm();
			if (err) {
				CHECK(hit);
				CHECK_EQ_U64(err, (uint64_t)-ENOMEM);
				CHECK(unchanged(&mm, &before));
				CHECK_EQ_U64(mm.vma_reserved, 0);
				kmem_cache_shrink_all();
				CHECK_EQ_U64(nr_free_pages(), free0);
				failures++;
			}
			vma_unreserve(&mm);
			if (op != 3 || err)   /* a lone split_vma() leaves two mergeable VMAs: vma_check() says so */
				CHECK_EQ_U64(vma_check(&mm, NULL), 0);
			mm_release_vmas(&mm, NULL, NULL);
			if (!hit)
				break;
		}
		CHECK(nth < 64);          /* the operation succeeded once no failure was injected */
		CHECK(failures >= 1);     /* and each allocates, so some failure was tried */
	}
	kmem_cache_shrink_all();
	CHECK_EQ_U64(kmem_cache_total_pages(), 0);
	CHECK_EQ_U64(buddy_check(NULL), 0);
}

/* A reserve is handed out before the cache: with it, splits succeed in an
 * out-of-memory state; unreserve frees what was not used. */
TEST(reserve_makes_splits_infallible)
{
	struct mm_struct mm;

	new_mm(&mm);
	vma_map_range(&mm, 0x100000, 0x10000, F_RW);
	CHECK_EQ_U64(vma_reserve(&mm, VMA_RESERVE_MAX + 1), (uint64_t)-EINVAL);
	CHECK_EQ_U64(vma_reserve(&mm, 3), 0);
	CHECK_EQ_U64(mm.vma_reserved, 3);
	fail_alloc_arm(1);        /* the next allocation fails: the reserve must not need one */
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x104000, 0x1000, NULL, NULL), 0);
	CHECK_EQ_U64(vma_unmap_range(&mm, 0x108000, 0x1000, NULL, NULL), 0);
	CHECK(!fail_alloc_disarm());
	CHECK_EQ_U64(mm.vma_reserved, 1);
	CHECK_EQ_U64(mm.map_count, 3);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	vma_unreserve(&mm);
	CHECK_EQ_U64(mm.vma_reserved, 0);
	CHECK_EQ_U64(vma_reserve(&mm, 2), 0);
	mm_release_vmas(&mm, NULL, NULL);   /* frees the reserve too */
	CHECK_EQ_U64(mm.vma_reserved, 0);
	kmem_cache_shrink_all();
	CHECK_EQ_U64(kmem_cache_total_pages(), 0);
}

/* ---- Many VMAs --------------------------------------------------------------------------- */

struct page_count { uint64_t pages, calls; };

static void count_removed(void *ctx, uint64_t start, uint64_t end)
{
	struct page_count *pc = ctx;

	pc->pages += (end - start) >> PAGE_SHIFT;
	pc->calls++;
}

/* The first live one of the n reference ranges with end > addr, by linear scan; -1 if none. */
static int64_t linear_find(const uint64_t *e, const uint8_t *live, uint32_t n, uint64_t addr)
{
	for (uint32_t i = 0; i < n; i++)
		if (live[i] && e[i] > addr)
			return i;
	return -1;
}

/*
 * n VMAs: number i starts at 3i pages above base and is 1, 2 or 3 pages long
 * (so some touch the next one), flags alternating so none merge; inserted in
 * random order. find_vma() agrees with a linear scan before and after half
 * of them are unmapped, and releasing them all gives back every frame.
 */
static void many_vmas(uint32_t n, uint32_t queries)
{
	const uint64_t base = 0x10000000;
	struct mm_struct mm;
	uint64_t *s = malloc(n * sizeof(*s)), *e = malloc(n * sizeof(*e));
	uint32_t *order = malloc(n * sizeof(*order));
	uint8_t *live = malloc(n);
	uint64_t free0, pages = 0;
	struct page_count pc = { 0, 0 };
	int bad = 0;
	uint32_t log2n = 0;

	memory_ready();
	kmem_cache_shrink_all();
	free0 = nr_free_pages();
	new_mm(&mm);
	for (uint32_t i = 0; i < n; i++) {
		s[i] = base + (uint64_t)i * 3 * PG;
		e[i] = s[i] + (1 + i % 3) * PG;
		live[i] = 1;
		order[i] = i;
		pages += 1 + i % 3;
	}
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(rnd() % (i + 1)), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = order[i];
		bad += vma_map_range(&mm, s[k], e[k] - s[k], (k & 1) ? F_R : F_RW) != 0;
	}
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(mm.map_count, n);
	CHECK_EQ_U64(mm.total_vm, pages);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	/* AVL height bound: 1.4405 log2(n + 2), with log2 rounded up. */
	for (uint64_t x = (uint64_t)n + 1; x; x >>= 1)
		log2n++;
	CHECK(mm.mm_rb->vm_rb_height <= (int32_t)(14405 * log2n / 10000));
	printf("%u VMAs: tree height %d\n", n, mm.mm_rb->vm_rb_height);

	for (int round = 0; round < 2; round++) {
		for (uint32_t q = 0; q < queries; q++) {
			uint64_t addr = base - 8 * PG + rnd() % ((uint64_t)n * 3 * PG + 16 * PG);
			int64_t want = linear_find(e, live, n, addr);
			struct vm_area_struct *got = find_vma(&mm, addr);

			if (want < 0 ? got != NULL : (!got || got->vm_start != s[want] || got->vm_end != e[want]))
				bad++;
		}
		CHECK_EQ_U64(bad, 0);
		if (round == 0) {
			/* Unmap every other VMA, in random order. */
			for (uint32_t i = 0; i < n; i++) {
				uint32_t k = order[i];
				if (k % 2 == 0)
					continue;
				bad += vma_unmap_range(&mm, s[k], e[k] - s[k], NULL, NULL) != 0;
				live[k] = 0;
				pages -= (e[k] - s[k]) / PG;
			}
			CHECK_EQ_U64(bad, 0);
			CHECK_EQ_U64(mm.map_count, (n + 1) / 2);
			CHECK_EQ_U64(mm.total_vm, pages);
			CHECK_EQ_U64(vma_check(&mm, NULL), 0);
		}
	}
	mm_release_vmas(&mm, count_removed, &pc);
	CHECK_EQ_U64(pc.calls, (n + 1) / 2);
	CHECK_EQ_U64(pc.pages, pages);
	CHECK_EQ_U64(mm.map_count + mm.total_vm, 0);
	kmem_cache_shrink_all();
	CHECK_EQ_U64(nr_free_pages(), free0);   /* every frame of every VMA is back */
	free(s);
	free(e);
	free(order);
	free(live);
}

TEST(ten_thousand_vmas) { many_vmas(10000, 4000); }
TEST(hundred_thousand_vmas) { many_vmas(100000, 1000); }

/* ---- Random operations against a shadow model ------------------------------------------- */

#define SH_BASE  0x40000000ull
#define SH_PAGES 256

static uint64_t shadow[SH_PAGES];   /* flags of each page, 0 = unmapped */

static const uint64_t shadow_flags[] = { F_RW, F_R, F_RX, F_NONE, F_SHRW, F_RONLY,
					  F_RW | VM_NORESERVE, F_R | VM_HUGEPAGE, F_RX | VM_LOCKED };
#define NR_SHADOW_FLAGS (sizeof(shadow_flags) / sizeof(shadow_flags[0]))

/* Appends the runs of equal nonzero flags in pages [p, q) whose flags make
 * keep() true, as address ranges. */
static void shadow_runs(uint32_t p, uint32_t q, uint64_t rwx, int only_changed, struct calls *out)
{
	memset(out, 0, sizeof(*out));
	for (uint32_t i = p; i < q;) {
		uint32_t j = i;

		if (!shadow[i]) {
			i++;
			continue;
		}
		while (j < q && shadow[j] == shadow[i])
			j++;
		if (!only_changed || ((shadow[i] & ~VM_ACCESS_FLAGS) | rwx) != shadow[i])
			record(out, SH_BASE + i * PG, SH_BASE + j * PG);
		i = j;
	}
}

/* Returns 1 if the VMAs are exactly the maximal runs of the shadow. */
static int matches_shadow(struct mm_struct *mm)
{
	struct calls runs;
	struct vm_area_struct *v = vma_first(mm);
	uint64_t total = 0;

	shadow_runs(0, SH_PAGES, 0, 0, &runs);
	for (uint32_t i = 0; i < runs.n; i++, v = vma_next(v)) {
		if (!v || v->vm_start != runs.s[i] || v->vm_end != runs.e[i] ||
		    v->vm_flags != shadow[(runs.s[i] - SH_BASE) / PG])
			return 0;
		total += (runs.e[i] - runs.s[i]) / PG;
	}
	return v == NULL && mm->total_vm == total;
}

static int same_calls(const struct calls *a, const struct calls *b)
{
	if (a->n != b->n)
		return 0;
	for (uint32_t i = 0; i < a->n && i < MAX_CALLS; i++)
		if (a->s[i] != b->s[i] || a->e[i] != b->e[i])
			return 0;
	return 1;
}

TEST(random_operations_match_a_shadow_model)
{
	struct mm_struct mm;
	struct calls got, want;
	int bad_ret = 0, bad_calls = 0, bad_check = 0, bad_shape = 0, bad_area = 0;
	uint32_t counts[4] = { 0, 0, 0, 0 }, failures = 0, most = 0;
	uint64_t vma_steps = 0;

	new_mm(&mm);
	mm.mmap_base = SH_BASE + SH_PAGES / 2 * PG;
	memset(shadow, 0, sizeof(shadow));
	for (uint32_t step = 0; step < 20000; step++) {
		uint32_t op = (uint32_t)(rnd() % 100), p = (uint32_t)(rnd() % SH_PAGES), n, q;
		int ret, want_ret = 0;

		op = op < 35 ? 0 : op < 60 ? 1 : op < 90 ? 2 : 3;
		counts[op]++;
		n = 1 + (uint32_t)(rnd() % (op == 1 ? 32 : op == 2 ? 32 : 16));
		q = p + n > SH_PAGES ? SH_PAGES : p + n;
		memset(&got, 0, sizeof(got));
		memset(&want, 0, sizeof(want));

		if (op == 0) {              /* mmap */
			uint64_t f = shadow_flags[rnd() % NR_SHADOW_FLAGS];

			for (uint32_t i = p; i < q; i++)
				if (shadow[i])
					want_ret = -EEXIST;
			ret = vma_map_range(&mm, SH_BASE + p * PG, (q - p) * PG, f);
			if (want_ret == 0)
				for (uint32_t i = p; i < q; i++)
					shadow[i] = f;
		} else if (op == 1) {       /* munmap */
			shadow_runs(p, q, 0, 0, &want);
			ret = vma_unmap_range(&mm, SH_BASE + p * PG, (q - p) * PG, record, &got);
			for (uint32_t i = p; i < q; i++)
				shadow[i] = 0;
		} else if (op == 2) {       /* mprotect */
			uint64_t rwx = rnd() % 8;   /* VM_READ | VM_WRITE | VM_EXEC are bits 0..2 */

			/* As Linux: the first problem in address order decides. */
			for (uint32_t i = p; i < q && want_ret == 0; i++) {
				uint64_t nf = (shadow[i] & ~VM_ACCESS_FLAGS) | rwx;
				if (!shadow[i])
					want_ret = -ENOMEM;
				else if ((nf & ~(nf >> 4)) & VM_ACCESS_FLAGS)
					want_ret = -EACCES;
			}
			if (want_ret == 0)
				shadow_runs(p, q, rwx, 1, &want);
			ret = vma_protect_range(&mm, SH_BASE + p * PG, (q - p) * PG, rwx, record, &got);
			if (want_ret == 0)
				for (uint32_t i = p; i < q; i++)
					shadow[i] = (shadow[i] & ~VM_ACCESS_FLAGS) | rwx;
		} else {                    /* get_unmapped_area inside the window */
			uint64_t len = (1 + rnd() % 8) * PG, lo = SH_BASE + p * PG;
			uint64_t hi = SH_BASE + (p + rnd() % (SH_PAGES - p + 1)) * PG;
			uint64_t hint = (rnd() % 3 == 0) ? SH_BASE + (rnd() % SH_PAGES) * PG : 0;

			ret = 0;
			if (get_unmapped_area(&mm, len, hint, lo, hi) != brute_unmapped_area(&mm, len, hint, lo, hi))
				bad_area++;
		}
		failures += ret != 0;
		bad_ret += ret != want_ret;
		bad_calls += !same_calls(&got, &want);
		bad_check += vma_check(&mm, NULL) != 0;
		bad_shape += !matches_shadow(&mm);
		vma_steps += mm.map_count;
		if (mm.map_count > most)
			most = mm.map_count;
		if ((ret != want_ret || !same_calls(&got, &want) || !matches_shadow(&mm)) &&
		    bad_ret + bad_calls + bad_shape < 4)
			printf("  step %u op %u pages [%u, %u): ret %d want %d, %u calls want %u\n",
			       step, op, p, q, ret, want_ret, got.n, want.n);
	}
	CHECK_EQ_U64(bad_ret, 0);
	CHECK_EQ_U64(bad_calls, 0);
	CHECK_EQ_U64(bad_check, 0);
	CHECK_EQ_U64(bad_shape, 0);
	CHECK_EQ_U64(bad_area, 0);
	/* The run really exercised every operation, and failures too. */
	CHECK(counts[0] > 5000 && counts[1] > 3000 && counts[2] > 4000 && counts[3] > 1000);
	CHECK(failures > 1000);
	printf("random run: %u maps, %u unmaps, %u protects, %u area searches, %u refused; "
	       "%llu VMAs on average, %u at most\n", counts[0], counts[1], counts[2], counts[3], failures,
	       (unsigned long long)(vma_steps / 20000), most);
	mm_release_vmas(&mm, NULL, NULL);
}

/* ---- Frame accounting ------------------------------------------------------------------------ */

TEST(released_address_space_returns_every_frame)
{
	struct mm_struct mm;
	uint64_t free0;
	struct page_count pc = { 0, 0 };
	uint64_t total;

	memory_ready();
	kmem_cache_shrink_all();
	free0 = nr_free_pages();
	new_mm(&mm);
	for (uint32_t i = 0; i < 3000; i++)
		vma_map_range(&mm, 0x1000000 + (uint64_t)i * 2 * PG, PG, (i % 3) ? F_RW : F_RX);
	for (uint32_t i = 0; i < 3000; i += 2)
		CHECK_EQ_U64(vma_protect_range(&mm, 0x1000000 + (uint64_t)i * 2 * PG, PG, VM_READ, NULL, NULL), 0);
	CHECK_EQ_U64(mm.exec_vm, 500);   /* the RX ones at odd multiples of 3 */
	CHECK(nr_free_pages() < free0);
	total = mm.total_vm;
	CHECK_EQ_U64(total, 3000);
	mm_release_vmas(&mm, count_removed, &pc);
	CHECK_EQ_U64(pc.calls, 3000);
	CHECK_EQ_U64(pc.pages, total);
	CHECK_EQ_U64(vma_check(&mm, NULL), 0);
	kmem_cache_shrink_all();
	CHECK_EQ_U64(nr_free_pages(), free0);
	CHECK_EQ_U64(kmem_cache_total_pages(), 0);
}

UNIT_MAIN(
	UNIT(protection_map_matches_linux_x86),
	UNIT(mm_init_defaults),
	UNIT(find_vma_on_a_hand_built_layout),
	UNIT(find_vma_cache_is_right_after_removal),
	UNIT(map_merges_compatible_neighbours),
	UNIT(map_refuses_overlaps_and_bad_ranges),
	UNIT(insert_vm_struct_does_not_merge),
	UNIT(unmap_handles_every_overlap_shape),
	UNIT(protect_splits_and_merges_back),
	UNIT(protect_failures_change_nothing),
	UNIT(split_vma_and_check_catch_problems),
	UNIT(unmapped_area_top_down_and_hints),
	UNIT(unmapped_area_keeps_the_stack_guard_gap),
	UNIT(unmapped_area_matches_a_linear_scan),
	UNIT(expand_stack_limits_and_guard_gap),
	UNIT(expand_stack_absorbs_an_equal_vma_below),
	UNIT(expand_stack_stops_at_mmap_min_addr),
	UNIT(modify_flags_splits_the_middle_and_merges_back),
	UNIT(modify_flags_skips_holes_and_refuses_bad_ranges),
	UNIT(wrapping_ranges_are_refused),
	UNIT(out_of_memory_leaves_the_tree_unchanged),
	UNIT(injected_failures_change_nothing),
	UNIT(reserve_makes_splits_infallible),
	UNIT(ten_thousand_vmas),
	UNIT(hundred_thousand_vmas),
	UNIT(random_operations_match_a_shadow_model),
	UNIT(released_address_space_returns_every_frame)
)
