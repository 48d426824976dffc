/*
 * LZ4 block format (lz4/doc/lz4_Block_format.md): a compressor and a
 * hardened decompressor of our own, freestanding, allocating nothing.
 *
 * A block is a run of sequences. Each starts with a token byte: the high
 * four bits are the literal count, the low four the match length minus 4
 * (MINMATCH); 15 in either means more length bytes follow (each adds its
 * value, a byte below 255 ends them). Then the literals, then a 2-byte
 * little-endian offset back into the output (1..65535) and the match
 * length's extra bytes. The last sequence has literals only and ends the
 * block. The compressor keeps the format's end rules (the last 5 bytes are
 * literals, no match starts in the last 12), so real LZ4 decoders accept
 * what it writes; the decompressor accepts any block that decodes without
 * reaching outside its input or output.
 */
#ifndef FAULTLINE_LZ4_H
#define FAULTLINE_LZ4_H

#include <stdint.h>

/* Largest input lz4_compress takes (offsets and positions fit 16 bits). */
#define LZ4_MAX_INPUT     65535u

/*
 * The compressor's work area (LZ4_WORK_SIZE bytes, 8-byte aligned): a hash
 * table of 2^LZ4_HASH_LOG 32-bit positions and the base the current call's
 * positions are counted from. Each call moves the base past the positions
 * earlier calls stored, so their entries read as "none" and the table is
 * never cleared per call (only when the 32-bit base would wrap: after about
 * 4 GiB of input, a million 4 KiB pages): output depends on the input alone.
 */
#define LZ4_HASH_LOG      12
#define LZ4_WORK_SIZE     ((1u << LZ4_HASH_LOG) * 4u + 8u)

/* Prepares a work area for lz4_compress (all zero bytes is prepared too:
 * static storage needs no call). */
void lz4_work_init(void *work);

/* Output bound: the most lz4_compress can write for n input bytes
 * (incompressible input: literals plus their length bytes and a token). */
#define LZ4_COMPRESS_BOUND(n) ((n) + (n) / 255u + 16u)

/*
 * Compresses src[0..n) into dst[0..cap) as one LZ4 block, using work
 * (prepared by lz4_work_init, or zero-filled, and since then used only by
 * lz4_compress; one call at a time). Returns the
 * block's length (> 0), -ENOSPC if it does not fit in cap (dst is then
 * scratch), or -EINVAL if n > LZ4_MAX_INPUT.
 */
int32_t lz4_compress(const uint8_t *src, uint32_t n, uint8_t *dst, uint32_t cap, void *work);

/*
 * Decompresses the block src[0..n) into dst[0..cap). Returns the bytes
 * written, or -EINVAL for any block that is malformed: truncated in a
 * length, literals or offset, an offset of 0 or before the start of the
 * output, a block ending after a match, or output longer than cap. Never
 * reads outside src[0..n) or writes outside dst[0..cap), whatever src holds;
 * dst past the bytes written may hold scratch (whole 8-byte moves).
 */
int32_t lz4_decompress(const uint8_t *src, uint32_t n, uint8_t *dst, uint32_t cap);

#endif
