/* The radix tree of paging/xarray.h. */
#include "paging/xarray.h"
#include "paging/slab.h"
#include "base/errno.h"
#include "base/string.h"

static struct kmem_cache *xa_node_cache;
static uint64_t nodes_alive;

static struct xa_node *xa_node_alloc(struct xa_node *parent, uint32_t offset)
{
	if (!xa_node_cache)
		xa_node_cache = kmem_cache_create("xa_node", sizeof(struct xa_node), 0);
	struct xa_node *n = xa_node_cache ? kmem_cache_zalloc(xa_node_cache) : NULL;
	if (!n)
		return NULL;
	n->parent = parent;
	n->offset = offset;
	__atomic_fetch_add(&nodes_alive, 1, __ATOMIC_RELAXED);   /* xarrays of different locks at once */
	return n;
}

static void xa_node_free(struct xa_node *n)
{
	kmem_cache_free(xa_node_cache, n);
	__atomic_fetch_sub(&nodes_alive, 1, __ATOMIC_RELAXED);
}

/* See paging/xarray.h. */
const struct xa_node *xa_leaf(const struct xarray *xa, uint64_t index)
{
	const struct xa_node *n = xa->root;
	if (!n || index > xa_max_index(xa->height))
		return NULL;
	for (uint32_t level = xa->height; level > 1 && n; level--)
		n = n->slots[xa_offset(index, level)];
	return n;
}

/* See paging/xarray.h. */
int xa_store(struct xarray *xa, uint64_t index, void *entry)
{
	if (!xa->root) {
		xa->root = xa_node_alloc(NULL, 0);
		if (!xa->root)
			return -ENOMEM;
		xa->height = 1;
	}
	/* Taller until index fits: the old root becomes slot 0 of a new one. */
	while (index > xa_max_index(xa->height)) {
		struct xa_node *top = xa_node_alloc(NULL, 0);
		if (!top)
			return -ENOMEM;
		top->slots[0] = xa->root;
		top->count = 1;
		xa->root->parent = top;
		xa->root->offset = 0;
		xa->root = top;
		xa->height++;
	}
	struct xa_node *n = xa->root;
	for (uint32_t level = xa->height; level > 1; level--) {
		uint32_t off = xa_offset(index, level);
		struct xa_node *child = n->slots[off];
		if (!child) {
			child = xa_node_alloc(n, off);
			if (!child)
				return -ENOMEM;   /* empty nodes made on the way stay: harmless, freed with the tree */
			n->slots[off] = child;
			n->count++;
		}
		n = child;
	}
	uint32_t off = xa_offset(index, 1);
	if (!n->slots[off]) {
		n->count++;
		xa->nr++;
	}
	n->slots[off] = entry;
	return 0;
}

/* See paging/xarray.h. */
void *xa_erase(struct xarray *xa, uint64_t index)
{
	struct xa_node *n = xa->root;
	if (!n || index > xa_max_index(xa->height))
		return NULL;
	for (uint32_t level = xa->height; level > 1 && n; level--)
		n = n->slots[xa_offset(index, level)];
	if (!n)
		return NULL;
	uint32_t off = xa_offset(index, 1);
	void *entry = n->slots[off];
	if (!entry)
		return NULL;
	n->slots[off] = NULL;
	xa->nr--;
	/* Empty nodes go, up to the root. */
	while (n && --n->count == 0) {
		struct xa_node *parent = n->parent;
		if (parent)
			parent->slots[n->offset] = NULL;
		else {
			xa->root = NULL;
			xa->height = 0;
		}
		xa_node_free(n);
		n = parent;
	}
	return entry;
}

/* The first entry at index >= *index and <= max under n (level), *index set. */
static void *xa_find_in(const struct xa_node *n, uint32_t level, uint64_t base, uint64_t *index, uint64_t max)
{
	uint32_t shift = (level - 1) * XA_CHUNK_SHIFT;
	uint64_t span = shift >= 64 ? 0 : UINT64_C(1) << shift;
	/* Start at the slot holding *index: the ones before end below it. */
	uint32_t start = 0;
	if (*index > base && shift < 64) {
		uint64_t o = (*index - base) >> shift;
		start = o < XA_CHUNK_SIZE ? (uint32_t)o : XA_CHUNK_SIZE;
	}
	for (uint32_t off = start; off < XA_CHUNK_SIZE; off++) {
		uint64_t first = base + off * span;
		uint64_t last = first + span - 1;
		if (first > max)
			return NULL;
		if (last < *index || !n->slots[off])
			continue;
		if (level == 1) {
			*index = first;
			return n->slots[off];
		}
		void *e = xa_find_in(n->slots[off], level - 1, first, index, max);
		if (e)
			return e;
	}
	return NULL;
}

/* See paging/xarray.h. */
void *xa_find(const struct xarray *xa, uint64_t *index, uint64_t max)
{
	if (!xa->root || *index > max)
		return NULL;
	return xa_find_in(xa->root, xa->height, 0, index, max);
}

/* Frees n and the nodes under it. */
static void xa_free_tree(struct xa_node *n, uint32_t level)
{
	if (level > 1)
		for (uint32_t off = 0; off < XA_CHUNK_SIZE; off++)
			if (n->slots[off])
				xa_free_tree(n->slots[off], level - 1);
	xa_node_free(n);
}

/* See paging/xarray.h. */
void xa_destroy(struct xarray *xa)
{
	if (xa->root)
		xa_free_tree(xa->root, xa->height);
	xa->root = NULL;
	xa->height = 0;
	xa->nr = 0;
}

/* See paging/xarray.h. */
uint64_t xa_node_pages(void)
{
	struct kmem_cache_stats s = { 0 };
	if (xa_node_cache)
		kmem_cache_get_stats(xa_node_cache, &s);
	return s.nr_pages;
}

/* See paging/xarray.h. */
uint64_t xa_nodes_alive(void)
{
	return nodes_alive;
}
