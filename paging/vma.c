/*
 * The VMAs of an address space (design in vma.h and mm_types.h).
 *
 * Layout of this file, bottom-up:
 *   1. the AVL tree keyed by vm_start, augmented with the largest free gap
 *      of each subtree (the space between a VMA and the one before it), so
 *      that find_vma() and get_unmapped_area() are O(log n);
 *   2. linking: list and tree kept in step, and the bound changes that move
 *      a gap (every change of vm_start/vm_end goes through set_vm_start /
 *      set_vm_end so the gaps stay right);
 *   3. Linux's building blocks and the range operations made of them;
 *   4. vma_check().
 *
 * Failure atomicity: the only thing that can fail midway is allocating a
 * VMA for a split, so each operation first works out how many it needs,
 * allocates them all, and only then changes anything.
 */
#include "paging/vma.h"
#include "paging/filemap.h"

#include <stddef.h>

#include "lib/check_result.h"
#include "base/string.h"
#include "paging/mm.h"
#include "paging/mm_account.h"
#include "paging/range.h"
#include "paging/rmap.h"
#include "paging/slab.h"

static struct kmem_cache *vm_area_cachep;

static uint64_t vma_page_align(uint64_t x) { return (x + PAGE_SIZE - 1) & PAGE_MASK; }
static uint64_t vma_max(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* ---- Protections and page accounting ---------------------------------------- */

pgprot_t vm_get_page_prot(uint64_t vm_flags)
{
	switch (vm_flags & (VM_READ | VM_WRITE | VM_EXEC | VM_SHARED)) {
	case VM_READ:
		return PAGE_READONLY;
	case VM_WRITE:
	case VM_WRITE | VM_READ:
		return PAGE_COPY;
	case VM_EXEC:
	case VM_EXEC | VM_READ:
		return PAGE_READONLY_EXEC;
	case VM_EXEC | VM_WRITE:
	case VM_EXEC | VM_WRITE | VM_READ:
		return PAGE_COPY_EXEC;
	case VM_SHARED | VM_READ:
		return PAGE_READONLY;
	case VM_SHARED | VM_WRITE:
	case VM_SHARED | VM_WRITE | VM_READ:
		return PAGE_SHARED;
	case VM_SHARED | VM_EXEC:
	case VM_SHARED | VM_EXEC | VM_READ:
		return PAGE_READONLY_EXEC;
	case VM_SHARED | VM_EXEC | VM_WRITE:
	case VM_SHARED | VM_EXEC | VM_WRITE | VM_READ:
		return PAGE_SHARED_EXEC;
	default:   /* VM_NONE, VM_SHARED */
		return PAGE_NONE;
	}
}

static bool is_exec_mapping(uint64_t f) { return (f & (VM_WRITE | VM_EXEC | VM_STACK)) == VM_EXEC; }
static bool is_stack_mapping(uint64_t f) { return (f & VM_STACK) == VM_STACK; }

uint64_t vm_hugetlb_committed[2];

/* Linux's vm_stat_account(): adds npages (may be negative) to mm's counters,
 * and a hugetlb VMA's to the pages its pool has reserved (none for
 * VM_NORESERVE: MAP_NORESERVE, or a copy made by fork). */
static void vm_stat_account(struct mm_struct *mm, uint64_t flags, int64_t npages)
{
	if ((flags & (VM_HUGETLB | VM_NORESERVE)) == VM_HUGETLB)
		vm_hugetlb_committed[(flags & VM_HUGETLB_1G) ? 1 : 0] += (uint64_t)npages;
	mm->total_vm += (uint64_t)npages;
	if (is_exec_mapping(flags))
		mm->exec_vm += (uint64_t)npages;
	else if (is_stack_mapping(flags))
		mm->stack_vm += (uint64_t)npages;
	else if (vma_is_data_flags(flags))
		mm->data_vm += (uint64_t)npages;
}

static int64_t vma_range_pages(uint64_t start, uint64_t end) { return (int64_t)((end - start) >> PAGE_SHIFT); }

/* Whether a VMA with these attributes may become one with vma. The one place
 * to extend when VMAs get more attributes than their flags. */
static bool is_mergeable_vma(const struct vm_area_struct *vma, uint64_t vm_flags)
{
	/* A hugetlb mapping is its own file in Linux: never merged with another. */
	return ((vma->vm_flags ^ vm_flags) & ~VM_SD_CLEAN) == 0 && !(vm_flags & VM_HUGETLB) && !vma->vm_file;
}

/* The size of vma's pages: 4 KiB, or a hugetlb VMA's 2 MiB / 1 GiB. */
static uint64_t vma_page_size(const struct vm_area_struct *vma)
{
	if (!(vma->vm_flags & VM_HUGETLB))
		return PAGE_SIZE;
	return (vma->vm_flags & VM_HUGETLB_1G) ? (1ull << 30) : (1ull << 21);
}

/* 0 if vma may be split at addr, else -EINVAL: a hugetlb VMA only at a page
 * boundary of its size (Linux's hugetlb_vm_op_split). */
static int vma_may_split(const struct vm_area_struct *vma, uint64_t addr)
{
	return (addr & (vma_page_size(vma) - 1)) ? -EINVAL : 0;
}

/* 0 if no VMA of mm would have to be split at addr in a way it refuses. */
static int split_allowed_at(struct mm_struct *mm, uint64_t addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);
	if (!vma || vma->vm_start >= addr)
		return 0;
	return vma_may_split(vma, addr);
}

/* Two touching VMAs are one if their flags match and they map the same
 * file at consecutive offsets (or both anonymous memory). */
