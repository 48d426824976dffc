/*
 * The QR encoder (lib/qr.h). The steps, in the standard's order:
 *
 *   1. version      the smallest whose data capacity holds mode + count + bytes
 *   2. bit stream   mode 0100 (byte), the count (8 bits up to version 9, then
 *                   16), the bytes, a terminator of up to 4 zero bits, zero
 *                   bits to a byte boundary, pad codewords 0xEC 0x11 ...
 *   3. blocks       the data codewords cut into the version's blocks (short
 *                   ones first, long ones one codeword longer), each followed
 *                   by its Reed-Solomon codewords; then interleaved: the i-th
 *                   data codeword of every block, then the i-th EC codeword
 *   4. matrix       function patterns first (finders with separators, timing,
 *                   alignment, the reserved format area, the dark module,
 *                   version information), then the codewords bit by bit, most
 *                   significant first, in two-module columns from the bottom
 *                   right, up and down in turn, skipping the vertical timing
 *                   column; remainder bits stay light
 *   5. mask         each of the 8 masks applied to the data modules, with its
 *                   format information, scored by the penalty rules; the
 *                   lowest score stays
 *
 * Coordinates: x is the column, y the row, (0, 0) the top left module.
 */
#include "lib/qr.h"
#include "base/string.h"

/* Per version (index 1..40) and level: EC codewords per block, and blocks. */
static const uint8_t ec_per_block[4][QR_VERSION_MAX + 1] = {
	[QR_ECC_L] = { 0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
		       28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30 },
	[QR_ECC_M] = { 0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
		       26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28 },
	[QR_ECC_Q] = { 0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
		       28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30 },
	[QR_ECC_H] = { 0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
		       30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30 },
};
static const uint8_t block_count[4][QR_VERSION_MAX + 1] = {
	[QR_ECC_L] = { 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
		       8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25 },
	[QR_ECC_M] = { 0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
		       17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49 },
	[QR_ECC_Q] = { 0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
		       23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68 },
	[QR_ECC_H] = { 0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
		       25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81 },
};

/* The level's two bits in the format information (not the enum's order). */
static const uint32_t ecc_format_bits[4] = { [QR_ECC_L] = 1, [QR_ECC_M] = 0, [QR_ECC_Q] = 3, [QR_ECC_H] = 2 };

#define FORMAT_GENERATOR  0x537     /* BCH(15,5): x^10 + x^8 + x^5 + x^4 + x^2 + x + 1 */
#define FORMAT_XOR_MASK   0x5412
#define VERSION_GENERATOR 0x1f25    /* BCH(18,6): x^12 + x^11 + x^10 + x^9 + x^8 + x^5 + x^2 + 1 */
#define GF256_POLY        0x11d     /* x^8 + x^4 + x^3 + x^2 + 1 */
#define PAD_A 0xec
#define PAD_B 0x11
#define EC_MAX 30                   /* the most EC codewords in a block */

/* The number of alignment patterns per row (and column) of a version >= 2. */
static uint32_t alignment_count(uint32_t version)
{
	return version / 7 + 2;
}

/* Modules left for codewords (and remainder bits) in a version: all of
 * them, less the three finders with separators (8 x 8 each), the two
 * timing lines between them, the format information (2 x 15) and the dark
 * module, the alignment patterns (5 x 5; those on the timing lines share
 * 5 modules with them; none overlaps a finder), and from version 7 the two
 * version blocks (6 x 3). */
static uint32_t data_modules(uint32_t version)
{
	uint32_t size = QR_SIZE(version);
	uint32_t n = size * size - 3 * 64 - 2 * (size - 16) - 31;
	if (version >= 2) {
		uint32_t a = alignment_count(version);
		n -= 25 * (a * a - 3) - 10 * (a - 2);
	}
	if (version >= 7)
		n -= 36;
	return n;
}

/* Total codewords (data + EC) of a version. */
static uint32_t total_codewords(uint32_t version)
{
	return data_modules(version) / 8;
}

/* Data codewords of a version at a level. */
static uint32_t data_codewords(uint32_t version, enum qr_ecc ecc)
{
	return total_codewords(version) - ec_per_block[ecc][version] * block_count[ecc][version];
}

/* Bits of the byte-mode character count. */
static uint32_t count_bits(uint32_t version)
{
	return version <= 9 ? 8 : 16;
}

