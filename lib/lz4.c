/*
 * LZ4 block compression and decompression (lib/lz4.h), written from the
 * format description.
 *
 * Compressor: greedy, one hash table of the last position each 4-byte
 * sequence was seen at (Knuth's multiplicative hash of the 32-bit word,
 * LZ4_HASH_LOG bits), as LZ4's reference compressor works. The search for
 * a match hashes the next position while it probes the current one; after
 * 2^SKIP_TRIGGER misses in a row it steps 2 bytes, then 3, ... (incompressible
 * input costs a few instructions per byte). A match found is extended
 * backwards over pending literals byte by byte and forwards 8 bytes at a
 * time (the first differing byte from the XOR's trailing zero bits). After
 * each match the position 2 bytes before its end is entered in the table
 * and the match's end is probed at once, so a run of back-to-back matches
 * costs one probe each. The table is not cleared per call (lib/lz4.h: a
 * base moves past older entries), and each length is checked against the
 * output's room before it is written.
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

static inline uint64_t read64(const uint8_t *p)
{
	uint64_t v;
	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* The work area (lib/lz4.h). */
struct lz4_work {
	uint32_t table[1u << LZ4_HASH_LOG];   /* base + position of the last sight of a hash */
	uint32_t next;                         /* every entry stored so far is below next + 1 */
	uint32_t pad;
};

_Static_assert(sizeof(struct lz4_work) == LZ4_WORK_SIZE, "LZ4_WORK_SIZE");

/* See lib/lz4.h. */
void lz4_work_init(void *work)
{
	memset(work, 0, LZ4_WORK_SIZE);
}

/* Bytes from p on equal to those from m (m < p), stopping at limit. */
static inline uint32_t match_extend(const uint8_t *p, const uint8_t *m, const uint8_t *limit)
{
	const uint8_t *start = p;
	while (p + 8 <= limit) {
		uint64_t diff = read64(p) ^ read64(m);
		if (diff)
			return (uint32_t)(p - start) + (uint32_t)(__builtin_ctzll(diff) >> 3);
		p += 8;
		m += 8;
	}
	if (p + 4 <= limit && read32(p) == read32(m)) {
		p += 4;
		m += 4;
	}
	while (p < limit && *p == *m) {
		p++;
		m++;
	}
	return (uint32_t)(p - start);
}

/* Writes a length's extra bytes (len already reduced by the 15 in the
 * token) at *op; false if they do not fit before oend. */
static inline bool put_length(uint8_t **op, const uint8_t *oend, uint32_t len)
{
	if (len / 255u + 1u > (uint32_t)(oend - *op))
		return false;
	uint8_t *o = *op;
	for (; len >= 255u; len -= 255u)
		*o++ = 255;
	*o++ = (uint8_t)len;
	*op = o;
	return true;
}

/* Copies the literals s[0..n) to d, which has room for at least n bytes,
 * and room bytes in all: whole 8-byte moves past n when room allows (the
 * bytes past n are overwritten by what follows), else exactly. */
static inline void put_literals(uint8_t *d, const uint8_t *s, uint32_t n, uint32_t room)
{
	if (n + 8 <= room) {
		for (uint32_t i = 0; i < n; i += 8)
			copy8(d + i, s + i);
	} else {
		copy_exact(d, s, n);
	}
}

