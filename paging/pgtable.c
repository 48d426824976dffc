/*
 * The page-table walker: one loop, parameterised by level, that finds (and
 * on request creates) the entry for an address, in the spirit of xv6's
 * walk(). Everything else is built on it or on its range twin:
 *
 *   walk_pte, p4d_alloc .. pte_alloc   find / create entries
 *   follow_addr                        what maps an address (4K, 2M or 1G leaf)
 *   map_range                          map a range with the largest leaves allowed
 *   unmap_range, free_pgtables         clear leaves, free tables left empty
 *   walk_leaves                        visit the leaves of a range
 *
 * Levels are numbered as enum pg_level: 1 = pte ... 4 = p4d, 5 = pgd. The
 * root is at level 5 in 5-level mode and at level 4 in 4-level mode, where
 * the pgd *is* the p4d (folding); the loop simply starts one level lower.
 *
 * Table pages come from a struct pt_ops and are reached through __va(), so
 * the host test runs all of this against simulated physical memory.
 */
#include "paging/pgtable.h"
#include "paging/mm_types.h"
#include "base/string.h"

bool pgtable_l5_enabled_flag;
uint64_t physical_mask = ((uint64_t)1 << __PHYSICAL_MASK_SHIFT) - 1;
uint64_t __supported_pte_mask = ~(uint64_t)0;
struct pt_ops pt_default_ops;
bool tlb_has_invpcid;   /* declared in paging/tlb.h; set at boot from CPUID */

/* Sets the physical-address width; outside 36..52 it is clamped. */
void pgtable_set_phys_bits(uint32_t maxphyaddr)
{
	if (maxphyaddr < 36)
		maxphyaddr = 36;
	if (maxphyaddr > __PHYSICAL_MASK_SHIFT)
		maxphyaddr = __PHYSICAL_MASK_SHIFT;
	physical_mask = ((uint64_t)1 << maxphyaddr) - 1;
}

/* ---- Levels and entries ------------------------------------------------- */

/* addr with the bits above __VIRTUAL_MASK_SHIFT made copies of that bit. */
static uint64_t sign_extend_va(uint64_t addr)
{
	uint64_t high = ~(uint64_t)0 << __VIRTUAL_MASK_SHIFT;
	return (addr >> __VIRTUAL_MASK_SHIFT) & 1 ? addr | high : addr & ~high;
}

static uint64_t read_entry(const uint64_t *entry) { return __atomic_load_n(entry, __ATOMIC_RELAXED); }
static void write_entry(uint64_t *entry, uint64_t v) { __atomic_store_n(entry, v, __ATOMIC_RELEASE); }

static uint64_t *table_of(uint64_t e) { return (uint64_t *)__va(e & PTE_PFN_MASK); }

enum entry_kind { ENTRY_NONE, ENTRY_TABLE, ENTRY_LEAF };

/*
 * What an entry at level is. Anything non-zero that cannot be followed to a
 * table is a leaf: a present 4K/2M/1G page, a PROT_NONE or swap-style
 * non-present entry, or (PSE at level 4/5) a corrupt one. The walker never
 * goes through nor overwrites a leaf.
 */
static enum entry_kind entry_kind(uint64_t e, int level)
{
	if (e == 0)
		return ENTRY_NONE;
	if (level > PG_LEVEL_4K && (e & (_PAGE_PRESENT | _PAGE_PSE)) == _PAGE_PRESENT)
		return ENTRY_TABLE;
	return ENTRY_LEAF;
}

/* Frame bits of a leaf at level (bit 12 of a large leaf is PAT). */
static uint64_t leaf_frame_mask(int level)
{
	if (level == PG_LEVEL_2M)
		return PHYSICAL_PMD_PAGE_MASK;
	if (level == PG_LEVEL_1G)
		return PHYSICAL_PUD_PAGE_MASK;
	return PTE_PFN_MASK;
}

static const struct pt_ops *ops_or_default(const struct pt_ops *ops)
{
	return ops ? ops : &pt_default_ops;
}