/* See lib/qr.h. */
size_t qr_byte_capacity(uint32_t version, enum qr_ecc ecc)
{
	if (version < QR_VERSION_MIN || version > QR_VERSION_MAX || (uint32_t)ecc > QR_ECC_H)
		return 0;
	uint32_t bits = data_codewords(version, ecc) * 8 - 4 - count_bits(version);
	size_t max = (1u << count_bits(version)) - 1;
	return bits / 8 < max ? bits / 8 : max;
}

/* ---- GF(256) and Reed-Solomon ---- */

/* The product of a and b in GF(256) modulo GF256_POLY. */
static uint8_t gf_mul(uint8_t a, uint8_t b)
{
	uint32_t r = 0;
	for (int i = 7; i >= 0; i--) {
		r = (r << 1) ^ ((r >> 7) * GF256_POLY);
		r ^= ((b >> i) & 1) * a;
	}
	return (uint8_t)r;
}

/* The generator polynomial (x - a^0)(x - a^1)...(x - a^(degree-1)) without
 * its leading 1: gen[0] is the coefficient of x^(degree-1). */
static void rs_generator(uint8_t *gen, uint32_t degree)
{
	memset(gen, 0, degree);
	gen[degree - 1] = 1;  /* the polynomial 1 */
	uint8_t root = 1;     /* a^i */
	for (uint32_t i = 0; i < degree; i++) {
		/* multiply by (x + root): shift up and add root times the old */
		for (uint32_t j = 0; j < degree; j++) {
			gen[j] = gf_mul(gen[j], root);
			if (j + 1 < degree)
				gen[j] ^= gen[j + 1];
		}
		root = gf_mul(root, 2);
	}
}

/* The remainder of data(x) * x^degree divided by the generator: the EC codewords, into ec[0..degree). */
static void rs_remainder(const uint8_t *data, uint32_t len, const uint8_t *gen, uint32_t degree, uint8_t *ec)
{
	memset(ec, 0, degree);
	for (uint32_t i = 0; i < len; i++) {
		uint8_t factor = data[i] ^ ec[0];
		memmove(ec, ec + 1, degree - 1);
		ec[degree - 1] = 0;
		for (uint32_t j = 0; j < degree; j++)
			ec[j] ^= gf_mul(gen[j], factor);
	}
}

/* ---- the matrix ---- */

static bool get_bit(const uint8_t *grid, const struct qr_code *qr, uint32_t x, uint32_t y)
{
	uint32_t i = y * qr->size + x;
	return (grid[i >> 3] >> (i & 7)) & 1;
}

