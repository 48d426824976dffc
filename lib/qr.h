/*
 * A QR code encoder (ISO/IEC 18004, Model 2): bytes in, a matrix of dark
 * and light modules out. Byte mode only, versions 1..40, all four error
 * correction levels, Reed-Solomon over GF(256), the eight data masks scored
 * by the standard's four penalty rules (the lowest wins), format and
 * version information. Freestanding and allocation-free: everything lives
 * in the caller's struct qr_code (about 15 KiB: keep it static). Pure
 * (host-tested against zbarimg and python3-qrcode, tests/unit/test_qr.c).
 */
#ifndef FAULTLINE_QR_H
#define FAULTLINE_QR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QR_VERSION_MIN 1
#define QR_VERSION_MAX 40
#define QR_SIZE(version) (17 + 4 * (version))           /* modules per side */
#define QR_SIZE_MAX QR_SIZE(QR_VERSION_MAX)
#define QR_QUIET_ZONE 4                                  /* light modules around the symbol */
#define QR_CODEWORDS_MAX 3706                            /* version 40: data + error correction */
#define QR_GRID_BYTES ((QR_SIZE_MAX * QR_SIZE_MAX + 7) / 8)
#define QR_MASK_AUTO (-1)

/* Error correction levels: about 7, 15, 25 and 30 % of the codewords can be restored. */
enum qr_ecc { QR_ECC_L, QR_ECC_M, QR_ECC_Q, QR_ECC_H };

struct qr_code {
	uint32_t version;                  /* 1..40 */
	uint32_t size;                     /* QR_SIZE(version) */
	uint32_t mask;                     /* 0..7, the one applied */
	enum qr_ecc ecc;
	uint8_t modules[QR_GRID_BYTES];    /* bit y * size + x set: dark */
	uint8_t function[QR_GRID_BYTES];   /* bit set: a function module (finder, timing, ...), not data */
	uint8_t codewords[QR_CODEWORDS_MAX];   /* the final, interleaved codeword sequence */
	uint8_t blocks[QR_CODEWORDS_MAX];      /* data codewords, then each block's EC codewords */
};

/* How many bytes a byte-mode symbol of this version and level holds; 0 for
 * a version outside 1..40. */
size_t qr_byte_capacity(uint32_t version, enum qr_ecc ecc);

/*
 * Encodes data[0..len) in byte mode into qr, in the smallest version within
 * [min_version, max_version] that holds it at level ecc. mask is 0..7 to
 * force a data mask, or QR_MASK_AUTO for the one with the lowest penalty
 * (ties: the lowest number). Returns 0, or -1 (qr undefined) if the data
 * does not fit max_version, or the versions or the mask are out of range.
 */
int qr_encode(struct qr_code *qr, const uint8_t *data, size_t len, enum qr_ecc ecc, uint32_t min_version,
	      uint32_t max_version, int mask);

/* Whether module (x, y) of an encoded symbol is dark; x, y < qr->size. */
bool qr_module(const struct qr_code *qr, uint32_t x, uint32_t y);

/* The penalty score of qr's matrix as it stands (rules N1..N4 of the
 * standard; N3 counts the 1:1:3:1:1 pattern with 4 light modules on one
 * side, inside the symbol). */
uint32_t qr_penalty(const struct qr_code *qr);

#endif