static bool vma_can_merge(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	if (!a || !b || a->vm_end != b->vm_start || a->vm_flags != b->vm_flags || a->vm_file != b->vm_file)
		return false;
	return !a->vm_file || a->vm_pgoff + vma_pages(a) == b->vm_pgoff;
}

/* ---- The tree ------------------------------------------------------------------ */

static int32_t vma_node_height(const struct vm_area_struct *v) { return v ? v->vm_rb_height : 0; }
static uint64_t vma_node_gap(const struct vm_area_struct *v) { return v ? v->vm_rb_subtree_gap : 0; }

/* Where the free space below v begins: the end of the VMA before it, or 0. */
static uint64_t vma_prev_end(const struct vm_area_struct *v) { return v->vm_prev ? v->vm_prev->vm_end : 0; }

/* Recomputes v's height and subtree gap from its children and list neighbour. */
static void vma_node_update(struct vm_area_struct *v)
{
	int32_t hl = vma_node_height(v->vm_rb_left), hr = vma_node_height(v->vm_rb_right);
	uint64_t gap = v->vm_start - vma_prev_end(v);

	v->vm_rb_height = 1 + (hl > hr ? hl : hr);
	gap = vma_max(gap, vma_node_gap(v->vm_rb_left));
	v->vm_rb_subtree_gap = vma_max(gap, vma_node_gap(v->vm_rb_right));
}

/* Puts new where old hangs under parent (or at the root). */
static void vma_replace_child(struct mm_struct *mm, struct vm_area_struct *parent,
			  struct vm_area_struct *old, struct vm_area_struct *new)
{
	if (!parent)
		mm->mm_rb = new;
	else if (parent->vm_rb_left == old)
		parent->vm_rb_left = new;
	else
		parent->vm_rb_right = new;
	if (new)
		new->vm_rb_parent = parent;
}

/* Rotations; each returns the node now at x's place. */
static struct vm_area_struct *vma_rotate_left(struct mm_struct *mm, struct vm_area_struct *x)
{
	struct vm_area_struct *y = x->vm_rb_right;

	x->vm_rb_right = y->vm_rb_left;
	if (y->vm_rb_left)
		y->vm_rb_left->vm_rb_parent = x;
	vma_replace_child(mm, x->vm_rb_parent, x, y);
	y->vm_rb_left = x;
	x->vm_rb_parent = y;
	vma_node_update(x);
	vma_node_update(y);
	return y;
}

static struct vm_area_struct *vma_rotate_right(struct mm_struct *mm, struct vm_area_struct *x)
{
	struct vm_area_struct *y = x->vm_rb_left;

	x->vm_rb_left = y->vm_rb_right;
	if (y->vm_rb_right)
		y->vm_rb_right->vm_rb_parent = x;
	vma_replace_child(mm, x->vm_rb_parent, x, y);
	y->vm_rb_right = x;
	x->vm_rb_parent = y;
	vma_node_update(x);
	vma_node_update(y);
	return y;
}

/*
 * Walks from v to the root recomputing heights and gaps and restoring the
 * AVL balance. Called after any change below or at v: a node linked or
 * unlinked there, or a gap that moved (v's vm_start, its predecessor's end).
 */
static void vma_tree_fixup(struct mm_struct *mm, struct vm_area_struct *v)
{
	while (v) {
		int32_t balance;

		vma_node_update(v);
		balance = vma_node_height(v->vm_rb_left) - vma_node_height(v->vm_rb_right);
		if (balance > 1) {
			struct vm_area_struct *l = v->vm_rb_left;
			if (vma_node_height(l->vm_rb_left) < vma_node_height(l->vm_rb_right))
				vma_rotate_left(mm, l);
			v = vma_rotate_right(mm, v);
		} else if (balance < -1) {
			struct vm_area_struct *r = v->vm_rb_right;
			if (vma_node_height(r->vm_rb_right) < vma_node_height(r->vm_rb_left))
				vma_rotate_right(mm, r);
			v = vma_rotate_left(mm, v);
		}
		v = v->vm_rb_parent;
	}
}

/* Adds vma to the tree by vm_start (its list links must already be set). */
static void vma_tree_insert(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct **link = &mm->mm_rb, *parent = NULL;

	while (*link) {
		parent = *link;
		link = vma->vm_start < parent->vm_start ? &parent->vm_rb_left : &parent->vm_rb_right;
	}
	vma->vm_rb_left = vma->vm_rb_right = NULL;
	vma->vm_rb_parent = parent;
	vma->vm_rb_height = 1;
	*link = vma;
	vma_tree_fixup(mm, vma);
}

/* Takes vma out of the tree (its list links must already be gone). */
static void vma_tree_erase(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *fix;

	if (vma->vm_rb_left && vma->vm_rb_right) {
		/* Put the in-order successor s (no left child) in vma's place. */
		struct vm_area_struct *s = vma->vm_rb_right;

		while (s->vm_rb_left)
			s = s->vm_rb_left;
		if (s->vm_rb_parent == vma) {
			fix = s;
		} else {
			fix = s->vm_rb_parent;
			vma_replace_child(mm, fix, s, s->vm_rb_right);
			s->vm_rb_right = vma->vm_rb_right;
			s->vm_rb_right->vm_rb_parent = s;
		}
		vma_replace_child(mm, vma->vm_rb_parent, vma, s);
		s->vm_rb_left = vma->vm_rb_left;
		s->vm_rb_left->vm_rb_parent = s;
	} else {
		fix = vma->vm_rb_parent;
		vma_replace_child(mm, fix, vma, vma->vm_rb_left ? vma->vm_rb_left : vma->vm_rb_right);
	}
	vma->vm_rb_left = vma->vm_rb_right = vma->vm_rb_parent = NULL;
	vma_tree_fixup(mm, fix);
}