static void put_bit(uint8_t *grid, const struct qr_code *qr, uint32_t x, uint32_t y, bool on)
{
	uint32_t i = y * qr->size + x;
	if (on)
		grid[i >> 3] |= (uint8_t)(1u << (i & 7));
	else
		grid[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

/* Sets a function module (dark or light); coordinates off the symbol are ignored. */
static void set_function(struct qr_code *qr, int32_t x, int32_t y, bool dark)
{
	if (x < 0 || y < 0 || (uint32_t)x >= qr->size || (uint32_t)y >= qr->size)
		return;
	put_bit(qr->modules, qr, (uint32_t)x, (uint32_t)y, dark);
	put_bit(qr->function, qr, (uint32_t)x, (uint32_t)y, true);
}

/* A finder pattern centred on (cx, cy) with its light separator ring. */
static void draw_finder(struct qr_code *qr, int32_t cx, int32_t cy)
{
	for (int32_t dy = -4; dy <= 4; dy++) {
		for (int32_t dx = -4; dx <= 4; dx++) {
			int32_t d = dx < 0 ? -dx : dx, e = dy < 0 ? -dy : dy;
			int32_t ring = d > e ? d : e;  /* 0..1 centre, 2 light, 3 dark, 4 separator */
			set_function(qr, cx + dx, cy + dy, ring != 2 && ring != 4);
		}
	}
}

/* A 5 x 5 alignment pattern centred on (cx, cy). */
static void draw_alignment(struct qr_code *qr, int32_t cx, int32_t cy)
{
	for (int32_t dy = -2; dy <= 2; dy++) {
		for (int32_t dx = -2; dx <= 2; dx++) {
			int32_t d = dx < 0 ? -dx : dx, e = dy < 0 ? -dy : dy;
			set_function(qr, cx + dx, cy + dy, (d > e ? d : e) != 1);
		}
	}
}

/* The row and column coordinates of the alignment pattern centres: 6, then
 * evenly spaced (an even step) up to size - 7, counted from the far end;
 * version 32 is the standard's one exception to the rounding. Returns how
 * many were written to pos (0 for version 1). */
static uint32_t alignment_positions(uint32_t version, uint32_t *pos)
{
	if (version == 1)
		return 0;
	uint32_t n = alignment_count(version), last = QR_SIZE(version) - 7;
	uint32_t step = (last - 6 + n - 2) / (n - 1);   /* round up ... */
	step += step & 1;                               /* ... to even */
	if (version == 32)
		step = 26;
	pos[0] = 6;
	for (uint32_t i = n - 1; i >= 1; i--)
		pos[i] = last - (n - 1 - i) * step;
	return n;
}

/* The 15 format bits for the level and mask: 5 data bits, their BCH(15,5)
 * remainder, XOR FORMAT_XOR_MASK. */
static uint32_t format_bits(enum qr_ecc ecc, uint32_t mask)
{
	uint32_t data = ecc_format_bits[ecc] << 3 | mask, rem = data << 10;
	for (int i = 14; i >= 10; i--)
		if (rem & (1u << i))
			rem ^= FORMAT_GENERATOR << (i - 10);
	return ((data << 10) | rem) ^ FORMAT_XOR_MASK;
}

/* Writes both copies of the format information (bit 0 is the least significant). */
static void draw_format(struct qr_code *qr, enum qr_ecc ecc, uint32_t mask)
{
	uint32_t bits = format_bits(ecc, mask);
	int32_t size = (int32_t)qr->size;
	for (int32_t i = 0; i < 15; i++) {
		bool on = (bits >> i) & 1;
		/* around the top left finder: down column 8 (skipping the timing row), then left along row 8 */
		if (i < 6)
			set_function(qr, 8, i, on);
		else if (i < 8)
			set_function(qr, 8, i + 1, on);
		else if (i == 8)
			set_function(qr, 7, 8, on);
		else
			set_function(qr, 14 - i, 8, on);
		/* the second copy: bits 0..7 along row 8 from the right, 8..14 down column 8 at the bottom */
		if (i < 8)
			set_function(qr, size - 1 - i, 8, on);
		else
			set_function(qr, 8, size - 15 + i, on);
	}
	set_function(qr, 8, size - 8, true);   /* the dark module */
}

/* Writes both version blocks (versions 7 and up): 6 data bits and their BCH(18,6) remainder. */
static void draw_version(struct qr_code *qr)
{
	if (qr->version < 7)
		return;
	uint32_t rem = qr->version << 12;
	for (int i = 17; i >= 12; i--)
		if (rem & (1u << i))
			rem ^= VERSION_GENERATOR << (i - 12);
	uint32_t bits = qr->version << 12 | rem;
	for (int32_t i = 0; i < 18; i++) {
		bool on = (bits >> i) & 1;
		int32_t a = (int32_t)qr->size - 11 + i % 3, b = i / 3;
		set_function(qr, a, b, on);   /* above the bottom left finder... */
		set_function(qr, b, a, on);   /* ...and left of the top right one */
	}
}

/* Every function pattern of qr's version; the format area is reserved (its bits come with the mask). */
static void draw_function_patterns(struct qr_code *qr)
{
	int32_t size = (int32_t)qr->size;
	memset(qr->modules, 0, sizeof(qr->modules));
	memset(qr->function, 0, sizeof(qr->function));
	for (int32_t i = 0; i < size; i++) {
		set_function(qr, 6, i, i % 2 == 0);   /* timing: dark on even coordinates */
		set_function(qr, i, 6, i % 2 == 0);
	}
	draw_finder(qr, 3, 3);
	draw_finder(qr, size - 4, 3);
	draw_finder(qr, 3, size - 4);
	uint32_t pos[7];
	uint32_t n = alignment_positions(qr->version, pos);
	for (uint32_t i = 0; i < n; i++) {
		for (uint32_t j = 0; j < n; j++) {
			bool on_finder = (i == 0 && j == 0) || (i == 0 && j == n - 1) || (i == n - 1 && j == 0);
			if (!on_finder)
				draw_alignment(qr, (int32_t)pos[i], (int32_t)pos[j]);
		}
	}
	draw_format(qr, qr->ecc, 0);   /* reserves the area; drawn again with the chosen mask */
	draw_version(qr);
}

/* Places the codeword bits in the data modules: two-module columns from the
 * right, the upward and downward passes alternating, right module first;
 * column 6 (vertical timing) is skipped. Bits past the codewords stay light. */
static void place_codewords(struct qr_code *qr, uint32_t count)
{
	uint32_t bit = 0, total = count * 8;
	bool upward = true;
	for (int32_t right = (int32_t)qr->size - 1; right >= 1; right -= 2) {
		if (right == 6)
			right = 5;
		for (uint32_t k = 0; k < qr->size; k++) {
			uint32_t y = upward ? qr->size - 1 - k : k;
			for (int32_t dx = 0; dx < 2; dx++) {
				uint32_t x = (uint32_t)(right - dx);
				if (get_bit(qr->function, qr, x, y))
					continue;
				bool on = false;
				if (bit < total)
					on = (qr->codewords[bit >> 3] >> (7 - (bit & 7))) & 1;
				put_bit(qr->modules, qr, x, y, on);
				bit++;
			}
		}
		upward = !upward;
	}
}

/* Whether data mask m inverts module (x, y) (i = row, j = column in the standard's formulas). */
static bool mask_bit(uint32_t m, uint32_t x, uint32_t y)
{
	uint32_t i = y, j = x;
	switch (m) {
	case 0: return (i + j) % 2 == 0;
	case 1: return i % 2 == 0;
	case 2: return j % 3 == 0;
	case 3: return (i + j) % 3 == 0;
	case 4: return (i / 2 + j / 3) % 2 == 0;
	case 5: return (i * j) % 2 + (i * j) % 3 == 0;
	case 6: return ((i * j) % 2 + (i * j) % 3) % 2 == 0;
	default: return ((i + j) % 2 + (i * j) % 3) % 2 == 0;
	}
}

/* XORs mask m onto the data modules (applying it twice undoes it). */
static void apply_mask(struct qr_code *qr, uint32_t m)
{
	for (uint32_t y = 0; y < qr->size; y++)
		for (uint32_t x = 0; x < qr->size; x++)
			if (!get_bit(qr->function, qr, x, y) && mask_bit(m, x, y))
				put_bit(qr->modules, qr, x, y, !get_bit(qr->modules, qr, x, y));
}

/* Module k of line `line` (a row when rows, else a column). */
static bool line_module(const struct qr_code *qr, bool rows, uint32_t line, uint32_t k)
{
	return rows ? get_bit(qr->modules, qr, k, line) : get_bit(qr->modules, qr, line, k);
}

/* Penalty rules N1 (runs of 5 or more: 3 + length - 5) and N3 (dark-light-
 * dark x3-light-dark with 4 light modules before or after: 40 each) along
 * every row (rows) or every column. */
static uint32_t penalty_lines(const struct qr_code *qr, bool rows)
{
	static const uint8_t finder_like[11] = { 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0 };
	uint32_t score = 0, n = qr->size;
	for (uint32_t line = 0; line < n; line++) {
		uint32_t run = 1;
		for (uint32_t k = 1; k <= n; k++) {
			if (k < n && line_module(qr, rows, line, k) == line_module(qr, rows, line, k - 1)) {
				run++;
				continue;
			}
			if (run >= 5)
				score += 3 + run - 5;
			run = 1;
		}
		for (uint32_t k = 0; k + 11 <= n; k++) {
			bool forward = true, backward = true;
			for (uint32_t t = 0; t < 11; t++) {
				bool m = line_module(qr, rows, line, k + t);
				forward &= m == finder_like[t];
				backward &= m == finder_like[10 - t];
			}
			score += 40 * (forward + backward);
		}
	}
	return score;
}

/* See lib/qr.h. */
uint32_t qr_penalty(const struct qr_code *qr)
{
	uint32_t n = qr->size, score = penalty_lines(qr, true) + penalty_lines(qr, false), dark = 0;
	for (uint32_t y = 0; y + 1 < n; y++) {   /* N2: 2 x 2 blocks of one colour, 3 each */
		for (uint32_t x = 0; x + 1 < n; x++) {
			bool c = get_bit(qr->modules, qr, x, y);
			if (c == get_bit(qr->modules, qr, x + 1, y) && c == get_bit(qr->modules, qr, x, y + 1) &&
			    c == get_bit(qr->modules, qr, x + 1, y + 1))
				score += 3;
		}
	}
	for (uint32_t y = 0; y < n; y++)        /* N4: 10 per full 5 % the dark share is away from 50 % */
		for (uint32_t x = 0; x < n; x++)
			dark += get_bit(qr->modules, qr, x, y);
	uint64_t total = (uint64_t)n * n, twenty_dark = 20ull * dark, ten_total = 10ull * total;
	uint64_t dev = twenty_dark > ten_total ? twenty_dark - ten_total : ten_total - twenty_dark;
	return score + 10 * (uint32_t)(dev / total);
}

/* Appends the low `bits` bits of value, most significant first, at bit *at of buf. */
static void put_bits(uint8_t *buf, uint32_t *at, uint32_t value, uint32_t bits)
{
	for (int32_t i = (int32_t)bits - 1; i >= 0; i--, (*at)++)
		if ((value >> i) & 1)
			buf[*at >> 3] |= (uint8_t)(0x80u >> (*at & 7));
}

/* Steps 2 and 3: qr->codewords gets the interleaved data and EC codewords. */
static void build_codewords(struct qr_code *qr, const uint8_t *data, size_t len)
{
	uint32_t v = qr->version, ndata = data_codewords(v, qr->ecc), total = total_codewords(v);
	uint32_t nblocks = block_count[qr->ecc][v], ec = ec_per_block[qr->ecc][v];
	uint8_t *d = qr->blocks, gen[EC_MAX];

	memset(d, 0, ndata);
	uint32_t at = 0;
	put_bits(d, &at, 4, 4);   /* byte mode */
	put_bits(d, &at, (uint32_t)len, count_bits(v));
	for (size_t i = 0; i < len; i++)
		put_bits(d, &at, data[i], 8);
	uint32_t capacity = ndata * 8, term = capacity - at < 4 ? capacity - at : 4;
	at += term;               /* the terminator: zero bits, already clear */
	at = (at + 7) & ~7u;      /* zero bits to the byte boundary */
	for (uint32_t i = at / 8, pad = 0; i < ndata; i++, pad ^= 1)
		d[i] = pad ? PAD_B : PAD_A;

	/* short blocks hold `short_data` data codewords, the last `long_blocks` one more */
	uint32_t long_blocks = total % nblocks, short_blocks = nblocks - long_blocks;
	uint32_t short_data = total / nblocks - ec;
	rs_generator(gen, ec);
	uint8_t *ecw = d + ndata;
	for (uint32_t b = 0, off = 0; b < nblocks; b++) {
		uint32_t blen = short_data + (b >= short_blocks);
		rs_remainder(d + off, blen, gen, ec, ecw + b * ec);
		off += blen;
	}

	uint32_t out = 0;
	for (uint32_t i = 0; i <= short_data; i++) {
		for (uint32_t b = 0, off = 0; b < nblocks; b++) {
			uint32_t blen = short_data + (b >= short_blocks);
			if (i < blen)
				qr->codewords[out++] = d[off + i];
			off += blen;
		}
	}
	for (uint32_t i = 0; i < ec; i++)
		for (uint32_t b = 0; b < nblocks; b++)
			qr->codewords[out++] = ecw[b * ec + i];
}

/* See lib/qr.h. */
int qr_encode(struct qr_code *qr, const uint8_t *data, size_t len, enum qr_ecc ecc, uint32_t min_version,
	      uint32_t max_version, int mask)
{
	if ((uint32_t)ecc > QR_ECC_H || min_version < QR_VERSION_MIN || max_version > QR_VERSION_MAX ||
	    min_version > max_version || mask < QR_MASK_AUTO || mask > 7)
		return -1;
	uint32_t v = min_version;
	while (qr_byte_capacity(v, ecc) < len)
		if (++v > max_version)
			return -1;
	qr->version = v;
	qr->size = QR_SIZE(v);
	qr->ecc = ecc;
	build_codewords(qr, data, len);
	draw_function_patterns(qr);
	place_codewords(qr, total_codewords(v));

	uint32_t best = mask == QR_MASK_AUTO ? 0 : (uint32_t)mask;
	if (mask == QR_MASK_AUTO) {
		uint32_t best_score = UINT32_MAX;
		for (uint32_t m = 0; m < 8; m++) {
			apply_mask(qr, m);
			draw_format(qr, ecc, m);
			uint32_t score = qr_penalty(qr);
			if (score < best_score) {
				best_score = score;
				best = m;
			}
			apply_mask(qr, m);
		}
	}
	apply_mask(qr, best);
	draw_format(qr, ecc, best);
	qr->mask = best;
	return 0;
}

/* See lib/qr.h. */
bool qr_module(const struct qr_code *qr, uint32_t x, uint32_t y)
{
	return get_bit(qr->modules, qr, x, y);
}
