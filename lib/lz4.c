/*
 * LZ4 block compression and decompression (lib/lz4.h), written from the
 * format description.
 *
 * Compressor: greedy, one hash table of the last position each 4-byte
 * sequence was seen at (Knuth's multiplicative hash of the 32-bit word,
 * LZ4_HASH_LOG bits). At each position: if the table names an earlier
 * position within 65535 bytes with the same four bytes, the match is
 * extended backwards over pending literals and forwards up to the end
 * limit and emitted; else the position advances, by more the longer no
 * match was found (a skip that makes incompressible input cheap).
 *
 * Decompressor: every length is checked against what is left of the input
 * and of the output before bytes move; lengths are accumulated in 64 bits
 * and capped, so no run of 255 bytes can wrap them. Literals and matches
 * move 8 bytes at a time with an exact tail (one overlapping 8-byte move,
 * never a byte past the run), so no byte loop runs but for runs under 4
 * bytes and the first 8..14 bytes of a match with an offset under 8.
 */
#include "lib/lz4.h"

#include <stdbool.h>

#include "base/errno.h"
#include "base/string.h"

#define MINMATCH      4
#define LASTLITERALS  5    /* the last 5 bytes of a block are literals */
#define MFLIMIT       12   /* no match starts in the last 12 bytes */
#define MAX_OFFSET    65535u
#define RUN_MASK      15u
#define ML_MASK       15u
#define SKIP_TRIGGER  6    /* after 2^6 misses in a row, step 2 bytes, and so on */

/* Unaligned loads and stores of fixed size: __builtin_memcpy inlines them
 * even in the kernel's -fno-builtin build. */