/* ---- Creating and removing one table ----------------------------------- */

/*
 * Points the empty entry at a new zeroed table. Returns 0, -ENOMEM if the
 * allocator has nothing, -EINVAL if it handed out an unusable address.
 *
 * SMP: the entry is set with one compare-and-exchange from none, so two
 * CPUs populating the same entry at once (faults in one mm under the
 * shared mmap_lock) leave exactly one table there; the loser frees its
 * table, which nobody ever saw, and returns 0 with *lost set (Linux's
 * __pte_alloc does the same under the pmd lock). A pmd leaf (THP, hugetlb,
 * the huge zero page) is installed the same way (paging/huge_memory.c),
 * so whatever won is what the caller finds in the entry afterwards.
 */
static int populate_table(uint64_t *entry, bool user, const struct pt_ops *ops, bool *lost)
{
	if (!ops->alloc_table)
		return -ENOMEM;
	uint64_t phys = ops->alloc_table(ops->ctx);
	if (phys == 0)
		return -ENOMEM;
	if (phys & ~PTE_PFN_MASK) {
		if (ops->free_table)
			ops->free_table(ops->ctx, phys);
		return -EINVAL;
	}
	memset(__va(phys), 0, PAGE_SIZE);   /* the table is not reachable yet: plain stores */
	uint64_t none = 0;
	*lost = !__atomic_compare_exchange_n(entry, &none, phys | (user ? _PAGE_TABLE : _KERNPG_TABLE), false,
					     __ATOMIC_RELEASE, __ATOMIC_ACQUIRE);
	if (*lost && ops->free_table)
		ops->free_table(ops->ctx, phys);
	return 0;
}

/* Clears the entry and gives its table back. False (nothing done) without free_table. */
static bool release_table(uint64_t *entry, const struct pt_ops *ops)
{
	if (!ops->free_table)
		return false;
	uint64_t e = read_entry(entry);
	write_entry(entry, 0);
	ops->free_table(ops->ctx, e & PTE_PFN_MASK);
	return true;
}

static bool table_is_empty(const uint64_t *table)
{
	for (int i = 0; i < PTRS_PER_PTE; i++)
		if (read_entry(&table[i]))
			return false;
	return true;
}

/* ---- The walk ----------------------------------------------------------- */

/*
 * One step down from entry, which sits at level (2..5): returns the entry
 * for addr in the table it points to, first creating that table if entry is
 * none and alloc is set (*created then true). NULL with *err = -ENOENT (none
 * and !alloc), -ENOMEM / -EINVAL (allocation), PT_ERR_LEAF (entry is a leaf).
 */
static uint64_t *walk_next(uint64_t *entry, int level, uint64_t addr, bool user, bool alloc,
			   const struct pt_ops *ops, int *err, bool *created)
{
	uint64_t e = read_entry(entry);

	*created = false;
	switch (entry_kind(e, level)) {
	case ENTRY_NONE:
		if (!alloc) {
			*err = -ENOENT;
			return NULL;
		}
		bool lost;
		*err = populate_table(entry, user, ops, &lost);
		if (*err)
			return NULL;
		*created = !lost;
		e = read_entry(entry);
		if (entry_kind(e, level) != ENTRY_TABLE) {   /* another CPU put a leaf there */
			*err = PT_ERR_LEAF;
			return NULL;
		}
		break;
	case ENTRY_LEAF:
		*err = PT_ERR_LEAF;
		return NULL;
	case ENTRY_TABLE:
		break;
	}
	*err = 0;
	return table_of(e) + page_level_index(addr, level - 1);
}

/*
 * The entry for addr at level target (1..top) under root pgd. With alloc,
 * missing tables are created; if the walk then fails, they are released
 * again, deepest first, so the tree is left as it was found. Returns NULL
 * with *err set: -EINVAL (addr not canonical) or as walk_next().
 */