/* See lib/lz4.h. */
int32_t lz4_compress(const uint8_t *src, uint32_t n, uint8_t *dst, uint32_t cap, void *work)
{
	if (n > LZ4_MAX_INPUT)
		return -EINVAL;
	struct lz4_work *w = work;
	uint8_t *op = dst;
	uint8_t *const oend = dst + cap;
	const uint8_t *anchor = src;
	const uint8_t *const iend = src + n;
	if (n >= MFLIMIT + 1) {
		uint32_t *table = w->table;
		uint32_t base = w->next + 1;
		if (base > 0xffffffffu - 2 * LZ4_MAX_INPUT) {   /* the base would wrap: start over */
			memset(table, 0, sizeof(w->table));
			base = 1;
		}
		w->next = base + n;
		const uint8_t *const mflimit1 = iend - MFLIMIT + 1;   /* a match starts below this */
		const uint8_t *const matchlimit = iend - LASTLITERALS; /* and ends at or below this */
		const uint8_t *ip = src;
		table[hash4(read32(ip))] = base;
		ip++;
		uint32_t fh = hash4(read32(ip));
		for (;;) {
			/* Find a match: ref < ip with the same 4 bytes. */
			const uint8_t *ref, *fwd = ip;
			uint32_t step = 1, searched = 1u << SKIP_TRIGGER;
			for (;;) {
				uint32_t h = fh;
				ip = fwd;
				fwd += step;
				step = searched++ >> SKIP_TRIGGER;
				if (fwd > mflimit1)
					goto last_literals;
				uint32_t cur = (uint32_t)(ip - src);
				uint32_t r = table[h] - base;
				fh = hash4(read32(fwd));
				table[h] = base + cur;
				if (r < cur && read32(src + r) == read32(ip)) {
					ref = src + r;
					break;
				}
			}
			while (ip > anchor && ref > src && ip[-1] == ref[-1]) {
				ip--;
				ref--;
			}
			/* The literals, then one or more matches back to back. */
			uint32_t nlit = (uint32_t)(ip - anchor);
			uint32_t room = (uint32_t)(oend - op);
			if (room < 1 + nlit + 2)
				return -ENOSPC;
			uint8_t *token = op++;
			if (nlit >= RUN_MASK) {
				*token = RUN_MASK << 4;
				if (!put_length(&op, oend, nlit - RUN_MASK))
					return -ENOSPC;
				room = (uint32_t)(oend - op);
				if (room < nlit + 2)
					return -ENOSPC;
			} else {
				*token = (uint8_t)(nlit << 4);
				room--;
			}
			put_literals(op, anchor, nlit, room);
			op += nlit;
			for (;;) {
				uint32_t offset = (uint32_t)(ip - ref);
				op[0] = (uint8_t)offset;
				op[1] = (uint8_t)(offset >> 8);
				op += 2;
				uint32_t m = match_extend(ip + MINMATCH, ref + MINMATCH, matchlimit);
				ip += MINMATCH + m;
				if (m >= ML_MASK) {
					*token |= ML_MASK;
					if (!put_length(&op, oend, m - ML_MASK))
						return -ENOSPC;
				} else {
					*token |= (uint8_t)m;
				}
				anchor = ip;
				if (ip >= mflimit1)
					goto last_literals;
				uint32_t cur = (uint32_t)(ip - src);
				table[hash4(read32(ip - 2))] = base + cur - 2;
				/* The match's end may start the next one at once. */
				uint32_t h = hash4(read32(ip));
				uint32_t r = table[h] - base;
				table[h] = base + cur;
				if (!(r < cur && read32(src + r) == read32(ip)))
					break;
				ref = src + r;
				if ((uint32_t)(oend - op) < 1 + 2)
					return -ENOSPC;
				token = op++;
				*token = 0;
			}
			fh = hash4(read32(++ip));
		}
	}
last_literals:;
	uint32_t nlit = (uint32_t)(iend - anchor);
	if (op >= oend)
		return -ENOSPC;
	uint8_t *token = op++;
	if (nlit >= RUN_MASK) {
		*token = RUN_MASK << 4;
		if (!put_length(&op, oend, nlit - RUN_MASK))
			return -ENOSPC;
	} else {
		*token = (uint8_t)(nlit << 4);
	}
	if (nlit > (uint32_t)(oend - op))
		return -ENOSPC;
	copy_exact(op, anchor, nlit);
	op += nlit;
	return (int32_t)(op - dst);
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