static struct vm_area_struct *vma_tree_last(const struct mm_struct *mm)
{
	struct vm_area_struct *v = mm->mm_rb;

	while (v && v->vm_rb_right)
		v = v->vm_rb_right;
	return v;
}

/* ---- Linking ------------------------------------------------------------------- */

/* Adds vma to list and tree after prev (NULL: first); vma must fit between
 * prev and prev's successor. */
static void vma_link(struct mm_struct *mm, struct vm_area_struct *vma, struct vm_area_struct *prev)
{
	struct vm_area_struct *next = prev ? prev->vm_next : mm->mmap;

	vma->vm_prev = prev;
	vma->vm_next = next;
	if (prev)
		prev->vm_next = vma;
	else
		mm->mmap = vma;
	if (next)
		next->vm_prev = vma;
	/* next's gap now begins at vma's end; next is the ancestor where the
	 * search for vma's leaf last went left, so this walk recomputes it. */
	vma_tree_insert(mm, vma);
	mm->map_count++;
}

/* Takes vma out of list and tree (not freed, pages not unaccounted). */
static void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *prev = vma->vm_prev, *next = vma->vm_next;

	if (prev)
		prev->vm_next = next;
	else
		mm->mmap = next;
	if (next)
		next->vm_prev = prev;
	vma->vm_next = vma->vm_prev = NULL;
	vma_tree_erase(mm, vma);
	if (next)
		vma_tree_fixup(mm, next);   /* its gap now begins at prev's end */
	if (mm->mmap_cache == vma)
		mm->mmap_cache = NULL;
	mm->map_count--;
}

/* Moves vma's start; the caller keeps it between its neighbours. */
static void set_vm_start(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t start)
{
	if (vma->vm_file)   /* the file offset at vm_start moves with it */
		vma->vm_pgoff += (uint64_t)((int64_t)(start - vma->vm_start) >> PAGE_SHIFT);
	vma->vm_start = start;
	vma_tree_fixup(mm, vma);
}

/* Moves vma's end; the caller keeps it below the next VMA. */
static void set_vm_end(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t end)
{
	vma->vm_end = end;
	if (vma->vm_next)
		vma_tree_fixup(mm, vma->vm_next);
}

/* Sets flags and the protection that goes with them. */
static void set_vm_flags(struct vm_area_struct *vma, uint64_t vm_flags)
{
	vma->vm_flags = vm_flags;
	vma->vm_page_prot = vm_get_page_prot(vm_flags);
}

/* If next touches vma and is equal, vma takes next's range and next is freed. */
static void vma_merge_with_next(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *next = vma->vm_next;
	uint64_t end;

	if (!vma_can_merge(vma, next))
		return;
	end = next->vm_end;
	vma_unlink(mm, next);
	vm_area_free(next);
	set_vm_end(mm, vma, end);
}

/* ---- Allocation ----------------------------------------------------------------- */

struct vm_area_struct *vm_area_alloc(struct mm_struct *mm)
{
	struct vm_area_struct *vma;

	if (mm->vma_reserved) {
		vma = mm->vma_reserve[--mm->vma_reserved];
		memset(vma, 0, sizeof(*vma));
		vma->vm_mm = mm;
		return vma;
	}
	if (!vm_area_cachep)
		return NULL;
	vma = kmem_cache_zalloc(vm_area_cachep);
	if (vma)
		vma->vm_mm = mm;
	return vma;
}

void vm_area_free(struct vm_area_struct *vma)
{
	if (vma && vma->vm_file) {
		vma_unlink_file(vma);
		if (vma->vm_ops && vma->vm_ops->close)
			vma->vm_ops->close(vma);
	}
	kmem_cache_free(vm_area_cachep, vma);
}

int vma_reserve(struct mm_struct *mm, uint32_t n)
{
	if (n > VMA_RESERVE_MAX)
		return -EINVAL;
	while (mm->vma_reserved < n) {
		struct vm_area_struct *vma = vm_area_cachep ? kmem_cache_zalloc(vm_area_cachep) : NULL;   /* vm_area_free reads vm_file */

		if (!vma) {
			vma_unreserve(mm);
			return -ENOMEM;
		}
		mm->vma_reserve[mm->vma_reserved++] = vma;
	}
	return 0;
}

void vma_unreserve(struct mm_struct *mm)
{
	while (mm->vma_reserved)
		vm_area_free(mm->vma_reserve[--mm->vma_reserved]);
}

int mm_init(struct mm_struct *mm)
{
	if (!vm_area_cachep) {
		vm_area_cachep = kmem_cache_create("vm_area_struct", sizeof(struct vm_area_struct), 0);
		if (!vm_area_cachep)
			return -ENOMEM;
	}
	memset(mm, 0, sizeof(*mm));
	mm->task_size = TASK_SIZE_MAX;
	mm->mmap_base = (mm->task_size - MMAP_MIN_GAP) & PAGE_MASK;
	mm->stack_guard_gap = STACK_GUARD_GAP;
	return 0;
}

void mm_release_vmas(struct mm_struct *mm, vma_range_fn on_removed, void *ctx)
{
	struct vm_area_struct *vma = mm->mmap;

	vma_unreserve(mm);
	for (struct vm_area_struct *v = vma; v; v = v->vm_next)
		if ((v->vm_flags & (VM_HUGETLB | VM_NORESERVE)) == VM_HUGETLB)
			vm_hugetlb_committed[(v->vm_flags & VM_HUGETLB_1G) ? 1 : 0] -= vma_pages(v);
	mm->mm_rb = mm->mmap = mm->mmap_cache = NULL;
	mm->map_count = 0;
	mm->total_vm = mm->exec_vm = mm->stack_vm = mm->data_vm = 0;
	while (vma) {
		struct vm_area_struct *next = vma->vm_next;
		uint64_t start = vma->vm_start, end = vma->vm_end;

		vm_area_free(vma);
		if (on_removed)
			on_removed(ctx, start, end);
		vma = next;
	}
}