static uint64_t *walk_to_level(pgd_t *pgd, uint64_t addr, int target, bool alloc,
			       const struct pt_ops *ops, int *err)
{
	uint64_t *created[PG_LEVEL_256T];
	int ncreated = 0;
	int level = pgtable_levels();
	bool user = addr_in_user_half(addr);

	if (!is_canonical(addr)) {
		*err = -EINVAL;
		return NULL;
	}
	uint64_t *entry = (uint64_t *)pgd + page_level_index(addr, level);
	for (; level > target; level--) {
		bool made;
		uint64_t *next = walk_next(entry, level, addr, user, alloc, ops, err, &made);
		if (!next)
			goto err;
		if (made)
			created[ncreated++] = entry;
		entry = next;
	}
	*err = 0;
	return entry;
err:
	while (ncreated > 0)
		release_table(created[--ncreated], ops);
	return NULL;
}

int walk_pte_err(pgd_t *pgd, uint64_t addr, bool alloc, const struct pt_ops *ops, pte_t **ptep)
{
	int err;
	*ptep = (pte_t *)walk_to_level(pgd, addr, PG_LEVEL_4K, alloc, ops_or_default(ops), &err);
	return err;
}

int walk_to_entry(pgd_t *pgd, uint64_t addr, int level, bool alloc, const struct pt_ops *ops, uint64_t **entryp)
{
	int err;
	if (level < PG_LEVEL_4K || level > PG_LEVEL_1G) {
		*entryp = NULL;
		return -EINVAL;
	}
	*entryp = walk_to_level(pgd, addr, level, alloc, ops_or_default(ops), &err);
	return err;
}

pte_t *walk_pte(pgd_t *pgd, uint64_t addr, bool alloc, const struct pt_ops *ops)
{
	pte_t *pte;
	walk_pte_err(pgd, addr, alloc, ops, &pte);
	return pte;
}

/* ---- Linux's allocating steps ------------------------------------------ */

/*
 * One allocating step with the default ops; NULL with *err on failure.
 * With an mm, under its page_table_lock (Linux's __pud_alloc .. __pte_alloc
 * take mm->page_table_lock / the pmd lock): whoever installs a pmd leaf
 * (THP, hugetlb, the huge zero page) checks the entry is none under the same
 * lock, so a table and a leaf never both go into one entry.
 */
static uint64_t *alloc_step(struct mm_struct *mm, uint64_t *entry, int level, uint64_t addr, bool user, int *err)
{
	bool made;
	if (!mm)
		return walk_next(entry, level, addr, user, true, &pt_default_ops, err, &made);
	spin_lock(&mm->page_table_lock);
	uint64_t *next = walk_next(entry, level, addr, user, true, &pt_default_ops, err, &made);
	spin_unlock(&mm->page_table_lock);
	return next;
}

p4d_t *__p4d_alloc(struct mm_struct *mm, pgd_t *pgd, uint64_t addr)
{
	int err;
	if (!pgtable_l5_enabled())
		return p4d_offset(pgd, addr);   /* folded: the pgd entry is the p4d entry */
	return (p4d_t *)alloc_step(mm, &pgd->pgd, PG_LEVEL_256T, addr, addr_in_user_half(addr), &err);
}

pud_t *__pud_alloc(struct mm_struct *mm, p4d_t *p4d, uint64_t addr)
{
	int err;
	return (pud_t *)alloc_step(mm, &p4d->p4d, PG_LEVEL_512G, addr, addr_in_user_half(addr), &err);
}

pmd_t *__pmd_alloc(struct mm_struct *mm, pud_t *pud, uint64_t addr)
{
	int err;
	return (pmd_t *)alloc_step(mm, &pud->pud, PG_LEVEL_1G, addr, addr_in_user_half(addr), &err);
}

int pte_alloc(struct mm_struct *mm, pmd_t *pmd)
{
	int err;
	alloc_step(mm, &pmd->pmd, PG_LEVEL_2M, 0, true, &err);
	return err;
}