static inline uint32_t read32(const uint8_t *p)
{
	uint32_t v;
	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline void copy8(uint8_t *d, const uint8_t *s)
{
	uint64_t v;
	__builtin_memcpy(&v, s, sizeof(v));
	__builtin_memcpy(d, &v, sizeof(v));
}

static inline void copy4(uint8_t *d, const uint8_t *s)
{
	uint32_t v;
	__builtin_memcpy(&v, s, sizeof(v));
	__builtin_memcpy(d, &v, sizeof(v));
}

/* Copies len bytes from s to d, which do not overlap, exactly (no byte
 * outside d[0..len) is written): 8 bytes at a time, then one 8-byte move
 * that ends at d + len (it rewrites some of the last chunk's bytes with
 * the same values); 4..7 bytes as two 4-byte moves; 0..3 singly. */
static inline void copy_exact(uint8_t *d, const uint8_t *s, uint32_t len)
{
	if (len >= 8) {
		uint32_t i = 0;
		for (; i + 16 <= len; i += 16) {
			copy8(d + i, s + i);
			copy8(d + i + 8, s + i + 8);
		}
		if (i + 8 <= len) {
			copy8(d + i, s + i);
			i += 8;
		}
		if (i < len)
			copy8(d + len - 8, s + len - 8);
	} else if (len >= 4) {
		copy4(d, s);
		copy4(d + len - 4, s + len - 4);
	} else {
		for (uint32_t i = 0; i < len; i++)
			d[i] = s[i];
	}
}

/*
 * Writes the match d[0..mlen) = d[-offset..mlen-offset) (offset >= 1, the
 * source already written, mlen >= MINMATCH), never past d + mlen. The
 * output repeats with period offset, so also with any multiple of it: a
 * short offset (< 8) is copied singly only for its first step bytes (step,
 * the smallest multiple >= 8), the rest 8 bytes at a time from step bytes
 * back, where each 8-byte source lies wholly before its destination and
 * at or after d - offset.
 */
static inline void copy_match(uint8_t *d, uint32_t offset, uint32_t mlen)
{
	uint32_t i = 0, step = offset;
	if (offset < 8) {
		step = offset * ((8 + offset - 1) / offset);
		uint32_t head = step < mlen ? step : mlen;
		for (; i < head; i++)
			d[i] = (d - offset)[i];
		if (i == mlen)
			return;
	} else if (mlen < 8) {
		copy4(d, d - offset);                      /* offset >= 8 > mlen: the sources lie before d */
		copy4(d + mlen - 4, d + mlen - 4 - offset);
		return;
	}
	/* Here mlen >= 8 and i <= mlen. */
	for (; i + 16 <= mlen; i += 16) {
		copy8(d + i, d + i - step);
		copy8(d + i + 8, d + i + 8 - step);
	}
	if (i + 8 <= mlen) {
		copy8(d + i, d + i - step);
		i += 8;
	}
	/* The tail: d[x] = d[x - step] holds for x >= step - offset (the
	 * source then lies at or after d - offset), so one 8-byte move ending
	 * at d + mlen when it starts there (same values over the last chunk's
	 * bytes), else the few bytes singly. */
	if (i < mlen && mlen - 8 >= step - offset)
		copy8(d + mlen - 8, d + mlen - 8 - step);
	else
		for (; i < mlen; i++)
			d[i] = (d - offset)[i];
}

static inline uint32_t hash4(uint32_t v)
{
	return (v * 2654435761u) >> (32 - LZ4_HASH_LOG);
}

/* Writes a length's extra bytes (len already reduced by the 15 in the
 * token) at dst[*op]; false if they do not fit in cap. */
static bool put_length(uint8_t *dst, uint32_t *op, uint32_t cap, uint32_t len)
{
	uint32_t need = len / 255u + 1u;
	if (need > cap - *op)
		return false;
	for (; len >= 255u; len -= 255u)
		dst[(*op)++] = 255;
	dst[(*op)++] = (uint8_t)len;
	return true;
}

/* Emits one sequence: the literals src[lit0..lit0+nlit), then (when
 * mlen != 0) a match of mlen bytes at offset. False if it does not fit. */
static bool put_sequence(uint8_t *dst, uint32_t *op, uint32_t cap, const uint8_t *lits, uint32_t nlit,
			 uint32_t offset, uint32_t mlen)
{
	if (*op >= cap)
		return false;
	uint32_t token_at = (*op)++;
	uint8_t token = (uint8_t)((nlit >= RUN_MASK ? RUN_MASK : nlit) << 4);
	if (nlit >= RUN_MASK && !put_length(dst, op, cap, nlit - RUN_MASK))
		return false;
	if (nlit > cap - *op)
		return false;
	memcpy(dst + *op, lits, nlit);
	*op += nlit;
	if (mlen) {
		if (cap - *op < 2)
			return false;
		dst[(*op)++] = (uint8_t)offset;
		dst[(*op)++] = (uint8_t)(offset >> 8);
		uint32_t m = mlen - MINMATCH;
		token |= (uint8_t)(m >= ML_MASK ? ML_MASK : m);
		if (m >= ML_MASK && !put_length(dst, op, cap, m - ML_MASK))
			return false;
	}
	dst[token_at] = token;
	return true;
}

/* See lib/lz4.h. */
int32_t lz4_compress(const uint8_t *src, uint32_t n, uint8_t *dst, uint32_t cap, void *work)
{
	if (n > LZ4_MAX_INPUT)
		return -EINVAL;
	uint16_t *table = work;   /* position + 1 of the last sight of a hash; 0: none */
	uint32_t op = 0, anchor = 0;
	if (n >= MFLIMIT + 1) {
		memset(table, 0, LZ4_WORK_SIZE);
		uint32_t match_start_limit = n - MFLIMIT;   /* a match starts below this */
		uint32_t match_end_limit = n - LASTLITERALS; /* and ends at or below this */
		uint32_t ip = 0, misses = 0;
		while (ip < match_start_limit) {
			uint32_t seq = read32(src + ip);
			uint32_t h = hash4(seq);
			uint32_t cand = table[h];
			table[h] = (uint16_t)(ip + 1);
			if (!cand || ip - (cand - 1) > MAX_OFFSET || read32(src + cand - 1) != seq) {
				ip += 1 + (misses++ >> SKIP_TRIGGER);
				continue;
			}
			misses = 0;
			uint32_t ref = cand - 1;
			while (ip > anchor && ref > 0 && src[ip - 1] == src[ref - 1])
				ip--, ref--;
			uint32_t len = MINMATCH;
			while (ip + len < match_end_limit && src[ref + len] == src[ip + len])
				len++;
			if (!put_sequence(dst, &op, cap, src + anchor, ip - anchor, ip - ref, len))
				return -ENOSPC;
			ip += len;
			anchor = ip;
			if (ip - 2 < match_start_limit)   /* remember a position inside the match too */
				table[hash4(read32(src + ip - 2))] = (uint16_t)(ip - 2 + 1);
		}
	}
	if (!put_sequence(dst, &op, cap, src + anchor, n - anchor, 0, 0))
		return -ENOSPC;
	return (int32_t)op;
}

/* Reads a length's extra bytes at src[*ip] onto *len; false if the input
 * ends inside them or the length passes limit (no block can need it). */
static bool get_length(const uint8_t *src, uint32_t n, uint32_t *ip, uint64_t *len, uint64_t limit)
{
	uint8_t b;
	do {
		if (*ip >= n)
			return false;
		b = src[(*ip)++];
		*len += b;
		if (*len > limit)
			return false;
	} while (b == 255);
	return true;
}

/* See lib/lz4.h. */
int32_t lz4_decompress(const uint8_t *src, uint32_t n, uint8_t *dst, uint32_t cap)
{
	uint32_t ip = 0, op = 0;
	for (;;) {
		if (ip >= n)
			return -EINVAL;   /* a token was due */
		uint8_t token = src[ip++];
		uint64_t lit = token >> 4;
		/* The common short sequence (no extra length bytes, offset >= 8)
		 * with room to spare on both sides: 16 literal bytes and 24 match
		 * bytes move whatever the lengths, inside src[0..n) and
		 * dst[0..cap); the bytes past the sequence are rewritten by the
		 * next ones (dst past the returned length is scratch). */
		if (lit < RUN_MASK && (token & ML_MASK) < ML_MASK && n - ip >= 16 && cap - op >= 40) {
			uint32_t offset = (uint32_t)src[ip + lit] | (uint32_t)src[ip + lit + 1] << 8;
			if (offset >= 8 && offset <= op + lit) {
				uint8_t *d = dst + op;
				copy8(d, src + ip);
				copy8(d + 8, src + ip + 8);
				d += lit;
				copy8(d, d - offset);
				copy8(d + 8, d + 8 - offset);
				copy8(d + 16, d + 16 - offset);
				ip += (uint32_t)lit + 2;
				op += (uint32_t)lit + (token & ML_MASK) + MINMATCH;
				continue;
			}
		}
		if (lit == RUN_MASK && !get_length(src, n, &ip, &lit, (uint64_t)cap + 1))
			return -EINVAL;
		if (lit > n - ip || lit > cap - op)
			return -EINVAL;
		copy_exact(dst + op, src + ip, (uint32_t)lit);
		ip += (uint32_t)lit;
		op += (uint32_t)lit;
		if (ip == n)
			return (int32_t)op;   /* the last sequence: literals only */
		if (n - ip < 2)
			return -EINVAL;
		uint32_t offset = (uint32_t)src[ip] | (uint32_t)src[ip + 1] << 8;
		ip += 2;
		if (offset == 0 || offset > op)
			return -EINVAL;
		uint64_t mlen = token & ML_MASK;
		if (mlen == ML_MASK && !get_length(src, n, &ip, &mlen, (uint64_t)cap + 1))
			return -EINVAL;
		mlen += MINMATCH;
		if (mlen > cap - op)
			return -EINVAL;
		copy_match(dst + op, offset, (uint32_t)mlen);
		op += (uint32_t)mlen;
	}
}