/* ---- Lookup -------------------------------------------------------------------- */

struct vm_area_struct *__find_vma(struct mm_struct *mm, uint64_t addr)
{
	struct vm_area_struct *vma = NULL, *v;

	for (v = mm->mm_rb; v;) {
		if (v->vm_end > addr) {
			vma = v;
			if (v->vm_start <= addr)
				break;
			v = v->vm_rb_left;
		} else {
			v = v->vm_rb_right;
		}
	}
	if (vma)
		mm->mmap_cache = vma;
	return vma;
}

struct vm_area_struct *find_vma_prev(struct mm_struct *mm, uint64_t addr,
				     struct vm_area_struct **pprev)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	*pprev = vma ? vma->vm_prev : vma_tree_last(mm);
	return vma;
}

struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, uint64_t start, uint64_t end)
{
	struct vm_area_struct *vma = find_vma(mm, start);

	return (vma && vma->vm_start < end) ? vma : NULL;
}

uint64_t vm_start_gap(const struct mm_struct *mm, const struct vm_area_struct *vma)
{
	uint64_t start = vma->vm_start;

	if (vma->vm_flags & VM_GROWSDOWN)
		start = start > mm->stack_guard_gap ? start - mm->stack_guard_gap : 0;
	return start;
}

/* ---- Building blocks ----------------------------------------------------------- */

/* Returns 0 if [start, end) is a non-empty page-aligned range of user space,
 * else -EINVAL. */
static int vma_range_invalid(const struct mm_struct *mm, uint64_t start, uint64_t end)
{
	if (start >= end || (start | end) & ~PAGE_MASK || end > mm->task_size)
		return -EINVAL;
	return 0;
}

int insert_vm_struct(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *prev, *next;

	if (vma_range_invalid(mm, vma->vm_start, vma->vm_end))
		return -EINVAL;
	next = find_vma_prev(mm, vma->vm_start, &prev);
	if (next && next->vm_start < vma->vm_end)
		return -EEXIST;
	vma->vm_mm = mm;
	vma->vm_page_prot = vm_get_page_prot(vma->vm_flags);
	vma_link(mm, vma, prev);
	vm_stat_account(mm, vma->vm_flags, (int64_t)vma_pages(vma));
	return 0;
}

struct vm_area_struct *vma_merge(struct mm_struct *mm, struct vm_area_struct *prev,
				 uint64_t start, uint64_t end, uint64_t vm_flags)
{
	struct vm_area_struct *next = prev ? prev->vm_next : mm->mmap;
	bool merge_prev, merge_next;

	if (vma_range_invalid(mm, start, end) || (prev && (prev->vm_mm != mm || prev->vm_end > start)) ||
	    (next && next->vm_start < end))
		return NULL;
	merge_prev = prev && prev->vm_end == start && is_mergeable_vma(prev, vm_flags);
	merge_next = next && next->vm_start == end && is_mergeable_vma(next, vm_flags);
	if (!merge_prev && !merge_next)
		return NULL;

	vm_stat_account(mm, vm_flags, vma_range_pages(start, end));
	/* The grown VMA is soft-dirty again, as Linux's mmap_region marks it. */
	if (merge_prev) {
		prev->vm_flags &= ~VM_SD_CLEAN;
		if (merge_next)
			next->vm_flags &= ~VM_SD_CLEAN;
		set_vm_end(mm, prev, end);
		vma_merge_with_next(mm, prev);   /* closes the hole entirely if next fits too */
		return prev;
	}
	next->vm_flags &= ~VM_SD_CLEAN;
	set_vm_start(mm, next, start);
	return next;
}

/* split_vma() with the new VMA supplied: cannot fail. */
static void split_vma_with(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr,
			   int new_below, struct vm_area_struct *new)
{
	*new = *vma;   /* same attributes, whatever fields VMAs carry */
	vma_copied(new);
	if (new_below) {
		new->vm_end = addr;
		set_vm_start(mm, vma, addr);
		vma_link(mm, new, vma->vm_prev);
	} else {
		if (new->vm_file)
			new->vm_pgoff += (addr - new->vm_start) >> PAGE_SHIFT;
		new->vm_start = addr;
		set_vm_end(mm, vma, addr);
		vma_link(mm, new, vma);
	}
}

int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr, int new_below)
{
	struct vm_area_struct *new;

	if ((addr & ~PAGE_MASK) || addr <= vma->vm_start || addr >= vma->vm_end)
		return -EINVAL;
	new = vm_area_alloc(mm);
	if (!new)
		return -ENOMEM;
	split_vma_with(mm, vma, addr, new_below, new);
	return 0;
}

/* ---- Range operations ---------------------------------------------------------- */

/* Sets *end for [start, start + len) with len rounded up to pages. Returns 0;
 * -EINVAL for an unaligned start or len 0; bad_range_err if the range wraps
 * or leaves user space (mmap and mprotect say -ENOMEM there, munmap -EINVAL). */
static int vma_user_range(const struct mm_struct *mm, uint64_t start, uint64_t len, uint64_t *end,
			  int bad_range_err)
{
	if ((start & ~PAGE_MASK) || len == 0)
		return -EINVAL;
	if (len > mm->task_size || !range_in_user(start, vma_page_align(len), mm->task_size))
		return bad_range_err;
	*end = start + vma_page_align(len);
	return 0;
}

