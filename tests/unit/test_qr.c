/*
 * Host tests for lib/qr.c, against two independent tools from Debian:
 * zbarimg (zbar-tools) must read back what we encode from a PGM picture of
 * the symbol, and python3-qrcode (tests/unit/qr_reference.py) must build
 * the very same matrix, module for module, and score it with the same
 * penalty, for every version at every level with the mask forced. Run from
 * the repository's top folder (make test does).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include "unit.h"
#include "../../lib/qr.c"

#define SCALE 4
#define REFERENCE "/usr/bin/python3 tests/unit/qr_reference.py"

static struct qr_code qr;

/* Deterministic filler bytes (all 256 values occur). */
static void fill(uint8_t *buf, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (uint8_t)(seed >> 16);
	}
}

/* Writes qr as a binary PGM, SCALE pixels a module, with the quiet zone. */
static int write_pgm(const struct qr_code *q, const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	uint32_t side = (q->size + 2 * QR_QUIET_ZONE) * SCALE;
	fprintf(f, "P5\n%u %u\n255\n", side, side);
	for (uint32_t py = 0; py < side; py++) {
		for (uint32_t px = 0; px < side; px++) {
			int32_t x = (int32_t)(px / SCALE) - QR_QUIET_ZONE, y = (int32_t)(py / SCALE) - QR_QUIET_ZONE;
			bool dark = x >= 0 && y >= 0 && (uint32_t)x < q->size && (uint32_t)y < q->size &&
				    qr_module(q, (uint32_t)x, (uint32_t)y);
			fputc(dark ? 0 : 255, f);
		}
	}
	return fclose(f);
}

/* Decodes the PGM at path with zbarimg; returns the bytes read (with
 * -Sbinary zbarimg adds no newline) or -1 when nothing was decoded. */
static long zbar_decode(const char *path, char *out, size_t size)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "zbarimg --raw -q -Sbinary %s 2>/dev/null", path);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	size_t n = fread(out, 1, size, p);
	int status = pclose(p);
	if (status != 0)
		return -1;
	return (long)n;
}

/* Encodes data at level ecc (best mask), decodes it with zbarimg, and checks it came back whole. */
static void round_trip(const uint8_t *data, size_t len, enum qr_ecc ecc)
{
	static char back[4096];
	char path[64];
	snprintf(path, sizeof(path), "/tmp/faultline-test-qr-%d.pgm", (int)getpid());
	CHECK(qr_encode(&qr, data, len, ecc, 1, 40, QR_MASK_AUTO) == 0);
	CHECK(write_pgm(&qr, path) == 0);
	long n = zbar_decode(path, back, sizeof(back));
	unlink(path);
	CHECK_EQ_U64(n, len);
	CHECK(n == (long)len && memcmp(back, data, len) == 0);
	if (n != (long)len || memcmp(back, data, len) != 0)
		printf("  (%zu bytes at level %d, version %u, mask %u)\n", len, ecc, qr.version, qr.mask);
}

TEST(zbarimg_reads_what_we_encode)
{
	static const char *texts[] = {
		"faultline",
		"FL1 1/1\nV f6cf1e6\nC GenuineIntel 6 85 7 KVMKVMKVM Intel(R) Xeon(R) Platinum\nP 5 52 57\n",
		"",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		round_trip((const uint8_t *)texts[i], strlen(texts[i]), QR_ECC_M);
	/* printable text of many lengths: versions 1..40 at M, and the other levels */
	static uint8_t buf[3000];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(' ' + (i * 7 + i / 13) % 95);
	static const size_t lengths[] = { 14, 15, 100, 213, 214, 500, 1000, 1500, 2000, 2331 };
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++)
		round_trip(buf, lengths[i], QR_ECC_M);
	round_trip(buf, 2953, QR_ECC_L);
	round_trip(buf, 300, QR_ECC_Q);
	round_trip(buf, 1273, QR_ECC_H);
}

TEST(capacity)
{
	/* byte-mode capacities from the standard's table */
	CHECK_EQ_U64(qr_byte_capacity(1, QR_ECC_L), 17);
	CHECK_EQ_U64(qr_byte_capacity(1, QR_ECC_M), 14);
	CHECK_EQ_U64(qr_byte_capacity(1, QR_ECC_Q), 11);
	CHECK_EQ_U64(qr_byte_capacity(1, QR_ECC_H), 7);
	CHECK_EQ_U64(qr_byte_capacity(10, QR_ECC_M), 213);
	CHECK_EQ_U64(qr_byte_capacity(40, QR_ECC_L), 2953);
	CHECK_EQ_U64(qr_byte_capacity(40, QR_ECC_M), 2331);
	CHECK_EQ_U64(qr_byte_capacity(40, QR_ECC_H), 1273);
	CHECK_EQ_U64(qr_byte_capacity(0, QR_ECC_M), 0);
	CHECK_EQ_U64(qr_byte_capacity(41, QR_ECC_M), 0);

	static uint8_t buf[3000];
	CHECK(qr_encode(&qr, buf, 14, QR_ECC_M, 1, 40, QR_MASK_AUTO) == 0);
	CHECK_EQ_U64(qr.version, 1);
	CHECK_EQ_U64(qr.size, 21);
	CHECK(qr_encode(&qr, buf, 15, QR_ECC_M, 1, 40, QR_MASK_AUTO) == 0);
	CHECK_EQ_U64(qr.version, 2);
	CHECK(qr_encode(&qr, buf, 15, QR_ECC_M, 5, 40, 3) == 0);    /* the smallest allowed version */
	CHECK_EQ_U64(qr.version, 5);
	CHECK_EQ_U64(qr.mask, 3);
	CHECK(qr_encode(&qr, buf, 2332, QR_ECC_M, 1, 40, QR_MASK_AUTO) == -1);
	CHECK(qr_encode(&qr, buf, 215, QR_ECC_M, 1, 10, QR_MASK_AUTO) == -1);
	CHECK(qr_encode(&qr, buf, 1, QR_ECC_M, 0, 40, QR_MASK_AUTO) == -1);
	CHECK(qr_encode(&qr, buf, 1, QR_ECC_M, 1, 41, QR_MASK_AUTO) == -1);
	CHECK(qr_encode(&qr, buf, 1, QR_ECC_M, 3, 2, QR_MASK_AUTO) == -1);
	CHECK(qr_encode(&qr, buf, 1, QR_ECC_M, 1, 40, 8) == -1);
	CHECK(qr_encode(&qr, buf, 1, (enum qr_ecc)4, 1, 40, 0) == -1);
}

