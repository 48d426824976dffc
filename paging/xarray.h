/*
 * An index -> pointer map for sparse, mostly dense ranges (Linux's xarray,
 * reduced to what the page cache and block maps need): a radix tree of
 * 64-slot nodes, as tall as the highest index needs. A NULL pointer is "no
 * entry". Nodes come from a slab cache; a node whose last entry goes is
 * freed. Single CPU, no locking.
 */
#ifndef FAULTLINE_XARRAY_H
#define FAULTLINE_XARRAY_H

#include <stddef.h>
#include <stdint.h>

#define XA_CHUNK_SHIFT 6
#define XA_CHUNK_SIZE  (1u << XA_CHUNK_SHIFT)

struct xa_node {
	uint32_t count;                 /* non-NULL slots */
	uint32_t offset;                /* its slot in the parent */
	struct xa_node *parent;
	void *slots[XA_CHUNK_SIZE];     /* leaves: entries; else child nodes */
};

struct xarray {
	struct xa_node *root;           /* NULL: empty */
	uint32_t height;                /* levels of nodes; the root covers 64^height indices */
	uint64_t nr;                    /* entries stored */
};

/* The slot of index in a node at level (1 = leaves). */
static inline uint32_t xa_offset(uint64_t index, uint32_t level)
{
	uint32_t shift = (level - 1) * XA_CHUNK_SHIFT;
	return shift >= 64 ? 0 : (uint32_t)((index >> shift) & (XA_CHUNK_SIZE - 1));
}

/* The highest index a tree of height levels holds. */
static inline uint64_t xa_max_index(uint32_t height)
{
	uint32_t bits = height * XA_CHUNK_SHIFT;
	return bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

/* The entry at index, or NULL. Inline: every page-cache hit is one. */
static inline void *xa_load(const struct xarray *xa, uint64_t index)
{
	struct xa_node *n = xa->root;
	if (!n || index > xa_max_index(xa->height))
		return NULL;
	for (uint32_t level = xa->height; level > 1; level--) {
		n = n->slots[xa_offset(index, level)];
		if (!n)
			return NULL;
	}
	return n->slots[xa_offset(index, 1)];
}

/* The leaf node holding the entry of index, or NULL if there is none: its
 * slots[i] is the entry of (index & ~(XA_CHUNK_SIZE - 1)) + i, so a run of
 * indices is read with one descent (the page cache's fault-around). */
const struct xa_node *xa_leaf(const struct xarray *xa, uint64_t index);

/* Stores entry (not NULL) at index. Returns 0, or -ENOMEM (nothing changed). */
int xa_store(struct xarray *xa, uint64_t index, void *entry);

/* Removes the entry at index; returns it, or NULL if there was none. */
void *xa_erase(struct xarray *xa, uint64_t index);

/* The first entry at an index in [*index, max], *index set to it; NULL if none. */
void *xa_find(const struct xarray *xa, uint64_t *index, uint64_t max);

/* Frees every node (the entries are the caller's); xa is empty after. */
void xa_destroy(struct xarray *xa);

/* Nodes allocated now, and the frames their slab holds (for the per-program frame check). */
uint64_t xa_nodes_alive(void);
uint64_t xa_node_pages(void);

#endif