int vma_map_range(struct mm_struct *mm, uint64_t start, uint64_t len, uint64_t vm_flags)
{
	struct vm_area_struct *prev, *next, *vma;
	uint64_t end;
	int err = vma_user_range(mm, start, len, &end, -ENOMEM);

	if (err)
		return err;
	next = find_vma_prev(mm, start, &prev);
	if (next && next->vm_start < end)
		return -EEXIST;
	if (vma_merge(mm, prev, start, end, vm_flags))
		return 0;
	vma = vm_area_alloc(mm);
	if (!vma)
		return -ENOMEM;
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_flags = vm_flags;
	return insert_vm_struct(mm, vma);   /* cannot fail: the range was checked */
}

/* The rmap lock (paging/rmap.h): defined here, with the i_mmap lists it
 * guards, so every program that links VMAs has it. */
DEFINE_SPINLOCK(rmap_lock);

/* See paging/vma.h. */
void vma_link_file(struct vm_area_struct *vma)
{
	struct address_space *mapping = vma->vm_mapping;
	spin_lock(&rmap_lock);   /* the i_mmap lists (paging/rmap.h) */
	vma->vm_mapping_prev = NULL;
	vma->vm_mapping_next = mapping->i_mmap;
	if (mapping->i_mmap)
		mapping->i_mmap->vm_mapping_prev = vma;
	mapping->i_mmap = vma;
	spin_unlock(&rmap_lock);
}

/* See paging/vma.h. */
void vma_unlink_file(struct vm_area_struct *vma)
{
	struct address_space *mapping = vma->vm_mapping;
	spin_lock(&rmap_lock);
	if (vma->vm_mapping_prev)
		vma->vm_mapping_prev->vm_mapping_next = vma->vm_mapping_next;
	else if (mapping->i_mmap == vma)
		mapping->i_mmap = vma->vm_mapping_next;
	if (vma->vm_mapping_next)
		vma->vm_mapping_next->vm_mapping_prev = vma->vm_mapping_prev;
	vma->vm_mapping_next = vma->vm_mapping_prev = NULL;
	spin_unlock(&rmap_lock);
}

/* See paging/vma.h. */
void vma_copied(struct vm_area_struct *vma)
{
	if (!vma->vm_file)
		return;
	vma_link_file(vma);
	if (vma->vm_ops && vma->vm_ops->open)
		vma->vm_ops->open(vma);
}

int vma_map_file(struct mm_struct *mm, uint64_t start, uint64_t len, uint64_t vm_flags, struct file *file,
		 struct address_space *mapping, uint64_t pgoff, const struct vm_operations_struct *vm_ops)
{
	struct vm_area_struct *prev, *next, *vma;
	uint64_t end;
	int err = vma_user_range(mm, start, len, &end, -ENOMEM);

	if (err)
		return err;
	next = find_vma_prev(mm, start, &prev);
	if (next && next->vm_start < end)
		return -EEXIST;
	vma = vm_area_alloc(mm);
	if (!vma)
		return -ENOMEM;
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_flags = vm_flags;
	vma->vm_file = file;
	vma->vm_pgoff = pgoff;
	vma->vm_ops = vm_ops;
	vma->vm_mapping = mapping;
	vma_link_file(vma);
	if (vm_ops && vm_ops->open)
		vm_ops->open(vma);
	insert_vm_struct(mm, vma);   /* cannot fail: the range was checked */
	/* Neighbours mapping the pages just before or after become one VMA
	 * (their own file references go with the VMA freed). */
	vma_merge_with_next(mm, vma);
	if (vma_can_merge(vma->vm_prev, vma))
		vma_merge_with_next(mm, vma->vm_prev);
	return 0;
}

int vma_unmap_range(struct mm_struct *mm, uint64_t start, uint64_t len,
		    vma_range_fn on_removed, void *ctx)
{
	struct vm_area_struct *vma;
	uint64_t end;
	int err = vma_user_range(mm, start, len, &end, -EINVAL);

	if (err)
		return err;
	vma = find_vma(mm, start);
	if (!vma || vma->vm_start >= end)
		return 0;
	if (split_allowed_at(mm, start) || split_allowed_at(mm, end))
		return -EINVAL;

	if (vma->vm_start < start && vma->vm_end > end) {
		/* A hole punched into one VMA: the part above becomes a new VMA. */
		struct vm_area_struct *upper = vm_area_alloc(mm);

		if (!upper)
			return -ENOMEM;
		split_vma_with(mm, vma, end, 0, upper);
	}
	if (vma->vm_start < start) {
		uint64_t old_end = vma->vm_end;

		set_vm_end(mm, vma, start);
		vm_stat_account(mm, vma->vm_flags, -vma_range_pages(start, old_end));
		if (on_removed)
			on_removed(ctx, start, old_end);
		vma = vma->vm_next;
	}
	while (vma && vma->vm_start < end) {
		struct vm_area_struct *next = vma->vm_next;
		uint64_t piece_start = vma->vm_start;

		if (vma->vm_end <= end) {
			uint64_t piece_end = vma->vm_end;

			vma_unlink(mm, vma);
			vm_stat_account(mm, vma->vm_flags, -vma_range_pages(piece_start, piece_end));
			vm_area_free(vma);
			if (on_removed)
				on_removed(ctx, piece_start, piece_end);
		} else {
			set_vm_start(mm, vma, end);
			vm_stat_account(mm, vma->vm_flags, -vma_range_pages(piece_start, end));
			if (on_removed)
				on_removed(ctx, piece_start, end);
		}
		vma = next;
	}
	return 0;
}

/* After the VMAs from first up to end changed flags: re-merges every touching
 * pair that has one of them in it (the neighbour below first included). */
