/*
 * The RAM block device (Linux's brd): fixed 4 KiB blocks in memory the
 * firmware phase filled with the stick's \faultline\ files, nothing else
 * touches it. Reads and writes copy whole blocks (that copy is the "I/O" of
 * a major fault or a writeback). Block 0 is never handed out, so 0 can mean
 * "no block" (a hole) in block maps. Writes are lost at reset.
 */
#ifndef FAULTLINE_BRD_H
#define FAULTLINE_BRD_H

#include <stdbool.h>
#include <stdint.h>

#define BRD_BLOCK_SIZE 4096u

struct brd_stats {
	uint64_t blocks, used;          /* size, and blocks in use */
	uint64_t reads, writes;         /* block copies */
};

/* Takes the device: blocks at kernel address base, the first used_blocks of
 * them already holding files. Returns 0, or -ENOMEM for the free map. */
int brd_init(void *base, uint64_t blocks, uint64_t used_blocks);

/* Copies block blk to dst / src to block blk. */
void brd_read_block(uint32_t blk, void *dst);
void brd_write_block(uint32_t blk, const void *src);

/* A free block, zeroed (it may hold a deleted file's bytes), or 0 when the disk is full. */
uint32_t brd_alloc_block(void);
void brd_free_block(uint32_t blk);

void brd_get_stats(struct brd_stats *out);

#endif