pte_t *pte_alloc_kernel(pmd_t *pmd, uint64_t addr)
{
	int err;
	return (pte_t *)alloc_step(NULL, &pmd->pmd, PG_LEVEL_2M, addr, addr_in_user_half(addr), &err);
}

/* ---- Lookup ------------------------------------------------------------- */

/*
 * The leaf entry on va's path (any non-none, non-table entry) and its level.
 * NULL if the path ends in a none entry or va is not canonical; *level and
 * *last then say where it stopped (*last NULL when not canonical).
 */
static uint64_t *find_leaf(pgd_t *pgd, uint64_t va, int *level_out, uint64_t **last)
{
	int level = pgtable_levels();

	*level_out = level;
	*last = NULL;
	if (!is_canonical(va))
		return NULL;
	uint64_t *entry = (uint64_t *)pgd + page_level_index(va, level);
	for (;;) {
		uint64_t e = read_entry(entry);
		*level_out = level;
		*last = entry;
		switch (entry_kind(e, level)) {
		case ENTRY_NONE:
			return NULL;
		case ENTRY_LEAF:
			return entry;
		case ENTRY_TABLE:
			level--;
			entry = table_of(e) + page_level_index(va, level);
			break;
		}
	}
}

int walk_path(pgd_t *pgd, uint64_t va, uint64_t *path[PG_LEVEL_256T])
{
	int level = pgtable_levels(), n = 0;

	if (!is_canonical(va))
		return 0;
	uint64_t *entry = (uint64_t *)pgd + page_level_index(va, level);
	for (;;) {
		uint64_t e = read_entry(entry);
		path[n++] = entry;
		if (entry_kind(e, level) != ENTRY_TABLE)
			return n;
		level--;
		entry = table_of(e) + page_level_index(va, level);
	}
}

int follow_addr(pgd_t *pgd, uint64_t va, struct walk_result *out)
{
	int level;
	uint64_t *last;
	uint64_t *leaf = find_leaf(pgd, va, &level, &last);

	out->level = level;
	out->entry = last;
	out->phys = 0;
	if (!leaf || level > PG_LEVEL_1G)
		return -1;
	uint64_t e = read_entry(leaf);
	if (!(e & _PAGE_PRESENT))
		return -1;
	out->phys = (e & leaf_frame_mask(level)) | (va & (page_level_size(level) - 1));
	return 0;
}

/* ---- Ranges ------------------------------------------------------------- */

struct range_walk {
	pt_leaf_fn fn;          /* for each leaf; NULL: clear it */
	void *ctx;
	bool free_empty;        /* release tables that end up empty */
	pt_table_pred may_free; /* NULL, or which of those (free_empty_tables) */
	void *may_free_ctx;
	int min_level;          /* tables at this level are not entered (0: every level) */
	const struct pt_ops *ops;
	int tables_freed;
};

/*
 * Visits the entries of table (at level) that meet [start, last], leaves
 * through rw->fn, tables by recursion (then releasing them if empty and
 * rw->free_empty). Returns 0 or the first nonzero fn result.
 */
static int walk_table_range(uint64_t *table, int level, uint64_t start, uint64_t last,
			    struct range_walk *rw)
{
	uint64_t span = page_level_size(level);
	uint64_t table_base = start & ~(span * PTRS_PER_PTE - 1);

	for (unsigned i = page_level_index(start, level); i <= page_level_index(last, level); i++) {
		uint64_t *entry = &table[i];
		uint64_t e = read_entry(entry);
		uint64_t base = sign_extend_va(table_base + i * span);
		uint64_t lo = base > start ? base : start;
		uint64_t hi = base + (span - 1) < last ? base + (span - 1) : last;
		int r;

		switch (entry_kind(e, level)) {
		case ENTRY_NONE:
			break;
		case ENTRY_LEAF:
			if (rw->fn) {
				r = rw->fn(rw->ctx, base, level, entry);
				if (r)
					return r;
			} else {
				write_entry(entry, 0);
			}
			break;
		case ENTRY_TABLE:
			if (level <= rw->min_level)
				break;
			r = walk_table_range(table_of(e), level - 1, lo, hi, rw);
			if (r)
				return r;
			if (rw->free_empty && table_is_empty(table_of(e)) &&
			    (!rw->may_free || rw->may_free(rw->may_free_ctx, e & PTE_PFN_MASK)) && release_table(entry, rw->ops))
				rw->tables_freed++;
			break;
		}
	}
	return 0;
}