static void vma_remerge(struct mm_struct *mm, struct vm_area_struct *first, uint64_t end)
{
	struct vm_area_struct *vma = first->vm_prev ? first->vm_prev : first;
	while (vma && vma->vm_next && vma->vm_next->vm_start <= end) {
		if (vma_can_merge(vma, vma->vm_next))
			vma_merge_with_next(mm, vma);
		else
			vma = vma->vm_next;
	}
}

/* The flags vma gets from mprotect to rwx. */
static uint64_t mprotect_vm_flags(const struct vm_area_struct *vma, uint64_t rwx)
{
	return (vma->vm_flags & ~VM_ACCESS_FLAGS) | rwx;
}

int vma_protect_range(struct mm_struct *mm, uint64_t start, uint64_t len, uint64_t new_flags_rwx,
		      vma_range_fn on_changed, void *ctx)
{
	struct vm_area_struct *first, *last, *vma, *spare[2] = { NULL, NULL };
	uint64_t end, covered;
	uint32_t need = 0, used = 0;
	int err;

	if ((start & ~PAGE_MASK) || (new_flags_rwx & ~VM_ACCESS_FLAGS))
		return -EINVAL;
	if (len == 0)
		return 0;
	err = vma_user_range(mm, start, len, &end, -ENOMEM);
	if (err)
		return err;

	/* Check the whole range before touching anything. */
	first = find_vma(mm, start);
	if (!first || first->vm_start > start)
		return -ENOMEM;
	covered = start;
	for (vma = first;; vma = vma->vm_next) {
		uint64_t nf;

		if (!vma || vma->vm_start > covered)
			return -ENOMEM;
		nf = mprotect_vm_flags(vma, new_flags_rwx);
		if ((nf & ~(nf >> 4)) & VM_ACCESS_FLAGS)
			return -EACCES;   /* a right the VMA may never have */
		covered = vma->vm_end;
		if (covered >= end)
			break;
	}
	last = vma;

	need += first->vm_start < start && mprotect_vm_flags(first, new_flags_rwx) != first->vm_flags;
	need += last->vm_end > end && mprotect_vm_flags(last, new_flags_rwx) != last->vm_flags;
	if ((first->vm_start < start && vma_may_split(first, start)) || (last->vm_end > end && vma_may_split(last, end)))
		return -EINVAL;
	for (uint32_t i = 0; i < need; i++) {
		spare[i] = vm_area_alloc(mm);
		if (!spare[i]) {
			vm_area_free(spare[0]);
			return -ENOMEM;
		}
	}

	/* Cut at the ends (first/last keep the inner parts), then change. */
	if (first->vm_start < start && mprotect_vm_flags(first, new_flags_rwx) != first->vm_flags)
		split_vma_with(mm, first, start, 1, spare[used++]);
	if (last->vm_end > end && mprotect_vm_flags(last, new_flags_rwx) != last->vm_flags)
		split_vma_with(mm, last, end, 0, spare[used++]);
	for (vma = first; vma && vma->vm_start < end; vma = vma->vm_next) {
		uint64_t old = vma->vm_flags, nf = mprotect_vm_flags(vma, new_flags_rwx);

		if (nf == old)
			continue;
		vm_stat_account(mm, old, -(int64_t)vma_pages(vma));
		vm_stat_account(mm, nf, (int64_t)vma_pages(vma));
		set_vm_flags(vma, nf);
		if (on_changed)
			on_changed(ctx, vma->vm_start, vma->vm_end);
	}

	vma_remerge(mm, first, end);
	return 0;
}

/* See paging/vma.h. */
int vma_modify_flags(struct mm_struct *mm, uint64_t start, uint64_t len, uint64_t set, uint64_t clear,
		     int *holes)
{
	const uint64_t fixed = VM_ACCESS_FLAGS | VM_MAYACCESS_FLAGS | VM_SHARED | VM_MAYSHARE | VM_GROWSDOWN;
	struct vm_area_struct *first, *last = NULL, *vma, *spare[2] = { NULL, NULL };
	uint32_t need = 0, used = 0;
	uint64_t end, covered;
	int gap = 0;

	if ((start | len) & ~PAGE_MASK || !len || !range_in_user(start, len, ~(uint64_t)0) ||
	    ((set | clear) & fixed))
		return -EINVAL;
	end = start + len;

	/* Look before touching anything: the holes, the last VMA, the splits. */
	first = find_vma(mm, start);
	if (first && first->vm_start >= end)
		first = NULL;
	covered = start;
	for (vma = first; vma && vma->vm_start < end; vma = vma->vm_next) {
		gap |= vma->vm_start > covered;
		covered = vma->vm_end;
		last = vma;
	}
	gap |= covered < end;
	if (holes)
		*holes = gap;
	if (!first)
		return 0;
#define MODIFIED(v) ((((v)->vm_flags & ~clear) | set) != (v)->vm_flags)
	need += first->vm_start < start && MODIFIED(first);
	need += last->vm_end > end && MODIFIED(last);
	if ((first->vm_start < start && MODIFIED(first) && vma_may_split(first, start)) ||
	    (last->vm_end > end && MODIFIED(last) && vma_may_split(last, end)))
		return -EINVAL;
	for (uint32_t i = 0; i < need; i++) {
		spare[i] = vm_area_alloc(mm);
		if (!spare[i]) {
			vm_area_free(spare[0]);
			return -ENOMEM;
		}
	}

	/* Cut at the ends (first/last keep the inner parts), then change. */
	if (first->vm_start < start && MODIFIED(first))
		split_vma_with(mm, first, start, 1, spare[used++]);
	if (last->vm_end > end && MODIFIED(last))
		split_vma_with(mm, last, end, 0, spare[used++]);
	for (vma = first; vma && vma->vm_start < end; vma = vma->vm_next) {
		uint64_t old = vma->vm_flags, nf = (old & ~clear) | set;

		if (nf == old)
			continue;
		vm_stat_account(mm, old, -(int64_t)vma_pages(vma));
		vm_stat_account(mm, nf, (int64_t)vma_pages(vma));
		set_vm_flags(vma, nf);
	}
#undef MODIFIED

	vma_remerge(mm, first, end);
	return 0;
}