/* One case for the reference: level, version, mask, the bytes. */
struct ref_case { enum qr_ecc ecc; uint32_t version, mask; uint32_t seed; size_t len; };

TEST(same_matrix_as_python3_qrcode)
{
	static const char level_name[] = "LMQH";
	static struct ref_case cases[400];
	static uint8_t data[3000];
	size_t ncases = 0;
	for (uint32_t v = 1; v <= 40; v++)    /* every version at M, full, a different mask each */
		cases[ncases++] = (struct ref_case){ QR_ECC_M, v, v % 8, v, qr_byte_capacity(v, QR_ECC_M) };
	for (uint32_t e = 0; e < 4; e++)      /* every level, a third of the versions, part full */
		for (uint32_t v = 1 + e; v <= 40; v += 3)
			cases[ncases++] = (struct ref_case){ (enum qr_ecc)e, v, (v + e) % 8, 100 + v,
							     qr_byte_capacity(v, (enum qr_ecc)e) * 2 / 3 + 1 };
	for (uint32_t m = 0; m < 8; m++) {     /* every mask, with and without version information */
		cases[ncases++] = (struct ref_case){ QR_ECC_M, 2, m, 7, 20 };
		cases[ncases++] = (struct ref_case){ QR_ECC_Q, 7, m, 8, 50 };
	}

	char reqpath[64];
	snprintf(reqpath, sizeof(reqpath), "/tmp/faultline-test-qr-%d.txt", (int)getpid());
	FILE *req = fopen(reqpath, "w");
	CHECK(req != NULL);
	if (!req)
		return;
	for (size_t i = 0; i < ncases; i++) {
		fill(data, cases[i].len, cases[i].seed);
		fprintf(req, "%c %u %u ", level_name[cases[i].ecc], cases[i].version, cases[i].mask);
		for (size_t k = 0; k < cases[i].len; k++)
			fprintf(req, "%02x", data[k]);
		fputc('\n', req);
	}
	fclose(req);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), REFERENCE " < %s", reqpath);
	FILE *ref = popen(cmd, "r");
	CHECK(ref != NULL);
	if (!ref)
		return;
	static char row[QR_SIZE_MAX + 8];
	for (size_t i = 0; i < ncases; i++) {
		const struct ref_case *c = &cases[i];
		fill(data, c->len, c->seed);
		CHECK(qr_encode(&qr, data, c->len, c->ecc, c->version, c->version, (int)c->mask) == 0);
		unsigned long penalty = 0;
		if (!fgets(row, sizeof(row), ref) || sscanf(row, "%lu", &penalty) != 1) {
			CHECK(!"python3-qrcode answered (is /usr/bin/python3 -c 'import qrcode' working?)");
			break;
		}
		uint32_t wrong = 0;
		for (uint32_t y = 0; y < qr.size; y++) {
			if (!fgets(row, sizeof(row), ref))
				row[0] = 0;
			for (uint32_t x = 0; x < qr.size; x++)
				wrong += (row[x] == '1') != qr_module(&qr, x, y);
		}
		CHECK_EQ_U64(wrong, 0);
		CHECK_EQ_U64(qr_penalty(&qr), penalty);
		if (wrong || qr_penalty(&qr) != penalty)
			printf("  (level %c, version %u, mask %u, %zu bytes)\n", level_name[c->ecc], c->version,
			       c->mask, c->len);
	}
	CHECK(pclose(ref) == 0);
	unlink(reqpath);
}

TEST(best_mask_has_the_lowest_penalty)
{
	static uint8_t data[600];
	for (uint32_t seed = 1; seed <= 12; seed++) {
		size_t len = 10 + seed * 45;
		fill(data, len, seed);
		uint32_t scores[8], lowest = UINT32_MAX, first_lowest = 0;
		for (uint32_t m = 0; m < 8; m++) {
			CHECK(qr_encode(&qr, data, len, QR_ECC_M, 1, 40, (int)m) == 0);
			scores[m] = qr_penalty(&qr);
			if (scores[m] < lowest) {
				lowest = scores[m];
				first_lowest = m;
			}
		}
		CHECK(qr_encode(&qr, data, len, QR_ECC_M, 1, 40, QR_MASK_AUTO) == 0);
		CHECK_EQ_U64(qr.mask, first_lowest);
		CHECK_EQ_U64(qr_penalty(&qr), scores[first_lowest]);
	}
}

UNIT_MAIN(UNIT(capacity), UNIT(zbarimg_reads_what_we_encode), UNIT(same_matrix_as_python3_qrcode),
	  UNIT(best_mask_has_the_lowest_penalty))
