/* The RAM block device (fs/brd.h). */
#include "fs/brd.h"
#include "paging/buddy.h"
#include "paging/page.h"
#include "base/errno.h"
#include "base/string.h"

static uint8_t *disk;
static uint64_t *used_map;          /* a bit per block: in use */
static uint64_t next_free;          /* no free block below it */
static struct brd_stats stats;

/* See fs/brd.h. */
int brd_init(void *base, uint64_t blocks, uint64_t used_blocks)
{
	uint64_t bytes = (blocks + 63) / 64 * 8, order = 0;
	while ((PAGE_SIZE << order) < bytes)
		order++;
	struct page *page = alloc_pages((uint32_t)order);
	if (!page)
		return -ENOMEM;
	used_map = page_address(page);
	memset(used_map, 0, PAGE_SIZE << order);
	disk = base;
	stats = (struct brd_stats){ .blocks = blocks };
	for (uint64_t b = 0; b < used_blocks && b < blocks; b++) {
		used_map[b / 64] |= UINT64_C(1) << (b % 64);
		stats.used++;
	}
	if (blocks && !(used_map[0] & 1)) {   /* block 0 is "no block" */
		used_map[0] |= 1;
		stats.used++;
	}
	next_free = 1;
	return 0;
}

/* See fs/brd.h. */
void brd_read_block(uint32_t blk, void *dst)
{
	copy_page(dst, disk + (uint64_t)blk * BRD_BLOCK_SIZE);   /* a block is a page */
	stats.reads++;
}

/* See fs/brd.h. */
void brd_write_block(uint32_t blk, const void *src)
{
	copy_page(disk + (uint64_t)blk * BRD_BLOCK_SIZE, src);
	stats.writes++;
}

/* See fs/brd.h. */
uint32_t brd_alloc_block(void)
{
	for (uint64_t b = next_free; b < stats.blocks; b++) {
		if (!((used_map[b / 64] >> (b % 64)) & 1)) {
			used_map[b / 64] |= UINT64_C(1) << (b % 64);
			stats.used++;
			next_free = b + 1;
			clear_page(disk + b * BRD_BLOCK_SIZE);
			return (uint32_t)b;
		}
	}
	next_free = stats.blocks;
	return 0;
}

/* See fs/brd.h. */
void brd_free_block(uint32_t blk)
{
	if (!blk || blk >= stats.blocks || !((used_map[blk / 64] >> (blk % 64)) & 1))
		return;
	used_map[blk / 64] &= ~(UINT64_C(1) << (blk % 64));
	stats.used--;
	if (blk < next_free)
		next_free = blk;
}

/* See fs/brd.h. */
void brd_get_stats(struct brd_stats *out)
{
	*out = stats;
}