/*
 * The highest address a with [a, a+len) inside [low, high) in a gap below a
 * VMA of subtree v, clear of stack guard gaps. Returns true with *out set,
 * false if none. Subtrees whose largest raw gap is short are skipped, and so
 * are those lying wholly above high or below low, so this is O(log n).
 */
static bool vma_search_topdown(const struct mm_struct *mm, const struct vm_area_struct *v,
			   uint64_t len, uint64_t low, uint64_t high, uint64_t *out)
{
	uint64_t gap_start, gap_end;

	if (!v || v->vm_rb_subtree_gap < len)
		return false;
	gap_start = vma_prev_end(v);
	if (gap_start < high) {
		/* The right subtree's gaps lie above this one: try them first. */
		if (vma_search_topdown(mm, v->vm_rb_right, len, low, high, out))
			return true;
		gap_end = vm_start_gap(mm, v);
		if (gap_end > high)
			gap_end = high;
		gap_start = vma_max(gap_start, low);
		if (gap_end > gap_start && gap_end - gap_start >= len) {
			*out = gap_end - len;
			return true;
		}
	}
	if (vma_prev_end(v) <= low)
		return false;   /* every gap to the left ends at or below low */
	return vma_search_topdown(mm, v->vm_rb_left, len, low, high, out);
}

/* The highest fit for len bytes in [low, high), above or between VMAs. */
static bool unmapped_area_topdown(const struct mm_struct *mm, uint64_t len, uint64_t low,
				  uint64_t high, uint64_t *out)
{
	const struct vm_area_struct *last = vma_tree_last(mm);
	uint64_t top_start = last ? vma_max(last->vm_end, low) : low;

	if (high <= low || high - low < len)
		return false;
	if (high > top_start && high - top_start >= len) {
		*out = high - len;
		return true;
	}
	return vma_search_topdown(mm, mm->mm_rb, len, low, high, out);
}

uint64_t get_unmapped_area(struct mm_struct *mm, uint64_t len, uint64_t hint,
			   uint64_t low, uint64_t high)
{
	uint64_t addr, top;

	if (len == 0)
		return (uint64_t)-EINVAL;
	if (len > mm->task_size)
		return (uint64_t)-ENOMEM;
	len = vma_page_align(len);
	if (high > mm->task_size)
		high = mm->task_size;
	high &= PAGE_MASK;
	if (low > high)
		return (uint64_t)-ENOMEM;
	low = vma_page_align(low);

	if (hint && hint <= mm->task_size) {
		struct vm_area_struct *vma;

		addr = vma_page_align(hint);
		vma = find_vma(mm, addr);
		if (addr >= low && range_in_user(addr, len, high) &&
		    (!vma || addr + len <= vm_start_gap(mm, vma)))
			return addr;
	}
	/* Linux's x86 topdown search starts at mmap_base; when the caller's
	 * limit lies above the 47-bit window (a hint above 128 TiB), at
	 * mmap_base raised by as much (the same gap below the 56-bit top). */
	top = mm->mmap_base & PAGE_MASK;
	if (top && high > DEFAULT_MAP_WINDOW && top <= DEFAULT_MAP_WINDOW)
		top += high - DEFAULT_MAP_WINDOW;
	if (!top || top >= high)
		top = high;
	if (unmapped_area_topdown(mm, len, low, top, &addr))
		return addr;
	if (top < high && unmapped_area_topdown(mm, len, low, high, &addr))
		return addr;
	return (uint64_t)-ENOMEM;
}

int expand_stack(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t addr,
		 uint64_t stack_limit, uint64_t guard_gap)
{
	struct vm_area_struct *prev;

	if (!vma || !(vma->vm_flags & VM_GROWSDOWN))
		return -EFAULT;
	addr &= PAGE_MASK;
	if (addr >= vma->vm_start)
		return 0;
	if (addr < MMAP_MIN_ADDR)
		return -EPERM;
	if (vma->vm_end - addr > stack_limit)
		return -ENOMEM;
	/* Linux's acct_stack_growth: RLIMIT_AS too. */
	if (!may_expand_vm(mm, vma->vm_flags, (vma->vm_start - addr) >> PAGE_SHIFT))
		return -ENOMEM;
	prev = vma->vm_prev;
	if (prev) {
		if (addr < prev->vm_end)
			return -ENOMEM;
		if (!(prev->vm_flags & VM_GROWSDOWN) && (prev->vm_flags & VM_ACCESS_FLAGS) &&
		    addr - prev->vm_end < guard_gap)
			return -ENOMEM;
	}
	vm_stat_account(mm, vma->vm_flags, vma_range_pages(addr, vma->vm_start));
	if (prev && prev->vm_end == addr && is_mergeable_vma(prev, vma->vm_flags)) {
		/* Grown into an equal VMA: vma takes it over. */
		addr = prev->vm_start;
		vma_unlink(mm, prev);
		vm_area_free(prev);
	}
	set_vm_start(mm, vma, addr);
	return 0;
}

/* ---- Self-check ---------------------------------------------------------------- */

struct vma_check_state {
	struct mm_struct *mm;
	struct check_result *r;
	uint32_t visited;
	const struct vm_area_struct *last;   /* previous VMA in order */
	const struct vm_area_struct *cursor; /* where the list says the next VMA is */
	bool cache_seen;
	uint64_t total_vm, exec_vm, stack_vm, data_vm;
};

