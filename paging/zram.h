/*
 * The swap device: compressed pages in RAM, as Linux's zram (drivers/block/
 * zram) with zsmalloc below it, reduced to what swap needs. No block layer:
 * paging/swap.c calls it with a slot number and a frame.
 *
 * Each slot holds one of:
 *   nothing        never written, or freed (zram_free)
 *   same-filled    the page is one 8-byte word repeated 512 times: only the
 *                  word is kept (zram's ZRAM_SAME), no pool memory
 *   compressed     an LZ4 block (lib/lz4.h) of at most ZRAM_HUGE_SIZE bytes,
 *                  in an object of the pool's size class above its length
 *   raw            incompressible (the block would be longer than
 *                  ZRAM_HUGE_SIZE): the page copied into a whole frame of
 *                  its own (zram's ZRAM_HUGE)
 *
 * The pool (zsmalloc's job, simpler): size classes of ZRAM_CLASS_STEP
 * bytes, up to ZRAM_HUGE_SIZE. A class's objects are carved out of single
 * buddy frames (floor(4096 / size) per frame, the tail wasted); frames with
 * a free object are on the class's partial list (linked by PFN through
 * their struct page's lru_next / lru_prev); a frame's struct page private
 * word holds its class, objects in use and its free-object list (each free
 * object's first 2 bytes name the next). A frame whose last object is
 * freed goes back to the buddy allocator at once, so an empty device
 * holds no frames.
 *
 * Compressing and decompressing are timed (TSC cycles) and counted in
 * zram_stats; the fault path reports the decompression time apart from
 * its own, as it does the zeroing of new frames.
 */
#ifndef FAULTLINE_ZRAM_H
#define FAULTLINE_ZRAM_H

#include <stdint.h>

struct page;

#define ZRAM_CLASS_STEP  64u
#define ZRAM_HUGE_SIZE   3072u    /* a compressed page longer than this is stored raw */
#define ZRAM_NR_CLASSES  (ZRAM_HUGE_SIZE / ZRAM_CLASS_STEP)

/* Sets up nr_slots empty slots (table from the buddy allocator). Returns 0,
 * -EINVAL (0 slots) or -ENOMEM. */
int zram_init(uint64_t nr_slots);

/*
 * Stores the contents of page in slot (freeing what the slot held before).
 * Returns 0, or -ENOMEM when the pool has no frame for it (the slot keeps
 * its old contents then), -EINVAL for a slot out of range.
 */
int zram_write(uint64_t slot, const struct page *page);

/*
 * Fills page from slot. Returns 0, or 1 when the slot was same-filled
 * (nothing decompressed); -ENOENT if the slot holds nothing;
 * -EIO if its block does not decompress to exactly one page (a corrupt
 * pool: page contents undefined); -EINVAL for a slot out of range. The
 * cycles spent decompressing (or filling) are added to *cycles.
 */
int zram_read(uint64_t slot, struct page *page, uint64_t *cycles);

/* Empties slot (its pool object freed). Harmless on an empty slot. */
void zram_free(uint64_t slot);

struct zram_stats {
	uint64_t pages_stored;       /* slots holding a page now */
	uint64_t same_pages;         /* ... of them same-filled */
	uint64_t huge_pages;         /* ... of them stored raw */
	uint64_t compr_data_size;    /* bytes of LZ4 blocks held (raw pages count 4096) */
	uint64_t pool_frames;        /* frames the pool holds (raw pages' included) */
	/* Since boot: */
	uint64_t writes, reads;      /* pages stored / read back */
	uint64_t same_writes;        /* writes that were same-filled */
	uint64_t huge_writes;        /* writes stored raw */
	uint64_t comp_cycles;        /* TSC cycles compressing (and the same-filled test) */
	uint64_t decomp_cycles;      /* TSC cycles decompressing (or filling) */
	uint64_t failed_reads;       /* blocks that did not decompress */
};

/* Fills *out with the current state and totals. */
void zram_get_stats(struct zram_stats *out);

/* Compression ratio of the pages stored now that are not same-filled, in
 * hundredths: their original bytes (4096 each) over compr_data_size (raw
 * pages count 4096); 0 when there are none. */
uint64_t zram_ratio_x100(void);

#endif