/* Clears all leaves in [start, last] and releases emptied tables; returns how many. */
static int clear_range(pgd_t *pgd, uint64_t start, uint64_t last, const struct pt_ops *ops)
{
	struct range_walk rw = { .fn = NULL, .ctx = NULL, .free_empty = true, .ops = ops, .tables_freed = 0 };

	walk_table_range((uint64_t *)pgd, pgtable_levels(), start, last, &rw);
	return rw.tables_freed;
}

/* True if [start, start+size) is page-aligned, non-empty, does not wrap, and starts and ends canonical. */
static bool range_ok(uint64_t start, uint64_t size)
{
	if (size == 0 || ((start | size) & ~PAGE_MASK))
		return false;
	uint64_t last = start + (size - 1);
	return last >= start && is_canonical(start) && is_canonical(last);
}

/* True if a 2M/1G leaf (present or not) covers addr but does not begin at it. */
static bool cuts_large_leaf(pgd_t *pgd, uint64_t addr)
{
	int level;
	uint64_t *last;

	if (!find_leaf(pgd, addr, &level, &last) || level == PG_LEVEL_4K)
		return false;
	return (addr & (page_level_size(level) - 1)) != 0;
}

/* The largest leaf level <= max that va, pa and the remaining size allow. */
static int leaf_level_for(uint64_t va, uint64_t pa, uint64_t left, int max)
{
	for (int level = max; level > PG_LEVEL_4K; level--) {
		uint64_t size = page_level_size(level);
		if (((va | pa) & (size - 1)) == 0 && left >= size)
			return level;
	}
	return PG_LEVEL_4K;
}

/* The leaf entry for pa at level, from a 4 KiB-format prot. */
static uint64_t make_leaf(uint64_t pa, int level, pgprot_t prot)
{
	if (level == PG_LEVEL_4K)
		return pte_val(pfn_pte(pa >> PAGE_SHIFT, prot));
	pgprot_t large = __pgprot(pgprot_val(pgprot_4k_2_large(prot)) | _PAGE_PSE);
	if (level == PG_LEVEL_2M)
		return pmd_val(pfn_pmd(pa >> PAGE_SHIFT, large));
	return pud_val(pfn_pud(pa >> PAGE_SHIFT, large));
}

/*
 * Maps one leaf for va -> pa at level, or smaller if a table is already in
 * that slot (then the leaf at the next level down). Returns the level used,
 * or -ENOMEM / -EEXIST / -EINVAL.
 */
static int map_one(pgd_t *pgd, uint64_t va, uint64_t pa, int level, pgprot_t prot,
		   const struct pt_ops *ops)
{
	for (;; level--) {
		int err;
		uint64_t *entry = walk_to_level(pgd, va, level, true, ops, &err);
		if (!entry)
			return err;
		uint64_t e = read_entry(entry);
		if (e == 0) {
			write_entry(entry, make_leaf(pa, level, prot));
			return level;
		}
		if (entry_kind(e, level) != ENTRY_TABLE)
			return -EEXIST;
	}
}