/* One VMA in address order: bounds, ownership, list position, neighbours. */
static void vma_check_one(struct vma_check_state *st, const struct vm_area_struct *v)
{
	struct mm_struct *mm = st->mm;
	uint64_t pages = (v->vm_end - v->vm_start) >> PAGE_SHIFT;

	if (v->vm_start >= v->vm_end || ((v->vm_start | v->vm_end) & ~PAGE_MASK) ||
	    v->vm_end > mm->task_size)
		check_problem(st->r, "vma [0x%llx, 0x%llx) is empty, unaligned or beyond task_size",
			      v->vm_start, v->vm_end);
	if (v->vm_mm != mm)
		check_problem(st->r, "vma [0x%llx, 0x%llx) belongs to another mm", v->vm_start, v->vm_end);
	if (pgprot_val(v->vm_page_prot) != pgprot_val(vm_get_page_prot(v->vm_flags)))
		check_problem(st->r, "vma at 0x%llx: vm_page_prot 0x%llx does not follow vm_flags", v->vm_start,
			      pgprot_val(v->vm_page_prot));
	if (v != st->cursor || v->vm_prev != st->last)
		check_problem(st->r, "vma at 0x%llx: the list (vm_next/vm_prev) disagrees with the tree",
			      v->vm_start);
	if (!st->last && mm->mmap != v)
		check_problem(st->r, "mm->mmap is not the lowest vma (0x%llx)", v->vm_start);
	if (st->last && st->last->vm_end > v->vm_start)
		check_problem(st->r, "vma at 0x%llx overlaps or precedes the one ending at 0x%llx",
			      v->vm_start, st->last->vm_end);
	if (vma_can_merge(st->last, v))
		check_problem(st->r, "vmas ending and starting at 0x%llx should have been merged", v->vm_start);
	if (v == mm->mmap_cache)
		st->cache_seen = true;
	st->total_vm += pages;
	if (is_exec_mapping(v->vm_flags))
		st->exec_vm += pages;
	else if (is_stack_mapping(v->vm_flags))
		st->stack_vm += pages;
	else if (vma_is_data_flags(v->vm_flags))
		st->data_vm += pages;
	st->last = v;
	st->cursor = v->vm_next;
}

/* Checks subtree v (hanging under parent) in order; returns its real height. */
static int32_t vma_check_subtree(struct vma_check_state *st, const struct vm_area_struct *v,
			     const struct vm_area_struct *parent, uint32_t depth)
{
	int32_t hl, hr, h;
	uint64_t gap;

	if (!v)
		return 0;
	if (depth > 96 || st->visited > st->mm->map_count) {
		/* far deeper than any AVL tree: a cycle */
		check_problem(st->r, "vma tree deeper than %llu or larger than map_count %llu: a cycle",
			      (uint64_t)96, (uint64_t)st->mm->map_count);
		return 0;
	}
	st->visited++;
	if (v->vm_rb_parent != parent)
		check_problem(st->r, "vma at 0x%llx: vm_rb_parent is not its parent in the tree", v->vm_start);
	hl = vma_check_subtree(st, v->vm_rb_left, v, depth + 1);
	vma_check_one(st, v);
	hr = vma_check_subtree(st, v->vm_rb_right, v, depth + 1);
	h = 1 + (hl > hr ? hl : hr);
	if (v->vm_rb_height != h || hl - hr > 1 || hr - hl > 1)
		check_problem(st->r, "vma at 0x%llx: height %llu recorded, subtree unbalanced or of another height",
			      v->vm_start, (uint64_t)v->vm_rb_height);
	gap = vma_max(v->vm_start - vma_prev_end(v), vma_max(vma_node_gap(v->vm_rb_left), vma_node_gap(v->vm_rb_right)));
	if (v->vm_rb_subtree_gap != gap)
		check_problem(st->r, "vma at 0x%llx: vm_rb_subtree_gap 0x%llx is not the largest gap below",
			      v->vm_start, v->vm_rb_subtree_gap);
	return h;
}

uint64_t vma_check(struct mm_struct *mm, struct check_result *out)
{
	struct check_result local;
	struct check_result *r = out ? out : &local;
	struct vma_check_state st = { .mm = mm, .r = r, .cursor = mm->mmap };

	check_result_init(r);
	if (mm->mm_rb && mm->mm_rb->vm_rb_parent)
		check_problem(r, "the tree's root vma (0x%llx) has a parent", mm->mm_rb->vm_start);
	vma_check_subtree(&st, mm->mm_rb, NULL, 0);
	if (st.cursor)
		check_problem(r, "the vma list goes on (0x%llx) past the tree's last vma", st.cursor->vm_start);
	if (!mm->mm_rb && mm->mmap)
		check_problem(r, "mm->mmap is set (0x%llx) but the tree is empty", mm->mmap->vm_start);
	if (st.visited != mm->map_count)
		check_problem(r, "map_count is %llu but the tree holds %llu vmas", (uint64_t)mm->map_count,
			      (uint64_t)st.visited);
	if (mm->mmap_cache && !st.cache_seen)
		check_problem(r, "mmap_cache (0x%llx) is not a vma of the tree", mm->mmap_cache->vm_start);
	if (st.total_vm != mm->total_vm || st.exec_vm != mm->exec_vm ||
	    st.stack_vm != mm->stack_vm || st.data_vm != mm->data_vm)
		check_problem(r, "page counts: total_vm %llu recorded, %llu in the vmas (or exec/stack/data differ)",
			      mm->total_vm, st.total_vm);
	return r->problems;
}