int map_range(pgd_t *pgd, uint64_t va, uint64_t pa, uint64_t size, pgprot_t prot, int leaf_level_max)
{
	const struct pt_ops *ops = &pt_default_ops;

	if (size == 0)
		return 0;
	if (!range_ok(va, size) || (pa & ~PAGE_MASK))
		return -EINVAL;
	uint64_t last = va + (size - 1), pa_last = pa + (size - 1);
	if ((va ^ last) >> 63 || pa_last < pa || (pa_last & ~__PHYSICAL_MASK))
		return -EINVAL;
	if (leaf_level_max < PG_LEVEL_4K || leaf_level_max > PG_LEVEL_1G)
		return -EINVAL;
	if (!(pgprot_val(prot) & (_PAGE_PRESENT | _PAGE_PROTNONE)))
		return -EINVAL;

	for (uint64_t done = 0; done < size;) {
		int level = leaf_level_for(va + done, pa + done, size - done, leaf_level_max);
		level = map_one(pgd, va + done, pa + done, level, prot, ops);
		if (level < 0) {
			if (done)
				clear_range(pgd, va, va + (done - 1), ops);
			return level;
		}
		done += page_level_size(level);
	}
	return 0;
}

int unmap_range_ops(pgd_t *pgd, uint64_t va, uint64_t size, const struct pt_ops *ops)
{
	if (size == 0)
		return 0;
	if (!range_ok(va, size))
		return -EINVAL;
	uint64_t last = va + (size - 1);
	if (cuts_large_leaf(pgd, va) || (last != ~(uint64_t)0 && cuts_large_leaf(pgd, last + 1)))
		return -EINVAL;
	return clear_range(pgd, va, last, ops_or_default(ops));
}

int unmap_range(pgd_t *pgd, uint64_t va, uint64_t size)
{
	return unmap_range_ops(pgd, va, size, NULL);
}

int free_pgtables(pgd_t *pgd, uint64_t start, uint64_t end)
{
	if (end < start || end > TASK_SIZE_MAX + PAGE_SIZE)
		return -EINVAL;
	return unmap_range(pgd, start, end - start);
}

int walk_leaves(pgd_t *pgd, uint64_t start, uint64_t end, pt_leaf_fn fn, void *ctx)
{
	if (end == start)
		return 0;
	if (end < start || !range_ok(start, end - start) || !fn)
		return -EINVAL;
	struct range_walk rw = { .fn = fn, .ctx = ctx, .free_empty = false, .ops = &pt_default_ops, .tables_freed = 0 };
	return walk_table_range((uint64_t *)pgd, pgtable_levels(), start, end - 1, &rw);
}

int walk_large_leaves(pgd_t *pgd, uint64_t start, uint64_t end, pt_leaf_fn fn, void *ctx)
{
	if (end == start)
		return 0;
	if (end < start || !range_ok(start, end - start) || !fn)
		return -EINVAL;
	struct range_walk rw = { .fn = fn, .ctx = ctx, .free_empty = false, .ops = &pt_default_ops, .tables_freed = 0,
				 .min_level = PG_LEVEL_2M };
	return walk_table_range((uint64_t *)pgd, pgtable_levels(), start, end - 1, &rw);
}

/* pt_leaf_fn that leaves every leaf as it is. */
static int keep_leaf(void *ctx, uint64_t va, int level, uint64_t *entry)
{
	(void)ctx; (void)va; (void)level; (void)entry;
	return 0;
}

int free_empty_tables(pgd_t *pgd, uint64_t start, uint64_t end, pt_table_pred may_free, void *ctx)
{
	return free_empty_tables_ops(pgd, start, end, may_free, ctx, NULL);
}

int free_empty_tables_ops(pgd_t *pgd, uint64_t start, uint64_t end, pt_table_pred may_free, void *ctx,
			  const struct pt_ops *ops)
{
	if (end == start)
		return 0;
	if (end < start || !range_ok(start, end - start))
		return -EINVAL;
	struct range_walk rw = { .fn = keep_leaf, .ctx = NULL, .free_empty = true, .may_free = may_free,
				 .may_free_ctx = ctx, .ops = ops_or_default(ops), .tables_freed = 0 };
	walk_table_range((uint64_t *)pgd, pgtable_levels(), start, end - 1, &rw);
	return rw.tables_freed;
}
